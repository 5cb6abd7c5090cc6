"""The parser's oracle path through one document, walked in plain Python.

Why it exists: training cuts long documents into segments that start on the
oracle's path (``TransitionPipe.cut_states``). Finding those starts walks the
path move by move; with the handful of documents a batch holds, each
vectorised step (``ArcEager.valid`` + ``costs`` + ``apply`` over two or three
states) costs ~180 µs of numpy call overhead, and the walk was ~37% of the
parser's training time on EWT. The path itself only needs a few integers per
move, so here it is taken one document at a time with Python ints (~2 µs a
move); the segment starts are then built by replaying the path with
``ArcEager.apply``, which stays the only code that changes a state.

The move chosen at each step is exactly the one ``DependencyParser.cut_moves``
picks from ``ArcEager.costs``: the cheapest valid move, REDUCE first among
equal costs, then SHIFT, then the others in move order. The cost terms and the
counter updates below mirror ``ArcEager.costs`` and ``ArcEager._update_oracle``
term for term; tests/plugins/pipes/test_parser_cut_path.py checks that the
paths agree on every EWT dev document, on partial and non-projective gold and
on random trees.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._arc_eager_gold import GOLD_MISSING, GOLD_ROOT

SHIFT, REDUCE = 0, 1
_INF = float("inf")

__all__ = ["oracle_path"]


def oracle_path(gold_heads: Sequence[int], gold_labels: Sequence[int], n_labels: int, max_moves: int) -> list[int]:
    """The first ``max_moves`` moves of the parser's oracle path from the initial state.

    gold_heads (Sequence[int]): each token's gold head (``GOLD_ROOT``, ``GOLD_MISSING`` or a token).
    gold_labels (Sequence[int]): each token's gold label index, -1 when unknown.
    n_labels (int): the system's number of labels (moves are S, D, L-*, R-*, A).
    max_moves (int): how many moves to take (the path ends earlier at the final state).
    RETURNS (List[int]): the moves, as ``ArcEager`` move indices.
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
    heads = [-1] * (n + 1)  # the state's heads (column n: the empty stack's s0)
    stack: list[int] = []
    b0 = 0
    first_r, attach = 2 + n_labels, 2 + 2 * n_labels
    path: list[int] = []
    while len(path) < max_moves and (stack or b0 < n):
        depth = len(stack)
        s0 = stack[-1] if depth else n
        has_buffer = b0 < n
        s0_headless = heads[s0] < 0
        g_s = g[s0]
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
        # the oracle counters (ArcEager._update_oracle), then the move itself
        push = move == SHIFT or first_r <= move < attach
        if push:
            dib[g_b] -= 1
            in_stack[b0] = True
            if move == SHIFT:
                hsd[g_b] += 1
            else:
                heads[b0] = s0
            stack.append(b0)
            b0 += 1
        else:
            in_stack[s0] = False
            if s0_headless:
                hsd[g_s] -= 1
            if move == attach:
                heads[s0] = stack[-2]
            elif move != REDUCE:
                heads[s0] = b0
            stack.pop()
    return path
