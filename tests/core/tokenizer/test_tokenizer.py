"""Tokenizer behaviour: rules, special cases, whitespace, serialization, errors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plait.errors import SerializationError, UsageError
from plait.lang.en import EnglishDefaults
from plait.tokenizer import (
    Tokenizer,
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
)
from plait.vocab import Vocab


def make_tokenizer(defaults=EnglishDefaults) -> Tokenizer:
    return Tokenizer(
        Vocab(lex_attr_getters=defaults.lex_attr_getters),
        rules=defaults.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(defaults.prefixes).search,
        suffix_search=compile_suffix_regex(defaults.suffixes).search,
        infix_finditer=compile_infix_regex(defaults.infixes).finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return make_tokenizer()


def words(tok: Tokenizer, text: str) -> list[str]:
    return [t.text for t in tok(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Hello, world!", ["Hello", ",", "world", "!"]),
        ("(hello)", ["(", "hello", ")"]),
        ('"Wait..." he said.', ['"', "Wait", "...", '"', "he", "said", "."]),
        ("It costs $5.50.", ["It", "costs", "$", "5.50", "."]),
        ("10km 3pm", ["10", "km", "3", "pm"]),
        ("well-known 2+3", ["well", "-", "known", "2", "+", "3"]),
        ("e-mail me", ["e-mail", "me"]),
        ("Call 713-853-5620.", ["Call", "713-853-5620", "."]),
        ("Wow!!! Really???", ["Wow", "!!!", "Really", "???"]),
        ("John's car", ["John", "'s", "car"]),
        ("see http://example.com/a?b=c.", ["see", "http://example.com/a?b=c", "."]),
        ("(www.plait.org)", ["(", "www.plait.org", ")"]),
        ("I'm happy :) :-(", ["I", "'m", "happy", ":)", ":-("]),
        ("x:)", ["x", ":)"]),
    ],
)
def test_affixes_infixes_urls_emoticons(tok, text, expected):
    assert words(tok, text) == expected


def test_special_cases_split_with_norms(tok):
    doc = tok("I don't know, he can't.")
    assert [t.text for t in doc] == ["I", "do", "n't", "know", ",", "he", "ca", "n't", "."]
    assert doc[2].norm_ == "not"
    assert doc[6].norm_ == "can"


def test_special_case_found_inside_affixes(tok):
    assert words(tok, "(Mr. Smith, U.S.)") == ["(", "Mr.", "Smith", ",", "U.S.", ")"]
    assert words(tok, '"don\'t"') == ['"', "do", "n't", '"']


def test_whitespace_runs_are_tokens_and_text_roundtrips(tok):
    text = "  two  spaces\tand\n\nnewlines \n"
    doc = tok(text)
    assert doc.text == text
    # as spaCy: leading whitespace is one token, a single space is trailing
    assert [t.text for t in doc] == ["  ", "two", " ", "spaces", "\t", "and", "\n\n", "newlines", "\n"]
    assert [bool(t.whitespace_) for t in doc] == [False, True, False, False, False, False, False, True, False]


def test_empty_text(tok):
    assert len(tok("")) == 0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_doc_text_equals_input_for_any_unicode(text):
    tok = _PROPERTY_TOK
    assert tok(text).text == text


_PROPERTY_TOK = make_tokenizer()


def test_add_special_case_and_cache_invalidation():
    tok = make_tokenizer()
    assert words(tok, "_SPECIAL_") == ["_", "SPECIAL", "_"]
    tok.add_special_case("_SPECIAL_", [{"ORTH": "_SPECIAL_"}])
    assert words(tok, "_SPECIAL_") == ["_SPECIAL_"]
    assert tok.rules["_SPECIAL_"] == [{"ORTH": "_SPECIAL_"}]


def test_spec_customization_directly_on_tokenizer():
    tok = make_tokenizer()
    assert words(tok, "a[") == ["a", "["]
    suffixes = list(EnglishDefaults.suffixes)
    suffixes.remove("\\[")
    tok.suffix_search = compile_suffix_regex(suffixes).search
    assert words(tok, "a[") == ["a["]  # the cache was flushed


def test_bad_special_case_names_the_key():
    tok = make_tokenizer()
    with pytest.raises(UsageError, match=r"special case 'dont'.*'do', 'not'.*concatenate"):
        tok.add_special_case("dont", [{"ORTH": "do"}, {"ORTH": "not"}])
    with pytest.raises(UsageError, match="'gimme'"):
        Tokenizer(Vocab(), rules={"gimme": [{"ORTH": "gim"}, {"ORTH": "mee"}]})
    with pytest.raises(UsageError, match="may only set ORTH and NORM"):
        tok.add_special_case("ok", [{"ORTH": "ok", "TAG": "UH"}])
    with pytest.raises(UsageError, match="list of token dicts"):
        tok.add_special_case("ok", "ok")


def test_bad_text_type():
    with pytest.raises(UsageError, match="expects a str"):
        make_tokenizer()(b"bytes")


def test_serialization_roundtrip_of_customized_tokenizer(tmp_path):
    tok = make_tokenizer()
    suffixes = list(EnglishDefaults.suffixes)
    suffixes.remove("\\[")
    tok.suffix_search = compile_suffix_regex(suffixes).search
    tok.add_special_case("_SPECIAL_", [{"ORTH": "_SPECIAL_"}])
    tok.add_special_case("gimme", [{"ORTH": "gim"}, {"ORTH": "me", "NORM": "me"}])
    text = "gimme _SPECIAL_ a[ (don't) http://x.org e-mail"
    expected = words(tok, text)
    data = tok.to_bytes()
    assert b"pickle" not in data
    fresh = Tokenizer(Vocab()).from_bytes(data)
    assert words(fresh, text) == expected
    tok.to_disk(tmp_path / "tokenizer")
    loaded = Tokenizer(Vocab()).from_disk(tmp_path / "tokenizer")
    assert words(loaded, text) == expected
    assert loaded.rules == tok.rules
    assert loaded.token_match.__self__.pattern == tok.token_match.__self__.pattern


def test_serialization_errors(tmp_path):
    tok = make_tokenizer()
    tok.token_match = lambda s: s == "x"
    with pytest.raises(SerializationError, match="token_match"):
        tok.to_bytes()
    with pytest.raises(SerializationError, match="not valid msgpack"):
        Tokenizer(Vocab()).from_bytes(b"\xc1garbage")
    with pytest.raises(SerializationError, match="no tokenizer file"):
        Tokenizer(Vocab()).from_disk(tmp_path / "missing")


def test_explain_agrees_with_tokenizer(tok):
    text = "(don't) U.S. x:) well-known http://a.org. Wow!!! 10km"
    explained = tok.explain(text)
    assert [t for _, t in explained] == words(tok, text)
    assert ("PREFIX", "(") in explained
    assert ("SPECIAL-2", "n't") in explained
    assert ("URL_MATCH", "http://a.org") in explained
    assert ("INFIX", "-") in explained


def test_pipe(tok):
    docs = list(tok.pipe(["a b", "cat."], batch_size=1))
    assert [[t.text for t in d] for d in docs] == [["a", "b"], ["cat", "."]]


def test_compile_errors_name_the_piece():
    with pytest.raises(UsageError, match=r"suffix rule '\(unclosed'"):
        compile_suffix_regex(["ok", "(unclosed"])


_GUARD_CASES = [
    (
        re.compile("|".join(p + "$" for p in EnglishDefaults.suffixes)).search,
        compile_suffix_regex(EnglishDefaults.suffixes).search,
    ),
    (
        re.compile("|".join("^" + p for p in EnglishDefaults.prefixes)).search,
        compile_prefix_regex(EnglishDefaults.prefixes).search,
    ),
]
_PLAIN_INFIX = re.compile("|".join(EnglishDefaults.infixes))
_FAST_INFIX = compile_infix_regex(EnglishDefaults.infixes)


def test_suffix_and_infix_regexes_get_a_first_char_guard():
    assert compile_suffix_regex(EnglishDefaults.suffixes).pattern.startswith("(?=[")
    assert compile_infix_regex(EnglishDefaults.infixes).pattern.startswith("(?=[")
    assert compile_suffix_regex([r"\w+"]).pattern == r"\w+$"  # unknown first char: no guard


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.!?-'s0193$%k m)(\"[*=:A")), max_size=12))
def test_guarded_regexes_match_like_plain_joins(text):
    # The first-character guard and the single anchor must never change a match.
    for plain, fast in _GUARD_CASES:
        a, b = plain(text), fast(text)
        assert (a and a.span()) == (b and b.span())
    assert [m.span() for m in _PLAIN_INFIX.finditer(text)] == [m.span() for m in _FAST_INFIX.finditer(text)]


def test_saved_pipeline_tokenizes_like_the_live_one_on_all_ewt_texts(ewt_dir, tmp_path):
    # English URL_MATCH is compiled with re.IGNORECASE; saving only the
    # pattern split "Sean.Cooper@ElPaso.com" differently after loading.
    import plait

    nlp = plait.blank("en")
    assert nlp.tokenizer.url_match.__self__.flags & re.IGNORECASE
    nlp.to_disk(tmp_path / "p")
    loaded = plait.load(tmp_path / "p")
    assert loaded.tokenizer.url_match.__self__.flags == nlp.tokenizer.url_match.__self__.flags
    texts = []
    for name in ("en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu", "en_ewt-ud-test.conllu"):
        with open(ewt_dir / name, encoding="utf8") as f:
            texts += [line[9:].rstrip("\n") for line in f if line.startswith("# text = ")]
    assert len(texts) > 16000
    live = [[t.text for t in nlp.make_doc(text)] for text in texts]
    again = [[t.text for t in loaded.make_doc(text)] for text in texts]
    differ = [texts[i] for i in range(len(texts)) if live[i] != again[i]]
    assert not differ, differ[:5]
    assert [t.text for t in loaded.make_doc("Mail Sean.Cooper@ElPaso.com now")] == \
        [t.text for t in nlp.make_doc("Mail Sean.Cooper@ElPaso.com now")]
