"""A linear-chain CRF over BILUO tags: the legal transitions, constrained
Viterbi decoding and the log-likelihood with its gradient, batched over
docs padded to the longest (a Python loop over positions, numpy over docs).

Tags: 0 is "O"; label ``k`` has B, I, L, U at ``1 + 4k`` .. ``4 + 4k``.
Scores: emissions ``E`` (B, T, K), transitions ``trans[i, j]`` (tag ``i``
then ``j``), ``start`` and ``end`` (K,). Illegal transitions, starts and
ends are masked, so every decoded sequence is legal BILUO.
"""

from __future__ import annotations

import numpy as np

NEG = -1e30


def tag_names(labels: list[str]) -> list[str]:
    """RETURNS (List[str]): "O", then B-, I-, L-, U- of each label."""
    return ["O"] + [f"{p}-{label}" for label in labels for p in "BILU"]


def legal(n_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RETURNS: (allowed transitions (K, K), allowed first tags (K,), allowed last tags (K,))."""
    K = 1 + 4 * n_labels
    kind = np.zeros(K, dtype=np.int64)  # 0 O, 1 B, 2 I, 3 L, 4 U
    label = np.full(K, -1, dtype=np.int64)
    kind[1:] = np.tile(np.arange(1, 5), n_labels)
    label[1:] = np.repeat(np.arange(n_labels), 4)
    outside = (kind == 0) | (kind == 3) | (kind == 4)  # may be followed by a new start
    opens = (kind == 0) | (kind == 1) | (kind == 4)
    inside = (kind == 1) | (kind == 2)
    continues = (kind == 2) | (kind == 3)
    allowed = (outside[:, None] & opens[None, :]) | (
        inside[:, None] & continues[None, :] & (label[:, None] == label[None, :])
    )
    return allowed, opens.copy(), outside.copy()


def _lse(x: np.ndarray, axis: int) -> np.ndarray:
    raw = x.max(axis=axis, keepdims=True)
    top = np.where(raw > NEG / 2, raw, 0.0)
    out = np.log(np.maximum(np.exp(x - top).sum(axis=axis, keepdims=True), 1e-300)) + top
    # Nothing possible stays "impossible" (not log(0)).
    return np.where(raw > NEG / 2, out, NEG).squeeze(axis)


def _masked(trans, start, end, n_labels):
    allowed, first, last = legal(n_labels)
    return (np.where(allowed, trans, NEG), np.where(first, start, NEG), np.where(last, end, NEG))


def viterbi(E: np.ndarray, lengths: np.ndarray, trans: np.ndarray, start: np.ndarray, end: np.ndarray,
            allowed_tags: np.ndarray | None = None) -> np.ndarray:
    """The best legal tag sequence of each doc.

    E (numpy.ndarray): (B, T, K) emission scores, padded.
    lengths (numpy.ndarray[int]): (B,) doc lengths.
    trans, start, end (numpy.ndarray): transition, first and last tag scores.
    allowed_tags (numpy.ndarray[bool] | None): (B, T, K) tags a token may take
        (preset entities); None: all.
    RETURNS (numpy.ndarray[int64]): (B, T) tags (padding positions: meaningless).
    """
    B, T, K = E.shape
    n_labels = (K - 1) // 4
    tr, st, en = _masked(np.asarray(trans, np.float64), np.asarray(start, np.float64),
                         np.asarray(end, np.float64), n_labels)
    E = np.asarray(E, dtype=np.float64)
    if allowed_tags is not None:
        E = np.where(allowed_tags, E, NEG)
    if T == 0:
        return np.zeros((B, 0), dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    delta = st[None, :] + E[:, 0]
    back = np.zeros((B, T, K), dtype=np.int64)
    ident = np.broadcast_to(np.arange(K), (B, K))
    for t in range(1, T):
        cand = delta[:, :, None] + tr[None]
        best = cand.argmax(axis=1)
        new = np.take_along_axis(cand, best[:, None, :], axis=1)[:, 0] + E[:, t]
        live = (t < lengths)[:, None]
        delta = np.where(live, new, delta)
        back[:, t] = np.where(live, best, ident)
    tags = np.zeros((B, T), dtype=np.int64)
    tags[:, T - 1] = (delta + en[None, :]).argmax(axis=1)
    for t in range(T - 1, 0, -1):
        tags[:, t - 1] = back[np.arange(B), t, tags[:, t]]
    return tags


def _forward_backward(E, lengths, tr, st, en, mask):
    B, T, K = E.shape
    E = np.where(mask, E, NEG)
    alpha = np.full((B, T, K), NEG)
    alpha[:, 0] = st[None] + E[:, 0]
    for t in range(1, T):
        new = _lse(alpha[:, t - 1, :, None] + tr[None], axis=1) + E[:, t]
        alpha[:, t] = np.where((t < lengths)[:, None], new, NEG)
    beta = np.full((B, T, K), NEG)
    last = lengths - 1
    for t in range(T - 1, -1, -1):
        nxt = _lse(tr[None] + (E[:, t + 1] + beta[:, t + 1])[:, None, :], axis=2) if t + 1 < T else None
        at_end = (t == last)[:, None]
        inner = (t < last)[:, None]
        beta[:, t] = np.where(at_end, en[None], np.where(inner, nxt if nxt is not None else NEG, NEG))
    logZ = _lse(alpha[np.arange(B), last] + en[None], axis=1)
    return alpha, beta, logZ, E


def crf_loss(E: np.ndarray, lengths: np.ndarray, trans: np.ndarray, start: np.ndarray, end: np.ndarray,
             gold: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Negative log-likelihood of the gold, marginalising what it leaves open.

    gold (numpy.ndarray[bool]): (B, T, K) the tags each token's gold allows
        (one for an annotated token, all for a missing one): the loss is
        ``log Z(all legal) - log Z(legal and gold-compatible)``.
    RETURNS: (loss, dE (B, T, K), d_trans (K, K), d_start (K,), d_end (K,)).
    """
    B, T, K = E.shape
    n_labels = (K - 1) // 4
    lengths = np.asarray(lengths, dtype=np.int64)
    tr, st, en = _masked(np.asarray(trans, np.float64), np.asarray(start, np.float64),
                         np.asarray(end, np.float64), n_labels)
    E = np.asarray(E, dtype=np.float64)
    valid = np.arange(T)[None, :] < lengths[:, None]
    keep = lengths > 0
    out = []
    for mask in (np.ones((B, T, K), dtype=bool), gold.astype(bool) | ~valid[:, :, None]):
        alpha, beta, logZ, Em = _forward_backward(E, np.maximum(lengths, 1), tr, st, en, mask)
        node = np.exp(np.minimum(alpha + beta - logZ[:, None, None], 0.0)) * valid[:, :, None]
        pair = np.zeros((K, K))
        for t in range(1, T):
            live = (t < lengths) & keep
            if not live.any():
                break
            x = (alpha[live, t - 1, :, None] + tr[None] + (Em[live, t] + beta[live, t])[:, None, :]
                 - logZ[live, None, None])
            pair += np.exp(np.minimum(x, 0.0)).sum(axis=0)
        first = node[keep, 0].sum(axis=0)
        lastn = node[np.flatnonzero(keep), lengths[keep] - 1].sum(axis=0)
        out.append((float(logZ[keep].sum()), node, pair, first, lastn))
    (z_all, n_all, p_all, f_all, l_all), (z_gold, n_gold, p_gold, f_gold, l_gold) = out
    return z_all - z_gold, n_all - n_gold, p_all - p_gold, f_all - f_gold, l_all - l_gold


def is_legal(tags: np.ndarray, n_labels: int) -> bool:
    """RETURNS (bool): whether a tag sequence is legal BILUO."""
    tags = np.asarray(tags, dtype=np.int64)
    if not len(tags):
        return True
    allowed, first, last = legal(n_labels)
    return bool(first[tags[0]] and last[tags[-1]] and allowed[tags[:-1], tags[1:]].all())
