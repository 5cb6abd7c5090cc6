"""The parser's plain-Python oracle path (transition/_arc_eager_path.py) takes
the very moves of the vectorised oracle (ArcEager.costs + DependencyParser.cut_moves),
and cut_states builds the very same segment starts with it."""

from __future__ import annotations

import random
from dataclasses import fields

import numpy as np
import pytest
from plait.tokens import Doc
from plait.training import Example
from plait.vocab import Vocab
from plait_pipes._transition_pipe import TransitionPipe
from plait_pipes.parser import DependencyParser
from plait_pipes.transition._arc_eager_gold import GOLD_MISSING, GOLD_ROOT
from plait_pipes.transition._arc_eager_path import oracle_path
from plait_pipes.transition.arc_eager import ArcEager


@pytest.fixture(scope="module")
def vocab():
    return Vocab()


def _same_tokens(ref) -> Example:
    return Example(Doc(ref.vocab, words=ref.words, spaces=[bool(t.whitespace_) for t in ref]), ref)


def _multi(vocab, refs) -> Example:
    words, heads, deps = [], [], []
    for ref in refs:
        heads += [t.head.i + len(words) for t in ref]
        deps += [t.dep_ for t in ref]
        words += ref.words
    ref = Doc(vocab, words=words, heads=heads, deps=deps)
    return Example(Doc(vocab, words=words), ref)


@pytest.fixture(scope="module")
def ewt_examples(load_ewt, vocab):
    refs = load_ewt(vocab, "dev", 2001)
    return [_same_tokens(r) for r in refs] + [_multi(vocab, refs[i : i + 10]) for i in range(0, 600, 10)]


def _offsets(docs) -> np.ndarray:
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    return np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)


def _vector_paths(system, states, gold) -> list[list[int]]:
    """Every state's full oracle path, stepping all states together (the reference)."""
    paths: list[list[int]] = [[] for _ in range(len(states))]
    live = np.flatnonzero(~system.is_final(states))
    while len(live):
        costs = np.where(system.valid(states, live), system.costs(states, live, gold), np.inf)
        moves = DependencyParser.cut_moves(None, costs)  # type: ignore[arg-type]
        for row, move in zip(live.tolist(), moves.tolist()):
            paths[row].append(move)
        system.apply(states, live, moves)
        live = live[~system.is_final(states)[live]]
    return paths


def _python_paths(system, gold) -> list[list[int]]:
    n_labels = len(system.labels)
    return [oracle_path(gold.heads[k, :n].tolist(), gold.labels[k, :n].tolist(), n_labels, 10**9)
            for k, n in enumerate(gold.lengths.tolist())]


def _check_same_paths(system, examples, gold=None) -> int:
    docs = [eg.predicted for eg in examples]
    offsets = _offsets(docs)
    gold = system.gold(examples, offsets) if gold is None else gold
    states = system.init_states(docs, offsets)
    expected = _vector_paths(system, states, gold)
    got = _python_paths(system, gold)
    for k, (a, b) in enumerate(zip(expected, got)):
        assert a == b, f"doc {k}: paths differ at move {next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)}"
    return sum(len(p) for p in expected)


def test_same_path_on_every_ewt_dev_doc(ewt_examples) -> None:
    system = ArcEager(sorted(ArcEager.label_counts(ewt_examples)))
    n_moves = _check_same_paths(system, ewt_examples)
    assert n_moves == 2 * sum(len(eg.predicted) for eg in ewt_examples)


def test_same_path_with_partial_and_unknown_label_gold(ewt_examples) -> None:
    # a label set without some labels (-> "dep" or unknown), and heads/labels blanked at random
    labels = sorted(ArcEager.label_counts(ewt_examples))
    system = ArcEager([lab for lab in labels if lab not in ("amod", "det", "obl")])
    examples = ewt_examples[:300] + ewt_examples[-20:]
    docs = [eg.predicted for eg in examples]
    gold = system.gold(examples, _offsets(docs))
    rng = np.random.default_rng(0)
    blank = rng.random(gold.heads.shape) < 0.15
    gold.heads[blank] = GOLD_MISSING
    gold.labels[blank | (rng.random(gold.labels.shape) < 0.1)] = -1
    _check_same_paths(system, examples, gold)


def test_same_path_on_random_trees_and_roots(vocab) -> None:
    # random (often non-projective, multi-root) trees with missing heads, straight
    # into the gold arrays: the path must agree even where no projective tree fits
    rng = random.Random(1)
    examples = []
    for _ in range(150):
        n = rng.randint(1, 25)
        examples.append(Example(Doc(vocab, words=[f"w{i}" for i in range(n)]), Doc(vocab, words=[f"w{i}" for i in range(n)])))
    system = ArcEager(["a", "b", "c"])
    docs = [eg.predicted for eg in examples]
    width = max(len(d) for d in docs)
    heads = np.full((len(docs), width), GOLD_MISSING, dtype=np.int64)
    labels = np.full((len(docs), width), -1, dtype=np.int64)
    for k, doc in enumerate(docs):
        for i in range(len(doc)):
            r = rng.random()
            heads[k, i] = GOLD_ROOT if r < 0.15 else GOLD_MISSING if r < 0.3 else rng.randrange(len(doc))
            if heads[k, i] == i:
                heads[k, i] = GOLD_ROOT
            labels[k, i] = rng.randrange(-1, 3) if heads[k, i] >= 0 else -1
    from plait_pipes.transition._arc_eager_gold import ArcEagerGold

    gold = ArcEagerGold(heads=heads, labels=labels, lengths=np.array([len(d) for d in docs], dtype=np.int64))
    _check_same_paths(system, examples, gold)


class _CutOnly:
    """The parts of a DependencyParser that cut_states uses."""

    moves_per_token = 2
    cut_states = TransitionPipe.cut_states
    cut_moves = DependencyParser.cut_moves
    advance_to_cuts = DependencyParser.advance_to_cuts

    def __init__(self, system: ArcEager, fast: bool) -> None:
        self.moves = system
        if not fast:  # the generic stepping of all states together
            self.advance_to_cuts = TransitionPipe.advance_to_cuts.__get__(self)  # type: ignore[method-assign]


@pytest.mark.parametrize("max_moves", [7, 50, 120, 400])
def test_cut_states_builds_the_same_segment_starts(ewt_examples, max_moves) -> None:
    system = ArcEager(sorted(ArcEager.label_counts(ewt_examples)))
    examples = ewt_examples[-30:] + ewt_examples[:40]
    docs = [eg.predicted for eg in examples]
    offsets = _offsets(docs)
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    gold = system.gold(examples, offsets)
    fast = _CutOnly(system, True).cut_states(system.init_states(docs, offsets), gold, max_moves, lengths)
    slow = _CutOnly(system, False).cut_states(system.init_states(docs, offsets), gold, max_moves, lengths)
    assert len(fast) == len(slow) > len(docs)
    rows = np.arange(len(fast))
    # the walk never ran the oracle on the states: their counters are built by the first costs call
    assert fast.gold_heads is None
    assert np.array_equal(system.costs(fast, rows, gold), system.costs(slow, rows, gold))
    # oracle counters: the columns costs reads (tokens; in_stack also at the virtual
    # root and "missing"); the column after them takes the no-op writes of apply
    readable = {"deps_in_buffer": fast.width, "headless_stack_deps": fast.width, "in_stack": fast.width + 2}
    for f in fields(fast):
        a, b = getattr(fast, f.name), getattr(slow, f.name)
        if isinstance(a, np.ndarray):
            cols = readable.get(f.name)
            if cols is not None:
                a, b = a[:, :cols], b[:, :cols]
            assert np.array_equal(a, b), f.name
