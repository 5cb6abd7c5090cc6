"""``BaseDefaults``: the language data every Language subclass starts from.

A language package subclasses it (``EnglishDefaults(BaseDefaults)``) and
overrides the class attributes. The attributes are read when an ``nlp`` is
created, so a ``before_creation`` callback may still edit them (e.g.
``lang_cls.Defaults.stop_words.add("good")``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from confection import Config

from .punctuation import TOKENIZER_INFIXES, TOKENIZER_PREFIXES, TOKENIZER_SUFFIXES
from .tokenizer_exceptions import BASE_EXCEPTIONS, URL_MATCH


class BaseDefaults:
    """Language data: tokenizer rules, stop words, lexical attributes.

    config (Config): config overrides merged over the default config.
    tokenizer_exceptions (dict[str, list[dict]]): special cases.
    prefixes / suffixes / infixes (list[str] | None): affix regex pieces.
    token_match / url_match (Callable | None): match functions for strings
        the tokenizer keeps whole.
    lex_attr_getters (dict[int, Callable]): attribute id -> getter.
    syntax_iterators (dict[str, Callable]): e.g. ``{"noun_chunks": fn}``.
    stop_words (set[str]): a mutable set of stop words.
    writing_system (dict): direction, has_case, has_letters.
    """

    config: Config = Config()
    tokenizer_exceptions: dict[str, list[dict[str, Any]]] = BASE_EXCEPTIONS
    prefixes: list[str] | None = TOKENIZER_PREFIXES
    suffixes: list[str] | None = TOKENIZER_SUFFIXES
    infixes: list[str] | None = TOKENIZER_INFIXES
    token_match: Callable | None = None
    url_match: Callable | None = URL_MATCH
    syntax_iterators: dict[str, Callable] = {}
    lex_attr_getters: dict[int, Callable[[str], Any]] = {}
    stop_words: set[str] = set()
    writing_system: dict[str, Any] = {"direction": "ltr", "has_case": True, "has_letters": True}
