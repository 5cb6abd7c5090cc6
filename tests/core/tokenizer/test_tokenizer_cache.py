"""The tokenizer's chunk cache holds lexeme rows: warm and cold tokenization
must give the same Docs, and the cache must never outlive a vocab change or
an error."""

from __future__ import annotations

import numpy as np
import plait
import pytest
from plait.lang.en import EnglishDefaults
from plait.tokenizer import Tokenizer
from plait.vocab import Vocab


def _ewt_texts(ewt_dir, limit=1500):
    texts = []
    with (ewt_dir / "en_ewt-ud-dev.conllu").open(encoding="utf8") as f:
        for line in f:
            if line.startswith("# text = "):
                texts.append(line[len("# text = ") :].rstrip("\n"))
                if len(texts) == limit:
                    break
    return texts


EDGE_TEXTS = ["", " ", "  a", "a  ", "a\n b", " \t x y\n", "don't", "(Mr. x:) y", "a  b   c\n\nd ",
              "\n", "U.S.A.'s e-mail 555-1234", "x:) :) \"can't\" gonna (don't)"]  # fmt: skip


def _snapshot(doc):
    return doc.words, doc._spaces.tolist(), doc.to_array(["NORM", "LOWER", "SHAPE"]).tolist()


def test_warm_equals_cold_and_split(ewt_dir):
    texts = _ewt_texts(ewt_dir) + EDGE_TEXTS
    nlp = plait.blank("en")
    cold = [_snapshot(nlp.tokenizer(t)) for t in texts]
    warm = [_snapshot(nlp.tokenizer(t)) for t in texts]
    assert cold == warm
    # A fresh tokenizer that meets the texts in the other order agrees too.
    other = plait.blank("en")
    assert [_snapshot(other.tokenizer(t)) for t in reversed(texts)] == warm[::-1]
    for text, (words, spaces, _) in zip(texts, warm, strict=True):
        split_words, split_spaces, norms = nlp.tokenizer.split(text)
        assert (split_words, split_spaces) == (words, spaces)
        doc = nlp.tokenizer(text)
        assert doc.text == text
        assert all(doc[i].norm_ == norm for i, norm in norms)
    assert nlp.tokenizer("don't")[1].norm_ == "not"


def test_cache_entries_hold_rows_of_the_current_vocab():
    tok = plait.blank("en").tokenizer
    tok("Hello, world!")
    entry = tok._cache["world!"]
    assert entry[0] == ("world", "!")
    assert [tok.vocab._lex_texts[r] for r in entry[2]] == ["world", "!"]
    assert entry[3] == (False, False) and entry[4] == (False, True)
    # A new vocab: rows of the old one must not be reused.
    new_vocab = Vocab(lex_attr_getters=EnglishDefaults.lex_attr_getters)
    new_vocab.get_lex_ids(["padding", "rows", "first"])
    tok.vocab = new_vocab
    doc = tok("Hello, world!")
    assert doc.vocab is new_vocab and doc.words == ["Hello", ",", "world", "!"]
    assert np.array_equal(doc._lex, new_vocab.get_lex_ids(["Hello", ",", "world", "!"]))


def test_an_error_leaves_no_half_built_cache_entry():
    calls = []

    def token_match(string):
        calls.append(string)
        if string == "boom":
            raise RuntimeError("user rule failed")
        return None

    tok = Tokenizer(Vocab(), token_match=token_match)
    with pytest.raises(RuntimeError):
        tok("fine boom")
    assert "fine" not in tok._cache and "boom" not in tok._cache
    assert tok("fine words").words == ["fine", "words"]
