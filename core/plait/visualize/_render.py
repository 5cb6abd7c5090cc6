"""``plait.visualize.render``: Docs to HTML."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import UsageError
from ._dep import render_dep
from ._ent import render_ent
from ._html import esc
from ._html import page as wrap_page

STYLES = ("dep", "ent")


def _as_docs(docs: Any) -> list[Any]:
    if hasattr(docs, "as_doc") and hasattr(docs, "doc"):  # a Span: drawn as its own Doc
        return [docs.as_doc()]
    if hasattr(docs, "ents") and hasattr(docs, "text"):  # one Doc
        return [docs]
    if not isinstance(docs, Iterable) or isinstance(docs, str):
        raise UsageError(
            f"plait.visualize.render: expected a Doc or a list of Docs, got {type(docs).__name__}."
        )
    return list(docs)


def render(
    docs: Any,
    style: str = "dep",
    *,
    page: bool = True,
    options: dict[str, Any] | None = None,
    title: str = "plait visualize",
) -> str:
    """Render Docs as dependency arcs or highlighted entities.

    docs (Doc | Iterable[Doc]): what to draw.
    style (str): "dep" (SVG arcs, one per non-root token) or "ent" (spans).
    page (bool): a standalone HTML page (True) or just the markup to embed.
    options (Optional[dict]): for "dep": ``fine_grained``, ``add_lemma``; for
        "ent": ``ents`` (labels to show), ``colors`` (label -> CSS colour).
    title (str): the page title.
    RETURNS (str): the HTML.
    """
    if style not in STYLES:
        raise UsageError(f"plait.visualize.render: style must be one of {', '.join(STYLES)}, got '{style}'.")
    parts = []
    for n, doc in enumerate(_as_docs(docs)):
        inner = render_dep(doc, options) if style == "dep" else render_ent(doc, options)
        parts.append(f'<div class="doc {esc(style)}" data-doc="{n}">{inner}</div>')
    markup = "\n".join(parts)
    return wrap_page(markup, title=title) if page else markup
