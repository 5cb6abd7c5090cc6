"""Alignment between tokenizations: hand cases, real EWT sentences, errors."""

from __future__ import annotations

import numpy
import pytest
from _ewt_sentences import read_ewt
from plait.errors import DataError
from plait.training.alignment import Alignment


def _brute_force(A: list[str], B: list[str]) -> tuple[list[list[int]], list[list[int]]]:
    # Character by character: which token of each side owns each non-space char.
    def owners(tokens):
        return [i for i, t in enumerate(tokens) for c in t if not c.isspace()]

    oa, ob = owners(A), owners(B)
    x2y = [sorted({ob[k] for k in range(len(oa)) if oa[k] == i}) for i in range(len(A))]
    y2x = [sorted({oa[k] for k in range(len(ob)) if ob[k] == j}) for j in range(len(B))]
    return x2y, y2x


def _lists(arr) -> list[list[int]]:
    return [arr[i].tolist() for i in range(len(arr))]


def test_identical_is_one_to_one():
    align = Alignment.from_strings(["a", "b", "c"], ["a", "b", "c"])
    assert align.x2y.is_one_to_one() and align.y2x.is_one_to_one()
    assert align.x2y.data.tolist() == [0, 1, 2]


def test_one_to_many_and_many_to_one():
    align = Alignment.from_strings(["I", "don't", "know"], ["I", "do", "n't", "know"])
    assert align.x2y.lengths.tolist() == [1, 2, 1]
    assert _lists(align.x2y) == [[0], [1, 2], [3]]
    assert _lists(align.y2x) == [[0], [1], [1], [2]]


def test_crossing_boundaries():
    # "ab|cd" vs "a|bc|d": each token overlaps two on the other side.
    align = Alignment.from_strings(["ab", "cd"], ["a", "bc", "d"])
    assert _lists(align.x2y) == [[0, 1], [1, 2]]
    assert _lists(align.y2x) == [[0], [0, 1], [1]]


def test_whitespace_tokens_align_to_nothing():
    align = Alignment.from_strings(["a", " ", "b"], ["a", "b"])
    assert _lists(align.x2y) == [[0], [], [1]]
    assert _lists(align.y2x) == [[0], [2]]


def test_case_difference_tolerated():
    align = Alignment.from_strings(["HeLLo", "world"], ["hello", "wor", "ld"])
    assert _lists(align.x2y) == [[0], [1, 2]]


def test_ragged_export():
    align = Alignment.from_strings(["ab", "cd"], ["a", "bc", "d"])
    ragged = align.x2y.to_ragged()
    assert ragged.lengths.tolist() == [2, 2]
    assert ragged.dataXd.tolist() == [0, 1, 1, 2]


def test_from_indices():
    align = Alignment.from_indices([[0], [1, 2]], [[0], [1], [1]])
    assert align.x2y.lengths.tolist() == [1, 2]
    assert align.y2x[2].tolist() == [1]


def test_text_mismatch_names_document():
    with pytest.raises(DataError) as err:
        Alignment.from_strings(["Hello", "world"], ["Hello", "word"], doc_index=17)
    msg = str(err.value)
    assert "document 17" in msg and "Hello word" in msg and "'ld'" in msg


def test_text_mismatch_without_index():
    with pytest.raises(DataError, match="a document"):
        Alignment.from_strings(["abc"], ["abd"])


def test_ewt_whitespace_split_alignments(ewt_dir):
    sents = read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", limit=300)
    n_nontrivial = 0
    for i, sent in enumerate(sents):
        pred = sent["text"].split()
        gold = sent["words"]
        align = Alignment.from_strings(pred, gold, doc_index=i)
        x2y, y2x = _brute_force(pred, gold)
        assert _lists(align.x2y) == x2y, sent["text"]
        assert _lists(align.y2x) == y2x, sent["text"]
        if not align.x2y.is_one_to_one():
            n_nontrivial += 1
            # one-to-many: a whitespace chunk like "story:" covers many words
            assert (align.x2y.lengths > 1).any()
        # Every gold word is covered by exactly one whitespace chunk here.
        assert (align.y2x.lengths == 1).all()
        numpy.testing.assert_array_equal(numpy.sort(align.x2y.data), align.x2y.data)
    assert n_nontrivial > 50


def test_ewt_many_to_one(ewt_dir):
    # Reversed roles: gold words on the predicted side give many-to-one.
    sents = read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", limit=100)
    found = False
    for sent in sents:
        align = Alignment.from_strings(sent["words"], sent["text"].split())
        if (align.y2x.lengths > 1).any():
            found = True
            assert _lists(align.y2x) == _brute_force(sent["words"], sent["text"].split())[1]
    assert found


@pytest.mark.parametrize("threshold", [0, 10**9], ids=["numpy", "walk"])
def test_both_strategies_agree_with_brute_force(ewt_dir, monkeypatch, threshold):
    import plait.training.alignment as alignment_module

    monkeypatch.setattr(alignment_module, "_NUMPY_MIN_TOKENS", threshold)
    sents = read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", limit=60)
    # One long document too: all sentences concatenated.
    pairs = [(s["text"].split(), s["words"]) for s in sents]
    pairs.append(([w for a, _ in pairs for w in a], [w for _, b in pairs for w in b]))
    pairs.append((["a", " ", "", "bc"], ["", "ab", "\n", "c"]))
    for pred, gold in pairs:
        align = Alignment.from_strings(pred, gold)
        x2y, y2x = _brute_force(pred, gold)
        assert _lists(align.x2y) == x2y
        assert _lists(align.y2x) == y2x
