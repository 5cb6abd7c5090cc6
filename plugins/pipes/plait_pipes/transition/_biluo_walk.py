"""The ``ner`` component's greedy loops over BILUO states, with the fewest
numpy calls per step.

Why it exists: an NER step is tiny (3 feature tokens, hidden width 64), so
per-step Python and numpy call overhead, not arithmetic, decides the speed.
``BiluoNer.valid`` / ``costs`` / ``features`` / ``apply`` stay the general,
readable definitions (beam search, oracle cuts and the tests use them); a
``BiluoWalk`` gives the same valid moves and costs (tested equal) from two
facts about the system:

- A state without an open entity, or at a token a preset entity forces, has
  valid moves and oracle costs that depend only on its token. They are
  computed for every token of the batch at once (``token_tables``) and a
  step gathers its rows. Only states with an open entity at a free token
  need work of their own, and they have two candidate moves (``I-L``, ``L-L``).
- Every live state moves one token per step. With the states ordered by the
  tokens they have left (ascending), the live ones are always a suffix of the
  batch: each step works on slices, never on index arrays of live rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._biluo_gold import BEGIN, MISSING, UNIT, BiluoGold, Lookahead

# Cost of invalid moves (biluo.INVALID_COST; spaCy's value).
INVALID = 9000.0
# ENT_IOB code a move kind writes (O, B, I, L, U -> 2, 3, 1, 1, 3).
_IOB_OF_KIND = np.array([2, 3, 1, 1, 3], dtype=np.uint8)


def token_valid(req: np.ndarray, cont_ok: np.ndarray, n_labels: int) -> np.ndarray:
    """Valid moves of a state with no open entity, at each token.

    req (numpy.ndarray[int]): per token, the move a preset entity forces (-1 free).
    cont_ok (numpy.ndarray[bool]): per token, whether an entity may continue
        onto the next token.
    n_labels (int): the number of entity labels.
    RETURNS (numpy.ndarray[bool]): (n_tokens, n_moves). A forced token allows
        only its move, whether or not an entity is open.
    """
    nl = n_labels
    free = req < 0
    out = np.zeros((len(req), 1 + 4 * nl), dtype=bool)
    out[:, 0] = free
    out[:, 1 : 1 + nl] = (free & cont_ok)[:, None]
    out[:, 1 + 3 * nl :] = free[:, None]
    forced = np.flatnonzero(~free)
    out[forced, req[forced]] = True
    return out


def token_costs(gold: BiluoGold, req: np.ndarray, run_end: np.ndarray, valid: np.ndarray, n_labels: int) -> np.ndarray:
    """Oracle costs of a state with no open entity, at each token (the
    closed-state branch of ``BiluoNer.costs`` over all tokens at once).

    gold (BiluoGold): the batch's gold. req, run_end (numpy.ndarray): the
        states' shared per-token arrays. valid (numpy.ndarray[bool]): what
        ``token_valid`` returned. n_labels (int): the number of labels.
    RETURNS (numpy.ndarray[float32]): (n_tokens, n_moves); invalid moves cost
        ``INVALID``, a forced token's move 0.
    """
    nl = n_labels
    total = len(req)
    out = np.zeros(valid.shape, dtype=np.float32)
    if total:
        t = np.arange(total, dtype=np.int64)
        look = Lookahead(gold, t, run_end, nl)
        gk, gl, sa = look.gk, look.gl, look.starts_at
        out[:, 0] = sa
        labels = np.arange(nl)
        u_gold = (gk == UNIT)[:, None] & (gl[:, None] == labels)
        false_u = (gk != MISSING)[:, None]
        if look.has_incorrect:
            false_u = false_u | look.incorrect(t[:, None], t[:, None], labels)
        out[:, 1 + 3 * nl :] = np.where(u_gold, 0, sa[:, None] + false_u)
        b_gold = (gk == BEGIN)[:, None] & (gl[:, None] == labels)
        if look.has_incorrect:
            after = np.stack([look.best(t, t + 1, t, np.full(total, lab)) for lab in range(nl)], 1)
        else:
            after = look.best(t, t + 1, t, None)[:, None]
        out[:, 1 : 1 + nl] = np.where(b_gold, 0, sa[:, None] + after)
        out[req >= 0] = 0
    out[~valid] = INVALID
    return out


def open_costs(
    gold: BiluoGold, run_end: np.ndarray, t: np.ndarray, s: np.ndarray, label: np.ndarray, n_labels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Costs of ``I-L`` and ``L-L`` for states with an open entity (the
    open-state branch of ``BiluoNer.costs``).

    t (numpy.ndarray[int]): the states' global token. s (numpy.ndarray[int]):
        the global start of their open entity. label (numpy.ndarray[int]): its label.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): the I and L costs.
    """
    look = Lookahead(gold, t, run_end[t], n_labels)
    sub = np.arange(len(t))
    e0 = gold.end[s]
    ok = (gold.kind[s] == BEGIN) & (gold.label[s] == label) & (t <= e0)
    sa = look.starts_at
    floor = look.best(sub, t, s, label)
    after = look.best(sub, t + 1, s, label)
    false_l = t < look.fm(s)
    if look.has_incorrect:
        false_l = false_l | look.incorrect(s, t, label)
    l_cost = np.where(ok, np.where(e0 == t, 0, 2), sa + false_l - floor)
    i_cost = np.where(ok, np.where(e0 > t, 0, 1 + after), sa + after - floor)
    return i_cost, l_cost


class BiluoWalk:
    """A batch of BILUO states walked greedily, one token per step.

    system (BiluoNer): the transition system.
    states (BiluoStates): the states (changed in place by ``finish``).
    n_features (int): feature tokens per state (3 or 6).
    slot_base (numpy.ndarray[int]): per feature slot, the first row of its
        slab in the step model's flat table; ``pad`` is the row offset of the
        padding (the number of tokens): ``rows`` returns table rows directly.
    gold (BiluoGold | None): the gold, for ``costs`` (training).
    max_steps (int): the most steps the caller will take (0: until every
        state is final); bounds the move record, which is per state and step.

    Use: ``while walk.n_live: rows = walk.rows(); ...; walk.apply(moves)``,
    then ``walk.finish()`` writes the moves back into ``states``.
    """

    def __init__(
        self, system: Any, states: Any, n_features: int, slot_base: np.ndarray, pad: int,
        gold: BiluoGold | None = None, max_steps: int = 0,
    ) -> None:
        self.system = system
        self.states = states
        self.gold = gold
        nl = len(system.labels)
        self.nl = nl
        self.nF = n_features
        rem = states.length - states.i
        order = np.argsort(rem, kind="stable")
        self.order = order
        rem = rem[order]
        self.rem = rem
        off = states.offset[order]
        self.t = off + states.i[order]
        start = states.ent_start[order]
        self.label = states.ent_label[order].copy()
        self.s = np.where(self.label >= 0, off + start, -1)
        self.n_states = len(order)
        self.lo = int(np.searchsorted(rem, 0, side="right"))
        self.step = 0
        width = int(rem.max()) if len(rem) else 0
        if max_steps > 0:
            width = min(width, max_steps)
        self.moves = np.zeros((self.n_states, width), dtype=np.int64)
        req, cont_ok, run_end = states.req, states.cont_ok, states.run_end
        self.req, self.cont_ok, self.run_end = req, cont_ok, run_end
        self.has_presets = bool((req >= 0).any())
        self.valid_table = token_valid(req, cont_ok, nl)
        self.cost_table = (
            token_costs(gold, req, run_end, self.valid_table, nl) if gold is not None else None
        )
        # Feature rows per token, in table-row space: B0, (E0), B0-1 [, B1, B0-2, (E0-1)];
        # the E0 slots are filled per state.
        total = len(req)
        tok = np.arange(total, dtype=np.int64)
        # Several states may share a doc (oracle cuts, beams): docs by offset.
        starts, first = np.unique(states.offset[states.length > 0], return_index=True)
        if len(starts):
            ends = starts + states.length[states.length > 0][first]
            doc = np.maximum(np.searchsorted(starts, tok, side="right") - 1, 0)
            doc_start, doc_end = starts[doc], ends[doc]
        else:
            doc_start = doc_end = tok
        base = np.asarray(slot_base, dtype=np.int64)
        self.base = base
        self.pad = pad
        feats = np.empty((total, n_features), dtype=np.int64)
        feats[:, 0] = tok
        feats[:, 1] = pad
        feats[:, 2] = np.where(tok - 1 >= doc_start, tok - 1, pad)
        if n_features > 3:
            feats[:, 3] = np.where(tok + 1 < doc_end, tok + 1, pad)
            feats[:, 4] = np.where(tok - 2 >= doc_start, tok - 2, pad)
            feats[:, 5] = pad
            self.doc_start = doc_start
        self.tok_rows = (feats + base).astype(np.int32)
        # E0 (and E0-1) rows per state.
        self.e_row = np.where(self.s >= 0, self.s, pad) + base[1]
        if n_features > 3:
            self.e1_row = self._e1(self.s) + base[5]
        self.open_label = np.concatenate(([-1], np.tile(np.arange(nl), 2), np.full(2 * nl, -1))).astype(np.int64)
        self.is_begin = np.zeros(1 + 4 * nl, dtype=bool)
        self.is_begin[1 : 1 + nl] = True

    def _e1(self, s: np.ndarray) -> np.ndarray:
        """The E0-1 token of an open entity starting at global s (pad if none)."""
        if not len(self.doc_start):
            return np.full(len(s), self.pad, dtype=np.int64)
        ok = (s >= 1) & (s - 1 >= self.doc_start[np.maximum(s, 0)])
        return np.where(ok & (s >= 0), s - 1, self.pad)

    @property
    def n_live(self) -> int:
        """RETURNS (int): the states not final yet."""
        return self.n_states - self.lo

    def rows(self) -> np.ndarray:
        """RETURNS (numpy.ndarray[int32]): (n_live, nF) feature rows of the
        live states in the step model's flat table."""
        lo = self.lo
        out = self.tok_rows[self.t[lo:]]
        out[:, 1] = self.e_row[lo:]
        if self.nF > 3:
            out[:, 5] = self.e1_row[lo:]
        return out

    def _open(self) -> np.ndarray:
        """Live states (offsets from lo) with an open entity at a free token."""
        label = self.label[self.lo :]
        if not len(label) or label.max() < 0:  # the usual case: one call
            return np.zeros(0, dtype=np.int64)
        lo = self.lo
        opened = np.flatnonzero(label >= 0)
        if self.has_presets and len(opened):
            opened = opened[self.req[self.t[lo:][opened]] < 0]
        return opened

    def valid(self) -> np.ndarray:
        """RETURNS (numpy.ndarray[bool]): (n_live, n_moves), as ``BiluoNer.valid``."""
        lo = self.lo
        t = self.t[lo:]
        out = self.valid_table[t]
        opened = self._open()
        if len(opened):
            lab = self.label[lo:][opened]
            out[opened] = False
            out[opened, 1 + self.nl + lab] = self.cont_ok[t[opened]]
            out[opened, 1 + 2 * self.nl + lab] = True
        return out

    def costs(self) -> np.ndarray:
        """RETURNS (numpy.ndarray[float32]): (n_live, n_moves), as
        ``BiluoNer.costs`` (invalid moves ``INVALID``)."""
        lo = self.lo
        t = self.t[lo:]
        assert self.cost_table is not None and self.gold is not None  # costs are asked only with gold
        out = self.cost_table[t]
        opened = self._open()
        if len(opened):
            to = t[opened]
            lab = self.label[lo:][opened]
            i_cost, l_cost = open_costs(self.gold, self.run_end, to, self.s[lo:][opened], lab, self.nl)
            out[opened] = INVALID
            out[opened, 1 + self.nl + lab] = np.where(self.cont_ok[to], i_cost, INVALID)
            out[opened, 1 + 2 * self.nl + lab] = l_cost
        return out

    def apply(self, moves: np.ndarray) -> None:
        """Apply one (valid) move to each live state and move on a token."""
        lo = self.lo
        t = self.t[lo:]
        self.moves[lo:, self.step] = moves
        label = self.open_label[moves]
        s = np.where(label < 0, -1, np.where(self.is_begin[moves], t, self.s[lo:]))
        self.label[lo:] = label
        self.s[lo:] = s
        self.e_row[lo:] = np.where(s >= 0, s, self.pad) + self.base[1]
        if self.nF > 3:
            self.e1_row[lo:] = self._e1(s) + self.base[5]
        t += 1
        self.step += 1
        self.lo = int(np.searchsorted(self.rem, self.step, side="right"))

    def finish(self) -> None:
        """Write the walked moves into ``states`` (tags, position, open entity)."""
        st = self.states
        n_steps = self.step
        taken = np.minimum(self.rem, n_steps)
        rows = self.order
        i0 = st.i[rows]
        if n_steps:
            r, k = np.nonzero(np.arange(n_steps)[None, :] < taken[:, None])
            m = self.moves[r, k]
            system = self.system
            st.tag_iob[rows[r], i0[r] + k] = _IOB_OF_KIND[system.move_kind[m]]
            st.tag_label[rows[r], i0[r] + k] = system.move_label[m]
        off = st.offset[rows]
        st.i[rows] = i0 + taken
        st.ent_label[rows] = self.label
        st.ent_start[rows] = np.where(self.s >= 0, self.s - off, -1)


__all__ = ["INVALID", "BiluoWalk", "open_costs", "token_costs", "token_valid"]
