"""Entities: IOB/BILUO input, the ents property, set_ents and its checks."""

from __future__ import annotations

import pytest
from plait.errors import DataError
from plait.tokens import Doc, Span
from plait.vocab import Vocab

WORDS = ["Ann", "Lee", "met", "Bob", "in", "Paris", "today"]


@pytest.mark.parametrize(
    "tags",
    [
        ["B-PER", "I-PER", "O", "B-PER", "O", "B-LOC", "O"],
        ["B-PER", "L-PER", "O", "U-PER", "O", "U-LOC", "O"],
    ],
)
def test_iob_and_biluo_give_the_same_entities(vocab: Vocab, tags: list[str]) -> None:
    doc = Doc(vocab, WORDS, ents=tags)
    assert [(e.text, e.label_, e.start, e.end) for e in doc.ents] == [
        ("Ann Lee", "PER", 0, 2), ("Bob", "PER", 3, 4), ("Paris", "LOC", 5, 6)]  # fmt: skip
    assert [t.ent_iob_ for t in doc] == ["B", "I", "O", "B", "O", "B", "O"]
    assert doc[5].ent_type_ == "LOC"


def test_missing_entity_tags(vocab: Vocab) -> None:
    doc = Doc(vocab, WORDS, ents=["B-PER", "I-PER", None, "", "-", "O", "O"])
    assert [t.ent_iob_ for t in doc] == ["B", "I", "", "", "", "O", "O"]
    assert doc.has_annotation("ENT_IOB") and not doc.has_annotation(
        "ENT_IOB", require_complete=True
    )


@pytest.mark.parametrize(
    "tags,message",
    [
        (
            ["I-PER", "O", "O", "O", "O", "O", "O"],
            r"ents\[0\]: tag 'I-PER' continues an entity that is not open",
        ),
        (["O", "O", "O", "B-PER", "O", "I-LOC", "O"], r"ents\[5\]: tag 'I-LOC'.*after 'O'"),
        (["B-PER", "I-LOC", "O", "O", "O", "O", "O"], r"ents\[1\]: tag 'I-LOC'"),
        (
            ["B-PER", "O", "O", "U-PER", "O", "O", "O"],
            r"ents\[1\]: tag 'O' after an open PER entity",
        ),
        (["O", "O", "O", "O", "O", "U-LOC", "B-LOC"], r"ents\[6\]: the doc ends inside an entity"),
        (["O", "O", "X-PER", "O", "O", "O", "O"], r"ents\[2\]: invalid entity tag 'X-PER'"),
        (["O", "O", "B-", "O", "O", "O", "O"], r"ents\[2\]: invalid entity tag 'B-'"),
    ],
)
def test_invalid_sequences_name_position_and_tag(
    vocab: Vocab, tags: list[str], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        Doc(vocab, WORDS, ents=tags)


def test_ents_setter(vocab: Vocab) -> None:
    doc = Doc(vocab, WORDS)
    doc.ents = [Span(doc, 5, 6, label="LOC"), ("PER", 0, 2)]
    assert [(e.text, e.label_) for e in doc.ents] == [("Ann Lee", "PER"), ("Paris", "LOC")]
    assert [t.ent_iob_ for t in doc] == ["B", "I", "O", "O", "O", "B", "O"]
    with pytest.raises(
        DataError, match=r"span 'Lee met' \(1:3\) overlaps entities span 'Ann Lee' \(0:2\)"
    ):
        doc.ents = [Span(doc, 0, 2, label="PER"), Span(doc, 1, 3, label="PER")]


def test_set_ents_blocked_missing_default(vocab: Vocab) -> None:
    doc = Doc(vocab, WORDS)
    doc.set_ents(
        [Span(doc, 3, 4, label="PER")], blocked=[doc[0:1]], missing=[doc[6:7]], default="missing"
    )
    assert [t.ent_iob_ for t in doc] == ["B", "", "", "B", "", "", ""]
    assert [e.text for e in doc.ents] == ["Bob"]  # the blocked token is no entity
    doc.set_ents([], outside=[doc[1:3]], default="unmodified")
    assert [t.ent_iob_ for t in doc] == ["B", "O", "O", "B", "", "", ""]
    with pytest.raises(DataError, match="has no label"):
        doc.set_ents([doc[0:1]])


def test_span_ents(vocab: Vocab) -> None:
    doc = Doc(vocab, WORDS, ents=["B-PER", "I-PER", "O", "B-PER", "O", "B-LOC", "O"])
    assert [e.text for e in doc[2:7].ents] == ["Bob", "Paris"]
