"""The BILUO transition system behind the ``ner`` component, with its oracle.

One move per token, left to right: ``O`` (outside), or ``B-L`` / ``I-L`` /
``L-L`` / ``U-L`` (begin, inside, last, unit entity of label ``L``). Moves
are numbered ``0 = "O"``, then all ``B-*``, all ``I-*``, all ``L-*``, all
``U-*`` in ``labels`` order. A doc of ``n`` tokens takes exactly ``n`` moves.

Entities an earlier component set (``ENT_IOB`` B or I, e.g. by an
``entity_ruler``) are kept: at their tokens the only valid move reproduces
them, and no predicted entity may run into them. A token marked B with no
label ("blocked") only allows ``O``. Tokens marked O or missing are free.

The oracle is exact and array-based. The loss of a final state is the number
of gold entities not predicted plus the number of predicted entities that are
not gold, where a predicted entity touching a token with missing annotation
is not counted (unless it is one of the ``incorrect_spans_key`` spans). The
cost of a move is how much it raises the lowest loss still reachable; it is
computed in O(1) per state from per-token prefix sums of gold entity starts,
the next missing token and the end of each free run, so no state ever
rescans its document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from plait import attrs as A
from plait.errors import DataError, UsageError
from plait.tokens import docs_from_array, docs_to_array

from ._biluo_gold import (
    BEGIN,
    IN,
    LAST,
    MISSING,
    OUT,
    UNIT,
    BiluoGold,
    Lookahead,
    build_gold,
    check_offsets,
    move_id,
    preset_constraints,
)

__all__ = ["INVALID_COST", "BiluoGold", "BiluoNer", "BiluoStates"]

# The ENT_IOB code a move kind writes for its token (3 = B, 1 = I, 2 = O).
_IOB_OF_KIND = np.array([2, 3, 1, 1, 3], dtype=np.uint8)
# Cost of invalid moves, as spaCy does: never mistaken for a gold move.
INVALID_COST = 9000.0


@dataclass
class BiluoStates:
    """A batch of NER parse states, one row per state.

    Per row: ``offset`` (global row of the doc's token 0), ``length``, ``i``
    (next token), ``ent_start`` (local start of the open entity, -1 if none)
    and ``ent_label`` (its label index, -1 if none); ``tag_iob`` / ``tag_label``
    (rows × longest doc) hold the ENT_IOB code and label index the moves wrote.
    ``req``, ``cont_ok`` and ``run_end`` are per global token row and shared
    (read-only): the move a preset entity requires (-1 free), whether an
    entity may continue onto the next token, and the last free token of the
    free run holding the token.
    """

    offset: np.ndarray
    length: np.ndarray
    i: np.ndarray
    ent_start: np.ndarray
    ent_label: np.ndarray
    tag_iob: np.ndarray
    tag_label: np.ndarray
    req: np.ndarray
    cont_ok: np.ndarray
    run_end: np.ndarray

    _SHARED = ("req", "cont_ok", "run_end")

    def __len__(self) -> int:
        return len(self.offset)


class BiluoNer:
    """The BILUO transition system (see the module docstring).

    labels (list[str]): the entity labels; the moves are fixed at
        construction (adding a label renumbers moves: build a new system).
    incorrect_spans_key (Optional[str]): the ``doc.spans`` key of reference
        spans known to be wrong; predicting one exactly costs 1.
    """

    def __init__(self, labels: Sequence[str], *, incorrect_spans_key: str | None = None) -> None:
        self._labels = tuple(labels)
        self.incorrect_spans_key = incorrect_spans_key
        if len(set(self._labels)) != len(self._labels) or not all(isinstance(x, str) and x for x in self._labels):
            raise DataError(f"BiluoNer: entity labels must be unique non-empty strings, got {list(self._labels)!r}")
        n = len(self._labels)
        self._label_index = {label: k for k, label in enumerate(self._labels)}
        self._move_names = ["O"] + [f"{p}-{lab}" for p in "BILU" for lab in self._labels]
        self.move_kind = np.array([OUT] + [k for k in (BEGIN, IN, LAST, UNIT) for _ in range(n)], dtype=np.int64)
        self.move_label = np.array([-1] + list(range(n)) * 4, dtype=np.int64)

    # Moves -------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """The entity labels (a copy: the moves are fixed at construction)."""
        return list(self._labels)

    @property
    def n_moves(self) -> int:
        return 1 + 4 * len(self._labels)

    @property
    def move_names(self) -> list[str]:
        return list(self._move_names)

    def move_id(self, kind: Any, label: Any) -> np.ndarray:
        """The move of a kind (0 O, 1 B, 2 I, 3 L, 4 U) and label index."""
        return move_id(kind, label, len(self._labels))

    def n_features(self, extra_state_tokens: bool) -> int:
        """B0, E0, B0-1; with extra tokens also B1, B0-2, E0-1."""
        return 6 if extra_state_tokens else 3

    # Labels ------------------------------------------------------------------
    @classmethod
    def collect_labels(cls, examples: Sequence[Any]) -> dict[str, int]:
        """The entity labels of the reference docs, with their entity counts.

        examples (Sequence[Example]): the training examples.
        RETURNS (dict[str, int]): label -> number of entities, sorted by label.
        """
        counts: dict[str, int] = {}
        for eg in examples:
            for ent in eg.reference.ents:
                counts[ent.label_] = counts.get(ent.label_, 0) + 1
        return dict(sorted(counts.items()))

    def unknown_labels(self, examples: Sequence[Any]) -> dict[str, tuple[int, int]]:
        """Reference entity labels this system has no moves for.

        ``gold`` treats their entities as missing annotation; a frozen
        component may rather raise, naming where each label first occurs.

        examples (Sequence[Example]): the examples.
        RETURNS (dict[str, tuple[int, int]]): label -> (example position,
            reference token index) of its first entity.
        """
        out: dict[str, tuple[int, int]] = {}
        for k, eg in enumerate(examples):
            for ent in eg.reference.ents:
                if ent.label_ not in self._label_index and ent.label_ not in out:
                    out[ent.label_] = (k, ent.start)
        return out

    # States ------------------------------------------------------------------
    def init_states(self, docs: Sequence[Any], offsets: np.ndarray) -> BiluoStates:
        """One fresh state per doc, constrained by the docs' preset entities.

        docs (Sequence[Doc]): the docs; doc k's tokens are global rows
            ``offsets[k] .. offsets[k] + len(docs[k]) - 1``.
        offsets (numpy.ndarray): the first global row of each doc.
        RETURNS (BiluoStates): the state batch.
        """
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1)
        check_offsets(offsets, lengths)
        _check_contiguous(offsets, lengths)
        req, cont_ok, run_end = preset_constraints(docs, lengths, self._label_index)
        n = len(docs)
        width = int(lengths.max()) if n else 0
        for arr in (req, cont_ok, run_end):
            arr.flags.writeable = False
        return BiluoStates(
            offset=offsets.copy(),
            length=lengths,
            i=np.zeros(n, dtype=np.int64),
            ent_start=np.full(n, -1, dtype=np.int64),
            ent_label=np.full(n, -1, dtype=np.int64),
            tag_iob=np.zeros((n, width), dtype=np.uint8),
            tag_label=np.full((n, width), -1, dtype=np.int32),
            req=req,
            cont_ok=cont_ok,
            run_end=run_end,
        )

    def take(self, states: BiluoStates, rows: np.ndarray) -> BiluoStates:
        """A new state batch holding copies of ``states`` at ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        return BiluoStates(**{
            f.name: getattr(states, f.name) if f.name in BiluoStates._SHARED else getattr(states, f.name)[rows]
            for f in fields(BiluoStates)
        })

    def is_final(self, states: BiluoStates) -> np.ndarray:
        """RETURNS (numpy.ndarray[bool]): shape (n_states,)."""
        return states.i >= states.length

    def features(self, states: BiluoStates, rows: np.ndarray, n_features: int) -> np.ndarray:
        """Global token rows of B0, E0, B0-1 (+ B1, B0-2, E0-1), -1 empty.

        RETURNS (numpy.ndarray[int64]): shape (len(rows), n_features).
        """
        rows = np.asarray(rows, dtype=np.int64)
        off = states.offset[rows]
        i = states.i[rows]
        n = states.length[rows]
        s = states.ent_start[rows]
        is_open = states.ent_label[rows] >= 0
        out = np.empty((len(rows), n_features), dtype=np.int64)
        out[:, 0] = np.where(i < n, off + i, -1)
        out[:, 1] = np.where(is_open, off + s, -1)
        out[:, 2] = np.where((i >= 1) & (i <= n), off + i - 1, -1)
        if n_features > 3:
            out[:, 3] = np.where(i + 1 < n, off + i + 1, -1)
            out[:, 4] = np.where((i >= 2) & (i <= n + 1), off + i - 2, -1)
            out[:, 5] = np.where(is_open & (s >= 1), off + s - 1, -1)
        return out

    def valid(self, states: BiluoStates, rows: np.ndarray) -> np.ndarray:
        """RETURNS (numpy.ndarray[bool]): (len(rows), n_moves) valid moves."""
        rows = np.asarray(rows, dtype=np.int64)
        nl = len(self._labels)
        i = states.i[rows]
        live = i < states.length[rows]
        t = np.where(live, states.offset[rows] + i, 0)
        req = states.req[t] if len(states.req) else np.full(len(rows), -1)
        free = live & (req < 0)
        cont = states.cont_ok[t] if len(states.cont_ok) else np.zeros(len(rows), dtype=bool)
        label = states.ent_label[rows]
        is_open = label >= 0
        closed = free & ~is_open
        out = np.zeros((len(rows), self.n_moves), dtype=bool)
        out[:, 0] = closed
        out[:, 1 : 1 + nl] = (closed & cont)[:, None]
        out[:, 1 + 3 * nl :] = closed[:, None]
        opened = np.flatnonzero(free & is_open)
        out[opened, 1 + nl + label[opened]] = cont[opened]
        out[opened, 1 + 2 * nl + label[opened]] = True
        forced = np.flatnonzero(live & (req >= 0))
        out[forced, req[forced]] = True
        return out

    def apply(self, states: BiluoStates, rows: np.ndarray, moves: np.ndarray) -> None:
        """Apply ``moves[k]`` (valid) to the state at ``rows[k]``, in place."""
        rows = np.asarray(rows, dtype=np.int64)
        moves = np.asarray(moves, dtype=np.int64)
        kind = self.move_kind[moves]
        label = self.move_label[moves]
        i = states.i[rows]
        states.tag_iob[rows, i] = _IOB_OF_KIND[kind]
        states.tag_label[rows, i] = label
        begins = kind == BEGIN
        closes = ~begins & (kind != IN)
        states.ent_start[rows[begins]] = i[begins]
        states.ent_label[rows[begins]] = label[begins]
        states.ent_start[rows[closes]] = -1
        states.ent_label[rows[closes]] = -1
        states.i[rows] = i + 1

    # Gold ----------------------------------------------------------------------
    def gold(self, examples: Sequence[Any], offsets: np.ndarray) -> BiluoGold:
        """Gold entities of the examples on their predicted tokens.

        The aligned gold tags are cached on each example (keyed by the labels
        and ``incorrect_spans_key``), so later epochs only concatenate them.
        Entities of labels the system lacks count as missing annotation (see
        ``unknown_labels``).

        examples (Sequence[Example]): the examples, in state order.
        offsets (numpy.ndarray): the first global row of each predicted doc.
        RETURNS (BiluoGold): what ``costs`` reads.
        RAISES (DataError): for an invalid entity tag sequence, naming the
            example, the token index and its text.
        """
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1)
        return build_gold(examples, offsets, list(self._labels), self._label_index, self.incorrect_spans_key)

    # Oracle --------------------------------------------------------------------
    def costs(self, states: BiluoStates, rows: np.ndarray, gold: BiluoGold) -> np.ndarray:
        """How much each move raises the lowest reachable loss (0: a gold move).

        Invalid moves get ``INVALID_COST``.

        RETURNS (numpy.ndarray[float32]): (len(rows), n_moves).
        """
        rows = np.asarray(rows, dtype=np.int64)
        nl = len(self._labels)
        valid = self.valid(states, rows)
        out = np.zeros((len(rows), self.n_moves), dtype=np.float32)
        total = len(gold.kind)
        if total != len(states.req):
            raise UsageError(
                f"costs: the gold covers {total} tokens but the states' docs have {len(states.req)}: "
                "build the gold from the examples whose predicted docs made the states"
            )
        if not total or not len(rows):
            out[~valid] = INVALID_COST
            return out
        t = np.minimum(states.offset[rows] + states.i[rows], total - 1)
        look = Lookahead(gold, t, states.run_end[t], nl)
        gk, gl, starts_at = look.gk, look.gl, look.starts_at
        label = states.ent_label[rows]
        closed = np.flatnonzero(label < 0)
        if len(closed):
            # No open entity: following gold keeps the best loss, so a move
            # costs the gold entity it loses (one starting here) plus a false
            # entity it makes certain.
            tc, sa, gkc, glc = t[closed], starts_at[closed], gk[closed], gl[closed]
            out[closed, 0] = sa
            labels = np.arange(nl)
            u_gold = (gkc == UNIT)[:, None] & (glc[:, None] == labels)
            false_u = (gkc != MISSING)[:, None]
            if look.has_incorrect:
                false_u = false_u | look.incorrect(tc[:, None], tc[:, None], labels)
            out[closed, 1 + 3 * nl :] = np.where(u_gold, 0, sa[:, None] + false_u)
            b_gold = (gkc == BEGIN)[:, None] & (glc[:, None] == labels)
            if look.has_incorrect:
                after = np.stack([look.best(closed, tc + 1, tc, np.full(len(tc), lab)) for lab in range(nl)], 1)
            else:
                after = look.best(closed, tc + 1, tc, None)[:, None]
            out[closed, 1 : 1 + nl] = np.where(b_gold, 0, sa[:, None] + after)
        opened = np.flatnonzero(label >= 0)
        if len(opened):
            tt, lab = t[opened], label[opened]
            s = states.offset[rows[opened]] + states.ent_start[rows[opened]]
            e0 = gold.end[s]
            # ok: the open entity is a prefix of a gold entity ending at e0.
            ok = (gold.kind[s] == BEGIN) & (gold.label[s] == lab) & (tt <= e0)
            sa = starts_at[opened]
            floor = look.best(opened, tt, s, lab)
            after = look.best(opened, tt + 1, s, lab)
            false_l = tt < look.fm(s)
            if look.has_incorrect:
                false_l = false_l | look.incorrect(s, tt, lab)
            l_cost = np.where(ok, np.where(e0 == tt, 0, 2), sa + false_l - floor)
            i_cost = np.where(ok, np.where(e0 > tt, 0, 1 + after), sa + after - floor)
            out[opened, 1 + nl + lab] = i_cost
            out[opened, 1 + 2 * nl + lab] = l_cost
        out[states.req[t] >= 0] = 0  # a preset entity's move: the only one
        out[~valid] = INVALID_COST
        return out

    # Output --------------------------------------------------------------------
    def set_annotations(self, docs: Sequence[Any], states: BiluoStates, rows: np.ndarray) -> None:
        """Write the entities of the final states at ``rows`` into ``docs``.

        Tokens an earlier component marked B or I (preset and blocked) keep
        their columns; every other token gets the predicted entity or O.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not len(docs):
            return
        lengths = states.length[rows]
        width = states.tag_iob.shape[1]
        mask = np.arange(width)[None, :] < lengths[:, None]
        iob = states.tag_iob[rows][mask].astype(np.uint64)
        lab = states.tag_label[rows][mask]
        strings = docs[0].vocab.strings
        hashes = np.array([strings.add(label) for label in self._labels] + [0], dtype=np.uint64)
        typ = hashes[lab]  # label -1 reads the trailing 0
        kb = np.zeros(len(iob), dtype=np.uint64)
        old = docs_to_array(docs, [A.ENT_IOB, A.ENT_TYPE, A.ENT_KB_ID])
        keep = (old[:, 0] == 1) | (old[:, 0] == 3)
        iob[keep] = old[keep, 0]
        typ[keep] = old[keep, 1]
        kb[keep] = old[keep, 2]
        docs_from_array(docs, [A.ENT_IOB, A.ENT_TYPE, A.ENT_KB_ID], np.stack([iob, typ, kb], axis=1))


def _check_contiguous(offsets: np.ndarray, lengths: np.ndarray) -> None:
    if len(offsets) and not (offsets == np.cumsum(lengths) - lengths).all():
        raise DataError(
            f"offsets {offsets.tolist()[:8]} do not match the docs' lengths {lengths.tolist()[:8]}: "
            "the docs' tokens must be concatenated in order (doc k at the sum of the lengths before it)"
        )
