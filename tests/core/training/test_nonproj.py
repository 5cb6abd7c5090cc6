"""Pseudo-projective lifting: against brute-force references, on EWT, and round trips."""

from __future__ import annotations

import random

import numpy
import pytest
from _ewt_sentences import read_ewt
from plait.errors import DataError
from plait.training.nonproj import (
    decompose,
    deprojectivize,
    is_nonproj_arc,
    is_nonproj_tree,
    nonproj_arcs,
    projectivize,
)

# References: the textbook definitions, one token and one arc at a time.


def _chain(i: int, heads: list) -> list:
    out = [i]
    while heads[out[-1]] is not None and heads[out[-1]] != out[-1]:
        out.append(heads[out[-1]])
    return out


def _ref_nonproj_arc(d: int, heads: list) -> bool:
    h = heads[d]
    if h is None or h == d:
        return False
    h_chain = _chain(h, heads)
    for k in range(min(h, d) + 1, max(h, d)):
        chain = _chain(k, heads)
        if h in chain:
            continue
        if heads[chain[-1]] is not None:
            return True  # hangs from a root, not via h
        if chain[-1] in h_chain:
            return True  # hangs from h's own missing head, not via h
    return False


def _ref_projectivize(heads: list, labels: list) -> tuple[list, list]:
    proj = list(heads)
    while True:
        best = None
        for d in range(len(proj)):
            h = proj[d]
            if not _ref_nonproj_arc(d, proj) or proj[h] is None or proj[h] == h:
                continue
            if best is None or abs(h - d) < abs(proj[best] - best):
                best = d
        if best is None:
            break
        proj[best] = proj[proj[best]]
    out = [
        f"{lab}||{labels[h]}" if p != h and lab and labels[h] else lab
        for lab, h, p in zip(labels, heads, proj, strict=True)
    ]
    return proj, out


def _random_forest(rng: random.Random, n: int, p_missing: float = 0.0, p_root: float = 0.1) -> list:
    """Random heads (any shape, crossing arcs included), several roots, some missing."""
    order = list(range(n))
    rng.shuffle(order)
    heads: list = [None] * n
    heads[order[0]] = order[0]
    for j, t in enumerate(order[1:], 1):
        heads[t] = t if rng.random() < p_root else order[rng.randrange(j)]
    return [None if rng.random() < p_missing else h for h in heads]


def _roots(heads: list) -> list:
    out = []
    for i in range(len(heads)):
        a = i
        while heads[a] is not None and heads[a] != a:
            a = heads[a]
        out.append(a if heads[a] is not None else None)
    return out


@pytest.fixture(scope="module")
def ewt_dev_test(ewt_dir):
    return read_ewt(ewt_dir / "en_ewt-ud-dev.conllu") + read_ewt(ewt_dir / "en_ewt-ud-test.conllu")


def test_nonproj_arcs_match_definition_on_random_forests():
    rng = random.Random(0)
    n_nonproj = 0
    for it in range(3000):
        heads = _random_forest(rng, rng.randint(1, 14), p_missing=0.15 if it % 2 else 0.0)
        expected = [_ref_nonproj_arc(d, heads) for d in range(len(heads))]
        assert nonproj_arcs(heads).tolist() == expected, heads
        assert is_nonproj_tree(heads) == any(expected)
        n_nonproj += any(expected)
    assert n_nonproj > 500


def test_projectivize_matches_reference_on_random_forests():
    rng = random.Random(1)
    n_lifted = 0
    for it in range(2000):
        n = rng.randint(1, 14)
        heads = _random_forest(rng, n, p_missing=0.15 if it % 3 == 0 else 0.0)
        labels = [None if h is None else f"l{i}" for i, h in enumerate(heads)]
        got = projectivize(heads, labels)
        assert got == _ref_projectivize(heads, labels), heads
        n_lifted += got[0] != heads
        # Lifting never changes a token's tree, nor touches missing heads.
        assert _roots(got[0]) == _roots(heads)
        assert [h is None for h in got[0]] == [h is None for h in heads]
    assert n_lifted > 300


def test_projectivize_hand_case():
    # 0<-2 spans 1 (attached to the root 3): lifted to 3, decorated with
    # the label of its original head 2; 1->4 spans the root 3: lifted.
    heads = [2, 3, 3, 3, 1]
    labels = ["a", "b", "c", "ROOT", "x"]
    assert nonproj_arcs(heads).tolist() == [True, False, False, False, True]
    assert is_nonproj_arc(0, heads) and not is_nonproj_arc(3, heads)
    assert projectivize(heads, labels) == ([3, 3, 3, 3, 3], ["a||c", "b", "c", "ROOT", "x||b"])
    # Projective trees come back unchanged.
    assert projectivize([1, 1, 1], ["nsubj", "ROOT", "obj"]) == ([1, 1, 1], ["nsubj", "ROOT", "obj"])


def test_missing_heads_never_cause_lifting():
    # Token 1's head is unknown: it may well be a child of 2, so the arc
    # 2->0 over it is not non-projective.
    heads = [2, None, 2]
    assert not is_nonproj_tree(heads)
    assert projectivize(heads, ["a", None, "ROOT"]) == (heads, ["a", None, "ROOT"])
    # Over a complete tree's token it is; lifting stops at the missing head
    # (the head of 3 is unknown): the arc stays as annotated.
    heads = [3, 1, None, None]
    assert nonproj_arcs(heads).tolist() == [True, False, False, False]
    assert projectivize(heads, ["a", "ROOT", None, "b"]) == (heads, ["a", "ROOT", None, "b"])


def test_any_heads_cycles_raise_and_fast_path_agrees():
    # Arbitrary head arrays (cycles included): a cycle always raises, and
    # list input (pure-Python fast path) answers as array input does.
    rng = random.Random(4)
    n_cycles = 0
    for _ in range(3000):
        n = rng.randint(1, 9)
        heads = [rng.randrange(n) if rng.random() < 0.9 else None for _ in range(n)]
        labels = ["x"] * n
        try:
            expected = nonproj_arcs(numpy.array([-1 if h is None else h for h in heads])).any()
        except DataError:
            n_cycles += 1
            with pytest.raises(DataError, match="cycle"):
                projectivize(heads, labels)
            with pytest.raises(DataError, match="cycle"):
                is_nonproj_tree(heads)
            continue
        assert is_nonproj_tree(heads) == expected
        as_array = projectivize(numpy.array([-1 if h is None else h for h in heads]), labels)
        assert projectivize(heads, labels) == (
            [None if h < 0 else h for h in as_array[0].tolist()], as_array[1].tolist()
        )
    assert n_cycles > 500


def test_cycles_and_bad_heads_raise():
    with pytest.raises(DataError, match=r"cycle \[0, 1, 0\]"):
        projectivize([1, 0, 2], ["a", "b", "ROOT"])
    with pytest.raises(DataError, match="cycle"):
        nonproj_arcs([2, 2, 3, 1])
    with pytest.raises(DataError, match="outside"):
        projectivize([0, 5], ["ROOT", "a"])


def test_arrays_in_arrays_out_and_concatenation_is_the_batch_form():
    rng = random.Random(2)
    forests = [_random_forest(rng, rng.randint(1, 10), p_missing=0.1) for _ in range(60)]
    labels = [[None if h is None else f"l{i}" for i, h in enumerate(f)] for f in forests]
    offsets = numpy.cumsum([0] + [len(f) for f in forests])
    big = numpy.concatenate(
        [numpy.array([-1 if h is None else h + o for h in f], dtype=numpy.int64) for f, o in zip(forests, offsets, strict=False)]
    )
    big_labels = numpy.array([lab for ls in labels for lab in ls], dtype=object)
    heads, deco = projectivize(big, big_labels)
    assert isinstance(heads, numpy.ndarray) and isinstance(deco, numpy.ndarray)
    for f, ls, o in zip(forests, labels, offsets, strict=False):
        one_heads, one_labels = projectivize(f, ls)
        part = heads[o : o + len(f)]
        assert [None if h < 0 else int(h) - o for h in part] == one_heads
        assert deco[o : o + len(f)].tolist() == one_labels
    back_heads, back_labels = deprojectivize(heads, deco)
    for f, ls, o in zip(forests, labels, offsets, strict=False):
        one = deprojectivize(*projectivize(f, ls))
        assert [None if h < 0 else int(h) - o for h in back_heads[o : o + len(f)]] == one[0]
        assert back_labels[o : o + len(f)].tolist() == one[1]


def test_deprojectivize_hand_case():
    # The lifted "nmod||nsubj" goes back under the token labelled nsubj.
    heads = [1, 3, 3, 3, 6, 6, 3, 3]
    labels = ["det", "nsubj", "aux", "ROOT", "case", "det", "nmod||nsubj", "obl"]
    assert deprojectivize(heads, labels) == (
        [1, 3, 3, 3, 6, 6, 1, 3],
        ["det", "nsubj", "aux", "ROOT", "case", "det", "nmod", "obl"],
    )
    # No token with that label below the head: the head stays, the label is stripped.
    assert deprojectivize([1, 1], ["x||nope", "ROOT"]) == ([1, 1], ["x", "ROOT"])
    # The token's own subtree is never searched (that would make a cycle).
    assert deprojectivize([1, 1, 0], ["x||obj", "ROOT", "obj"]) == ([1, 1, 0], ["x", "ROOT", "obj"])
    # Breadth-first: the shallower match wins over a deeper, nearer one.
    heads, _ = deprojectivize([4, 4, 1, 4, 4], ["x||obj", "a", "obj", "obj", "ROOT"])
    assert heads[0] == 3


def test_deprojectivize_keeps_trees_valid_with_random_decorations():
    rng = random.Random(3)
    names = ["a", "b", "c"]
    for _ in range(2000):
        heads = _random_forest(rng, rng.randint(1, 12), p_missing=0.1)
        labels = [
            None if h is None else rng.choice(names) + (f"||{rng.choice(names)}" if rng.random() < 0.4 else "")
            for h in heads
        ]
        new_heads, new_labels = deprojectivize(heads, labels)
        assert not any(lab and "||" in lab for lab in new_labels)
        assert [decompose(lab)[0] if lab else lab for lab in labels] == new_labels
        # Same trees (so the same sentences), no cycle (_roots would loop).
        assert _roots(new_heads) == _roots(heads)
        for i, (a, b) in enumerate(zip(heads, new_heads, strict=True)):
            if a != b:  # reattached below the old head, never below itself
                anc = b
                while new_heads[anc] != anc and anc != a:
                    assert anc != i
                    anc = new_heads[anc]


def test_projectivize_ewt_round_trip(ewt_dev_test):
    n_nonproj = n_restored = 0
    for sent in ewt_dev_test:
        heads, labels = sent["heads"], sent["deps"]
        proj_heads, proj_labels = projectivize(heads, labels)
        assert not is_nonproj_tree(proj_heads)
        if proj_heads == heads:
            assert proj_labels == labels
            continue
        n_nonproj += 1
        assert (proj_heads, proj_labels) == _ref_projectivize(heads, labels)
        back_heads, back_labels = deprojectivize(proj_heads, proj_labels)
        assert back_labels == labels
        n_restored += back_heads == heads
    # EWT dev + test: 57 non-projective trees; the head scheme restores 56.
    assert n_nonproj > 45
    assert n_restored / n_nonproj > 0.9
