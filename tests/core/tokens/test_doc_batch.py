"""Batched column reads/writes (docs_to_array / docs_from_array) and lazily
allocated token columns: the batch functions must give exactly what the
per-doc to_array / from_array give, on real EWT docs."""

from __future__ import annotations

import numpy as np
import pytest
from plait import attrs as A
from plait.errors import DataError
from plait.tokens import Doc
from plait.tokens._doc_batch import docs_from_array, docs_to_array
from plait.vocab import Vocab

READ_ATTRS = ["ORTH", "NORM", "LOWER", "PREFIX", "SUFFIX", "SHAPE", "LENGTH", "IS_DIGIT", "IS_PUNCT",
              "TAG", "POS", "MORPH", "LEMMA", "HEAD", "DEP", "SENT_START", "ENT_IOB", "SPACY", "IDX", "ID"]  # fmt: skip


def test_docs_to_array_equals_per_doc_to_array(ewt_docs):
    vocab, docs = ewt_docs
    docs = docs[:60] + [Doc(vocab, []), Doc(vocab, ["one"])]
    docs[5][2].norm_ = "override"  # a token-level norm
    batch = docs_to_array(docs, READ_ATTRS)
    expected = np.concatenate([d.to_array(READ_ATTRS) for d in docs])
    assert batch.dtype == np.uint64
    assert np.array_equal(batch, expected)
    assert batch[:, READ_ATTRS.index("NORM")].tolist().count(vocab.strings["override"]) == 1


def test_docs_to_array_unallocated_and_mixed_columns(vocab):
    docs = [Doc(vocab, ["a", "b"]), Doc(vocab, ["c", "d", "e"])]
    assert not docs_to_array(docs, ["TAG", "HEAD", "SENT_START"]).any()
    docs[1][0].is_sent_start = False  # -1 in an int8 column, wraps like to_array
    got = docs_to_array(docs, ["SENT_START"])[:, 0]
    assert np.array_equal(got, np.concatenate([d.to_array("SENT_START") for d in docs]))
    assert got[2] == np.uint64(2**64 - 1)


def test_docs_to_array_other_vocab_and_empty():
    docs = [Doc(Vocab(), ["x", "y"]), Doc(Vocab(), ["x"])]
    assert np.array_equal(docs_to_array(docs, "ORTH")[:, 0], np.concatenate([d.to_array("ORTH") for d in docs]))
    assert docs_to_array([], ["ORTH", "TAG"]).shape == (0, 2)


def test_docs_from_array_equals_per_doc_from_array(ewt_docs):
    vocab, docs = ewt_docs
    docs = docs[:40]
    cols = ["TAG", "POS", "MORPH", "LEMMA", "SENT_START", "ENT_IOB", "ENT_TYPE"]
    values = docs_to_array(docs, cols)
    values[:, cols.index("TAG")] = vocab.strings.add("XX")
    fresh_a = [Doc(vocab, d.words, [bool(t.whitespace_) for t in d]) for d in docs]
    fresh_b = [Doc(vocab, d.words, [bool(t.whitespace_) for t in d]) for d in docs]
    fresh_b[0][0].tag_ = "pre-existing"  # an allocated column is written in place
    docs_from_array(fresh_a, cols, values)
    docs_from_array(fresh_b, cols, values)
    start = 0
    for doc_a, doc_b, ref in zip(fresh_a, fresh_b, docs, strict=True):
        rows = values[start : start + len(ref)]
        assert np.array_equal(doc_a.to_array(cols), rows)
        assert np.array_equal(doc_b.to_array(cols), rows)
        start += len(ref)
    assert [t.tag_ for t in fresh_a[0]] == ["XX"] * len(fresh_a[0])
    assert [t.pos_ for t in fresh_a[0]] == [t.pos_ for t in docs[0]]
    # Each doc owns its slice: writing one token touches no other doc.
    fresh_a[0][0].tag_ = "NN"
    assert fresh_a[1][0].tag_ == "XX"
    assert values[0, 0] == vocab.strings["XX"]  # the caller's array is not aliased


def test_docs_from_array_heads_go_through_from_array(ewt_docs):
    vocab, docs = ewt_docs
    docs = docs[:5]
    values = docs_to_array(docs, ["HEAD", "DEP"])
    fresh = [Doc(vocab, d.words) for d in docs]
    docs_from_array(fresh, ["HEAD", "DEP"], values)
    for doc, ref in zip(fresh, docs, strict=True):
        assert [t.head.i for t in doc] == [t.head.i for t in ref]
        assert [(s.start, s.end) for s in doc.sents] == [(s.start, s.end) for s in ref.sents]


def test_docs_from_array_errors(vocab):
    docs = [Doc(vocab, ["a", "b"]), Doc(vocab, ["c"])]
    with pytest.raises(DataError, match=r"expected \(3, 1\)"):
        docs_from_array(docs, ["TAG"], np.zeros((2, 1), dtype=np.uint64))
    with pytest.raises(DataError, match="unknown POS ids"):
        docs_from_array(docs, ["POS"], np.array([1, 2, 9999], dtype=np.uint64))
    with pytest.raises(DataError, match="valid codes are 0-3"):
        docs_from_array(docs, ["ENT_IOB"], np.array([1, 2, 7], dtype=np.uint64))


def test_token_columns_are_allocated_on_first_use(vocab):
    doc = Doc(vocab, ["Hello", "world", "!"])
    assert dict(doc._tok) == {}
    assert not doc.has_annotation("TAG") and not doc.has_annotation("DEP")
    assert doc.to_array(["TAG", "HEAD"]).tolist() == [[0, 0]] * 3
    assert dict(doc._tok) == {}  # reading does not allocate
    doc[1].tag_ = "NN"
    assert set(doc._tok) == {A.TAG} and doc._tok[A.TAG].dtype == np.uint64
    assert doc.has_annotation("TAG") and [t.tag_ for t in doc] == ["", "NN", ""]
    doc.from_array(["SENT_START"], np.array([1, -1, -1], dtype=np.int64).astype(np.uint64))
    assert doc._tok[A.SENT_START].dtype == np.int8 and [t.is_sent_start for t in doc] == [True, False, False]
    # Span.as_doc, copy and retokenize keep working with missing columns.
    assert doc[1:3].as_doc()[0].tag_ == "NN"
    assert doc.copy()[1].tag_ == "NN"
    with doc.retokenize() as retok:
        retok.merge(doc[1:3])  # the root ("world") gives the merged token its tag
    assert [t.text for t in doc] == ["Hello", "world !"] and doc[1].tag_ == "NN"
    doc[0].lemma_ = "hello"
    assert doc[0].lemma_ == "hello" and doc[1].lemma_ == ""
