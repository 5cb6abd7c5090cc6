"""Beam search for ``beam_parser`` and ``beam_ner``: decoding and the global
beam training objective.

All candidates of all docs live in one state batch; a row belongs to a
*group* (a doc, or a segment of one in training). A step scores every live
row at once, expands each by its valid moves with cumulative
log-probabilities, and keeps the ``beam_width`` best candidates per group
(``system.take`` copies the surviving rows, ``apply`` moves them).
Candidates whose probability falls below ``beam_density`` times the group's
best are pruned. A finished candidate is carried over unchanged until every
candidate of its group is finished.

Training runs two beams per group in the same batch: the model's beam and a
gold beam that only follows zero-cost moves. At the end the loss is
``-log`` of the probability mass of the zero-cost histories among the
distinct final candidates of both beams (a softmax of their summed
log-probabilities). Its gradient reaches every step's scores through the
candidates' parent pointers, and is recorded in the same step model, so
the backward stays one batched pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Multiplier of the history hash (a 64-bit odd constant): two candidates of a
# group with the same hash followed the same moves.
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


def log_softmax_valid(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """RETURNS (numpy.ndarray[float64]): log-probabilities over the valid moves, -inf elsewhere."""
    masked = np.where(valid, scores.astype(np.float64), -np.inf)
    top = masked.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return masked - top - np.log(np.exp(masked - top).sum(axis=1, keepdims=True))


def select(groups: np.ndarray, scores: np.ndarray, width: int, density: float) -> np.ndarray:
    """The candidates to keep: the ``width`` best of each group, minus those
    whose probability is below ``density`` times the group's best.

    Ties keep the earlier candidate (expansions come in row, then move
    order), so a beam of width 1 makes exactly the greedy choice.

    groups (numpy.ndarray[int]): each candidate's group.
    scores (numpy.ndarray[float64]): each candidate's cumulative log-probability.
    width (int): the beam width.
    density (float): the pruning threshold (0: none).
    RETURNS (numpy.ndarray[int]): the kept candidates, grouped, best first.
    """
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((-scores, groups))
    g = groups[order]
    s = scores[order]
    starts = np.flatnonzero(np.concatenate(([True], g[1:] != g[:-1])))
    sizes = np.diff(np.append(starts, len(g)))
    first = np.repeat(starts, sizes)
    keep = (np.arange(len(g)) - first) < width
    if density > 0.0:
        keep &= s >= s[first] + np.log(density)
    return order[keep]


def beam_parse(pipe: Any, step_model: Any, docs: list[Any]) -> tuple[Any, np.ndarray]:
    """Decode ``docs`` with beam search.

    pipe (TransitionPipe): the component (system and settings).
    step_model (ParserStepModel): the model's output for ``docs``.
    docs (List[Doc]): the batch.
    RETURNS (Tuple[Any, numpy.ndarray]): the final states and, per doc, its best
        candidate's row.
    """
    system = pipe.moves
    width = int(pipe.cfg["beam_width"])
    density = float(pipe.cfg.get("beam_density") or 0.0)
    nF = pipe.n_features
    states = system.init_states(docs, step_model.offsets)
    groups = np.arange(len(docs))
    cum = np.zeros(len(docs), dtype=np.float64)
    while True:
        final = system.is_final(states)
        live = np.flatnonzero(~final)
        if not len(live):
            break
        done = np.flatnonzero(final)
        scores = step_model.predict_step(system.features(states, live, nF))
        valid = system.valid(states, live)
        logp = log_softmax_valid(scores, valid)
        r, m = np.nonzero(valid)
        parent = np.concatenate((live[r], done))
        move = np.concatenate((m, np.full(len(done), -1, dtype=np.int64)))
        score = np.concatenate((cum[live[r]] + logp[r, m], cum[done]))
        keep = select(groups[parent], score, width, density)
        states = system.take(states, parent[keep])
        move = move[keep]
        moving = np.flatnonzero(move >= 0)
        system.apply(states, moving, move[moving])
        groups = groups[parent[keep]]
        cum = score[keep]
    # select() keeps each group's candidates best first, and carrying
    # finished candidates keeps that order: the first row of a group is its best.
    order = np.lexsort((-cum, groups))
    first = np.flatnonzero(np.concatenate(([True], groups[order][1:] != groups[order][:-1])))
    rows = np.full(len(docs), -1, dtype=np.int64)
    rows[groups[order][first]] = order[first]
    return states, rows


def beam_train(pipe: Any, step_model: Any, states: Any, gold: Any, max_moves: int) -> float:
    """Run the model's beam and the gold beam from ``states`` and record the
    gradient of the global beam loss for every scored step.

    pipe (TransitionPipe): the component.
    step_model (ParserStepModel): the model's output for the batch (training mode).
    states (Any): one start state per group (doc or segment).
    gold (Any): the system's gold for the batch.
    max_moves (int): at most this many steps (< 1: until every candidate is final).
    RETURNS (float): the loss, summed over the groups.
    """
    system = pipe.moves
    width = int(pipe.cfg["beam_width"])
    density = float(pipe.cfg.get("beam_density") or 0.0)
    nF = pipe.n_features
    n_groups = len(system.is_final(states))
    if not n_groups:
        return 0.0
    # Row r: group groups[r] // 2, beam groups[r] % 2 (0: the model's, 1: gold).
    base = np.arange(n_groups)
    states = system.take(states, np.concatenate((base, base)))
    groups = np.concatenate((base * 2, base * 2 + 1))
    cum = np.zeros(2 * n_groups, dtype=np.float64)
    is_gold = np.ones(2 * n_groups, dtype=bool)
    history = np.zeros(2 * n_groups, dtype=np.uint64)
    # Per step: (step id, beam size, live rows, probabilities, and for each
    # candidate kept: parent row, move (-1: carried), position of the parent in live).
    trail: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    n_steps = 0
    while max_moves < 1 or n_steps < max_moves:
        final = system.is_final(states)
        live = np.flatnonzero(~final)
        if not len(live):
            break
        done = np.flatnonzero(final)
        step_id = step_model.n_steps
        scores = step_model.predict_step(system.features(states, live, nF))
        valid = system.valid(states, live)
        costs = system.costs(states, live, gold)
        logp = log_softmax_valid(scores, valid)
        best_cost = np.where(valid, costs, np.inf).min(axis=1, keepdims=True)
        zero = valid & (costs <= best_cost)
        in_gold_beam = (groups[live] % 2 == 1)[:, None]
        allowed = np.where(in_gold_beam, zero, valid)
        r, m = np.nonzero(allowed)
        parent = np.concatenate((live[r], done))
        move = np.concatenate((m, np.full(len(done), -1, dtype=np.int64)))
        pos = np.concatenate((r, np.full(len(done), -1, dtype=np.int64)))
        score = np.concatenate((cum[live[r]] + logp[r, m], cum[done]))
        gold_flag = np.concatenate((is_gold[live[r]] & zero[r, m], is_gold[done]))
        with np.errstate(over="ignore"):
            hist = np.concatenate((history[live[r]] * _HASH_MUL + (m + 1).astype(np.uint64), history[done]))
        keep = select(groups[parent], score, width, density)
        trail.append((step_id, len(groups), live, np.exp(logp), parent[keep], move[keep], pos[keep]))
        states = system.take(states, parent[keep])
        move = move[keep]
        moving = np.flatnonzero(move >= 0)
        system.apply(states, moving, move[moving])
        groups = groups[parent[keep]]
        cum = score[keep]
        is_gold = gold_flag[keep]
        history = hist[keep]
        n_steps += 1
    weights, loss = _final_weights(groups // 2, cum, is_gold, history)
    _backprop_trail(step_model, trail, weights)
    return loss


def _final_weights(
    groups: np.ndarray, cum: np.ndarray, is_gold: np.ndarray, history: np.ndarray
) -> tuple[np.ndarray, float]:
    """dL/dS for each final candidate, and the loss, where for each group
    ``L = -log(sum_gold exp(S) / sum exp(S))`` over its distinct histories."""
    n = len(groups)
    weights = np.zeros(n, dtype=np.float64)
    if not n:
        return weights, 0.0
    # Distinct histories per group: the model's and the gold beam may hold the same one.
    order = np.lexsort((history, groups))
    g, h = groups[order], history[order]
    first = np.concatenate(([True], (g[1:] != g[:-1]) | (h[1:] != h[:-1])))
    uniq = order[first]
    ug, us, ugold = groups[uniq], cum[uniq], is_gold[uniq]
    n_groups = int(ug.max()) + 1
    top = np.full(n_groups, -np.inf)
    np.maximum.at(top, ug, us)
    e = np.exp(us - top[ug])
    Z = np.bincount(ug, weights=e, minlength=n_groups)
    gZ = np.bincount(ug, weights=np.where(ugold, e, 0.0), minlength=n_groups)
    has_gold = gZ[ug] > 0
    w = np.where(has_gold, e / Z[ug] - np.where(ugold, e, 0.0) / np.where(has_gold, gZ[ug], 1.0), 0.0)
    weights[uniq] = w
    present = np.unique(ug)
    ok = present[gZ[present] > 0]
    loss = float((np.log(Z[ok]) - np.log(gZ[ok])).sum())
    return weights, loss


def _backprop_trail(step_model: Any, trail: list, weights: np.ndarray) -> None:
    """Walk the parent pointers back from the final candidates: a row's
    weight is the sum of its descendants'; its score gradient is
    ``sum_children w * onehot(move) - w_row * p_row``."""
    w = weights
    for step_id, n_rows, live, probs, parent, move, pos in reversed(trail):
        w_rows = np.bincount(parent, weights=w, minlength=n_rows)
        d_scores = -w_rows[live][:, None] * probs
        exp = move >= 0
        np.add.at(d_scores, (pos[exp], move[exp]), w[exp])
        if np.any(d_scores):
            step_model.record(d_scores.astype(np.float32), step=step_id)
        w = w_rows
