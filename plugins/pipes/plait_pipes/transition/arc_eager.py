"""The arc-eager transition system behind the ``parser`` component, with its
dynamic oracle.

Moves: ``0 = "S"`` (SHIFT: push the buffer front ``b0``), ``1 = "D"``
(REDUCE: pop ``s0``), then ``"L-<label>"`` for every label (LEFT: ``s0``
becomes a dependent of ``b0`` and is popped), then ``"R-<label>"`` (RIGHT:
``b0`` becomes a dependent of ``s0`` and is pushed), and last ``"A"``
(ATTACH: once the buffer is empty, a headless ``s0`` becomes a dependent of
``s1``, label ``"dep"``, and is popped). There is no root move: a token that
never gets a head is a root (its own head, label ``"ROOT"``).

Preconditions (``valid``): SHIFT needs a buffer; LEFT and RIGHT need a stack
and a buffer, LEFT a headless ``s0``; REDUCE needs a stack, and a headless
``s0`` (which becomes a root) may only be popped when it is alone on the
stack or the buffer is empty; ATTACH needs an empty buffer and a headless
``s0`` with a token below it. That rule keeps every arc projective and so
every root's subtree a contiguous span: the trees are the sentences. Each
token is pushed once and popped once: a doc of ``n`` tokens takes exactly
``2 * n`` moves, and every non-final state has a valid move.

Why ATTACH (sentence boundaries): a token a parser mistake leaves without a
head (a SHIFT where a RIGHT was due) is still on the stack when the buffer
runs out. Without ATTACH it could only become a root, i.e. start a sentence
of its own, so every such mistake split a sentence. With ATTACH the model
chooses, for each headless token left with another token below it, between
"new sentence" (REDUCE) and "same sentence" (ATTACH). spaCy gets that choice
with a non-monotonic REDUCE that "unshifts" ``s0`` back onto the buffer, so
``s1`` or a token below can still take it as a right dependent. Unshifting
(or a labelled ATTACH) would make arcs reachable again that the arc-eager
oracle counts as lost, and the reachable arcs would no longer be
decomposable (keeping such a token for its head freezes the stack below it
while the buffer lasts), so no O(1) oracle is exact for it. ATTACH keeps
the arc-eager oracle exact: its arc (label ``"dep"``, a guess) never counts
as a gold arc, and the oracle's loss adds one for each REDUCE that makes a
root of a headless token with a token below it whose gold head is a token
(a false sentence start that ATTACH would have avoided). Then, once the
buffer is empty, REDUCE costs 1 for a gold non-root, ATTACH costs 1 for a
gold root, and every other cost is the plain arc-eager one (the extra loss
is always avoidable there at no cost). For that choice the then empty B0
and B1 feature slots show the two tokens around the start of ``s0``'s
subtree, where a sentence would start (``features``).

The oracle (Goldberg & Nivre 2012/2013) counts the gold arcs a move makes
unreachable. Gold roots hang from a virtual root that sits beyond the end of
the buffer (REDUCE of a headless ``s0`` is the arc to it). It is incremental:
each state keeps, per token, ``deps_in_buffer`` (gold dependents still in the
buffer), ``headless_stack_deps`` (gold dependents on the stack without a head)
and ``in_stack``; ``apply`` updates them in O(1) per state, so a cost is a few
array lookups, never a rescan of the document. Non-projective gold is trained
through pseudo-projective lifting (``plait.training.nonproj``): decorated
labels such as ``nsubj||obj`` are ordinary labels here, and
``set_annotations`` restores the lifted arcs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from plait import attrs as A
from plait.errors import DataError, UsageError
from plait.tokens import docs_from_array
from plait.training.nonproj import DELIMITER, deprojectivize

from ._arc_eager_gold import (
    GOLD_MISSING,
    GOLD_ROOT,
    ArcEagerGold,
    aligned_parse,
    example_gold,
    stack_gold,
)

__all__ = ["GOLD_MISSING", "GOLD_ROOT", "INVALID_COST", "ArcEager", "ArcEagerGold", "ArcEagerStates"]

SHIFT, REDUCE = 0, 1
ROOT_LABEL = "ROOT"
# The label ATTACH's arcs get (a guess: the move is trained as "same
# sentence", not for the label; spaCy's label for rare arcs too).
ATTACH_LABEL = "dep"
ATTACH_NAME = "A"
# Cost given to invalid moves, as spaCy does: never mistaken for a gold move.
INVALID_COST = 9000.0
# Bottom-of-stack padding: s0, s1, s2 of a state of depth d are the stack
# columns d + 2, d + 1, d, and columns 0..2 hold the "no token" index.
_PAD = 3
# Columns of ``ArcEagerStates.children``: L1, L2, R1, R2.
_L1, _R1 = 0, 2


def _flat(a: np.ndarray) -> np.ndarray:
    """A flat view of a state array (states' arrays are C-contiguous: made by
    ``init_states`` or copied by ``take``), for writes through flat indices."""
    if not a.flags.c_contiguous:
        raise UsageError("arc-eager states must hold C-contiguous arrays (build them with init_states or take)")
    return a.reshape(-1)


@dataclass
class ArcEagerStates:
    """A batch of arc-eager parse states, one row per state.

    Token columns are local token indices ``0 .. width - 1``, padded to the
    longest doc; column ``width`` of the per-token arrays is a padding column
    that is never written (it reads "none"), and the local index ``width``
    means "no token" (an empty stack slot).

    doc (int64, S): the state's doc in the batch (its row of the gold).
    offset, length (int64, S): global row of the doc's token 0, doc length.
    b0 (int64, S): the buffer front; the buffer is ``b0 .. length - 1``.
    depth (int64, S): the stack depth.
    stack (int64, S × width + 4): ``stack[s, 3 + j]`` is the j-th token from
        the bottom; columns 0..2 hold ``width``, the last is scratch.
    heads, labels (int64, S × width + 1): head (local) and label index of each
        token, -1 while it has none (an ATTACH arc's label index is
        ``len(labels)``, never a gold label).
    children (int64, S × width + 1 × 4): per token its leftmost, second
        leftmost, rightmost and second rightmost child, -1 if none (also as
        the views ``l1``, ``l2``, ``r1``, ``r2``).
    ledge (int64, S × width + 1): per token the first token of its subtree so
        far (itself until it takes a left child).
    The oracle's arrays (None until ``costs`` first sees a gold; width + 3
    columns, ``width`` standing for the virtual root, ``width + 1`` for a
    missing head, ``width + 2`` scratch): ``gold_heads``, ``gold_labels``, ``in_stack``,
    ``deps_in_buffer``, ``headless_stack_deps``; ``oracle_of`` is the gold
    they were built for.
    """

    doc: np.ndarray
    offset: np.ndarray
    length: np.ndarray
    b0: np.ndarray
    depth: np.ndarray
    stack: np.ndarray
    heads: np.ndarray
    labels: np.ndarray
    children: np.ndarray
    ledge: np.ndarray
    gold_heads: np.ndarray | None = None
    gold_labels: np.ndarray | None = None
    in_stack: np.ndarray | None = None
    deps_in_buffer: np.ndarray | None = None
    headless_stack_deps: np.ndarray | None = None
    oracle_of: Any = None

    def __len__(self) -> int:
        return len(self.offset)

    @property
    def width(self) -> int:
        """The padded doc length (the "no token" index)."""
        return self.heads.shape[1] - 1

    @property
    def l1(self) -> np.ndarray:
        """Leftmost child of each token (a view), -1 if none."""
        return self.children[:, :, _L1]

    @property
    def l2(self) -> np.ndarray:
        """Second leftmost child of each token (a view), -1 if none."""
        return self.children[:, :, _L1 + 1]

    @property
    def r1(self) -> np.ndarray:
        """Rightmost child of each token (a view), -1 if none."""
        return self.children[:, :, _R1]

    @property
    def r2(self) -> np.ndarray:
        """Second rightmost child of each token (a view), -1 if none."""
        return self.children[:, :, _R1 + 1]


class ArcEager:
    """The arc-eager transition system (see the module docstring).

    labels (list[str]): the dependency labels of LEFT/RIGHT moves, decorated
        ones (``nsubj||obj``) included, ``"ROOT"`` not; fixed at construction
        (adding a label renumbers moves: build a new system).
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels: list[str] = list(labels)
        if len(set(self.labels)) != len(self.labels) or any(
            not isinstance(lab, str) or not lab for lab in self.labels
        ):
            raise DataError(f"ArcEager: labels must be unique non-empty strings, got {self.labels!r}")
        self._label_index = {label: k for k, label in enumerate(self.labels)}
        self._move_names = (
            ["S", "D"] + [f"L-{lab}" for lab in self.labels] + [f"R-{lab}" for lab in self.labels] + [ATTACH_NAME]
        )
        # Label index -> name / decorated flag; index len(labels) is ATTACH's
        # label, index -1 (roots) reads the end.
        self._names = np.array(self.labels + [ATTACH_LABEL, ROOT_LABEL], dtype=object)
        self._decorated = np.array([DELIMITER in lab for lab in self.labels] + [False, False])

    # Moves ---------------------------------------------------------------------
    @property
    def n_moves(self) -> int:
        return 3 + 2 * len(self.labels)

    @property
    def attach(self) -> int:
        """The index of the ATTACH move (the last one)."""
        return 2 + 2 * len(self.labels)

    @property
    def move_names(self) -> list[str]:
        return list(self._move_names)

    def move_id(self, name: str) -> int:
        """The move called `name` ("S", "D", "L-nsubj", "R-obj", "A")."""
        return self._move_names.index(name)

    def n_features(self, extra_state_tokens: bool) -> int:
        """S0, S1, S2, B0, B1, L1(S0), R1(S0), L1(B0); with extra tokens also
        L2(S0), R2(S0), L2(B0), L1(S1), R1(S1). Once the buffer is empty the
        B0 and B1 slots show the two tokens around the start of s0's subtree
        (the last token before it and its first), where REDUCE (a root: a
        sentence starts there) and ATTACH (no sentence start) differ."""
        return 13 if extra_state_tokens else 8

    # Labels --------------------------------------------------------------------
    @staticmethod
    def label_counts(examples: Sequence[Any]) -> Counter:
        """Arc labels of the projectivized aligned gold, with their counts.

        Root tokens are not counted (their label is not a move). The parser
        keeps the labels seen at least ``min_action_freq`` times; ``gold``
        maps the others to ``"dep"``.

        examples (Sequence[Example]): the training examples.
        RETURNS (Counter): label -> number of arcs.
        RAISES (DataError): for a gold tree with a cycle, naming the example.
        """
        counts: Counter = Counter()
        for k, eg in enumerate(examples):
            heads, labels = aligned_parse(eg, k)
            counts.update(
                lab for i, (h, lab) in enumerate(zip(heads, labels, strict=True)) if lab and h is not None and h != i
            )
        return counts

    @classmethod
    def collect_labels(cls, examples: Sequence[Any]) -> dict[str, int]:
        """``label_counts`` as a dict sorted by label (as ``BiluoNer.collect_labels``)."""
        return dict(sorted(cls.label_counts(examples).items()))

    def unknown_labels(self, examples: Sequence[Any]) -> dict[str, tuple[int, int]]:
        """Gold arc labels this system has no moves for.

        ``gold`` maps them to ``"dep"`` (when it is a label) or treats them
        as unknown; a frozen component may rather raise, naming where each
        label first occurs.

        examples (Sequence[Example]): the examples.
        RETURNS (dict[str, tuple[int, int]]): label -> (example position,
            predicted token index) of its first arc.
        """
        out: dict[str, tuple[int, int]] = {}
        for k, eg in enumerate(examples):
            for label, i in self._example_gold(eg, k)[2].items():
                out.setdefault(label, (k, i))
        return out

    # States --------------------------------------------------------------------
    def init_states(self, docs: Sequence[Any], offsets: np.ndarray) -> ArcEagerStates:
        """One fresh state per doc (stack empty, all tokens in the buffer).

        docs (Sequence[Doc]): the docs; doc k's tokens are global rows
            ``offsets[k] .. offsets[k] + len(docs[k]) - 1``.
        offsets (numpy.ndarray): the first global row of each doc.
        RETURNS (ArcEagerStates): the state batch.
        """
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1)
        if len(offsets) != len(lengths):
            raise DataError(f"{len(offsets)} offsets for {len(lengths)} docs: give one offset per doc")
        n = len(docs)
        width = int(lengths.max()) if n else 0
        stack = np.zeros((n, width + _PAD + 1), dtype=np.int64)
        stack[:, :_PAD] = width

        def none(*shape: int) -> np.ndarray:
            return np.full((n, width + 1, *shape), -1, dtype=np.int64)

        return ArcEagerStates(
            doc=np.arange(n, dtype=np.int64),
            offset=offsets.copy(),
            length=lengths,
            b0=np.zeros(n, dtype=np.int64),
            depth=np.zeros(n, dtype=np.int64),
            stack=stack,
            heads=none(),
            labels=none(),
            children=none(4),
            ledge=np.tile(np.arange(width + 1, dtype=np.int64), (n, 1)),
        )

    def take(self, states: ArcEagerStates, rows: np.ndarray) -> ArcEagerStates:
        """A new state batch holding copies of ``states`` at ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        values = {}
        for f in fields(ArcEagerStates):
            value = getattr(states, f.name)
            values[f.name] = value[rows] if isinstance(value, np.ndarray) else value
        return ArcEagerStates(**values)

    def is_final(self, states: ArcEagerStates) -> np.ndarray:
        """RETURNS (numpy.ndarray[bool]): shape (n_states,): stack and buffer empty."""
        return (states.depth == 0) & (states.b0 >= states.length)

    def features(self, states: ArcEagerStates, rows: np.ndarray, n_features: int) -> np.ndarray:
        """Global token rows of the context tokens (see ``n_features``), -1 empty.

        RETURNS (numpy.ndarray[int64]): shape (len(rows), n_features).
        """
        # Flat indexing throughout: a step costs a fixed number of numpy
        # calls whatever the number of rows, so fewer and cheaper calls are
        # what makes the greedy loop fast (2-d fancy indexing is ~1.7x slower).
        rows = np.asarray(rows, dtype=np.int64)
        depth = states.depth[rows]
        b0 = states.b0[rows]
        stack = _flat(states.stack)
        at = rows * states.stack.shape[1] + depth
        s0 = stack[at + 2]
        s1 = stack[at + 1]
        kids = _flat(states.children)
        kid_row = rows * (4 * states.children.shape[1])
        s0_kids = kid_row + 4 * s0  # L1, L2, R1, R2 of s0 at +0 .. +3
        b0_kids = kid_row + 4 * b0
        local = np.empty((len(rows), n_features), dtype=np.int64)
        local[:, 0] = s0
        local[:, 1] = s1
        local[:, 2] = stack[at]
        # Buffer empty: B0, B1 = the tokens before and at s0's left edge (-1
        # when s0's subtree starts the doc); a final state reads none.
        end = (b0 >= states.length[rows]) & (depth > 0)
        edge = _flat(states.ledge)[rows * states.ledge.shape[1] + s0]
        local[:, 3] = np.where(end, edge - 1, b0)
        local[:, 4] = np.where(end, edge, b0 + 1)
        local[:, 5] = kids[s0_kids + _L1]
        local[:, 6] = kids[s0_kids + _R1]
        local[:, 7] = kids[b0_kids + _L1]
        if n_features > 8:
            s1_kids = kid_row + 4 * s1
            local[:, 8] = kids[s0_kids + _L1 + 1]
            local[:, 9] = kids[s0_kids + _R1 + 1]
            local[:, 10] = kids[b0_kids + _L1 + 1]
            local[:, 11] = kids[s1_kids + _L1]
            local[:, 12] = kids[s1_kids + _R1]
        # -1 (no child) reads as a huge unsigned number: one comparison
        # checks both ends.
        inside = local.view(np.uint64) < states.length[rows].astype(np.uint64)[:, None]
        return np.where(inside, local + states.offset[rows][:, None], -1)

    def valid(self, states: ArcEagerStates, rows: np.ndarray) -> np.ndarray:
        """RETURNS (numpy.ndarray[bool]): (len(rows), n_moves) valid moves."""
        rows = np.asarray(rows, dtype=np.int64)
        depth = states.depth[rows]
        has_stack = depth > 0
        has_buffer = states.b0[rows] < states.length[rows]
        s0 = _flat(states.stack)[rows * states.stack.shape[1] + depth + 2]
        s0_headed = _flat(states.heads)[rows * states.heads.shape[1] + s0] >= 0
        both = has_stack & has_buffer
        nl = len(self.labels)
        out = np.empty((len(rows), self.n_moves), dtype=bool)
        out[:, SHIFT] = has_buffer
        out[:, REDUCE] = has_stack & (s0_headed | (depth == 1) | ~has_buffer)
        out[:, 2 : 2 + nl] = (both & ~s0_headed)[:, None]
        out[:, 2 + nl : 2 + 2 * nl] = both[:, None]
        out[:, 2 + 2 * nl] = (depth > 1) & ~has_buffer & ~s0_headed
        return out

    def apply(self, states: ArcEagerStates, rows: np.ndarray, moves: np.ndarray) -> None:
        """Apply ``moves[k]`` (valid) to the state at ``rows[k]``, in place."""
        rows = np.asarray(rows, dtype=np.int64)
        moves = np.asarray(moves, dtype=np.int64)
        nl = len(self.labels)
        width = states.width
        depth = states.depth[rows]
        b0 = states.b0[rows]
        stack = _flat(states.stack)
        stack_at = rows * states.stack.shape[1] + depth
        s0 = stack[stack_at + 2]
        if states.gold_heads is not None:
            self._update_oracle(states, rows, moves, b0, s0)
        # Every row is written whatever its move, so no row subsets are
        # needed: a move without an arc writes "none" into the padding
        # column, a pop writes above the top of its stack.
        attach = moves == 2 + 2 * nl
        right = (moves >= 2 + nl) & ~attach
        arc = moves >= 2
        push = right | (moves == SHIFT)
        d = np.where(right, b0, np.where(arc, s0, width))
        h = np.where(right, s0, np.where(attach, stack[stack_at + 1], np.where(arc, b0, width)))
        token_row = rows * (width + 1)
        at_d = token_row + d
        _flat(states.heads)[at_d] = np.where(arc, h, -1)
        # ATTACH's label index is nl (moves - 2 - nl for it).
        _flat(states.labels)[at_d] = np.where(arc, moves - 2 - nl * (right | attach), -1)
        # LEFT: b0 takes its left children nearest first, so the new one is
        # its leftmost; RIGHT: s0 takes its right children left to right, so
        # the new one is its rightmost; ATTACH: s0 lies right of all of s1's
        # children, so it is s1's rightmost.
        kids = _flat(states.children)
        at_slot = 4 * (token_row + h) + np.where(right | attach, _R1, _L1)
        kids[at_slot + 1] = kids[at_slot]
        kids[at_slot] = np.where(arc, d, -1)
        # LEFT: b0's subtree now starts where s0's does (b0 is headless, so
        # no ancestor's edge changes).
        left = arc & ~right & ~attach
        ledge = _flat(states.ledge)
        ledge[token_row + np.where(left, b0, width)] = np.where(left, ledge[token_row + s0], width)
        stack[stack_at + _PAD] = b0
        states.depth[rows] = depth + 2 * push - 1
        states.b0[rows] = b0 + push

    def _update_oracle(
        self, states: ArcEagerStates, rows: np.ndarray, moves: np.ndarray, b0: np.ndarray, s0: np.ndarray
    ) -> None:
        """Keep the oracle counters up to date for ``moves`` (before applying them)."""
        gh = states.gold_heads
        in_stack, dib, hsd = states.in_stack, states.deps_in_buffer, states.headless_stack_deps
        assert gh is not None and in_stack is not None and dib is not None and hsd is not None
        trash = states.width + 2  # a column nothing reads: the target of no-op writes
        nl = len(self.labels)
        shift = moves == SHIFT
        push = shift | ((moves >= 2 + nl) & (moves < 2 + 2 * nl))
        g_b = gh[rows, b0]
        # b0 leaves the buffer (SHIFT, RIGHT): one dependent fewer in the
        # buffer for its gold head (the virtual-root and missing columns
        # absorb the others); it goes on the stack, headless after SHIFT.
        dib[rows, np.where(push, g_b, trash)] -= 1
        in_stack[rows, np.where(push, b0, trash)] = True
        # s0 leaves the stack (REDUCE, LEFT, ATTACH); if it had no head, its
        # gold head has one headless dependent fewer on the stack.
        in_stack[rows, np.where(push, trash, s0)] = False
        headless_pop = ~push & (states.heads[rows, s0] < 0)
        hsd[rows, np.where(shift, g_b, np.where(headless_pop, gh[rows, s0], trash))] += np.where(shift, 1, -1)

    # Gold ----------------------------------------------------------------------
    def gold(self, examples: Sequence[Any], offsets: np.ndarray) -> ArcEagerGold:
        """Gold arcs of the examples on their predicted tokens, projectivized.

        Per-example arrays are cached on the example (keyed by the labels), so
        later epochs only stack them. Labels the system has no move for map
        to ``"dep"`` when it is a label, else the arc counts with an unknown
        label (its head is still trained).

        examples (Sequence[Example]): the examples, in state order.
        offsets (numpy.ndarray): the first global row of each predicted doc.
        RETURNS (ArcEagerGold): what ``costs`` reads.
        RAISES (DataError): for a gold tree with a cycle or a head outside its
            sentence, naming the example, the token index and its text.
        """
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1)
        return stack_gold([self._example_gold(eg, k) for k, eg in enumerate(examples)], offsets)

    def _example_gold(self, eg: Any, k: int) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        return example_gold(eg, k, self.labels, self._label_index)

    # Oracle --------------------------------------------------------------------
    def costs(self, states: ArcEagerStates, rows: np.ndarray, gold: ArcEagerGold) -> np.ndarray:
        """How many gold arcs each move makes unreachable (0: a gold move).

        A labelled arc counts once: a right head with a wrong label costs 1.
        Arcs with a missing gold head cost nothing; with a known head but an
        unknown label, only the head counts. ATTACH's arcs never count as
        gold; a REDUCE that makes a root of a headless ``s0`` with a token
        below it (the buffer empty) costs one more when ``s0``'s gold head is
        a token (a false sentence start; ATTACH was the zero-cost move).
        Invalid moves get
        ``INVALID_COST``. Every non-final state has a valid move of cost 0:
        when partial gold cannot be completed into a projective tree, costs
        are counted from the cheapest valid move. The first call with a gold
        builds the states' oracle counters from their current configuration
        (so states advanced before, e.g. along an oracle cut, are fine);
        ``apply`` then keeps them up to date.

        RETURNS (numpy.ndarray[float32]): (len(rows), n_moves).
        """
        rows = np.asarray(rows, dtype=np.int64)
        if states.oracle_of is not gold:
            self._attach_oracle(states, gold)
        gh, gl = states.gold_heads, states.gold_labels
        in_stack, dib, hsd = states.in_stack, states.deps_in_buffer, states.headless_stack_deps
        assert gh is not None and gl is not None and in_stack is not None and dib is not None and hsd is not None
        nl = len(self.labels)
        vroot = states.width
        missing = vroot + 1
        depth = states.depth[rows]
        b0 = states.b0[rows]
        s0 = states.stack[rows, depth + 2]
        has_stack = depth > 0
        has_buffer = b0 < states.length[rows]
        s0_headless = states.heads[rows, s0] < 0
        g_b = gh[rows, b0]  # b0's gold head (vroot: a gold root)
        g_s = gh[rows, s0]
        hsd_b = hsd[rows, b0]
        dib_s = dib[rows, s0]
        b_head_on_stack = in_stack[rows, g_b]
        # Per move kind: validity and cost with the best label (columns S, D, L, R, A).
        ok = np.empty((len(rows), 5), dtype=bool)
        ok[:, 0] = has_buffer
        ok[:, 1] = has_stack & (~s0_headless | (depth == 1) | ~has_buffer)
        ok[:, 3] = has_stack & has_buffer
        ok[:, 2] = ok[:, 3] & s0_headless
        ok[:, 4] = (depth > 1) & ~has_buffer & s0_headless
        kind = np.empty((len(rows), 5), dtype=np.float32)
        # SHIFT: b0 can no longer take a head or dependents from the stack.
        kind[:, 0] = hsd_b + b_head_on_stack
        # REDUCE: s0 loses its dependents in the buffer; a headless s0 becomes
        # a root and loses a real gold head in the buffer, or (buffer empty,
        # ATTACH valid) is a false sentence start if its gold head is a token.
        kind[:, 1] = dib_s + (s0_headless & ((has_buffer & (g_s >= b0)) | ok[:, 4]) & (g_s < vroot))
        # LEFT: s0 loses its dependents in the buffer and a gold head beyond
        # b0 (the virtual root included).
        kind[:, 2] = dib_s + ((g_s > b0) & (g_s != missing))
        # RIGHT: b0 loses a gold head other than s0 still on the stack, in the
        # buffer or the virtual root, and its headless dependents on the stack.
        kind[:, 3] = hsd_b + ((g_b != s0) & (g_b != missing) & (b_head_on_stack | (g_b > b0)))
        # ATTACH: its arc is never gold, so it only loses a gold root (the
        # arc of a gold non-root with the buffer empty is lost already).
        kind[:, 4] = g_s == vroot
        # Gold that no projective tree completes (a non-projective arc left
        # unliftable by missing heads, e.g. after a bad tokenization) can
        # leave every valid move losing an arc: the cheapest are gold then.
        floor = np.where(ok, kind, np.inf).min(axis=1)
        short = (floor > 0) & (floor < np.inf)
        if short.any():
            kind[short] -= floor[short, None]
        kind[~ok] = INVALID_COST
        out = np.empty((len(rows), self.n_moves), dtype=np.float32)
        out[:, :2] = kind[:, :2]
        out[:, 2 : 2 + nl] = kind[:, 2:3]
        out[:, 2 + nl : 2 + 2 * nl] = kind[:, 3:4]
        out[:, 2 + 2 * nl] = kind[:, 4]
        # A gold arc with a known label: the other labels cost one more.
        for first, col, gold_arc, gold_label in (
            (2, 2, g_s == b0, gl[rows, s0]),
            (2 + nl, 3, g_b == s0, gl[rows, b0]),
        ):
            sub = np.flatnonzero(gold_arc & (gold_label >= 0) & ok[:, col])
            if len(sub):
                out[sub, first : first + nl] += 1
                out[sub, first + gold_label[sub]] -= 1
        return out

    def _attach_oracle(self, states: ArcEagerStates, gold: ArcEagerGold) -> None:
        """Build the oracle counters of every state from its configuration."""
        n, width = len(states), states.width
        vroot, missing = width, width + 1
        if len(states) and int(states.doc.max()) >= len(gold.lengths):
            raise UsageError(f"the gold covers {len(gold.lengths)} docs; the states need {int(states.doc.max()) + 1}")
        if not np.array_equal(gold.lengths[states.doc], states.length):
            raise UsageError("the gold's doc lengths differ from the states' docs: build both from the same batch")
        cols_all = width + 3
        g = np.full((n, cols_all), missing, dtype=np.int64)
        gl = np.full((n, cols_all), -1, dtype=np.int64)
        cols = min(width, gold.heads.shape[1])
        src = gold.heads[states.doc, :cols]
        g[:, :cols] = np.where(src == GOLD_ROOT, vroot, np.where(src == GOLD_MISSING, missing, src))
        gl[:, :cols] = gold.labels[states.doc, :cols]
        pos = np.arange(width)
        on_stack = pos[None, :] < states.depth[:, None]
        in_stack = np.zeros((n, cols_all), dtype=bool)
        row_of = np.repeat(np.arange(n), states.depth)
        in_stack[row_of, states.stack[:, _PAD : _PAD + width][on_stack]] = True
        gw = g[:, :width]
        flat_rows = np.arange(n)[:, None] * cols_all
        in_buffer = (pos[None, :] >= states.b0[:, None]) & (pos[None, :] < states.length[:, None])
        dib = np.bincount((flat_rows + gw)[in_buffer], minlength=n * cols_all)
        headless_on_stack = in_stack[:, :width] & (states.heads[:, :width] < 0)
        hsd = np.bincount((flat_rows + gw)[headless_on_stack], minlength=n * cols_all)
        states.gold_heads = g
        states.gold_labels = gl
        states.in_stack = in_stack
        states.deps_in_buffer = dib.reshape(n, cols_all).astype(np.int64)
        states.headless_stack_deps = hsd.reshape(n, cols_all).astype(np.int64)
        states.oracle_of = gold

    # Output --------------------------------------------------------------------
    def set_annotations(self, docs: Sequence[Any], states: ArcEagerStates, rows: np.ndarray) -> None:
        """Write the trees of the final states at ``rows`` into ``docs``.

        Sets HEAD and DEP (roots: their own head, label ``"ROOT"``; ATTACH
        arcs: ``"dep"``); the docs derive their sentence starts from the trees. Arcs with decorated
        labels are first restored by ``deprojectivize``.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not len(docs):
            return
        lengths = states.length[rows]
        if any(len(doc) != n for doc, n in zip(docs, lengths.tolist(), strict=True)):
            raise UsageError("set_annotations: the docs' lengths differ from the states' (pass rows[k] for docs[k])")
        width = states.width
        pos = np.broadcast_to(np.arange(width), (len(rows), width))
        mask = pos < lengths[:, None]
        heads = states.heads[rows, :width][mask]
        labels = states.labels[rows, :width][mask]
        pos = pos[mask]
        heads = np.where(heads < 0, pos, heads)  # roots: their own head
        labels = np.where(heads == pos, -1, labels)
        strings = docs[0].vocab.strings
        hashes = np.array([strings.add(str(name)) for name in self._names.tolist()], dtype=np.uint64)
        dep = hashes[labels]
        decorated = self._decorated[labels]
        if decorated.any():
            starts = np.concatenate(([0], np.cumsum(lengths)))
            for k in np.unique(np.searchsorted(starts, np.flatnonzero(decorated), "right") - 1).tolist():
                a, b = int(starts[k]), int(starts[k + 1])
                new_heads, new_labels = deprojectivize(heads[a:b], self._names[labels[a:b]])
                heads[a:b] = new_heads
                dep[a:b] = [strings.add(str(lab)) for lab in new_labels.tolist()]
        rel = (heads - pos).astype(np.int64)
        docs_from_array(docs, [A.HEAD, A.DEP], np.stack([rel.view(np.uint64), dep], axis=1))
