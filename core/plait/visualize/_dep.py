"""Dependency arcs as SVG: one ``<svg class="dep">`` per sentence.

Words sit on a baseline, each with its part-of-speech tag below; every token
whose head is another token gets one ``<g class="arc">`` (a curve from the
head, an arrowhead at the dependent, the label on top). Arc heights rank the
distinct head-dependent distances of the sentence, so nested arcs never cross
their parents' labels.
"""

from __future__ import annotations

from typing import Any

from ._html import esc

WORD_MIN = 70  # px: the narrowest word column
CHAR_W = 9  # px per character of the widest of word and tag
ARC_STEP = 34  # px of height per arc level
MARGIN = 24


def _columns(words: list[str], tags: list[str]) -> list[float]:
    """RETURNS (list[float]): the x centre of each word."""
    xs, x = [], float(MARGIN)
    for word, tag in zip(words, tags, strict=True):
        width = max(WORD_MIN, CHAR_W * max(len(word), len(tag)) + 24)
        xs.append(x + width / 2)
        x += width
    return xs


def render_sentence(
    words: list[str],
    tags: list[str],
    heads: list[int],
    deps: list[str],
    *,
    marks: dict[int, str] | None = None,
    offset: int = 0,
) -> str:
    """One sentence as an SVG.

    words (list[str]): the token texts.
    tags (list[str]): the tag shown under each word ("" for none).
    heads (list[int]): each token's head, as an index into `words`; a token
        that is its own head (a root, or no parse) gets no arc.
    deps (list[str]): each token's arc label.
    marks (Optional[dict[int, str]]): token index -> extra arc class ("diff",
        "missed") for comparisons.
    offset (int): the index of the sentence's first token in its Doc (for data-*).
    RETURNS (str): the ``<svg>`` element.
    """
    marks = marks or {}
    xs = _columns(words, tags)
    arcs = [(i, h) for i, h in enumerate(heads) if h != i]
    distances = sorted({abs(h - i) for i, h in arcs})
    level = {d: n + 1 for n, d in enumerate(distances)}
    top = (len(distances) * ARC_STEP + 24) if arcs else 8
    baseline = top
    width = (xs[-1] + max(WORD_MIN, CHAR_W * max(len(words[-1]), len(tags[-1])) + 24) / 2 + MARGIN) if xs else 2 * MARGIN
    height = baseline + 48
    parts = [
        f'<svg class="dep" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="dependency parse">'
    ]
    for i, h in arcs:
        x_head, x_child = xs[h], xs[i]
        # Ends shifted a little towards each other, so arcs meeting at a word
        # from both sides stay apart.
        shift = 5 if x_child > x_head else -5
        x1, x2 = x_head + shift, x_child - shift / 2
        rise = level[abs(h - i)] * ARC_STEP
        y = baseline
        cls = "arc" + (f" {marks[i]}" if i in marks else "")
        label_y = y - rise * 0.75 * 1.1 - 5
        parts.append(
            f'<g class="{cls}" data-child="{i + offset}" data-head="{h + offset}" data-dep="{esc(deps[i])}">'
            f"<title>{esc(deps[i])}: {esc(words[h])} \u2192 {esc(words[i])}</title>"
            f'<path d="M{x1:.1f},{y} C{x1:.1f},{y - rise * 1.1:.1f} {x2:.1f},{y - rise * 1.1:.1f} {x2:.1f},{y}"/>'
            f'<path class="head" d="M{x2 - 4:.1f},{y - 8} L{x2 + 4:.1f},{y - 8} L{x2:.1f},{y} Z"/>'
            f'<text x="{(x1 + x2) / 2:.1f}" y="{label_y:.1f}" style="paint-order:stroke;stroke:#fff;'
            f'stroke-width:3px">{esc(deps[i])}</text></g>'
        )
    for i, (x, word, tag) in enumerate(zip(xs, words, tags, strict=True)):
        parts.append(
            f'<text class="word" data-i="{i + offset}" x="{x:.1f}" y="{baseline + 20}">{esc(word)}</text>'
            + (f'<text class="tag" x="{x:.1f}" y="{baseline + 38}">{esc(tag)}</text>' if tag else "")
        )
    parts.append("</svg>")
    return "".join(parts)


def render_dep(doc: Any, options: dict[str, Any] | None = None, marks: dict[int, str] | None = None) -> str:
    """A Doc's parse, one SVG per sentence.

    doc (Doc): the document (without a parse, the words are drawn alone).
    options (Optional[dict]): ``fine_grained`` (bool): show ``tag_`` instead
        of ``pos_``; ``add_lemma`` (bool): show the lemma under the tag.
    marks (Optional[dict[int, str]]): doc token index -> arc class.
    RETURNS (str): the SVG elements.
    """
    options = options or {}
    fine = bool(options.get("fine_grained", False))
    parsed = doc.has_annotation("DEP")
    tokens = list(doc)
    words = [t.text for t in tokens]
    tags = [(t.tag_ if fine else t.pos_) or "" for t in tokens]
    if options.get("add_lemma"):
        tags = [f"{tag} {t.lemma_}".strip() for tag, t in zip(tags, tokens, strict=True)]
    heads = [t.head.i for t in tokens] if parsed else list(range(len(tokens)))
    deps = [t.dep_ for t in tokens]
    # A sentence is the span between roots' subtrees as the Doc sets them;
    # an arc that would leave its sentence (a broken parse) stays drawn by
    # taking the whole Doc as one sentence.
    bounds = [(s.start, s.end) for s in doc.sents] if parsed and len(doc) else [(0, len(tokens))]
    if any(not (start <= heads[i] < end) for start, end in bounds for i in range(start, end)):
        bounds = [(0, len(tokens))]
    marks = marks or {}
    out = []
    for start, end in bounds:
        out.append(render_sentence(
            words[start:end], tags[start:end], [h - start for h in heads[start:end]], deps[start:end],
            marks={i - start: c for i, c in marks.items() if start <= i < end}, offset=start,
        ))
    return "\n".join(out)
