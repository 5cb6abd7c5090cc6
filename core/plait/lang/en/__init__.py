"""English: tokenizer exceptions, stop words, number words, noun chunks.

``English`` is created on first access (PEP 562), so the language data
(``plait.lang.en.stop_words``…) imports without the pipeline machinery.
"""

from __future__ import annotations

from typing import Any

from .._language_class import make_language_class
from ..defaults import BaseDefaults
from .lex_attrs import LEX_ATTRS
from .punctuation import (
    TOKEN_MATCH,
    TOKENIZER_INFIXES_EN,
    TOKENIZER_PREFIXES_EN,
    TOKENIZER_SUFFIXES_EN,
)
from .stop_words import STOP_WORDS
from .syntax_iterators import SYNTAX_ITERATORS
from .tokenizer_exceptions import TOKENIZER_EXCEPTIONS


class EnglishDefaults(BaseDefaults):
    """English language data."""

    tokenizer_exceptions = TOKENIZER_EXCEPTIONS
    prefixes = TOKENIZER_PREFIXES_EN
    suffixes = TOKENIZER_SUFFIXES_EN
    infixes = TOKENIZER_INFIXES_EN
    token_match = TOKEN_MATCH
    lex_attr_getters = LEX_ATTRS
    syntax_iterators = SYNTAX_ITERATORS
    stop_words = STOP_WORDS


def __getattr__(name: str) -> Any:
    if name == "English":
        cls = make_language_class(
            "English", "en", EnglishDefaults, __name__, 'An English pipeline: ``plait.blank("en")`` creates one.'
        )
        globals()["English"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["English", "EnglishDefaults"]
