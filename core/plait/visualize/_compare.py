"""Predictions beside the gold annotation, differences marked (``plait evaluate --html``).

Tokens are matched by character offsets, so a pipeline that tokenizes
differently from the corpus still compares: an arc is the same when its
dependent and head cover the same characters with the same label, an entity
when its characters and label match. In the predicted column a wrong arc or
entity is marked ``diff`` (red); in the gold column one the pipeline missed
is marked ``missed`` (dashed amber).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import fs
from ._dep import render_dep
from ._ent import render_ent
from ._html import esc, page

REPORT_FILE = "index.html"


def _arcs(doc: Any) -> dict[int, tuple[tuple[int, int], tuple[int, int], str]]:
    """RETURNS (dict): token index -> (dependent chars, head chars, label), roots left out."""
    if not doc.has_annotation("DEP"):
        return {}
    out = {}
    for tok in doc:
        head = tok.head
        if head.i != tok.i:
            out[tok.i] = ((tok.idx, tok.idx + len(tok)), (head.idx, head.idx + len(head)), tok.dep_)
    return out


def _ents(doc: Any) -> set[tuple[int, int, str]]:
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents}


def styles_of(examples: Iterable[Any]) -> list[str]:
    """RETURNS (list[str]): "dep" and/or "ent": what the pipeline predicted
    (a tagger's predictions have no arcs to compare, whatever the gold has)."""
    examples = list(examples)
    styles = []
    if any(eg.predicted.has_annotation("DEP") for eg in examples):
        styles.append("dep")
    if any(eg.predicted.has_annotation("ENT_IOB") for eg in examples):
        styles.append("ent")
    return styles


def compare_example(eg: Any, styles: Sequence[str], *, options: dict[str, Any] | None = None,
                    label: str = "") -> tuple[str, int]:
    """One Example's gold and predicted columns.

    eg (Example): ``predicted`` as the pipeline annotated it, ``reference`` the gold.
    styles (Sequence[str]): "dep" and/or "ent".
    options (Optional[dict]): passed to the renderers.
    label (str): the heading (e.g. the document's index in the corpus).
    RETURNS (tuple[str, int]): the markup and the number of differences.
    """
    gold, pred = eg.reference, eg.predicted
    n_diff = 0
    gold_parts, pred_parts, notes = [], [], []
    if "dep" in styles:
        gold_arcs, pred_arcs = _arcs(gold), _arcs(pred)
        gold_set, pred_set = set(gold_arcs.values()), set(pred_arcs.values())
        # Without a gold parse there is nothing to be wrong against.
        pred_marks = {i: "diff" for i, arc in pred_arcs.items() if arc not in gold_set} \
            if gold.has_annotation("DEP") else {}
        gold_marks = {i: "missed" for i, arc in gold_arcs.items() if arc not in pred_set}
        n_diff += len(pred_marks) + len(gold_marks)
        notes.append(f"{len(pred_marks)} wrong arc(s), {len(gold_marks)} missed")
        gold_parts.append(render_dep(gold, options, gold_marks))
        pred_parts.append(render_dep(pred, options, pred_marks))
    if "ent" in styles:
        gold_ents, pred_ents = _ents(gold), _ents(pred)
        pred_marks_e = {s: "diff" for s in pred_ents - gold_ents}
        gold_marks_e = {s: "missed" for s in gold_ents - pred_ents}
        n_diff += len(pred_marks_e) + len(gold_marks_e)
        notes.append(f"{len(pred_marks_e)} wrong entit{'y' if len(pred_marks_e) == 1 else 'ies'}, "
                     f"{len(gold_marks_e)} missed")
        gold_parts.append(render_ent(gold, options, gold_marks_e))
        pred_parts.append(render_ent(pred, options, pred_marks_e))
    head = f"{esc(label)} \u2014 {esc('; '.join(notes))}" if label else esc("; ".join(notes))
    markup = (
        f'<section class="doc" data-differences="{n_diff}"><h2>{head}</h2><div class="compare">'
        f'<div class="gold"><h3>Gold</h3>{"".join(gold_parts)}</div>'
        f'<div class="predicted"><h3>Predicted</h3>{"".join(pred_parts)}</div></div></section>'
    )
    return markup, n_diff


def render_comparison(
    examples: Iterable[Any],
    *,
    indices: Sequence[int] | None = None,
    styles: Sequence[str] | None = None,
    options: dict[str, Any] | None = None,
    title: str = "plait evaluate: predictions and gold",
    total: int | None = None,
) -> str:
    """A page with each Example's gold and predicted annotation side by side.

    examples (Iterable[Example]): evaluated Examples (``predicted`` annotated).
    indices (Optional[Sequence[int]]): each Example's index in the corpus (headings).
    styles (Optional[Sequence[str]]): "dep"/"ent"; default: what the data has.
    options (Optional[dict]): passed to the renderers.
    title (str): the page title.
    total (Optional[int]): the corpus size, when the Examples are a sample.
    RETURNS (str): the HTML page.
    """
    examples = list(examples)
    styles = list(styles) if styles is not None else styles_of(examples)
    indices = list(indices) if indices is not None else list(range(len(examples)))
    sections, n_diff = [], 0
    for i, eg in zip(indices, examples, strict=True):
        markup, n = compare_example(eg, styles, options=options, label=f"Document {i}")
        sections.append(markup)
        n_diff += n
    shown = f"{len(examples)} of {total}" if total is not None else str(len(examples))
    intro = (
        f"<h1>{esc(title)}</h1><p>{shown} documents, {n_diff} differences "
        f"({esc(', '.join(styles) or 'nothing to compare')}).</p>"
        '<p class="legend"><span class="d">red: predicted, not in gold</span>'
        '<span class="m">dashed amber: gold, not predicted</span></p>'
    )
    return page(intro + "\n".join(sections), title=title)


def sample_indices(n: int, limit: int) -> list[int]:
    """RETURNS (list[int]): up to `limit` indices spread evenly over ``range(n)``,
    the first and the last included (deterministic)."""
    count = max(0, min(limit, n))
    if count <= 1:
        return list(range(count))
    return sorted({round(k * (n - 1) / (count - 1)) for k in range(count)})


def write_comparison(examples: Sequence[Any], out_dir: str | Path, *, indices: Sequence[int] | None = None,
                     total: int | None = None, options: dict[str, Any] | None = None) -> Path:
    """Write ``<out_dir>/index.html`` comparing each Example's prediction with its gold.

    examples (Sequence[Example]): Examples whose ``predicted`` the pipeline annotated.
    out_dir (str | Path): the folder (created).
    indices (Optional[Sequence[int]]): each Example's index in its corpus.
    total (Optional[int]): the corpus size, when the Examples are a sample.
    options (Optional[dict]): passed to the renderers.
    RETURNS (Path): the page's path.
    """
    html = render_comparison(examples, indices=indices, options=options, total=total)
    path = Path(out_dir) / REPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fs.write_text(path, html)
    return path
