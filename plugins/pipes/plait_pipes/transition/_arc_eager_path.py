"""The parser's oracle path through one document, walked in plain Python.

Why it exists: training cuts long documents into segments that start on the
oracle's path (``TransitionPipe.cut_states``). Finding those starts walks the
path move by move; with the handful of documents a batch holds, each
vectorised step (``ArcEager.valid`` + ``costs`` + ``apply`` over two or three
states) costs ~180 µs of numpy call overhead, and the walk was ~37% of the
parser's training time on EWT. The path itself only needs a few integers per
move, so here it is taken one document at a time with Python ints (~2 µs a
move), and the states at the segment starts are written from its
snapshots.

The move chosen at each step is exactly the one ``DependencyParser.cut_moves``
picks from ``ArcEager.costs``: the cheapest valid move, REDUCE first among
equal costs, then SHIFT, then the others in move order. The cost terms, the
counter updates and the state writes below mirror ``ArcEager.costs``,
``ArcEager._update_oracle`` and ``ArcEager.apply`` term for term (the state
rows are written as ``apply`` writes them, scratch columns included);
tests/plugins/pipes/test_parser_cut_path.py checks that the paths agree on
every EWT dev document, on partial and non-projective gold and on random
trees, and that the segment starts equal those of stepping the states.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ._arc_eager_gold import GOLD_MISSING, GOLD_ROOT
from .arc_eager import _L1, _PAD, _R1, REDUCE, SHIFT

_INF = float("inf")

__all__ = ["PathSnapshot", "oracle_path", "oracle_walk"]


class PathSnapshot(NamedTuple):
    """One ``ArcEagerStates`` row (without the oracle's arrays) after some moves."""

    b0: int
    depth: int
    stack: list[int]
    heads: list[int]
    labels: list[int]
    children: list[int]  # flat: 4 per token (L1, L2, R1, R2)
    ledge: list[int]


def oracle_path(gold_heads: Sequence[int], gold_labels: Sequence[int], n_labels: int, max_moves: int) -> list[int]:
    """The first ``max_moves`` moves of the parser's oracle path from the initial state.

    gold_heads (Sequence[int]): each token's gold head (``GOLD_ROOT``, ``GOLD_MISSING`` or a token).
    gold_labels (Sequence[int]): each token's gold label index, -1 when unknown.
    n_labels (int): the system's number of labels (moves are S, D, L-*, R-*, A).
    max_moves (int): how many moves to take (the path ends earlier at the final state).
    RETURNS (List[int]): the moves, as ``ArcEager`` move indices.
    """
    return oracle_walk(gold_heads, gold_labels, n_labels, len(gold_heads), [max_moves])[0]


def oracle_walk(
    gold_heads: Sequence[int], gold_labels: Sequence[int], n_labels: int, width: int, stops: Sequence[int]
) -> tuple[list[int], list[PathSnapshot]]:
    """Walk the oracle path from the initial state, keeping the state after ``stops[j]`` moves.

    gold_heads (Sequence[int]): each token's gold head (``GOLD_ROOT``, ``GOLD_MISSING`` or a token).
    gold_labels (Sequence[int]): each token's gold label index, -1 when unknown.
    n_labels (int): the system's number of labels (moves are S, D, L-*, R-*, A).
    width (int): the state batch's padded doc length (>= the doc's length).
    stops (Sequence[int]): increasing move counts; the walk ends at the last
        (or at the final state, after which no snapshot is taken).
    RETURNS (Tuple[List[int], List[PathSnapshot]]): the moves taken and one
        snapshot per stop reached.
    """
    n = len(gold_heads)
    vroot, missing = n, n + 1
    g = [vroot if h == GOLD_ROOT else missing if h == GOLD_MISSING else int(h) for h in gold_heads]
    g += [missing, missing, missing]  # the virtual root, "missing" and a spare column
    gl = list(gold_labels)
    dib = [0] * (n + 3)  # gold dependents still in the buffer, per head (all of them at first)
    for h in g[:n]:
        dib[h] += 1
    hsd = [0] * (n + 3)  # headless gold dependents on the stack, per head
    in_stack = [False] * (n + 3)
    # the state row, laid out as ArcEagerStates (init_states' values)
    stack = [width] * _PAD + [0] * (width + 1)
    heads = [-1] * (width + 1)
    labels = [-1] * (width + 1)
    kids = [-1] * (4 * (width + 1))
    ledge = list(range(width + 1))
    depth = b0 = 0
    first_r, attach = 2 + n_labels, 2 + 2 * n_labels
    path: list[int] = []
    snapshots: list[PathSnapshot] = []
    stop_at = iter(stops)
    stop = next(stop_at, None)
    while stop is not None and (depth or b0 < n):
        if len(path) == stop:
            snapshots.append(PathSnapshot(b0, depth, stack[:], heads[:], labels[:], kids[:], ledge[:]))
            stop = next(stop_at, None)
            continue
        s0 = stack[depth + 2]
        has_buffer = b0 < n
        s0_headless = heads[s0] < 0
        g_s = g[s0] if depth else missing
        g_b = g[b0] if has_buffer else missing
        b_head_on_stack = in_stack[g_b]
        hsd_b = hsd[b0] if has_buffer else 0
        dib_s = dib[s0] if depth else 0
        # validity and cost per move kind (S, D, L, R, A), as ArcEager.costs
        ok_s = has_buffer
        ok_d = depth > 0 and (not s0_headless or depth == 1 or not has_buffer)
        ok_r = depth > 0 and has_buffer
        ok_l = ok_r and s0_headless
        ok_a = depth > 1 and not has_buffer and s0_headless
        c_s = hsd_b + b_head_on_stack
        c_d = dib_s + (s0_headless and ((has_buffer and g_s >= b0) or ok_a) and g_s < vroot)
        c_l = dib_s + (g_s > b0 and g_s != missing)
        c_r = hsd_b + (g_b != s0 and g_b != missing and (b_head_on_stack or g_b > b0))
        c_a = int(g_s == vroot)
        # REDUCE before SHIFT before the rest at equal cost (cut_moves' order)
        best, move = _INF, -1
        if ok_d:
            best, move = 4 * c_d, REDUCE
        if ok_s and 4 * c_s + 1 < best:
            best, move = 4 * c_s + 1, SHIFT
        if ok_l:
            # the gold label when the arc is gold and its label known, else the first
            label = gl[s0] if g_s == b0 and gl[s0] >= 0 else 0
            if 4 * c_l + 2 < best:
                best, move = 4 * c_l + 2, 2 + label
        if ok_r:
            label = gl[b0] if g_b == s0 and gl[b0] >= 0 else 0
            if 4 * c_r + 2 < best:
                best, move = 4 * c_r + 2, first_r + label
        if ok_a and 4 * c_a + 2 < best:
            move = attach
        # (costs' "floor" shift, for gold no projective tree completes, lowers
        # every valid move's cost by the same amount: the choice is the same)
        path.append(move)
        # the oracle counters (ArcEager._update_oracle)
        push = move == SHIFT or first_r <= move < attach
        if push:
            dib[g_b] -= 1
            in_stack[b0] = True
            if move == SHIFT:
                hsd[g_b] += 1
        else:
            in_stack[s0] = False
            if s0_headless:
                hsd[g_s] -= 1
        # the move (ArcEager.apply; its writes to "no token" columns change nothing)
        if move >= 2:
            if push:  # RIGHT: b0 <- s0
                d, h, label, slot = b0, s0, move - first_r, _R1
            elif move == attach:  # ATTACH: s0 <- s1
                d, h, label, slot = s0, stack[depth + 1], n_labels, _R1
            else:  # LEFT: s0 <- b0; b0's subtree now starts where s0's does
                d, h, label, slot = s0, b0, move - 2, _L1
                ledge[b0] = ledge[s0]
            heads[d] = h
            labels[d] = label
            at = 4 * h + slot
            kids[at + 1] = kids[at]
            kids[at] = d
        stack[depth + _PAD] = b0
        depth += 1 if push else -1
        b0 += push
    return path, snapshots
