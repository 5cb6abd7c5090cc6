"""``plait.visualize``: dependency arcs and entity spans as standalone HTML.

spaCy users know it as displacy::

    from plait import visualize
    html = visualize.render(doc, style="dep")      # one SVG per sentence
    html = visualize.render(docs, style="ent")     # spans in label colours
    visualize.serve(docs, style="dep", port=5000)  # http://127.0.0.1:5000

Every page is one self-contained file: inline SVG and CSS, no scripts, no
network. All document text is escaped, so a token ``<script>`` stays text.
"""

from __future__ import annotations

from ._compare import render_comparison, sample_indices, write_comparison
from ._render import render
from ._serve import serve

__all__ = ["render", "render_comparison", "sample_indices", "serve", "write_comparison"]
