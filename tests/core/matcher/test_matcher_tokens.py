"""Matcher and PhraseMatcher: patterns, operators, predicates, errors, EWT sentences."""

from __future__ import annotations

import re

import plait
import pytest
from plait.errors import UsageError
from plait.matcher import Matcher, PhraseMatcher
from plait.tokens.doc import Doc


@pytest.fixture(scope="module")
def nlp():
    return plait.blank("en")


def _texts(matches, doc):
    return [doc[s:e].text for _, s, e in matches]


def read_ewt(path, limit):
    sents, words = [], []
    with open(path, encoding="utf8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                if words:
                    sents.append(words)
                    words = []
                    if len(sents) >= limit:
                        break
            elif not line.startswith("#"):
                cols = line.split("\t")
                if cols[0].isdigit():
                    words.append(cols[1])
    return sents


@pytest.fixture(scope="module")
def ewt_docs(nlp, ewt_dir):
    return [Doc(nlp.vocab, words=w) for w in read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", 800)]


def test_basic_and_optional(nlp):
    m = Matcher(nlp.vocab)
    m.add("HW", [[{"LOWER": "hello"}, {"IS_PUNCT": True, "OP": "?"}, {"LOWER": "world"}]])
    doc = nlp("Hello, world! hello world HELLO")
    matches = m(doc)
    assert _texts(matches, doc) == ["Hello, world", "hello world"]
    assert matches[0][0] == nlp.vocab.strings["HW"]
    assert len(m) == 1 and "HW" in m and "XX" not in m


def test_star_plus_returns_all_ends(nlp):
    m = Matcher(nlp.vocab)
    m.add("A", [[{"ORTH": "a"}, {"ORTH": "b", "OP": "*"}]])
    m.add("P", [[{"ORTH": "b", "OP": "+"}]])
    doc = Doc(nlp.vocab, words=["a", "b", "b", "c"])
    found = {(nlp.vocab.strings[k], s, e) for k, s, e in m(doc)}
    assert {x for x in found if x[0] == "A"} == {("A", 0, 1), ("A", 0, 2), ("A", 0, 3)}
    assert {x for x in found if x[0] == "P"} == {("P", 1, 2), ("P", 1, 3), ("P", 2, 3)}


def test_greedy_longest_and_first(nlp):
    doc = Doc(nlp.vocab, words=["a", "b", "b", "c"])
    m = Matcher(nlp.vocab)
    m.add("P", [[{"ORTH": "b", "OP": "+"}]], greedy="LONGEST")
    assert [(s, e) for _, s, e in m(doc)] == [(1, 3)]
    m2 = Matcher(nlp.vocab)
    m2.add("Q", [[{"ORTH": {"IN": ["a", "b"]}, "OP": "+"}]], greedy="FIRST")
    assert [(s, e) for _, s, e in m2(doc)] == [(0, 3)]


def test_negation_and_ranges(nlp):
    doc = Doc(nlp.vocab, words=["x", "y", "y", "y", "z"])
    m = Matcher(nlp.vocab)
    m.add("NOT", [[{"ORTH": "x"}, {"ORTH": "x", "OP": "!"}]])
    m.add("N2", [[{"ORTH": "y", "OP": "{2}"}]])
    m.add("N23", [[{"ORTH": "x"}, {"ORTH": "y", "OP": "{2,3}"}]])
    m.add("NMIN", [[{"ORTH": "y", "OP": "{3,}"}]])
    m.add("NMAX", [[{"ORTH": "z"}, {"ORTH": "q", "OP": "{,2}"}]])
    got = {}
    for k, s, e in m(doc):
        got.setdefault(nlp.vocab.strings[k], []).append((s, e))
    assert got["NOT"] == [(0, 2)]
    assert got["N2"] == [(1, 3), (2, 4)]
    assert got["N23"] == [(0, 3), (0, 4)]
    assert got["NMIN"] == [(1, 4)]
    assert got["NMAX"] == [(4, 5)]


def test_predicates(nlp):
    doc = nlp("The cat sat on 3 mats in 2024 .")
    m = Matcher(nlp.vocab)
    m.add("IN", [[{"LOWER": {"IN": ["cat", "mats"]}}]])
    m.add("NOTIN", [[{"LENGTH": 3, "LOWER": {"NOT_IN": ["the", "cat"]}}]])
    m.add("RE", [[{"TEXT": {"REGEX": r"^\d{4}$"}}]])
    m.add("LEN", [[{"LENGTH": {">=": 4}}]])
    m.add("NUM", [[{"LIKE_NUM": True}, {"IS_ALPHA": True}]])
    got = {}
    for k, s, e in m(doc):
        got.setdefault(nlp.vocab.strings[k], []).append(doc[s:e].text)
    assert got["IN"] == ["cat", "mats"]
    assert got["NOTIN"] == ["sat"]
    assert got["RE"] == ["2024"]
    assert got["LEN"] == ["mats", "2024"]
    assert got["NUM"] == ["3 mats"]


def test_token_annotations_pos_tag_dep_lemma_ent(nlp):
    words = ["Alice", "likes", "Paris"]
    doc = Doc(nlp.vocab, words=words, pos=["PROPN", "VERB", "PROPN"], tags=["NNP", "VBZ", "NNP"],
              lemmas=["Alice", "like", "Paris"], deps=["nsubj", "ROOT", "obj"], heads=[1, 1, 1],
              ents=["B-PER", "O", "B-LOC"])
    m = Matcher(nlp.vocab)
    m.add("POS", [[{"POS": "PROPN"}]])
    m.add("LEMMA", [[{"LEMMA": "like"}, {"ENT_TYPE": "LOC"}]])
    m.add("DEP", [[{"DEP": "nsubj", "TAG": "NNP"}]])
    got = {}
    for k, s, e in m(doc):
        got.setdefault(nlp.vocab.strings[k], []).append((s, e))
    assert got["POS"] == [(0, 1), (2, 3)]
    assert got["LEMMA"] == [(1, 3)]
    assert got["DEP"] == [(0, 1)]


def test_as_spans_on_match_remove_and_span_input(nlp):
    calls = []
    m = Matcher(nlp.vocab)
    m.add("CAT", [[{"LOWER": "cat"}]], on_match=lambda matcher, doc, i, matches: calls.append(i))
    doc = nlp("a cat and a cat")
    spans = m(doc, as_spans=True)
    assert [(s.start, s.end, s.label_) for s in spans] == [(1, 2, "CAT"), (4, 5, "CAT")]
    assert calls == [0, 1]
    assert [(s, e) for _, s, e in m(doc[2:5])] == [(4, 5)]  # doc offsets
    m.remove("CAT")
    assert len(m) == 0 and m(doc) == []
    with pytest.raises(UsageError, match="no patterns under key"):
        m.remove("CAT")


@pytest.mark.parametrize(
    "patterns, message",
    [
        ([[{"LOWR": "x"}]], r"pattern 0, token 0: unknown attribute 'LOWR'. Did you mean 'LOWER'"),
        ([[{"LOWER": "x"}], [{"LOWER": "x", "OP": "%"}]], r"pattern 1, token 0: unknown OP '%'"),
        ([[{"LOWER": {"INN": ["x"]}}]], r"pattern 0, token 0: LOWER: unknown predicate 'INN'"),
        ([[{"IS_PUNCT": "yes"}]], r"IS_PUNCT: expected true or false"),
        ([[{"LENGTH": "3"}]], r"LENGTH: expected an integer"),
        ([[{"TEXT": {"REGEX": "("}}]], r"invalid REGEX"),
        ([[{"TEXT": {"REGEX": r"^(\w+\s?)*$"}}]], r"REGEX .* can match in only one way"),
        ([[{"LOWER": "x", "OP": "?"}]], r"pattern 0: every token is optional"),
        ([[]], r"pattern 0: a pattern must be a non-empty list"),
        ([["x"]], r"pattern 0, token 0: each token must be a dict"),
        ([[{"ORTH": "x", "OP": "{3,1}"}]], r"maximum is smaller"),
    ],
)
def test_invalid_patterns_name_key_and_index(nlp, patterns, message):
    m = Matcher(nlp.vocab)
    with pytest.raises(UsageError) as err:
        m.add("MYKEY", patterns)
    assert "Matcher.add('MYKEY')" in str(err.value)
    assert re.search(message, str(err.value)), str(err.value)
    assert "MYKEY" not in m


def test_patterns_must_be_list_of_lists(nlp):
    with pytest.raises(UsageError, match="list of patterns"):
        Matcher(nlp.vocab).add("K", [{"LOWER": "x"}])


def test_matcher_on_ewt_agrees_with_brute_force(ewt_docs, nlp):
    m = Matcher(nlp.vocab)
    m.add("DET_ADJ_NOUN", [[{"LOWER": {"IN": ["the", "a", "an"]}}, {"IS_ALPHA": True, "OP": "?"},
                           {"IS_TITLE": True}]])
    total = 0
    for doc in ewt_docs:
        got = {(s, e) for _, s, e in m(doc)}
        words = [t.text for t in doc]
        want = set()
        for i, w in enumerate(words):
            if w.lower() not in ("the", "a", "an"):
                continue
            if i + 1 < len(words) and words[i + 1].istitle():
                want.add((i, i + 2))
            if i + 2 < len(words) and words[i + 1].isalpha() and words[i + 2].istitle():
                want.add((i, i + 3))
        assert got == want, words
        total += len(got)
    assert total > 50


def test_phrase_matcher_on_ewt(ewt_docs, nlp):
    phrases = ["united states", "new york", "the", "of the", "iraq"]
    pm = PhraseMatcher(nlp.vocab, attr="LOWER")
    pm.add("TERM", [nlp.make_doc(p) for p in phrases])
    n = 0
    for doc in ewt_docs:
        lowers = [t.lower_ for t in doc]
        want = set()
        for p in phrases:
            toks = p.split()
            for i in range(len(lowers) - len(toks) + 1):
                if lowers[i:i + len(toks)] == toks:
                    want.add((i, i + len(toks)))
        got = {(s, e) for _, s, e in pm(doc)}
        assert got == want
        n += len(got)
    assert n > 100


def test_phrase_matcher_keys_remove_and_orth(nlp):
    pm = PhraseMatcher(nlp.vocab)
    pm.add("NY", [nlp.make_doc("New York")])
    pm.add("CITY", [nlp.make_doc("New York"), nlp.make_doc("Paris")])
    doc = nlp("From New York to Paris and new york")
    got = sorted((nlp.vocab.strings[k], s, e) for k, s, e in pm(doc))
    assert got == [("CITY", 1, 3), ("CITY", 4, 5), ("NY", 1, 3)]
    assert len(pm) == 2 and "NY" in pm
    pm.remove("NY")
    assert [(nlp.vocab.strings[k], s, e) for k, s, e in pm(doc)] == [("CITY", 1, 3), ("CITY", 4, 5)]
    spans = pm(doc, as_spans=True)
    assert [s.text for s in spans] == ["New York", "Paris"]
    assert [(s, e) for _, s, e in pm(doc[3:])] == [(4, 5)]


def test_phrase_matcher_errors(nlp):
    with pytest.raises(UsageError, match="attr 'LOWR' is not supported. Did you mean 'LOWER'"):
        PhraseMatcher(nlp.vocab, attr="LOWR")
    pm = PhraseMatcher(nlp.vocab)
    with pytest.raises(UsageError, match="pattern 0 is a str, not a Doc"):
        pm.add("K", ["text"])
    tagged = PhraseMatcher(nlp.vocab, attr="POS")
    with pytest.raises(UsageError, match="has no POS annotation"):
        tagged.add("K", [nlp.make_doc("cat")])


def test_phrase_matcher_many_patterns_is_fast(nlp, ewt_docs):
    import time

    pm = PhraseMatcher(nlp.vocab, attr="LOWER")
    vocab_words = sorted({t.lower_ for doc in ewt_docs[:200] for t in doc})
    pm.add("W", [Doc(nlp.vocab, words=[w]) for w in vocab_words])
    pm.add("BI", [Doc(nlp.vocab, words=[a, b]) for a, b in zip(vocab_words, vocab_words[1:], strict=False)])
    start = time.perf_counter()
    n = sum(len(pm(doc)) for doc in ewt_docs)
    elapsed = time.perf_counter() - start
    assert n >= sum(len(doc) for doc in ewt_docs[:200])
    assert elapsed < 2.0
