"""Maximum spanning trees over arc scores, one sentence at a time.

Every decoder takes ``scores`` of shape ``(n + 1, n + 1)``: ``scores[d, h]``
is the score of head ``h`` for dependent ``d``; index 0 is the artificial
root (row 0 is ignored), token ``i`` of the sentence is index ``i + 1``. It
returns ``heads`` (``n + 1``, ``heads[0] = -1``), a tree: every token
reaches the root, no cycles, and exactly one token attached to the root.

One root is forced by the classic reduction: every root arc is penalised by
a constant larger than any difference in total tree score, so the best tree
has as few root arcs as possible (one) and is the best such tree.
"""

from __future__ import annotations

import numpy as np

from ._mst_kernel import cle_kernel

# Structurally impossible arcs (self loops, into the root) in the working
# matrices: below anything a sum of real arcs reaches.
NEG = -1e18


def _prepare(scores: np.ndarray) -> np.ndarray:
    """Scores as float64 with the penalties that make the best tree one with
    a single root arc and, among those, as few forbidden arcs as possible.

    Forbidden arcs (-inf, NaN) cost more than the spread of any two trees
    over real arcs; a root arc costs more than the spread of any two trees at
    all, so one root arc is a hard constraint and forbidden arcs are used
    only where no tree avoids them.
    """
    return _prepare_with_penalty(scores)[0]


def _prepare_with_penalty(scores: np.ndarray) -> tuple[np.ndarray, float]:
    """``_prepare`` and the penalty it took off every root arc."""
    s = np.array(scores, dtype=np.float64, copy=True)
    n1 = s.shape[0]
    if s.ndim != 2 or s.shape[1] != n1:
        raise ValueError(f"scores must be square (n + 1, n + 1), got {s.shape}")
    arcs = np.ones((n1, n1), dtype=bool)
    np.fill_diagonal(arcs, False)
    arcs[0, :] = False
    real = arcs & np.isfinite(s) & (s > -1e30)
    if real.any():
        low, high = float(s[real].min()), float(s[real].max())
    else:
        low = high = 0.0
    forbidden = low - (high - low + 1.0) * n1
    s = np.where(real, s, forbidden)
    penalty = (high - forbidden + 1.0) * n1
    s[1:, 0] -= penalty
    s[~arcs] = NEG
    return s, penalty


def _find_cycle(heads: np.ndarray) -> np.ndarray | None:
    """One cycle of the head graph (``heads[0] = 0`` as a fixed point), or None.

    Pointer doubling: after ``2^k >= n`` jumps every node sits on a cycle or
    at the root, so the image of that map is the set of cycle nodes.
    """
    n1 = len(heads)
    jump = heads.copy()
    jump[0] = 0
    steps = 1
    while steps < n1:
        jump = jump[jump]
        steps *= 2
    seen = np.zeros(n1, dtype=bool)
    seen[jump] = True
    seen[0] = False
    if not seen.any():
        return None
    # Walk the cycle of one of them (as long as the cycle, not the sentence).
    start = int(seen.argmax())
    cycle = [start]
    node = int(heads[start])
    while node != start:
        cycle.append(node)
        node = int(heads[node])
    return np.array(cycle, dtype=np.int64)


def _cle(s: np.ndarray) -> np.ndarray:
    n1 = s.shape[0]
    heads = s.argmax(axis=1)
    heads[0] = -1
    cycle = _find_cycle(heads)
    if cycle is None:
        return heads
    in_cycle = np.zeros(n1, dtype=bool)
    in_cycle[cycle] = True
    keep = np.flatnonzero(~in_cycle)  # keep[0] == 0: the root is never on a cycle
    m = len(keep)
    sub = np.full((m + 1, m + 1), NEG)
    sub[:m, :m] = s[keep[:, None], keep]
    # Arc h -> cycle: enter at the member d whose cycle arc it replaces best.
    enter = s[cycle[:, None], keep] - s[cycle, heads[cycle]][:, None]  # (|C|, m)
    enter_at = cycle[enter.argmax(axis=0)]
    sub[m, :m] = enter.max(axis=0)
    # Arc cycle -> d: the best member as head.
    leave = s[keep[:, None], cycle]  # (m, |C|)
    leave_from = cycle[leave.argmax(axis=1)]
    sub[:m, m] = leave.max(axis=1)
    sub[0, :] = NEG
    np.fill_diagonal(sub, NEG)
    sub_heads = _cle(sub)
    out = heads.copy()
    h = sub_heads[1:m]
    out[keep[1:]] = np.where(h == m, leave_from[1:], keep[np.minimum(h, m - 1)])
    h_c = int(sub_heads[m])
    out[enter_at[h_c]] = keep[h_c]
    out[0] = -1
    return out


def _contract(s: np.ndarray) -> np.ndarray:
    """``_cle``, compiled where ``_mst.c`` was built (the same heads)."""
    kernel = cle_kernel()
    heads = kernel(s) if kernel is not None else None
    return _cle(s) if heads is None else heads


def chu_liu_edmonds(scores: np.ndarray) -> np.ndarray:
    """The best (non-projective) tree with one root arc.

    scores (numpy.ndarray): (n + 1, n + 1), ``scores[d, h]``; -inf forbids an arc.
    RETURNS (numpy.ndarray[int64]): heads, ``heads[0] = -1``.
    """
    if scores.shape[0] <= 1:
        return np.array([-1], dtype=np.int64)
    prepared, penalty = _prepare_with_penalty(scores)
    # Fast path (most sentences of a trained model): the best head of every
    # token, scored without the root penalty, is already a tree with one root
    # arc; then it is the best tree. The penalty itself makes every root arc
    # lose to any other, so the contraction would run on every sentence.
    # Without the penalty every tree with one root arc scores the same
    # constant more, a forbidden root arc included: it stays at the level of
    # the other forbidden arcs (below it, a tree whose one root arc is
    # forbidden would lose to a worse one whose root arc is real).
    plain = prepared.copy()
    plain[1:, 0] += penalty
    greedy = plain.argmax(axis=1)
    greedy[0] = -1
    if is_tree(greedy):
        return greedy.astype(np.int64)
    # Next: the best tree with any number of root arcs; if it has one, it is
    # also the best with one (few contractions: root arcs compete fairly).
    free = _contract(plain)
    if int((free[1:] == 0).sum()) == 1:
        return free.astype(np.int64)
    return _contract(prepared).astype(np.int64)


def eisner(scores: np.ndarray) -> np.ndarray:
    """The best projective tree with one root arc (Eisner's algorithm,
    vectorised over the split points of each span width).

    scores (numpy.ndarray): (n + 1, n + 1), ``scores[d, h]``.
    RETURNS (numpy.ndarray[int64]): heads, ``heads[0] = -1``.
    """
    n1 = scores.shape[0]
    if n1 <= 1:
        return np.array([-1], dtype=np.int64)
    arc = _prepare(scores).T  # arc[h, d]
    # complete/incomplete[s, t, dir]: dir 1 = head at s (right), 0 = head at t (left).
    comp = np.full((n1, n1, 2), -np.inf)
    inc = np.full((n1, n1, 2), -np.inf)
    comp_bp = np.zeros((n1, n1, 2), dtype=np.int64)
    inc_bp = np.zeros((n1, n1, 2), dtype=np.int64)
    idx = np.arange(n1)
    comp[idx, idx, :] = 0.0
    for w in range(1, n1):
        s = np.arange(0, n1 - w)
        t = s + w
        r = s[:, None] + np.arange(w)[None, :]  # split points s..t-1
        base = comp[s[:, None], r, 1] + comp[r + 1, t[:, None], 0]
        best = base.argmax(axis=1)
        top = base[np.arange(len(s)), best]
        inc[s, t, 0] = top + arc[t, s]
        inc[s, t, 1] = top + arc[s, t]
        inc_bp[s, t, 0] = inc_bp[s, t, 1] = s + best
        # left complete: head t, split r in s..t-1: comp[s, r, 0] + inc[r, t, 0]
        left = comp[s[:, None], r, 0] + inc[r, t[:, None], 0]
        lb = left.argmax(axis=1)
        comp[s, t, 0] = left[np.arange(len(s)), lb]
        comp_bp[s, t, 0] = s + lb
        # right complete: head s, split r in s+1..t: inc[s, r, 1] + comp[r, t, 1]
        r2 = r + 1
        right = inc[s[:, None], r2, 1] + comp[r2, t[:, None], 1]
        rb = right.argmax(axis=1)
        comp[s, t, 1] = right[np.arange(len(s)), rb]
        comp_bp[s, t, 1] = s + 1 + rb
    heads = np.full(n1, -1, dtype=np.int64)
    stack = [(0, n1 - 1, 1, True)]
    while stack:
        s_, t_, d_, complete = stack.pop()
        if s_ == t_:
            continue
        if complete:
            r_ = int(comp_bp[s_, t_, d_])
            if d_ == 0:
                stack += [(s_, r_, 0, True), (r_, t_, 0, False)]
            else:
                stack += [(s_, r_, 1, False), (r_, t_, 1, True)]
        else:
            r_ = int(inc_bp[s_, t_, d_])
            if d_ == 0:
                heads[s_] = t_
            else:
                heads[t_] = s_
            stack += [(s_, r_, 1, True), (r_ + 1, t_, 0, True)]
    heads[0] = -1
    return heads


def decode_tree(scores: np.ndarray, projective: bool = False) -> np.ndarray:
    """``eisner`` if ``projective`` else ``chu_liu_edmonds``."""
    return eisner(scores) if projective else chu_liu_edmonds(scores)


def is_tree(heads: np.ndarray) -> bool:
    """RETURNS (bool): whether ``heads`` (``heads[0] = -1``, root 0) is a tree
    with exactly one root arc."""
    heads = np.asarray(heads, dtype=np.int64)
    n1 = len(heads)
    if n1 == 1:
        return True
    h = heads[1:]
    if (h < 0).any() or (h >= n1).any() or (h == np.arange(1, n1)).any() or int((h == 0).sum()) != 1:
        return False
    return _find_cycle(np.concatenate(([0], h))) is None
