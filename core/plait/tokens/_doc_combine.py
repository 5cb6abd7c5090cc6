"""Copying and concatenating Docs (``doc.copy()``, ``Doc.from_docs``).

Both work on whole columns: a copy duplicates the arrays, a concatenation
joins them (heads are offsets, so they stay valid) and shifts span groups.
"""

from __future__ import annotations

import copy as _copy

import numpy as np

from .. import attrs as A
from ..errors import UsageError
from .doc import TOKEN_COLUMNS, Doc
from .span import Span


def copy_doc(source: Doc) -> Doc:
    """RETURNS (Doc): a deep copy of ``source`` sharing the vocab."""
    doc = Doc._from_columns(source.vocab, source._lex.copy(), source._spaces.copy(), source._tok)
    doc._norm = None if source._norm is None else source._norm.copy()
    doc.user_data = _copy.deepcopy(source.user_data)
    doc.cats = dict(source.cats)
    for name, group in source.spans.items():
        doc.spans[name] = [
            Span(doc, s.start, s.end, label=s.label, kb_id=s.kb_id, span_id=s.id) for s in group
        ]
    doc.tensor = None if source.tensor is None else source.tensor.copy()
    return doc


def concat_docs(docs: list[Doc], ensure_whitespace: bool = True) -> Doc:
    """Concatenate Docs sharing one vocab (``Doc.from_docs``)."""
    if not docs:
        raise UsageError("Doc.from_docs needs at least one Doc")
    vocab = docs[0].vocab
    for k, d in enumerate(docs):
        if d.vocab is not vocab:
            raise UsageError(
                f"Doc.from_docs: docs[{k}] has a different Vocab; all docs must share one"
            )
    spaces = []
    for k, d in enumerate(docs):
        sp = d._spaces.copy()
        if ensure_whitespace and len(sp) and not sp[-1] and k < len(docs) - 1:
            sp[-1] = not d[-1].is_space
        spaces.append(sp)
    cols = {attr: np.concatenate([d._tok[attr] for d in docs]) for attr in TOKEN_COLUMNS}
    if any(d.has_annotation(A.SENT_START) for d in docs):
        offset = 0
        for d in docs:
            if len(d):
                cols[A.SENT_START][offset] = 1
            offset += len(d)
    doc = Doc._from_columns(
        vocab, np.concatenate([d._lex for d in docs]), np.concatenate(spaces), cols
    )
    offset = 0
    for d in docs:
        for name, group in d.spans.items():
            target = doc.spans.setdefault(name, [])
            for s in group:
                target.append(
                    Span(
                        doc,
                        s.start + offset,
                        s.end + offset,
                        label=s.label,
                        kb_id=s.kb_id,
                        span_id=s.id,
                    )
                )
        for key, value in d.user_data.items():
            doc.user_data.setdefault(key, value)
        offset += len(d)
    return doc
