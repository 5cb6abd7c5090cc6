"""Vocab: lexeme columns computed once, batched lookups, getters, serialisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plait import attrs as A
from plait.errors import DataError, SerializationError
from plait.lexeme import word_shape
from plait.strings import hash_string
from plait.vocab import Vocab


@pytest.mark.parametrize(
    "word,shape",
    [
        ("Apple", "Xxxxx"),
        ("C3PO", "XdXX"),
        ("aaaaaaa", "xxxx"),
        ("12,000.5", "dd,ddd.d"),
        ("hello-World!", "xxxx-Xxxxx!"),
    ],
)
def test_word_shape_matches_spacy(word: str, shape: str) -> None:
    assert word_shape(word) == shape


def test_lexeme_defaults() -> None:
    vocab = Vocab()
    lex = vocab["Apples"]
    assert lex.text == lex.orth_ == "Apples"
    assert lex.orth == hash_string("Apples")
    assert (lex.lower_, lex.norm_, lex.prefix_, lex.suffix_, lex.shape_) == (
        "apples",
        "apples",
        "A",
        "les",
        "Xxxxx",
    )
    assert (
        lex.is_alpha and lex.is_title and not lex.is_lower and not lex.is_stop and not lex.like_num
    )
    assert vocab[",."].is_punct and vocab["("].is_left_punct and vocab["("].is_bracket
    assert vocab["$"].is_currency and vocab["1,000"].like_num and vocab["3/4"].like_num
    assert vocab["a@b.com"].like_email and vocab["https://x.org/a"].like_url
    assert vocab["\n"].is_space and vocab["42"].is_digit and vocab["ABC"].is_upper
    assert vocab["“"].is_quote and vocab["ünï"].is_alpha and not vocab["ünï"].is_ascii


def test_getters_from_language_override_defaults() -> None:
    getters = {A.NORM: lambda t: {"n't": "not"}.get(t.lower(), t.lower()), A.IS_STOP: lambda t: t.lower() in {"the"},
               A.LANG: lambda t: "en"}  # fmt: skip
    vocab = Vocab(lex_attr_getters=getters)
    assert vocab["n't"].norm_ == "not"
    assert vocab["The"].is_stop
    assert vocab.lang == "en"
    assert vocab["x"].lang_ == "en"


def test_is_stop_and_norm_settable() -> None:
    vocab = Vocab()
    lex = vocab["foo"]
    lex.is_stop = True
    assert vocab["foo"].is_stop
    lex.norm_ = "bar"
    assert vocab["foo"].norm_ == "bar"


def test_get_lex_ids_batches_and_reuses_rows() -> None:
    vocab = Vocab()
    rows = vocab.get_lex_ids(["a", "b", "a", "c"])
    assert rows.tolist() == [0, 1, 0, 2]
    assert len(vocab) == 3
    assert vocab.get_lex_ids(["c", "d"]).tolist() == [2, 3]
    assert "d" in vocab and hash_string("d") in vocab and "zz" not in vocab


def test_columns_grow_past_initial_capacity() -> None:
    vocab = Vocab()
    words = [f"w{i}" for i in range(1000)]
    rows = vocab.get_lex_ids(words)
    assert len(vocab) == 1000
    norms = vocab.lex_column(A.NORM)[rows]
    assert norms[999] == hash_string("w999")
    assert vocab.lex_column(A.IS_ALPHA)[rows].sum() == 0  # "w1" has a digit
    assert vocab.lex_column(A.LENGTH)[rows][:3].tolist() == [2, 2, 2]


def test_empty_word_is_rejected() -> None:
    with pytest.raises(DataError, match="non-empty strings"):
        Vocab().get_lex_ids(["ok", ""])


def test_round_trip_keeps_lexemes_and_overrides(tmp_path) -> None:
    vocab = Vocab()
    vocab["foo"].is_stop = True
    vocab["bar"].norm_ = "BAR"
    vocab.to_disk(tmp_path / "vocab")
    again = Vocab().from_disk(tmp_path / "vocab")
    assert again["foo"].is_stop and again["bar"].norm_ == "BAR"
    assert np.array_equal(again.lex_column(A.ORTH), vocab.lex_column(A.ORTH))


def test_corrupt_vocab_file(tmp_path) -> None:
    (tmp_path / "vocab.msgpack").write_bytes(b"not msgpack at all")
    with pytest.raises(SerializationError, match="vocab.msgpack"):
        Vocab().from_disk(tmp_path)


def _shape_reference(text: str) -> str:
    # The character-by-character definition (spaCy's word_shape behaviour).
    if len(text) >= 100:
        return "LONG"
    out, last, run = [], "", 0
    for char in text:
        shape = (
            ("X" if char.isupper() else "x") if char.isalpha() else "d" if char.isdigit() else char
        )
        run = run + 1 if shape == last else 0
        last = shape
        if run < 4:
            out.append(shape)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | st.text(alphabet="aA1-!.xX9", max_size=30))
def test_word_shape_fast_path_agrees_with_definition(text: str) -> None:
    assert word_shape(text) == _shape_reference(text)
