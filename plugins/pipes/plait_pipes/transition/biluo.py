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
from plait.errors import DataError
from plait.tokens import docs_from_array, docs_to_array

# Move kinds; the gold kind uses the same codes, MISSING for no annotation.
O, BEGIN, IN, LAST, UNIT = 0, 1, 2, 3, 4
MISSING = -1
_KIND_NAMES = ("O", "B", "I", "L", "U")
_KIND_OF_PREFIX = {"B": BEGIN, "I": IN, "L": LAST, "U": UNIT}
# The ENT_IOB code a move writes for its token (3 = B, 1 = I, 2 = O).
_IOB_OF_KIND = np.array([2, 3, 1, 1, 3], dtype=np.uint8)
# Cost given to invalid moves, as spaCy does: never mistaken for a gold move.
INVALID_COST = 9000.0
_CACHE_ATTR = "_biluo_gold_cache"


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


@dataclass
class BiluoGold:
    """Gold entities of a batch of examples, per global token row.

    ``kind``: O/B/I/L/U or MISSING; ``label``: label index (-1 none); ``end``:
    global row of the last token of the gold entity holding the token (-1);
    ``start_cum[t]``: number of gold entity starts in rows ``< t``;
    ``next_missing[t]``: first row ``>= t`` with missing annotation;
    ``incorrect``: sorted keys of the known-incorrect spans (see ``_span_key``).
    """

    kind: np.ndarray
    label: np.ndarray
    end: np.ndarray
    start_cum: np.ndarray
    next_missing: np.ndarray
    incorrect: np.ndarray


class BiluoNer:
    """The BILUO transition system (see the module docstring).

    labels (list[str]): the entity labels; the moves are fixed at
        construction (adding a label renumbers moves: build a new system).
    incorrect_spans_key (Optional[str]): the ``doc.spans`` key of reference
        spans known to be wrong; predicting one exactly costs 1.
    """

    def __init__(self, labels: Sequence[str], *, incorrect_spans_key: str | None = None) -> None:
        self.labels: list[str] = list(labels)
        self.incorrect_spans_key = incorrect_spans_key
        if len(set(self.labels)) != len(self.labels) or any(not lab for lab in self.labels):
            raise DataError(f"BiluoNer: entity labels must be unique and non-empty, got {self.labels!r}")
        n = len(self.labels)
        self._label_index = {label: k for k, label in enumerate(self.labels)}
        self._move_names = ["O"] + [f"{p}-{lab}" for p in "BILU" for lab in self.labels]
        self.move_kind = np.array([O] + [k for k in (BEGIN, IN, LAST, UNIT) for _ in range(n)], dtype=np.int64)
        self.move_label = np.array([-1] + list(range(n)) * 4, dtype=np.int64)

    # Moves -------------------------------------------------------------------
    @property
    def n_moves(self) -> int:
        return 1 + 4 * len(self.labels)

    @property
    def move_names(self) -> list[str]:
        return list(self._move_names)

    def move_id(self, kind: int | np.ndarray, label: int | np.ndarray) -> Any:
        """The move of a kind (O/B/I/L/U code) and label index (ignored for O)."""
        return np.where(np.asarray(kind) == O, 0, 1 + (np.asarray(kind) - 1) * len(self.labels) + label)

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
        _check_offsets(offsets, lengths)
        req, cont_ok, run_end = self._constraints(docs, lengths)
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
        nl = len(self.labels)
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

    # Preset entities -----------------------------------------------------------
    def _constraints(
        self, docs: Sequence[Any], lengths: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per global token: required move (-1 free), may-continue, run end."""
        total = int(lengths.sum())
        cols = docs_to_array(docs, [A.ENT_IOB, A.ENT_TYPE]) if total else np.zeros((0, 2), np.uint64)
        iob = cols[:, 0].astype(np.int64)
        typ = cols[:, 1]
        starts = np.cumsum(lengths) - lengths
        doc_first = np.zeros(total, dtype=bool)
        doc_first[starts[lengths > 0]] = True
        doc_last = np.zeros(total, dtype=bool)
        doc_last[(starts + lengths - 1)[lengths > 0]] = True
        marked = (iob == 1) | (iob == 3)
        labelled = marked & (typ != 0)
        # A token continues the previous one's entity as Doc.ents reads them:
        # an I with the same label right after a labelled token of its doc.
        cont = np.zeros(total, dtype=bool)
        if total > 1:
            cont[1:] = labelled[1:] & (iob[1:] == 1) & labelled[:-1] & (typ[1:] == typ[:-1])
        cont &= ~doc_first
        first = labelled & ~cont
        last = np.zeros(total, dtype=bool)
        last[:-1] = ~cont[1:]
        last[-1:] = True
        last &= labelled
        req = np.full(total, -1, dtype=np.int64)
        req[marked] = 0  # blocked tokens (and entities of unknown labels) stay O
        if labelled.any():
            uniq, inv = np.unique(typ[labelled], return_inverse=True)
            strings = docs[0].vocab.strings
            lab = np.array([self._label_index.get(strings[int(h)], -1) for h in uniq.tolist()])[inv]
            # An entity is reproducible only if its label is known: give its
            # first-token label to all of its tokens, then require the moves.
            ent_id = np.cumsum(first[labelled]) - 1
            ent_lab = lab[first[labelled]][ent_id]
            kind = np.where(first[labelled], np.where(last[labelled], UNIT, BEGIN),
                            np.where(last[labelled], LAST, IN))
            req[labelled] = np.where(ent_lab >= 0, self.move_id(kind, np.maximum(ent_lab, 0)), 0)
        free = req < 0
        cont_ok = np.zeros(total, dtype=bool)
        cont_ok[:-1] = free[1:]
        cont_ok &= ~doc_last
        barrier = doc_last | ~cont_ok
        idx = np.where(barrier, np.arange(total), total)
        run_end = np.minimum.accumulate(idx[::-1])[::-1] if total else idx
        return req, cont_ok, run_end.astype(np.int64)

    # Gold ----------------------------------------------------------------------
    def gold(self, examples: Sequence[Any], offsets: np.ndarray) -> BiluoGold:
        """Gold entities of the examples on their predicted tokens.

        Per-example arrays are cached on the example (keyed by the labels and
        ``incorrect_spans_key``), so later epochs only concatenate them.

        examples (Sequence[Example]): the examples, in state order.
        offsets (numpy.ndarray): the first global row of each predicted doc.
        RETURNS (BiluoGold): what ``costs`` reads.
        RAISES (DataError): for an invalid entity tag sequence, naming the
            example, the token index and its text.
        """
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1)
        parts = [self._example_gold(eg, k) for k, eg in enumerate(examples)]
        lengths = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=len(parts))
        _check_offsets(offsets, lengths)
        total = int((offsets + lengths).max()) if len(parts) else 0
        kind = np.full(total, MISSING, dtype=np.int8)
        label = np.full(total, -1, dtype=np.int64)
        end = np.full(total, -1, dtype=np.int64)
        keys = []
        for off, (k_kind, k_label, k_end, k_inc) in zip(offsets.tolist(), parts, strict=True):
            n = len(k_kind)
            kind[off : off + n] = k_kind
            label[off : off + n] = k_label
            end[off : off + n] = np.where(k_end >= 0, k_end + off, -1)
            if len(k_inc):
                keys.append(_span_key(k_inc[:, 0] + off, k_inc[:, 1] + off, k_inc[:, 2], total, len(self.labels)))
        starts = (kind == BEGIN) | (kind == UNIT)
        start_cum = np.concatenate(([0], np.cumsum(starts))).astype(np.int64)
        idx = np.where(kind == MISSING, np.arange(total), total)
        next_missing = np.minimum.accumulate(idx[::-1])[::-1] if total else idx
        incorrect = np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
        return BiluoGold(kind, label, end, start_cum, next_missing.astype(np.int64), incorrect)

    def _example_gold(self, eg: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        cache = eg.__dict__.setdefault(_CACHE_ATTR, {})
        key = (tuple(self.labels), self.incorrect_spans_key)
        hit = cache.get(key)
        if hit is not None and hit[0] is eg.predicted and hit[1] is eg.reference:
            return hit[2]
        value = self._compute_example_gold(eg, k)
        cache[key] = (eg.predicted, eg.reference, value)
        return value

    def _compute_example_gold(self, eg: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        _check_reference_iob(eg, k)
        x = eg.predicted
        n = len(x)
        kind = np.full(n, MISSING, dtype=np.int8)
        label = np.full(n, -1, dtype=np.int64)
        parsed: dict[str | None, tuple[int, int]] = {}
        unknown: dict[str, int] = {}
        for j, tag in enumerate(eg.get_aligned_ner()):
            if tag not in parsed:
                parsed[tag] = self._parse_tag(tag, eg, k, j, unknown)
            kind[j], label[j] = parsed[tag]
        _check_biluo(kind, label, eg, k, self.labels, unknown)
        # Unknown labels are missing annotation: the whole entity goes.
        kind[(kind > O) & (label < 0)] = MISSING
        label[label < 0] = -1
        # A gold entity overlapping a preset entity it differs from can never
        # be predicted: its loss is fixed, so it counts as outside.
        req, _, _ = self._constraints([x], np.array([n], dtype=np.int64))
        in_ent = kind > O
        gold_move = self.move_id(np.maximum(kind, 0), np.maximum(label, 0))
        clash = in_ent & (req >= 0) & (gold_move != req)
        ent_id = np.cumsum((kind == BEGIN) | (kind == UNIT)) - 1
        if clash.any():
            bad = np.zeros(int(ent_id.max()) + 1, dtype=bool)
            bad[ent_id[clash]] = True
            lost = in_ent & bad[np.maximum(ent_id, 0)]
            kind[lost] = O
            label[lost] = -1
            in_ent = kind > O
        end = np.full(n, -1, dtype=np.int64)
        if in_ent.any():
            ent_end = np.flatnonzero((kind == LAST) | (kind == UNIT))
            ids = ent_id[(kind == LAST) | (kind == UNIT)]
            last_of = np.full(int(ent_id.max()) + 1, -1, dtype=np.int64)
            last_of[ids] = ent_end
            end[in_ent] = last_of[ent_id[in_ent]]
        return kind, label, end, self._incorrect_spans(eg)

    def _parse_tag(
        self, tag: str | None, eg: Any, k: int, j: int, unknown: dict[str, int]
    ) -> tuple[int, int]:
        """(kind, label index) of a tag; unknown labels get ids -2, -3..."""
        if tag is None or tag == "-":
            return MISSING, -1
        if tag == "O":
            return O, -1
        prefix, label = tag[:2], tag[2:]
        if prefix[:1] not in _KIND_OF_PREFIX or prefix[1:] != "-" or not label:
            raise DataError(f"{_where(eg, k, j)}: invalid entity tag {tag!r}; expected O or B-/I-/L-/U-<label>")
        index = self._label_index.get(label)
        if index is None:
            index = unknown.setdefault(label, -2 - len(unknown))
        return _KIND_OF_PREFIX[prefix[0]], index

    def _incorrect_spans(self, eg: Any) -> np.ndarray:
        key = self.incorrect_spans_key
        if key is None or key not in eg.reference.spans:
            return np.zeros((0, 3), dtype=np.int64)
        spans = eg.get_aligned_spans_y2x(eg.reference.spans[key], allow_overlap=True)
        rows = [(s.start, s.end - 1, self._label_index[s.label_])
                for s in spans if s.label_ in self._label_index and s.end > s.start]
        return np.array(rows, dtype=np.int64).reshape(-1, 3)

    # Oracle --------------------------------------------------------------------
    def costs(self, states: BiluoStates, rows: np.ndarray, gold: BiluoGold) -> np.ndarray:
        """How much each move raises the lowest reachable loss (0: a gold move).

        Invalid moves get ``INVALID_COST``.

        RETURNS (numpy.ndarray[float32]): (len(rows), n_moves).
        """
        rows = np.asarray(rows, dtype=np.int64)
        nl = len(self.labels)
        valid = self.valid(states, rows)
        out = np.zeros((len(rows), self.n_moves), dtype=np.float32)
        if not len(gold.kind) or not len(rows):
            out[~valid] = INVALID_COST
            return out
        look = _Lookahead(gold, states, rows, nl)
        t, gk, gl, starts_at = look.t, look.gk, look.gl, look.starts_at
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
            false_u = (gkc != MISSING)[:, None] | look.incorrect(tc[:, None], tc[:, None], labels)
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
            false_l = (tt < look.fm(s)) | look.incorrect(s, tt, lab)
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
        hashes = np.array([strings.add(label) for label in self.labels] + [0], dtype=np.uint64)
        typ = hashes[lab]  # label -1 reads the trailing 0
        kb = np.zeros(len(iob), dtype=np.uint64)
        old = docs_to_array(docs, [A.ENT_IOB, A.ENT_TYPE, A.ENT_KB_ID])
        keep = (old[:, 0] == 1) | (old[:, 0] == 3)
        iob[keep] = old[keep, 0]
        typ[keep] = old[keep, 1]
        kb[keep] = old[keep, 2]
        docs_from_array(docs, [A.ENT_IOB, A.ENT_TYPE, A.ENT_KB_ID], np.stack([iob, typ, kb], axis=1))


class _Lookahead:
    """Per-row gold lookups for ``costs``, and the best loss of an open entity."""

    def __init__(self, gold: BiluoGold, states: BiluoStates, rows: np.ndarray, n_labels: int) -> None:
        total = len(gold.kind)
        self.gold = gold
        self.total = total
        self.n_labels = n_labels
        self.t = np.minimum(states.offset[rows] + states.i[rows], total - 1)
        self.gk = gold.kind[self.t]
        self.gl = gold.label[self.t]
        cum = gold.start_cum
        self.starts_at = cum[self.t + 1] - cum[self.t]  # 1 if a gold entity starts at t
        self.run_end = states.run_end[self.t]
        self.has_incorrect = bool(len(gold.incorrect))

    def fm(self, s: np.ndarray) -> np.ndarray:
        """First missing token at or after s: an entity reaching it is not false."""
        return self.gold.next_missing[s]

    def incorrect(self, s: Any, e: Any, label: Any) -> np.ndarray:
        """Whether the entity (s..e, label) is a known-incorrect span."""
        if not self.has_incorrect:
            return np.zeros(np.broadcast(np.asarray(s), np.asarray(e), np.asarray(label)).shape, dtype=bool)
        return np.isin(_span_key(s, e, label, self.total, self.n_labels), self.gold.incorrect)

    def best(self, sub: np.ndarray, a: np.ndarray, s: np.ndarray, label: np.ndarray | None) -> np.ndarray:
        """Lowest loss of an entity started at s (rows ``sub``) ending at some
        j in [a, run_end]: the gold starts it swallows in a..j, plus 1 if it
        is false (no missing token in s..j, or a known-incorrect span).

        Swallowed starts only grow with j and the false term drops at the
        first missing token, so only j = a and the first j >= max(a, fm)
        that is not an incorrect span can be best.
        """
        cum = self.gold.start_cum
        run_end = self.run_end[sub]
        a = np.minimum(a, run_end)  # rows where the move is invalid: any value
        fm = self.fm(s)
        j = np.maximum(a, fm)
        reach = fm <= run_end
        if self.has_incorrect and label is not None:
            bad = reach & self.incorrect(s, np.minimum(j, run_end), label)
            while bad.any():
                j = j + bad
                reach &= j <= run_end
                bad = reach & self.incorrect(s, np.minimum(j, run_end), label)
            false_a = (a < fm) | self.incorrect(s, a, label)
        else:
            false_a = a < fm
        at_a = cum[a + 1] - cum[a] + false_a
        at_j = np.where(reach, cum[np.minimum(j, run_end) + 1] - cum[a], at_a)
        return np.minimum(at_a, at_j)


def _span_key(start: Any, end: Any, label: Any, total: int, n_labels: int) -> np.ndarray:
    """One int64 per (global start, global end, label index) span."""
    return (np.asarray(start, dtype=np.int64) * (total + 1) + end) * max(n_labels, 1) + label


def _check_offsets(offsets: np.ndarray, lengths: np.ndarray) -> None:
    if len(offsets) != len(lengths):
        raise DataError(f"{len(offsets)} offsets for {len(lengths)} docs: give one offset per doc")


def _where(eg: Any, k: int, j: int | None = None, *, reference: bool = False) -> str:
    doc = eg.reference if reference else eg.predicted
    idx = "" if getattr(eg, "doc_index", None) is None else f" (corpus document {eg.doc_index})"
    place = f"example {k}{idx} {doc.text[:40]!r}"
    if j is not None:
        which = "reference token" if reference else "token"
        word = doc.words[j] if j < len(doc) else "<end>"
        place += f", {which} {j} {word!r}"
    return place


def _check_reference_iob(eg: Any, k: int) -> None:
    """Reject an I-tagged token that continues no entity (Doc.ents would
    silently start an entity there)."""
    ref = eg.reference
    if not len(ref):
        return
    cols = ref.to_array([A.ENT_IOB, A.ENT_TYPE])
    iob, typ = cols[:, 0].astype(np.int64), cols[:, 1]
    prev_ok = np.zeros(len(iob), dtype=bool)
    prev_ok[1:] = ((iob[:-1] == 1) | (iob[:-1] == 3)) & (typ[:-1] == typ[1:])
    bad = np.flatnonzero((iob == 1) & (typ != 0) & ~prev_ok)
    if len(bad):
        j = int(bad[0])
        label = ref.vocab.strings[int(typ[j])]
        before = "the start of the doc" if j == 0 else f"an {_iob_name(ref, j - 1)} token"
        raise DataError(
            f"{_where(eg, k, j, reference=True)}: invalid entity annotation, I-{label} after "
            f"{before}; an entity must start with B-{label} (convert IOB1 data to IOB2/BILUO)"
        )


def _iob_name(doc: Any, j: int) -> str:
    cols = doc.to_array([A.ENT_IOB, A.ENT_TYPE])
    code, typ = int(cols[j, 0]), int(cols[j, 1])
    name = ("missing", "I", "O", "B")[code]
    return f"{name}-{doc.vocab.strings[typ]}" if typ and code in (1, 3) else name


def _check_biluo(
    kind: np.ndarray, label: np.ndarray, eg: Any, k: int, labels: list[str], unknown: dict[str, int]
) -> None:
    """Raise for an invalid BILUO sequence (an I/L that continues nothing, a
    B/I that is not continued)."""
    n = len(kind)
    if not n:
        return
    opens = (kind == BEGIN) | (kind == IN)
    prev_open = np.zeros(n, dtype=bool)
    prev_open[1:] = opens[:-1] & (label[:-1] == label[1:])
    continues = (kind == IN) | (kind == LAST)
    bad = (continues & ~prev_open) | (~continues & np.concatenate(([False], opens[:-1])))
    bad[-1] |= bool(opens[-1])
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        names = dict(enumerate(labels)) | {v: lab for lab, v in unknown.items()}
        name = _tag_name(kind[j], label[j], names)
        prev = _tag_name(kind[j - 1], label[j - 1], names) if j else "the start of the doc"
        raise DataError(
            f"{_where(eg, k, j)}: invalid BILUO entity sequence, {name!r} after {prev!r} "
            "(I-/L- must continue a B-/I- of the same label, and B-/I- must be continued)"
        )


def _tag_name(kind: int, label: int, names: dict[int, str]) -> str:
    if kind == MISSING:
        return "-"
    if kind == O:
        return "O"
    return f"{_KIND_NAMES[kind]}-{names.get(int(label), '?')}"
