"""Entity spans highlighted in the running text, one colour per label."""

from __future__ import annotations

from typing import Any

from ._html import esc, label_color


def render_ent(
    doc: Any,
    options: dict[str, Any] | None = None,
    marks: dict[tuple[int, int, str], str] | None = None,
    extra: list[tuple[int, int, str]] | None = None,
) -> str:
    """A Doc's text with its entities as ``<mark class="entity">``.

    doc (Doc): the document.
    options (Optional[dict]): ``ents`` (list[str]): only these labels;
        ``colors`` (dict[str, str]): label -> CSS colour.
    marks (Optional[dict]): (start_char, end_char, label) -> extra class
        ("diff", "missed") for comparisons.
    extra (Optional[list]): spans to draw besides the Doc's own (as chars).
    RETURNS (str): a ``<div class="ents">``.
    """
    options = options or {}
    only = set(options["ents"]) if options.get("ents") else None
    colors = options.get("colors")
    marks = marks or {}
    spans = [(e.start_char, e.end_char, e.label_) for e in doc.ents] + list(extra or [])
    spans = sorted({s for s in spans if only is None or s[2] in only})
    text = doc.text
    out, pos = [], 0
    for start, end, label in spans:
        if start < pos:  # overlapping spans (only from `extra`): the first wins
            continue
        out.append(esc(text[pos:start]))
        cls = "entity" + (f" {marks[(start, end, label)]}" if (start, end, label) in marks else "")
        out.append(
            f'<mark class="{cls}" data-label="{esc(label)}" style="background:{esc(label_color(label, colors))}">'
            f'{esc(text[start:end])}<span class="label">{esc(label)}</span></mark>'
        )
        pos = end
    out.append(esc(text[pos:]))
    return f'<div class="ents">{"".join(out)}</div>'
