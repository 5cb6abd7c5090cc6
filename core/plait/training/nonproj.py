"""Pseudo-projective parsing (Nivre & Nilsson 2005, "head" decoration scheme).

A transition parser such as arc-eager only builds projective trees. For
training, ``projectivize`` lifts each non-projective arc to the head of its
head until the tree is projective and decorates the lifted token's label with
the label of its original head (``nsubj`` lifted from under an ``obj`` becomes
``nsubj||obj``). After parsing, ``deprojectivize`` looks below the predicted
head for a token labelled ``obj`` and reattaches the arc there.

Conventions, as in spaCy's ``nonproj`` module:

- ``heads`` are absolute token indices; a root is its own head. A missing
  head is ``None`` in a list or ``-1`` in a numpy array; a token with a
  missing head starts an *open* fragment.
- One array may hold several trees (the sentences of a doc) and even several
  docs concatenated with their heads shifted by the docs' offsets: trees
  never interact, so that concatenation is the batch form of every function.
- An arc ``h -> d`` is non-projective when a token strictly between ``h`` and
  ``d`` is certainly not a descendant of ``h``: its head chain ends at a root
  without passing ``h``, or at the missing head that ``h``'s own chain ends
  at. A token whose chain ends at another missing head could hang anywhere,
  so missing heads never make an arc non-projective by themselves.

Everything is numpy over the whole array (one pass per tree depth and per
lifting round); only ``deprojectivize`` walks the (rare) decorated tokens in
Python.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Sequence
from typing import Any

import numpy

from ..errors import DataError

DELIMITER = "||"

__all__ = [
    "DELIMITER",
    "decompose",
    "deprojectivize",
    "is_decorated",
    "is_nonproj_arc",
    "is_nonproj_tree",
    "nonproj_arcs",
    "projectivize",
]


def is_decorated(label: str | None) -> bool:
    """RETURNS (bool): whether `label` carries a lifting decoration ("a||b")."""
    return bool(label) and DELIMITER in label  # type: ignore[operator]


def decompose(label: str) -> tuple[str, str]:
    """Split a decorated label.

    label (str): e.g. "nsubj||obj".
    RETURNS (Tuple[str, str]): the label and its original head's label
        (``("nsubj", "obj")``; ``(label, "")`` when undecorated).
    """
    base, _, head_label = label.partition(DELIMITER)
    return base, head_label


def _heads_array(heads: Sequence[int | None] | numpy.ndarray) -> numpy.ndarray:
    """Heads as an int64 array, -1 for missing (a copy)."""
    if isinstance(heads, numpy.ndarray):
        return heads.astype(numpy.int64, copy=True).reshape(-1)
    return numpy.fromiter(
        (-1 if h is None else h for h in heads), dtype=numpy.int64, count=len(heads)
    )


def _check_range(heads: numpy.ndarray) -> None:
    n = len(heads)
    bad = numpy.flatnonzero((heads < -1) | (heads >= n))
    if len(bad):
        i = int(bad[0])
        raise DataError(
            f"the head of token {i} is {int(heads[i])}, outside the tokens 0..{n - 1} (heads are "
            "absolute token indices; a root is its own head)"
        )


def _parents(heads: numpy.ndarray) -> numpy.ndarray:
    """Parent of each token; roots and tokens with a missing head are fixed points."""
    idx = numpy.arange(len(heads), dtype=numpy.int64)
    return numpy.where(heads >= 0, heads, idx)


def _terminals(par: numpy.ndarray) -> numpy.ndarray:
    """The end of each token's head chain (a root or a missing head), by
    pointer jumping (log2(depth) rounds).

    RAISES (DataError): for a token on or leading into a cycle.
    """
    n = len(par)
    term = par
    for _ in range(max(1, n.bit_length() + 1)):
        nxt = term[term]
        if numpy.array_equal(nxt, term):
            break
        term = nxt
    # After log2(n) rounds every acyclic chain has ended at a fixed point of
    # `par`; a chain in a cycle has not (it may look stable: a 2-cycle
    # jumped twice is back where it started).
    cyclic = numpy.flatnonzero(par[term] != term)
    if not len(cyclic):
        return term
    i = int(cyclic[0])
    cycle = [i]
    j = int(par[i])
    while j not in cycle and len(cycle) <= n:
        cycle.append(j)
        j = int(par[j])
    start = cycle.index(j)
    raise DataError(
        f"the head of token {i} is token {int(par[i])}: following the heads from token {i} "
        f"runs into the cycle {cycle[start:] + [j]} (no root). Every tree needs one root token "
        "whose head is itself."
    )


def _nonproj_mask(heads: numpy.ndarray, term: numpy.ndarray | None = None) -> numpy.ndarray:
    """Boolean mask of the tokens whose arc is non-projective (heads: int64, -1 missing)."""
    n = len(heads)
    idx = numpy.arange(n, dtype=numpy.int64)
    arcs = numpy.flatnonzero((heads >= 0) & (heads != idx))
    out = numpy.zeros(n, dtype=bool)
    if not len(arcs):
        return out
    par = _parents(heads)
    if term is None:
        term = _terminals(par)
    closed = heads[term] == term  # chain ends at a root (not at a missing head)
    # (ancestor, descendant) pairs for every token and each of its proper
    # ancestors: one numpy step per tree level.
    anc_parts, desc_parts = [], []
    cur = kids = idx
    while len(cur):
        up = par[cur]
        moving = up != cur
        cur, kids = up[moving], kids[moving]
        anc_parts.append(cur)
        desc_parts.append(kids)
    stride = n + 1
    keys = numpy.concatenate(anc_parts) * stride + numpy.concatenate(desc_parts)
    keys.sort()
    h = heads[arcs]
    lo = numpy.minimum(h, arcs)
    hi = numpy.maximum(h, arcs)

    def count(sorted_keys: numpy.ndarray, group: numpy.ndarray) -> numpy.ndarray:
        # Keys group * stride + position with lo < position < hi.
        return numpy.searchsorted(sorted_keys, group * stride + hi, "left") - numpy.searchsorted(
            sorted_keys, group * stride + lo, "right"
        )

    # A token between h and d is certainly outside h's subtree when it is not
    # a descendant of h and either its tree is complete (it hangs from
    # another root, or from h's root elsewhere) or it hangs from the same
    # missing head as h (which is then an ancestor of h, not below it). A
    # token hanging from another missing head could be anywhere.
    n_closed = numpy.concatenate(([0], numpy.cumsum(closed)))
    certain = n_closed[hi] - n_closed[lo + 1]
    h_open = ~closed[h]
    if h_open.any():
        by_term = numpy.sort(term * stride + idx)
        certain[h_open] += count(by_term, term[h])[h_open]
    out[arcs] = certain > count(keys, h)
    return out


def nonproj_arcs(heads: Sequence[int | None] | numpy.ndarray) -> numpy.ndarray:
    """Which tokens hang from a non-projective arc.

    heads (Sequence[Optional[int]] | numpy.ndarray): absolute heads (None / -1 missing).
    RETURNS (numpy.ndarray[bool]): one flag per token.
    RAISES (DataError): for a head outside the tokens or a cycle.
    """
    arr = _heads_array(heads)
    _check_range(arr)
    return _nonproj_mask(arr)


def is_nonproj_arc(tokenid: int, heads: Sequence[int | None] | numpy.ndarray) -> bool:
    """Whether the arc from ``heads[tokenid]`` to ``tokenid`` is non-projective.

    tokenid (int): the dependent.
    heads (Sequence[Optional[int]] | numpy.ndarray): absolute heads (None / -1 missing).
    RETURNS (bool): False for roots and missing heads.
    """
    return bool(nonproj_arcs(heads)[tokenid])


def is_nonproj_tree(heads: Sequence[int | None] | numpy.ndarray) -> bool:
    """Whether any arc of the trees is non-projective.

    heads (Sequence[Optional[int]] | numpy.ndarray): absolute heads (None / -1 missing).
    RETURNS (bool): the answer.
    """
    if not isinstance(heads, numpy.ndarray) and _complete_projective_forest(heads):
        return False
    return bool(nonproj_arcs(heads).any())


def _complete_projective_forest(heads: Sequence[int | None]) -> bool:
    """A fast pure-Python test for the common case of a short sentence: every
    head known and in range, no cycle, no arc crossing another or spanning a
    root. False means "look closer", not "non-projective"."""
    n = len(heads)
    spans = []
    for d, h in enumerate(heads):
        if h is None or not 0 <= h < n:
            return False
        # Roots are points (r, 0, 0), sorted before the arcs that start at
        # them; arcs (lo, 1, -hi), outer first.
        spans.append((d, 0, 0) if h == d else ((h, 1, -d) if h < d else (d, 1, -h)))
    spans.sort()
    # With a virtual root left of everything attached to every root, a
    # forest is projective iff no two arcs cross: a real root inside an arc
    # is a crossing with its virtual-root arc.
    open_his: list[int] = []
    for lo, is_arc, neg_hi in spans:
        while open_his and open_his[-1] <= lo:
            open_his.pop()
        if not is_arc:
            if open_his:
                return False  # a root strictly inside an arc
            continue
        if open_his and -neg_hi > open_his[-1]:
            return False  # crossing
        open_his.append(-neg_hi)
    # No cycle: every chain reaches a root.
    state = [0] * n  # 0 unseen, 1 on the current chain, 2 reaches a root
    for i in range(n):
        chain = []
        j = i
        while state[j] == 0 and heads[j] != j:
            state[j] = 1
            chain.append(j)
            j = heads[j]  # type: ignore[assignment]
        if state[j] == 1:
            return False
        for c in chain:
            state[c] = 2
        state[j] = 2
    return True


def projectivize(
    heads: Sequence[int | None] | numpy.ndarray, labels: Sequence[str | None] | numpy.ndarray
) -> tuple[Any, Any]:
    """Lift non-projective arcs until the trees are projective.

    Each round lifts, in every tree, its shortest non-projective arc (the
    leftmost dependent on ties) to the head of its head, and repeats. A lifted
    token's label becomes ``label||headlabel``, ``headlabel`` being the
    (undecorated) label of its original head. Missing heads and labels stay
    missing. An arc cannot be lifted above a root or over a missing head; such
    an arc (trees that interleave, or a fragment whose head is unknown) stays
    as it is and the result is then not projective.

    heads (Sequence[Optional[int]] | numpy.ndarray): absolute heads, a root is
        its own head (None / -1 missing).
    labels (Sequence[Optional[str]] | numpy.ndarray): one label per token.
    RETURNS (Tuple): the projective heads and the decorated labels, as lists
        (None for missing) when `heads` is a list, as arrays (-1 missing)
        when it is a numpy array.
    RAISES (DataError): for a head outside the tokens or a cycle.
    """
    as_array = isinstance(heads, numpy.ndarray)
    if len(labels) != len(heads):
        raise DataError(f"projectivize: {len(heads)} heads but {len(labels)} labels")
    if not as_array and _complete_projective_forest(heads):
        return list(heads), list(labels)
    orig = _heads_array(heads)
    _check_range(orig)
    term = _terminals(_parents(orig))
    proj = orig.copy()
    mask = _nonproj_mask(proj, term)
    while mask.any():
        cand = numpy.flatnonzero(mask)
        up = proj[proj[cand]]
        # Liftable: the head is neither a root nor a token with a missing head.
        ok = (up >= 0) & (up != proj[cand])
        cand, up = cand[ok], up[ok]
        if not len(cand):
            break
        # Shortest arc per tree first (trees never interact, so each tree
        # lifts in the same order as a one-arc-at-a-time loop would).
        length = numpy.abs(proj[cand] - cand)
        order = numpy.lexsort((cand, length, term[cand]))
        trees = term[cand][order]
        first = numpy.ones(len(order), dtype=bool)
        first[1:] = trees[1:] != trees[:-1]
        pick = order[first]
        proj[cand[pick]] = up[pick]
        mask = _nonproj_mask(proj, term)
    lifted = numpy.flatnonzero(proj != orig)
    out_labels = list(labels)
    for i in lifted.tolist():
        label = out_labels[i]
        head_label = labels[int(orig[i])]
        if label and head_label:
            out_labels[i] = f"{label}{DELIMITER}{decompose(str(head_label))[0]}"
    if as_array:
        return proj, numpy.asarray(out_labels, dtype=object)
    return [None if h < 0 else h for h in proj.tolist()], out_labels


def deprojectivize(
    heads: Sequence[int | None] | numpy.ndarray, labels: Sequence[str | None] | numpy.ndarray
) -> tuple[Any, Any]:
    """Restore the arcs ``projectivize`` lifted, from the decorated labels.

    Tokens are visited left to right. For a token labelled ``l||hl``, the
    descendants of its current head are searched breadth-first (children of
    earlier-queued tokens first, each token's children left to right),
    skipping the token's own subtree, for a token whose label (without
    decoration) is ``hl``; the token is reattached there. The decoration is
    removed either way. A reattachment stays inside the token's tree and
    never under the token itself, so the trees stay valid (no cycle, same
    sentences).

    heads (Sequence[Optional[int]] | numpy.ndarray): absolute heads, a root is
        its own head (None / -1 missing).
    labels (Sequence[Optional[str]] | numpy.ndarray): one label per token.
    RETURNS (Tuple): heads and labels, in the form `heads` came in.
    """
    as_array = isinstance(heads, numpy.ndarray)
    arr = _heads_array(heads)
    out_labels = list(labels)
    if len(out_labels) != len(arr):
        raise DataError(f"deprojectivize: {len(arr)} heads but {len(out_labels)} labels")
    deco = [i for i, lab in enumerate(out_labels) if is_decorated(lab)]
    if deco:
        base = [decompose(lab)[0] if lab else lab for lab in out_labels]
        children: dict[int, list[int]] = {}
        for i, h in enumerate(arr.tolist()):
            if h >= 0 and h != i:
                children.setdefault(h, []).append(i)
        for i in deco:
            label, head_label = decompose(out_labels[i])
            head = int(arr[i])
            out_labels[i] = label
            base[i] = label
            if head < 0 or head == i:
                continue
            new_head = _find_new_head(i, head, head_label, children, base)
            if new_head is not None:
                children[head].remove(i)
                insort(children.setdefault(new_head, []), i)
                arr[i] = new_head
    if as_array:
        return arr, numpy.asarray(out_labels, dtype=object)
    return [None if h < 0 else h for h in arr.tolist()], out_labels


def _find_new_head(
    token: int, head: int, head_label: str, children: dict[int, list[int]], base: list[Any]
) -> int | None:
    queue = [head]
    while queue:
        next_queue = []
        for q in queue:
            for child in children.get(q, ()):
                if child == token:
                    continue  # and so never its subtree: no cycle
                if base[child] == head_label:
                    return child
                next_queue.append(child)
        queue = next_queue
    return None
