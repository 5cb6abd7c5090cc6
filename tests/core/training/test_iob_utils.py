"""BILUO / IOB / offsets conversions, on hand cases and UNER dev entities."""

from __future__ import annotations

import pytest
from _ewt_sentences import read_uner
from plait.errors import DataError
from plait.tokens import Doc
from plait.training import (
    biluo_tags_to_offsets,
    biluo_tags_to_spans,
    biluo_to_iob,
    iob_to_biluo,
    offsets_to_biluo_tags,
    remove_bilu_prefix,
    tags_to_entities,
)
from plait.vocab import Vocab


@pytest.fixture(scope="module")
def vocab():
    return Vocab()


def _doc(vocab, text):
    return Doc(vocab, words=text.split(" "), spaces=[True] * (len(text.split(" ")) - 1) + [False])


def test_offsets_to_biluo(vocab):
    doc = _doc(vocab, "I like London and New York City .")
    tags = offsets_to_biluo_tags(doc, [(7, 13, "LOC"), (18, 31, "LOC")])
    assert tags == ["O", "O", "U-LOC", "O", "B-LOC", "I-LOC", "L-LOC", "O"]
    assert offsets_to_biluo_tags(doc, [(7, 13, "LOC")], missing="-")[0] == "-"


def test_misaligned_offsets_give_dash(vocab):
    doc = _doc(vocab, "I like London and New York City .")
    # "Lond" stops inside a token; "York Ci" crosses into "City".
    tags = offsets_to_biluo_tags(doc, [(7, 11, "LOC"), (22, 29, "LOC")])
    assert tags == ["O", "O", "-", "O", "O", "-", "-", "O"]


def test_empty_label_marks_outside(vocab):
    doc = _doc(vocab, "a b c")
    assert offsets_to_biluo_tags(doc, [(0, 3, "")], missing="-") == ["O", "O", "-"]


def test_overlapping_offsets_raise(vocab):
    doc = _doc(vocab, "New York City")
    with pytest.raises(DataError, match=r"overlapping entities \(0, 8, 'LOC'\) and \(4, 13, 'LOC'\)"):
        offsets_to_biluo_tags(doc, [(0, 8, "LOC"), (4, 13, "LOC")])


def test_biluo_to_offsets_and_spans(vocab):
    doc = _doc(vocab, "I like London and New York City .")
    tags = ["O", "O", "U-LOC", "O", "B-GPE", "I-GPE", "L-GPE", "-"]
    assert biluo_tags_to_offsets(doc, tags) == [(7, 13, "LOC"), (18, 31, "GPE")]
    spans = biluo_tags_to_spans(doc, tags)
    assert [(s.start, s.end, s.label_) for s in spans] == [(2, 3, "LOC"), (4, 7, "GPE"), (7, 8, "")]
    with pytest.raises(DataError, match="3 entity tags for 8 tokens"):
        biluo_tags_to_offsets(doc, tags[:3])


@pytest.mark.parametrize(
    "tags,match",
    [
        (["O", "I-PER", "L-PER"], r"token 1: 'I-PER' does not follow a B- or I- tag"),
        (["B-PER", "O"], r"token 1: 'B-PER' at 0 is not closed"),
        (["B-PER", "L-ORG"], r"token 1: 'L-ORG' continues an entity labelled 'PER'"),
        (["B-PER", "I-PER"], r"token 2: 'B-PER' at 0 is not closed"),
        (["X-PER"], r"token 0: unknown tag 'X-PER'"),
    ],
)
def test_invalid_biluo_sequences(tags, match):
    with pytest.raises(DataError, match=match) as err:
        tags_to_entities(tags)
    assert str(tags[0]) in str(err.value)


def test_tags_to_entities_missing():
    assert tags_to_entities(["U-A", "-", "B-B", "L-B"]) == [("A", 0, 0), ("", 1, 1), ("B", 2, 3)]


def test_iob_conversions():
    iob = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "I-ORG"]
    biluo = iob_to_biluo(iob)
    assert biluo == ["B-PER", "L-PER", "O", "U-LOC", "B-LOC", "L-LOC", "U-ORG"]
    assert biluo_to_iob(biluo) == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-ORG"]
    # IOB1: an I- tag after O begins an entity.
    assert iob_to_biluo(["O", "I-PER", "I-PER"]) == ["O", "B-PER", "L-PER"]
    with pytest.raises(DataError, match="invalid IOB tag 'L-PER' at token 0"):
        iob_to_biluo(["L-PER"])


def test_remove_bilu_prefix():
    assert remove_bilu_prefix("B-PER") == "PER"
    assert remove_bilu_prefix("U-ORG") == "ORG"
    assert remove_bilu_prefix("O") == "O"


def test_uner_dev_roundtrip(uner_dir, vocab):
    sents = read_uner(uner_dir / "en_ewt-ud-dev.iob2")
    n_ents = 0
    for sent in sents:
        doc = Doc(vocab, words=sent["words"])
        biluo = iob_to_biluo(sent["iob"])
        offsets = biluo_tags_to_offsets(doc, biluo)
        n_ents += len(offsets)
        for start, end, _label in offsets:
            assert doc.text[start:end] == doc.char_span(start, end).text
        assert offsets_to_biluo_tags(doc, offsets) == biluo
        assert biluo_to_iob(biluo) == sent["iob"]  # UNER is IOB2
    assert n_ents > 900


def test_uner_offsets_on_other_tokenization(uner_dir, vocab):
    # The same entity offsets over a coarser tokenization (pairs of words
    # glued together) must give "-" exactly where an entity edge falls inside
    # a glued token.
    sents = read_uner(uner_dir / "en_ewt-ud-dev.iob2", limit=400)
    n_dash = 0
    for sent in sents:
        words = sent["words"]
        doc = Doc(vocab, words=words)
        offsets = biluo_tags_to_offsets(doc, iob_to_biluo(sent["iob"]))
        glued = [" ".join(words[i : i + 2]) for i in range(0, len(words), 2)]
        coarse = Doc(vocab, words=[g.replace(" ", "_") for g in glued])
        # Same character offsets: "_" stands in for the space.
        tags = offsets_to_biluo_tags(coarse, offsets)
        starts = {t.idx for t in coarse}
        ends = {t.idx + len(t) for t in coarse}
        for start, end, _ in offsets:
            aligned = start in starts and end in ends
            first = next(t.i for t in coarse if t.idx + len(t) > start)
            assert (tags[first] != "-") == aligned
            n_dash += not aligned
    assert n_dash > 10
