"""The fast path for plain ASCII chunks gives exactly the general path's tokens.

``Tokenizer._tokenize_chunk`` settles chunks of ASCII letters/digits with at
most two regex calls when ``never_matches`` proves the other affix rules
cannot apply; these tests check the proof on hand-made patterns, and the
tokens against the general path on real EWT words and on generated chunks,
including rule sets whose suffixes and infixes do match letters.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plait.lang.en import EnglishDefaults
from plait.lexeme import DEFAULT_GETTERS, word_shape
from plait.tokenizer import (
    Tokenizer,
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
)
from plait.tokenizer._regexes import never_matches
from plait.vocab import Vocab

LETTERS = string.ascii_letters
ALNUM = LETTERS + string.digits


def make_tokenizer(prefixes=None, suffixes=None, infixes=None, rules=None) -> Tokenizer:
    d = EnglishDefaults
    return Tokenizer(
        Vocab(lex_attr_getters=d.lex_attr_getters),
        rules=d.tokenizer_exceptions if rules is None else rules,
        prefix_search=compile_prefix_regex(d.prefixes if prefixes is None else prefixes).search,
        suffix_search=compile_suffix_regex(d.suffixes if suffixes is None else suffixes).search,
        infix_finditer=compile_infix_regex(d.infixes if infixes is None else infixes).finditer,
        token_match=d.token_match,
        url_match=d.url_match,
    )


def general_pieces(tok: Tokenizer, chunk: str) -> tuple[str, ...]:
    """The tokens of a chunk by the general affix path (no fast path)."""
    entry = tok._tokenize_affixes(chunk, True)
    if tok._affix_specials:
        entry = tok._match_affix_specials(entry)
    special = tok._specials.get(chunk)
    return special[0] if special is not None else entry[0]


@pytest.mark.parametrize(
    "pattern,chars,expected",
    [
        ("-", "a", True),
        ("a|-", "ab", False),
        ("(?<=a)-", "ab", True),
        ("(?=[a-z])-", "ab", True),
        ("US\\$", "USA", True),
        ("(?<=[0-9])km", LETTERS, True),
        ("(?<=[0-9])km", ALNUM, False),
        ("(?<![0-9])k", "k", False),  # a negative lookbehind proves nothing
        ("a(?=-)", "a", True),
        ("a(?!-)", "a", False),
        ("(?:a|b-)", "ab", False),
        ("a{0,2}-", "a", True),
        ("a{0,2}", "a", False),  # may match the empty string
        ("[^-]", "a", False),
        (r"\w", "a", False),
        (".", "a", False),
        ("(?i)A", "a", False),
        ("[a-z]+", "Q", True),
        ("[a-z]+", "b", False),
    ],
)
def test_never_matches_is_sound(pattern, chars, expected):
    assert never_matches(re.compile(pattern).search, chars) is expected


def test_never_matches_is_conservative_for_unknown_callables():
    assert never_matches(None, "a") is True
    assert never_matches(lambda s: None, "a") is False
    assert never_matches(re.compile("-", re.IGNORECASE).search, "a") is False


def test_english_rules_skip_every_regex_for_letters():
    tok = make_tokenizer()
    assert tok._alpha_plan == (None, None)
    assert tok._alnum_plan is not None and tok._alnum_plan[1] is not None  # "10km"
    assert [t.text for t in tok("10km walk")] == ["10", "km", "walk"]


def test_ewt_words_match_the_general_path(ewt_dir):
    tok = make_tokenizer()
    chunks = set()
    with open(ewt_dir / "en_ewt-ud-dev.conllu", encoding="utf8") as f:
        for line in f:
            if line.startswith("# text = "):
                chunks.update(line[9:].split())
    plain = [c for c in chunks if c.isascii() and c.isalnum()]
    assert len(plain) > 3000
    for chunk in plain:
        assert tuple(tok.split(chunk)[0]) == general_pieces(tok, chunk), chunk


@pytest.mark.parametrize(
    "prefixes,suffixes,infixes,plans",
    [
        (["un", "re"], ["ing", "(?<=[0-9])km", "s"], ["-"], ("prefix", "suffix")),
        (["-"], ["-"], ["(?<=[a-z])b(?=[a-z])"], None),  # an infix splits letters
        (["-"], ["-"], ["(?<=[0-9])x(?=[0-9])"], None),  # an infix splits "3x4"
    ],
)
def test_letter_rules_are_still_applied(prefixes, suffixes, infixes, plans):
    tok = make_tokenizer(prefixes, suffixes, infixes, rules={"cats": [{"ORTH": "cat"}, {"ORTH": "s"}]})
    if plans is None:
        assert tok._alnum_plan is None
    else:
        assert tok._alpha_plan[0] is not None and tok._alpha_plan[1] is not None
    for chunk in ["undoing", "rerun", "cats", "dogs", "10km", "abc", "3x4", "Ab", "x"]:
        assert tuple(tok.split(chunk)[0]) == general_pieces(tok, chunk), chunk


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abkmsxunreigAUS0139")), min_size=1, max_size=10))
def test_generated_chunks_match_the_general_path(chunk):
    for tok in _TOKENIZERS:
        tok._cache = {}
        assert tuple(tok.split(chunk)[0]) == general_pieces(tok, chunk)


_TOKENIZERS = [
    make_tokenizer(),
    make_tokenizer(["un", "re"], ["ing", "(?<=[0-9])km", "s"], ["(?<=[a-z])x(?=[a-z])"]),
    make_tokenizer(["(?<=^)US"], ["(?<=[a-z])[0-9]"], ["-"]),
]


def test_vocab_flags_of_letter_words_equal_every_getter(ewt_dir):
    # The Vocab skips the getters whose answer is fixed for ASCII letters.
    getters = {**DEFAULT_GETTERS, **EnglishDefaults.lex_attr_getters}
    vocab = Vocab(lex_attr_getters=EnglishDefaults.lex_attr_getters)
    words = ["the", "Apple", "seven", "NASA", "Www", "ok", "I", "seventh", "a1", "--", "$"]
    rows = [vocab.get_lex_id(w) for w in words]  # few at a time: the word-by-word path
    flags = vocab._cols["flags"]
    for word, row in zip(words, rows, strict=True):
        expected = sum(1 << attr for attr, g in getters.items() if attr in _flag_ids() and g(word))
        assert int(flags[row]) == expected, word


def _flag_ids():
    from plait import attrs

    return set(attrs.FLAG_ATTRS)


@pytest.mark.parametrize(
    "text,shape",
    [("aaaaaaa", "xxxx"), ("Helloooooo", "Xxxxx"), ("1234567", "dddd"), ("ABCDEFGH", "XXXX"),
     ("a-----b", "x----x"), ("x" * 99, "xxxx"), ("C3PO", "XdXX"), ("Ab12cd", "Xxddxx")],
)  # fmt: skip
def test_cached_word_shape_caps_runs(text, shape):
    for _ in range(2):  # the second call reads the cache
        assert word_shape(text) == shape


def test_a_python_token_match_is_still_called_for_plain_words():
    seen = []
    tok = Tokenizer(Vocab(), token_match=lambda s: seen.append(s))
    assert tok._alpha_plan is None and tok._alnum_plan is None
    assert tok("plain words").words == ["plain", "words"]
    assert seen[:1] == ["plain"]
