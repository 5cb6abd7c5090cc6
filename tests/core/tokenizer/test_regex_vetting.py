"""A loaded tokenizer's regexes are vetted against catastrophic backtracking (issue 11)."""

from __future__ import annotations

import plait
import pytest
import srsly
from plait.errors import SerializationError
from plait.lang.en import EnglishDefaults
from plait.tokenizer import (
    Tokenizer,
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
)
from plait.tokenizer._vet import regex_risk
from plait.vocab import Vocab

RISKY = [
    r"^(a+)+$",  # the classic: 2^n ways to split "aaaa…!"
    r"(\w+\s?)*$",
    r"(a*)*b",  # repeats something that can be empty
    r"(a|a?)+",
    r"(?:a{1,3})+",
    r"(?:x+x)+",
    r"((ab)*)+",
    r"(?i:(?:A+a)+)",  # case-insensitively 'A' and 'a' overlap
    r"(.*a){20}",
]
SAFE = [
    r"[a-z]+",
    r"(?:ab)+",
    r"(?:\.[a-z0-9]+)*",  # each repetition starts at the only dot
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+",  # ... or ends at it
    r"(?:[0-9]{1,3}\.){3}",  # at most 3 repetitions
    r"(a|ab)*c",
    r"(?:\d+,)*\d+",
    r"(?>a+)+",  # atomic and possessive never backtrack
    r"(a++)+",
]


@pytest.mark.parametrize("pattern", RISKY)
def test_risky_patterns_are_found(pattern: str) -> None:
    assert regex_risk(pattern) is not None


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_pass(pattern: str) -> None:
    assert regex_risk(pattern) is None


@pytest.mark.parametrize("lang", ["en", "xx"])
def test_every_builtin_tokenizer_regex_passes(lang: str) -> None:
    # Vetted as if they came from a file (the loader trusts patterns equal
    # to the ones installed code built, so check them directly).
    tok = plait.blank(lang).tokenizer
    checked = 0
    for name in ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match"):
        func = getattr(tok, name)
        if func is not None:
            assert regex_risk(func.__self__.pattern, func.__self__.flags) is None, name
            checked += 1
    assert checked >= 4


def _data_with(name: str, pattern: str, flags: int = 32) -> bytes:
    tok = Tokenizer(Vocab(), rules=EnglishDefaults.tokenizer_exceptions,
                    prefix_search=compile_prefix_regex(EnglishDefaults.prefixes).search,
                    suffix_search=compile_suffix_regex(EnglishDefaults.suffixes).search,
                    infix_finditer=compile_infix_regex(EnglishDefaults.infixes).finditer)
    data = srsly.msgpack_loads(tok.to_bytes())
    data[name] = pattern
    data["regex_flags"][name] = flags
    return srsly.msgpack_dumps(data)


@pytest.mark.parametrize("name", ["token_match", "url_match", "prefix_search", "infix_finditer"])
def test_loading_refuses_a_backtracking_regex(name: str) -> None:
    data = _data_with(name, r"^(a+)+$")
    with pytest.raises(SerializationError, match=rf"{name}: the regex '\^\(a\+\)\+\$' repeats a part"):
        Tokenizer(Vocab()).from_bytes(data)


def test_loading_refuses_unknown_regex_flags() -> None:
    import re

    with pytest.raises(SerializationError, match=r"regex_flags\['token_match'\] must be"):
        Tokenizer(Vocab()).from_bytes(_data_with("token_match", "[a-z]+", re.DEBUG))


def test_a_hostile_saved_pipeline_is_refused_at_load(tmp_path) -> None:
    nlp = plait.blank("en")
    nlp.to_disk(tmp_path / "p")
    file = tmp_path / "p" / "tokenizer"
    data = srsly.msgpack_loads(file.read_bytes())
    data["token_match"] = r"^(\w+\s?)*$"
    file.write_bytes(srsly.msgpack_dumps(data))
    # whoever plants the pattern can drop (or rewrite) the checksum file too
    (tmp_path / "p" / "checksums.sha256").unlink()
    with pytest.raises(SerializationError, match=r"p/tokenizer: tokenizer data: token_match: the regex"):
        plait.load(tmp_path / "p")
    # A safe custom pattern loads and is used.
    data["token_match"] = r"^[a-z]+-[a-z]+$"
    file.write_bytes(srsly.msgpack_dumps(data))
    assert [t.text for t in plait.load(tmp_path / "p")("well-known")] == ["well-known"]
