"""Retokenizer: merge token spans into single tokens (``doc.retokenize()``).

Merges are collected inside the ``with`` block and applied together on exit
by rebuilding the columns once. The merged token takes the attributes of
the span's root (spaCy's default), then any ``attrs`` given; heads that
pointed into a merged span point to the merged token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import attrs as A
from ..errors import UsageError
from .doc import TOKEN_COLUMNS, _Columns
from .span import Span

if TYPE_CHECKING:
    from .doc import Doc


class Retokenizer:
    """Context manager returned by ``doc.retokenize()``."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._merges: list[tuple[Span, dict]] = []

    def __enter__(self) -> Retokenizer:
        return self

    def merge(self, span: Span, attrs: dict[str, Any] | None = None) -> None:
        """Mark ``span`` to be merged into one token, with optional attributes."""
        if span.doc is not self.doc:
            raise UsageError("retokenize.merge: the span belongs to another Doc")
        for other, _ in self._merges:
            if span.start < other.end and other.start < span.end:
                raise UsageError(
                    f"retokenize.merge: span {span.start}:{span.end} overlaps span {other.start}:{other.end}, "
                    "already marked for merging"
                )
        if len(span) == 0:
            raise UsageError("retokenize.merge: cannot merge an empty span")
        self._merges.append((span, attrs or {}))

    def split(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError("retokenize.split is not supported by plait; only merge is")

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and self._merges:
            _apply_merges(self.doc, sorted(self._merges, key=lambda m: m[0].start))


def _apply_merges(doc: Doc, merges: list[tuple[Span, dict]]) -> None:
    n = len(doc)
    strings = doc.vocab.strings
    heads = np.arange(n) + doc._tok[A.HEAD]
    keep = np.ones(n, dtype=bool)
    # Each merged span collapses into its first position; the root's values go there.
    lex = doc._lex.copy()
    spaces = doc._spaces.copy()
    tok = {attr: doc._tok[attr].copy() for attr in TOKEN_COLUMNS}
    group_of = np.arange(n)
    for span, attrs in merges:
        s, e = span.start, span.end
        root = span.root.i
        lex[s] = doc.vocab.get_lex_id(span.text)
        spaces[s] = doc._spaces[e - 1]
        for attr, col in tok.items():
            if attr not in (A.ENT_IOB, A.ENT_TYPE, A.ENT_KB_ID, A.SENT_START):
                col[s] = doc._tok[attr][root]
        heads[s] = heads[root]
        keep[s + 1 : e] = False
        group_of[s:e] = s
        for attr, value in A.intify_attrs(attrs, strings).items():
            if attr not in tok:
                raise UsageError(
                    f"retokenize.merge: cannot set attribute {A.NAMES.get(attr, attr)} on a merged token"
                )
            if attr == A.MORPH and isinstance(value, (str, dict)):
                value = doc.vocab.morphology.add(value)
            tok[attr][s] = value
    new_index = np.cumsum(keep) - 1
    new_heads = new_index[group_of[heads]][keep]
    new_n = int(keep.sum())
    tok = {attr: col[keep] for attr, col in tok.items()}
    tok[A.HEAD] = new_heads - np.arange(new_n)
    spans_before = {name: list(group) for name, group in doc.spans.items()}
    doc._lex = lex[keep]
    doc._spaces = spaces[keep]
    doc._tok = _Columns(new_n, tok)
    doc._idx = None
    if doc._norm is not None:
        doc._norm = doc._norm[keep]
    end_index = np.append(new_index, new_n)
    for name, group in spans_before.items():
        doc.spans[name] = [
            Span(doc, int(new_index[sp.start]) if sp.start < n else new_n,
                 int(end_index[sp.end - 1]) + 1 if sp.end > sp.start else int(new_index[sp.start]),
                 label=sp.label, kb_id=sp.kb_id, span_id=sp.id)
            for sp in group
        ]  # fmt: skip
