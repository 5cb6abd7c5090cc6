"""Gold arcs for the arc-eager oracle: aligned, projectivized, checked, cached.

``example_gold`` turns one Example into numpy arrays over its predicted
tokens (``Example.get_aligned_parse(projectivize=True)``: non-projective arcs
lifted, labels decorated) and caches them on the example, so the training
loop pays for alignment, lifting and checks once per example, not per epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from plait.errors import DataError
from plait.training import nonproj

# Gold heads (local token indices otherwise):
GOLD_ROOT = -1  # attached to the virtual root: the token is a sentence root
GOLD_MISSING = -2  # no annotation: arcs to it cost nothing
_CACHE_ATTR = "_arc_eager_gold_cache"
_PARSE_CACHE_ATTR = "_arc_eager_parse_cache"


@dataclass
class ArcEagerGold:
    """Gold arcs of a batch of examples on their predicted tokens.

    heads (int64, B × longest doc): local gold head, ``GOLD_ROOT`` for a root,
        ``GOLD_MISSING`` for no annotation (and padding).
    labels (int64, B × longest doc): label index, -1 when unknown (and roots).
    lengths (int64, B): the docs' lengths.
    """

    heads: np.ndarray
    labels: np.ndarray
    lengths: np.ndarray


def stack_gold(parts: Sequence[tuple[np.ndarray, np.ndarray, Any]], offsets: np.ndarray) -> ArcEagerGold:
    """One ``ArcEagerGold`` from per-example ``(heads, labels, _)`` arrays.

    RAISES (DataError): when there is not one offset per example.
    """
    lengths = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=len(parts))
    if len(offsets) != len(lengths):
        raise DataError(f"{len(offsets)} offsets for {len(lengths)} examples: give one offset per example")
    width = int(lengths.max()) if len(parts) else 0
    heads = np.full((len(parts), width), GOLD_MISSING, dtype=np.int64)
    labels = np.full((len(parts), width), -1, dtype=np.int64)
    for k, (h, lab, _) in enumerate(parts):
        heads[k, : len(h)] = h
        labels[k, : len(lab)] = lab
    return ArcEagerGold(heads, labels, lengths)


def example_gold(
    eg: Any, k: int, labels: Sequence[str], label_index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Gold heads, label indices and unknown labels of one example, cached on it.

    The cache is keyed by the labels and checked against the example's docs
    (a new predicted or reference doc recomputes).

    eg (Example): the example. k (int): its position in the batch (for messages).
    labels (Sequence[str]): the system's labels. label_index (dict[str, int]): their indices.
    RETURNS (tuple): heads (local; ``GOLD_ROOT`` / ``GOLD_MISSING``), label
        indices (-1 unknown; labels without a move map to "dep" when it is a
        label) and ``{label: first token}`` of the labels without a move.
    RAISES (DataError): for a cycle or a head outside its sentence.
    """
    cache = eg.__dict__.setdefault(_CACHE_ATTR, {})
    key = tuple(labels)
    hit = cache.get(key)
    if hit is not None and hit[0] is eg.predicted and hit[1] is eg.reference:
        return hit[2]
    value = _compute(eg, k, label_index)
    cache[key] = (eg.predicted, eg.reference, value)
    return value


def _compute(eg: Any, k: int, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    heads, deps = aligned_parse(eg, k)
    n = len(heads)
    idx = np.arange(n, dtype=np.int64)
    arr = np.fromiter((GOLD_MISSING if h is None else h for h in heads), dtype=np.int64, count=n)
    outside = np.flatnonzero((arr != GOLD_MISSING) & ((arr < 0) | (arr >= n)))
    if len(outside):
        i = int(outside[0])
        raise DataError(f"{where(eg, k, i)}: its gold head {int(arr[i])} is outside the doc (0..{n - 1})")
    if _one_to_one(eg):
        _check_sentences(arr, eg, k)
    else:
        # Arcs mapped through a different tokenization can tangle trees that
        # are fine in the reference (checked there): drop those arcs (missing).
        _check_sentences(ref_heads(eg.reference), _Reference(eg), k)
        _drop_tangled_arcs(arr)
    arr[arr == idx] = GOLD_ROOT
    fallback = index.get("dep", -1)
    labels = np.full(n, -1, dtype=np.int64)
    unknown: dict[str, int] = {}
    for i, (h, dep) in enumerate(zip(arr.tolist(), deps, strict=True)):
        if h < 0 or not dep:
            continue
        j = index.get(dep)
        if j is None:
            unknown.setdefault(dep, i)
            j = fallback
        labels[i] = j
    return arr, labels, unknown


def aligned_parse(eg: Any, k: int) -> tuple[list[int | None], list[str | None]]:
    """``eg.get_aligned_parse(projectivize=True)``, errors naming the example.

    Cached on the example (checked against its docs): collecting the labels
    and building the gold then align and lift each example once. Read-only.
    """
    hit = eg.__dict__.get(_PARSE_CACHE_ATTR)
    if hit is not None and hit[0] is eg.predicted and hit[1] is eg.reference:
        return hit[2]
    try:
        value = eg.get_aligned_parse(projectivize=True)
    except DataError as err:
        if _one_to_one(eg):
            raise DataError(f"{where(eg, k)}: invalid gold tree: {err}") from err
        # A cycle in the reference itself is a gold error; one that only the
        # alignment creates leaves those arcs missing (interleaving trees in
        # the reference are checked by the caller).
        ref = ref_heads(eg.reference)
        try:
            nonproj.nonproj_arcs(np.where(ref >= 0, ref, -1))  # raises for a cycle
        except DataError as ref_err:
            raise DataError(f"{where(eg, k)}: invalid gold tree: {ref_err}") from ref_err
        heads, deps = eg.get_aligned_parse(projectivize=False)
        arr = np.array([-1 if h is None else h for h in heads], dtype=np.int64)
        _drop_cycles(arr)
        keep = arr >= 0
        value = nonproj.projectivize(
            [int(h) if ok else None for h, ok in zip(arr.tolist(), keep.tolist(), strict=True)],
            [d if ok else None for d, ok in zip(deps, keep.tolist(), strict=True)],
        )
    eg.__dict__[_PARSE_CACHE_ATTR] = (eg.predicted, eg.reference, value)
    return value


def _check_sentences(heads: np.ndarray, eg: Any, k: int) -> None:
    """Raise if two complete gold trees interleave: then some head lies
    outside its sentence (a sentence is the span of one tree)."""
    tangle = _tangle(heads)
    if tangle is None:
        return
    d, u, inner = tangle
    h = int(heads[d])
    words = eg.predicted.words
    raise DataError(
        f"{where(eg, k, d)}: its gold head is token {h} {words[h]!r}, outside its sentence: token {u} "
        f"{words[u]!r} between them belongs to the tree of root {inner} {words[inner]!r}. Each sentence "
        "must be one tree over a contiguous span of tokens; fix the heads."
    )


def _tangle(heads: np.ndarray) -> tuple[int, int, int] | None:
    """The first place where two complete trees interleave: ``(d, u, inner)``,
    ``d`` a token whose arc spans token ``u`` of the tree rooted at ``inner``
    (``inner`` itself when no single arc does), or None when the trees are
    contiguous."""
    n = len(heads)
    if n < 3:
        return None
    idx = np.arange(n, dtype=np.int64)
    par = np.where(heads >= 0, heads, idx)
    root = par
    for _ in range(n.bit_length() + 1):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    complete = heads[root] == root  # the chain ends at a root, not a missing head
    if not complete.any():
        return None
    tok = idx[complete]
    tree = root[complete]
    first = np.full(n, n, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    np.minimum.at(first, tree, tok)
    np.maximum.at(last, tree, tok)
    roots = np.unique(tree)
    order = roots[np.argsort(first[roots])]
    overlap = np.flatnonzero(first[order][1:] <= last[order][:-1])
    if not len(overlap):
        return None
    outer, inner = int(order[overlap[0]]), int(order[overlap[0] + 1])
    u = int(first[inner])  # a token of the inner tree inside the outer one's span
    in_outer = complete & (root == outer) & (par != idx)
    spans = np.flatnonzero(in_outer & (np.minimum(par, idx) < u) & (np.maximum(par, idx) > u))
    return (int(spans[0]) if len(spans) else inner), u, inner


def _one_to_one(eg: Any) -> bool:
    x2y = eg.alignment.x2y
    return bool(x2y.is_one_to_one() and len(x2y) == len(eg.reference) == len(eg.predicted))


def ref_heads(doc: Any) -> np.ndarray:
    """Absolute heads of a doc's tokens (a root is its own head, ``GOLD_MISSING``
    where the dependency annotation is missing)."""
    cols = doc.to_array(["HEAD", "DEP"]).astype(np.int64)
    heads = cols[:, 0] + np.arange(len(doc), dtype=np.int64)
    return np.where(cols[:, 1] != 0, heads, GOLD_MISSING)


class _Reference:
    """An Example seen from its reference side, for error messages."""

    def __init__(self, eg: Any) -> None:
        self.predicted = eg.reference
        self.doc_index = getattr(eg, "doc_index", None)


def _drop_cycles(heads: np.ndarray) -> None:
    """Mark the arcs of tokens on a cycle missing (-1), in place."""
    n = len(heads)
    idx = np.arange(n, dtype=np.int64)
    par = np.where(heads >= 0, heads, idx)
    for _ in range(n):
        root = par.copy()
        for _ in range(n.bit_length() + 1):
            root = root[root]
        loops = par[root] != root  # the chain never settles on a fixed point
        if not loops.any():
            return
        # After that many jumps root[i] lies on the cycle itself: cut there.
        first = int(root[np.flatnonzero(loops)[0]])
        heads[first] = -1
        par[first] = first


def _drop_tangled_arcs(heads: np.ndarray) -> None:
    """Mark missing (``GOLD_MISSING``) the arcs that make two trees interleave, in place."""
    for _ in range(len(heads)):
        tangle = _tangle(heads)
        if tangle is None:
            return
        heads[tangle[0]] = GOLD_MISSING


def where(eg: Any, k: int, j: int | None = None) -> str:
    doc = eg.predicted
    idx = "" if getattr(eg, "doc_index", None) is None else f" (corpus document {eg.doc_index})"
    place = f"example {k}{idx} {doc.text[:40]!r}"
    if j is not None:
        word = doc.words[j] if j < len(doc) else "<end>"
        place += f", token {j} {word!r}"
    return place
