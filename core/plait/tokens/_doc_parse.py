"""Dependency-tree queries over the HEAD column, vectorised with numpy.

Heads are stored as offsets (``head - i``, 0 for a root or a missing head),
so concatenating Docs keeps them valid. Sentence starts follow from the
trees: each token's root is found by pointer jumping (log-depth numpy
steps), and a new sentence starts wherever the root changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import attrs as A
from ..errors import DataError

if TYPE_CHECKING:
    from .doc import Doc


def abs_heads(doc: Doc) -> np.ndarray:
    """RETURNS (numpy.ndarray): absolute head index of every token."""
    return np.arange(len(doc), dtype=np.int64) + doc._tok[A.HEAD]


def check_heads(heads_abs: np.ndarray, where: str = "heads") -> None:
    """Raise DataError naming the first head outside the doc."""
    n = len(heads_abs)
    bad = np.flatnonzero((heads_abs < 0) | (heads_abs >= n))
    if len(bad):
        i = int(bad[0])
        raise DataError(
            f"{where}[{i}] = {int(heads_abs[i])}: the head of token {i} is outside the doc "
            f"(valid heads are 0..{n - 1}; heads are absolute token indices)"
        )


def roots_of(heads_abs: np.ndarray) -> np.ndarray:
    """Return each token's root by pointer jumping (cycles stop after 64 rounds)."""
    root = heads_abs.copy()
    for _ in range(64):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return root


def sent_starts_from_heads(rel_heads: np.ndarray) -> np.ndarray:
    """Sentence starts (int8: 1 start, -1 not) implied by the trees."""
    n = len(rel_heads)
    starts = np.full(n, -1, dtype=np.int8)
    if n and np.count_nonzero(rel_heads == 0) == 1:
        starts[0] = 1  # one tree: one sentence (the common case, no jumping)
    elif n:
        root = roots_of(np.arange(n, dtype=np.int64) + rel_heads)
        starts[0] = 1
        starts[1:][root[1:] != root[:-1]] = 1
    return starts


def update_sent_starts(doc: Doc) -> None:
    """Recompute SENT_START from the parse where DEP is annotated."""
    if doc._tok[A.DEP].any():
        doc._tok[A.SENT_START][:] = sent_starts_from_heads(doc._tok[A.HEAD])


def children(doc: Doc, i: int) -> np.ndarray:
    """Indices of the tokens whose head is ``i`` (in order)."""
    heads = abs_heads(doc)
    kids = np.flatnonzero(heads == i)
    return kids[kids != i]


def descendants_mask(doc: Doc, i: int) -> np.ndarray:
    """Boolean mask of ``i`` and everything below it (breadth-first, vectorised)."""
    heads = abs_heads(doc)
    not_root = heads != np.arange(len(doc))
    mask = np.zeros(len(doc), dtype=bool)
    mask[i] = True
    frontier = mask.copy()
    while True:
        frontier = frontier[heads] & not_root & ~mask
        if not frontier.any():
            return mask
        mask |= frontier


def set_head(doc: Doc, i: int, head: int) -> None:
    """Attach token ``i`` to ``head`` (absolute), refusing cycles."""
    n = len(doc)
    if not 0 <= head < n:
        raise DataError(f"token {i}: head {head} is outside the doc (0..{n - 1})")
    if head != i and descendants_mask(doc, i)[head]:
        raise DataError(
            f"token {i}: cannot attach to token {head}, which is inside its own subtree (cycle)"
        )
    doc._tok[A.HEAD][i] = head - i
    update_sent_starts(doc)
