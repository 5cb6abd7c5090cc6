"""Batched column reads and writes: ``Doc.to_array`` / ``Doc.from_array``
for a whole batch of Docs at once.

Why it exists: models read features and components write predictions batch
by batch, and most docs are short (a sentence), so calling ``doc.to_array``
or ``doc.from_array`` per doc spends more time in the fixed cost of a dozen
small numpy calls than in the work itself. Here lexeme attributes are one
fancy-index over the concatenated lexeme rows of the batch, token columns one
concatenation each, and a write converts and checks each column once, then
hands every doc its slice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .. import attrs as A
from ..errors import DataError
from .doc import LEXEME_ATTRS, TOKEN_COLUMNS, Doc

# Columns a batch write can fill slice by slice: HEAD needs a per-doc tree
# check and sentence recomputation, so it goes through Doc.from_array.
_SLICE_WRITABLE = frozenset(TOKEN_COLUMNS) - {A.HEAD}
_POS_IDS = frozenset(A.POS_NAMES)


def docs_to_array(docs: Sequence[Any], attrs: Iterable[str | int] | str | int) -> np.ndarray:
    """The rows of ``doc.to_array(attrs)`` of every doc, stacked in order.

    docs (Sequence[Doc]): the docs (sharing a vocab for the fast path).
    attrs (int | str | list): attribute names or ids, as for ``Doc.to_array``.
    RETURNS (numpy.ndarray): shape (total tokens, len(attrs)), dtype uint64;
        doc k's rows start at ``sum(len(d) for d in docs[:k])``.
    """
    ids, _ = A.as_attr_list(attrs)
    if not docs:
        return np.zeros((0, len(ids)), dtype=np.uint64)
    vocab = docs[0].vocab
    if not all(isinstance(doc, Doc) and doc.vocab is vocab for doc in docs):
        # Docs of several vocabs, or Doc-likes that only offer to_array.
        return np.concatenate([np.asarray(doc.to_array(ids), dtype=np.uint64) for doc in docs])
    lex = np.concatenate([doc._lex for doc in docs]) if len(docs) > 1 else docs[0]._lex
    out = np.empty((len(lex), len(ids)), dtype=np.uint64)
    for k, attr in enumerate(ids):
        if attr in LEXEME_ATTRS and not (attr == A.NORM and _has_norm_overrides(docs)):
            out[:, k] = vocab._lex_values(attr, lex)
        elif attr in TOKEN_COLUMNS:
            cols = [doc._tok.get(attr) for doc in docs]  # None: unallocated, all zeros
            if all(col is None for col in cols):
                out[:, k] = 0
            else:
                dtype = TOKEN_COLUMNS[attr]
                out[:, k] = np.concatenate(
                    [np.zeros(len(d), dtype=dtype) if c is None else c for d, c in zip(docs, cols, strict=True)]
                )
        else:
            out[:, k] = np.concatenate([doc._column(attr) for doc in docs])
    return out


def docs_from_array(docs: Sequence[Any], attrs: Iterable[str | int] | str | int, array: np.ndarray) -> None:
    """``doc.from_array(attrs, rows)`` for every doc, rows taken in order.

    docs (Sequence[Doc]): the docs.
    attrs (int | str | list): attribute names or ids, as for ``Doc.from_array``.
    array (numpy.ndarray): shape (total tokens, len(attrs)) or (total tokens,)
        for one attribute; doc k's rows start at ``sum(len(d) for d in docs[:k])``.
    """
    ids, _ = A.as_attr_list(attrs)
    array = np.asarray(array)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    sizes = [len(doc) for doc in docs]
    total = sum(sizes)
    if array.shape != (total, len(ids)):
        raise DataError(
            f"docs_from_array: array of shape {array.shape} for {len(ids)} attributes and "
            f"{len(docs)} docs of {total} tokens; expected ({total}, {len(ids)})"
        )
    if not _slice_writable(ids, array):
        # HEAD, lexeme attributes or invalid values: Doc.from_array does the
        # checks (and raises with its own messages).
        start = 0
        for doc, size in zip(docs, sizes, strict=True):
            doc.from_array(ids, array[start : start + size])
            start += size
        return
    # Fresh converted columns (never views of the caller's array); each doc
    # gets its slice as its column, or copies it into a column it already has.
    columns = []
    for k, attr in enumerate(ids):
        col = array[:, k]
        if attr == A.SENT_START:
            col = col.astype(np.int64)
        columns.append((attr, col.astype(TOKEN_COLUMNS[attr])))
    start = 0
    for doc, size in zip(docs, sizes, strict=True):
        end = start + size
        tok = doc._tok
        for attr, col in columns:
            if attr in tok:
                tok[attr][:] = col[start:end]
            else:
                tok[attr] = col[start:end]
        start = end


def _slice_writable(ids: list[int], array: np.ndarray) -> bool:
    for k, attr in enumerate(ids):
        if attr not in _SLICE_WRITABLE:
            return False
        if attr == A.POS and not set(np.unique(array[:, k]).tolist()) <= _POS_IDS:
            return False
        if attr == A.ENT_IOB and len(array) and array[:, k].max() > 3:
            return False
    return True


def _has_norm_overrides(docs: Sequence[Any]) -> bool:
    return any(doc._norm is not None for doc in docs)
