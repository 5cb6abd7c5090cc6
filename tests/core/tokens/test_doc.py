"""Doc construction, text, arrays, annotation checks, copies and JSON."""

from __future__ import annotations

import numpy as np
import pytest
from plait import attrs as A
from plait.errors import DataError, UsageError
from plait.strings import hash_string
from plait.tokens import Doc, Span, Token
from plait.tokens.doc import NoNounChunksError
from plait.vocab import Vocab


def parsed(vocab: Vocab) -> Doc:
    # "She ate the pizza . It was good"
    words = ["She", "ate", "the", "pizza", ".", "It", "was", "good"]
    return Doc(vocab, words, [True, True, True, False, True, True, True, False],
               tags=["PRP", "VBD", "DT", "NN", ".", "PRP", "VBD", "JJ"],
               pos=["PRON", "VERB", "DET", "NOUN", "PUNCT", "PRON", "AUX", "ADJ"],
               heads=[1, 1, 3, 1, 1, 7, 7, 7], deps=["nsubj", "ROOT", "det", "obj", "punct", "nsubj", "cop", "ROOT"],
               lemmas=["she", "eat", "the", "pizza", ".", "it", "be", "good"])  # fmt: skip


def test_text_and_views(vocab: Vocab) -> None:
    doc = Doc(vocab, ["Hello", ",", "world", "!"], [False, True, False, False])
    assert doc.text == doc.text_with_ws == "Hello, world!"
    assert len(doc) == 4
    assert [t.text for t in doc] == ["Hello", ",", "world", "!"]
    assert isinstance(doc[0], Token) and doc[-1].text == "!"
    span = doc[1:3]
    assert (
        isinstance(span, Span)
        and span.text == ", world"
        and (span.start_char, span.end_char) == (5, 12)
    )
    assert [t.idx for t in doc] == [0, 5, 7, 12]
    with pytest.raises(IndexError):
        doc[4]


def test_default_spaces_are_true(vocab: Vocab) -> None:
    assert Doc(vocab, ["a", "b"]).text == "a b "


def test_empty_doc(vocab: Vocab) -> None:
    doc = Doc(vocab, [])
    assert len(doc) == 0 and doc.text == "" and doc.ents == ()
    assert doc.to_array(["ORTH", "TAG"]).shape == (0, 2)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"spaces": [True]}, "1 spaces for 2 words"),
        ({"tags": ["A", "B", "C"]}, "3 tags for 2 words"),
        ({"lemmas": ["a"]}, "1 lemmas for 2 words"),
        (
            {"heads": [0, 5], "deps": ["ROOT", "x"]},
            r"heads\[1\] = 5: the head of token 1 is outside the doc",
        ),
        ({"heads": [0, -1], "deps": ["ROOT", "x"]}, r"heads\[1\] = -1"),
        ({"heads": [0, 0]}, "'heads' given without 'deps'"),
        ({"pos": ["NOUN", "NOUNN"]}, r"pos\[1\]: unknown POS tag 'NOUNN'.*Did you mean 'NOUN'"),
        ({"sent_starts": [True, "yes"]}, r"sent_starts\[1\] = 'yes'"),
        ({"heads": [0, "a"], "deps": ["ROOT", "x"]}, r"heads\[1\] = 'a' is not a token index"),
    ],
)
def test_invalid_input_messages(vocab: Vocab, kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        Doc(vocab, ["a", "b"], **kwargs)


def test_bad_words(vocab: Vocab) -> None:
    with pytest.raises(DataError, match=r"words\[1\] = ''"):
        Doc(vocab, ["a", ""])
    with pytest.raises(UsageError, match="got a str"):
        Doc(vocab, "ab")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="needs a plait Vocab"):
        Doc(None, ["a"])  # type: ignore[arg-type]


def test_annotation_columns(vocab: Vocab) -> None:
    doc = parsed(vocab)
    assert [t.tag_ for t in doc][:2] == ["PRP", "VBD"]
    assert doc[1].pos_ == "VERB" and doc[1].pos == 100
    assert doc[1].lemma_ == "eat" and doc[1].lemma == hash_string("eat")
    assert doc[0].dep_ == "nsubj" and doc[0].head.i == 1 and doc[1].head.i == 1
    assert doc.has_annotation("TAG") and doc.has_annotation("DEP") and doc.has_annotation("HEAD")
    assert not doc.has_annotation("ENT_IOB") and not doc.has_annotation("MORPH")
    assert doc.has_annotation("SENT_START", require_complete=True)


def test_sents_from_parse(vocab: Vocab) -> None:
    doc = parsed(vocab)
    assert [s.text for s in doc.sents] == ["She ate the pizza.", "It was good"]
    assert doc[6].sent.text == "It was good"
    assert doc[5].is_sent_start and doc[4].is_sent_start is False


def test_sents_from_sent_starts_and_missing(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a", "b", "c", "d"], sent_starts=[True, False, True, None])
    assert [len(s) for s in doc.sents] == [2, 2]
    assert doc[3].is_sent_start is None
    with pytest.raises(UsageError, match="Sentence boundaries are unset"):
        list(Doc(vocab, ["a", "b"]).sents)
    doc2 = Doc(vocab, ["a", "b", "c"])
    doc2[2].is_sent_start = True
    assert [s.text for s in doc2.sents] == ["a b", "c"]


def test_to_array_shapes_and_lexeme_columns(vocab: Vocab) -> None:
    doc = parsed(vocab)
    arr = doc.to_array([A.NORM, A.PREFIX, A.SUFFIX, A.SHAPE])
    assert arr.shape == (8, 4) and arr.dtype == np.uint64
    assert arr[0].tolist() == [hash_string(s) for s in ("she", "S", "She", "Xxx")]
    one = doc.to_array("ORTH")
    assert one.shape == (8,) and one[1] == hash_string("ate")
    heads = doc.to_array(["HEAD"])[:, 0].astype(np.int64)
    assert heads.tolist() == [1, 0, 1, -2, -3, 2, 1, 0]
    assert doc.to_array("IS_ALPHA").tolist() == [1, 1, 1, 1, 0, 1, 1, 1]
    assert doc.to_array(A.SPACY).tolist() == [1, 1, 1, 0, 1, 1, 1, 0]
    with pytest.raises(UsageError, match="unknown attribute 'NROM'.*NORM"):
        doc.to_array(["NROM"])


def test_from_array_round_trip(vocab: Vocab) -> None:
    doc = parsed(vocab)
    attrs = ["TAG", "POS", "HEAD", "DEP", "LEMMA", "SENT_START"]
    target = Doc(vocab, [t.text for t in doc], [bool(t.whitespace_) for t in doc])
    target.from_array(attrs, doc.to_array(attrs))
    assert target.to_json() == doc.to_json()
    target.from_array("TAG", np.zeros(8, dtype=np.uint64))
    assert not target.has_annotation("TAG")


def test_from_array_errors(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a", "b"])
    with pytest.raises(DataError, match=r"shape \(3, 1\).*expected \(2, 1\)"):
        doc.from_array(["TAG"], np.zeros((3, 1), dtype=np.uint64))
    with pytest.raises(DataError, match=r"HEAD \(absolute\)\[1\] = 4"):
        doc.from_array(["HEAD"], np.array([[0], [3]], dtype=np.uint64))
    with pytest.raises(DataError, match="unknown POS ids"):
        doc.from_array("POS", np.array([1, 2], dtype=np.uint64))


def test_from_array_heads_set_sentences(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a", "b", "c", "d"])
    heads = np.array([1, 0, 1, 0], dtype=np.int64).astype(np.uint64)  # two two-token trees
    deps = np.array([hash_string("x")] * 4, dtype=np.uint64)
    vocab.strings.add("x")
    doc.from_array(["HEAD", "DEP"], np.stack([heads, deps], axis=1))
    assert [s.text for s in doc.sents] == ["a b ", "c d "] or [len(s) for s in doc.sents] == [2, 2]


def test_noun_chunks_need_a_language_iterator(vocab: Vocab) -> None:
    doc = parsed(vocab)
    with pytest.raises(NoNounChunksError, match="noun-chunk iterator"):
        list(doc.noun_chunks)

    def chunks(doclike):
        for tok in doclike:
            if tok.pos_ in ("NOUN", "PRON"):
                yield tok.left_edge.i, tok.i + 1, "NP"

    vocab2 = Vocab(get_noun_chunks=chunks)
    doc2 = parsed(vocab2)
    assert [(c.text, c.label_) for c in doc2.noun_chunks] == [
        ("She", "NP"),
        ("the pizza", "NP"),
        ("It", "NP"),
    ]


def test_char_span_modes(vocab: Vocab) -> None:
    doc = Doc(vocab, ["New", "York", "is", "big"])
    assert doc.char_span(0, 8, label="GPE").text == "New York"
    assert doc.char_span(0, 8, label="GPE").label_ == "GPE"
    assert doc.char_span(1, 8) is None
    assert doc.char_span(1, 8, alignment_mode="contract").text == "York"
    assert doc.char_span(1, 10, alignment_mode="expand").text == "New York is"
    assert doc.char_span(5, 6, alignment_mode="contract") is None
    with pytest.raises(UsageError, match="alignment_mode='bad'"):
        doc.char_span(0, 3, alignment_mode="bad")


def test_copy_is_independent(vocab: Vocab) -> None:
    doc = parsed(vocab)
    doc.cats = {"POS": 1.0}
    doc.spans["sc"] = [doc[0:2]]
    clone = doc.copy()
    clone[0].tag_ = "XX"
    assert doc[0].tag_ == "PRP" and clone[0].tag_ == "XX"
    assert clone.cats == {"POS": 1.0} and clone.spans["sc"][0].text == "She ate"
    assert clone.spans["sc"][0].doc is clone


def test_from_docs(vocab: Vocab) -> None:
    a = Doc(vocab, ["Hi", "!"], [False, False], ents=["U-X", "O"])
    b = parsed(vocab)
    b.spans["sc"] = [b[2:4]]
    merged = Doc.from_docs([a, b])
    assert merged.text == "Hi! " + b.text
    assert len(merged) == 10
    assert merged[5].text == "pizza" and merged[5].head.i == 3  # heads are offsets: still "ate"
    assert [e.text for e in merged.ents] == ["Hi"]
    assert merged.spans["sc"][0].text == "the pizza"
    assert Doc.from_docs([a, b], ensure_whitespace=False).text.startswith("Hi!She")
    with pytest.raises(UsageError, match="different Vocab"):
        Doc.from_docs([a, Doc(Vocab(), ["x"])])


def test_json_round_trip(vocab: Vocab) -> None:
    doc = parsed(vocab)
    doc[0].morph = "Case=Nom|Person=3"
    doc.ents = [Span(doc, 3, 4, label="FOOD")]
    doc.cats = {"yum": 1.0}
    doc.spans["sc"] = [Span(doc, 2, 4, label="NP", kb_id="Q1")]
    data = doc.to_json()
    assert data["tokens"][0] == {"id": 0, "start": 0, "end": 3, "tag": "PRP", "pos": "PRON",
                                 "morph": "Case=Nom|Person=3", "lemma": "she", "dep": "nsubj", "head": 1}  # fmt: skip
    assert data["ents"] == [{"start": 12, "end": 17, "label": "FOOD"}]
    assert data["sents"] == [{"start": 0, "end": 18}, {"start": 19, "end": 30}]
    again = Doc.from_json(Vocab(), data)
    assert again.to_json() == data
    with pytest.raises(DataError, match="'text' and 'tokens'"):
        Doc.from_json(vocab, {"tokens": []})


def test_retokenize_merge(vocab: Vocab) -> None:
    doc = Doc(vocab, ["I", "live", "in", "New", "York", "City", "now"],
              heads=[1, 1, 1, 4, 2, 4, 1], deps=["nsubj", "ROOT", "prep", "compound", "pobj", "flat", "advmod"],
              tags=["PRP", "VBP", "IN", "NNP", "NNP", "NNP", "RB"], ents=["O", "O", "O", "B-GPE", "I-GPE", "I-GPE", "O"])  # fmt: skip
    doc.spans["sc"] = [doc[3:6], doc[6:7]]
    with doc.retokenize() as retok:
        retok.merge(doc[3:6], attrs={"LEMMA": "new york city"})
    assert [t.text for t in doc] == ["I", "live", "in", "New York City", "now"]
    assert doc.text == "I live in New York City now "
    merged = doc[3]
    assert merged.lemma_ == "new york city" and merged.tag_ == "NNP" and merged.dep_ == "pobj"
    assert merged.head.i == 2 and doc[4].head.i == 1
    assert [e.text for e in doc.ents] == ["New York City"]
    assert [s.text for s in doc.spans["sc"]] == ["New York City", "now"]
    with pytest.raises(UsageError, match="overlaps"), doc.retokenize() as retok:
        retok.merge(doc[0:2])
        retok.merge(doc[1:3])


def test_user_data_and_cats(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a"], user_data={"k": 1})
    assert doc.user_data == {"k": 1}
    doc.cats["X"] = 0.5
    assert doc.cats == {"X": 0.5}
