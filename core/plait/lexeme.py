"""Lexemes: the language-neutral attribute functions and the ``Lexeme`` view.

A lexeme is a word type. Its attributes (lower, norm, prefix, suffix, shape
and the boolean flags) are computed once, when the Vocab first sees the
string, and stored as numpy columns there; ``Lexeme`` is a thin view of one
row. The functions below are the defaults a language's ``lex_attr_getters``
can override (English adds norm exceptions, stop words, ``like_num``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy

from . import attrs as A
from .vectors_tokens import HasVectors

if TYPE_CHECKING:
    from .vocab import Vocab

_BRACKETS = set("()[]{}<>")
_QUOTES = set("'\"`‘’‚‛“”„‟‹›«»❛❜❝❞「」『』〝〞〟＂＇") | {"''", "``"}
_LEFT_PUNCT = set("([{‘“‚„«‹「『〝") | {"``"}
_RIGHT_PUNCT = set(")]}’”›»」』〞〟") | {"''"}
_URL_RE = re.compile(
    r"^(?:(?:https?|ftp)://|www\.)\S+$|^[\w.-]+\.(?:com|org|net|edu|gov|io|co|uk|de|fr|info|biz)(?:/\S*)?$",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"^[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+$")


_ASCII_SHAPE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "X" * 26 + "x" * 26 + "d" * 10
)
_LONG_RUN = re.compile(r"(.)\1{4,}")
# Uncapped ASCII shape -> capped shape. Few distinct uncapped shapes exist
# ("xxxxxxx" stands for every 7-letter lowercase word), and the regex
# substitution costs more than the rest of the shape, so it runs once per
# uncapped shape. Bounded: past the limit new shapes are computed, not kept.
_CAPPED: dict[str, str] = {}
_MAX_CAPPED = 50_000


def word_shape(text: str) -> str:
    """Orthographic shape: "Apple" -> "Xxxxx", "C3PO" -> "XdXX", runs capped at 4."""
    if len(text) >= 100:
        return "LONG"
    if text.isascii():  # the common case: one C-level translate
        shape = text.translate(_ASCII_SHAPE)
        if len(shape) <= 4:
            return shape
        capped = _CAPPED.get(shape)
        if capped is None:
            capped = _LONG_RUN.sub(r"\1\1\1\1", shape)
            if len(_CAPPED) < _MAX_CAPPED:
                _CAPPED[shape] = capped
        return capped
    out = []
    last = ""
    run = 0
    for char in text:
        if char.isalpha():
            char_shape = "X" if char.isupper() else "x"
        elif char.isdigit():
            char_shape = "d"
        else:
            char_shape = char
        if char_shape == last:
            run += 1
        else:
            run = 0
            last = char_shape
        if run < 4:
            out.append(char_shape)
    return "".join(out)


def is_punct(text: str) -> bool:
    return bool(text) and all(unicodedata.category(c).startswith("P") for c in text)


def is_currency(text: str) -> bool:
    return bool(text) and all(unicodedata.category(c) == "Sc" for c in text)


def like_num(text: str) -> bool:
    """Digits with optional sign, separators (1,000.5) or a fraction (1/2)."""
    if text[:1] in ("+", "-", "±", "~"):
        text = text[1:]
    text = text.replace(",", "").replace(".", "")
    if text.isdigit():
        return True
    if text.count("/") == 1:
        num, denom = text.split("/")
        return num.isdigit() and denom.isdigit()
    return False


DEFAULT_GETTERS: dict[int, Callable[[str], Any]] = {
    A.LOWER: str.lower,
    A.PREFIX: lambda t: t[:1],
    A.SUFFIX: lambda t: t[-3:],
    A.SHAPE: word_shape,
    A.IS_ALPHA: str.isalpha,
    A.IS_ASCII: str.isascii,
    A.IS_DIGIT: str.isdigit,
    A.IS_LOWER: str.islower,
    A.IS_UPPER: str.isupper,
    A.IS_TITLE: str.istitle,
    A.IS_SPACE: str.isspace,
    A.IS_PUNCT: is_punct,
    A.IS_BRACKET: lambda t: t in _BRACKETS,
    A.IS_QUOTE: lambda t: t in _QUOTES,
    A.IS_LEFT_PUNCT: lambda t: t in _LEFT_PUNCT,
    A.IS_RIGHT_PUNCT: lambda t: t in _RIGHT_PUNCT,
    A.IS_CURRENCY: is_currency,
    A.LIKE_URL: lambda t: bool(_URL_RE.match(t)),
    A.LIKE_NUM: like_num,
    A.LIKE_EMAIL: lambda t: bool(_EMAIL_RE.match(t)),
    A.IS_STOP: lambda t: False,
}

# The default flag getters whose value is the same for every ASCII
# letters-only word ("Apple", "the"): the Vocab sets these bits without
# calling them for such words, and calls only the rest (case, like_num,
# stop words, and any getter a language replaces).
ASCII_ALPHA_FLAGS: dict[int, tuple[Callable[[str], Any], bool]] = {
    attr: (DEFAULT_GETTERS[attr], value)
    for attr, value in (
        (A.IS_ALPHA, True), (A.IS_ASCII, True), (A.IS_DIGIT, False), (A.IS_SPACE, False),
        (A.IS_PUNCT, False), (A.IS_BRACKET, False), (A.IS_QUOTE, False),
        (A.IS_LEFT_PUNCT, False), (A.IS_RIGHT_PUNCT, False), (A.IS_CURRENCY, False),
        (A.LIKE_URL, False), (A.LIKE_NUM, False), (A.LIKE_EMAIL, False), (A.IS_STOP, False),
    )
}  # fmt: skip

_STRING_ATTRS = {
    "orth": A.ORTH,
    "lower": A.LOWER,
    "norm": A.NORM,
    "prefix": A.PREFIX,
    "suffix": A.SUFFIX,
    "shape": A.SHAPE,
}
_FLAG_NAMES = {name.lower(): A.IDS[name] for name in A.IDS if A.IDS[name] in A.FLAG_ATTRS}


class Lexeme(HasVectors):
    """A view of one row of the vocab's lexeme table (with the word's vector:
    ``vector``, ``has_vector``, ``vector_norm``, ``similarity``).

    vocab (Vocab): the owner. row (int): the row index.
    """

    __slots__ = ("vocab", "row")

    def __init__(self, vocab: Vocab, row: int) -> None:
        self.vocab = vocab
        self.row = int(row)

    @property
    def text(self) -> str:
        return self.vocab._lex_texts[self.row]

    orth_ = text

    @property
    def lang_(self) -> str:
        return self.vocab.lang

    @property
    def lang(self) -> int:
        return self.vocab.strings.as_int(self.vocab.lang)

    def __len__(self) -> int:
        return len(self.text)

    def _vector_source(self) -> tuple[Any, numpy.ndarray]:
        return self.vocab, numpy.array([self.row], dtype=numpy.int64)

    def __repr__(self) -> str:
        return f"Lexeme({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexeme) and other.vocab is self.vocab and other.row == self.row

    def __hash__(self) -> int:
        return hash((id(self.vocab), self.row))

    def check_flag(self, flag_id: int) -> bool:
        """Return the boolean flag ``flag_id`` (e.g. plait.attrs.IS_STOP)."""
        return bool((int(self.vocab._cols["flags"][self.row]) >> flag_id) & 1)

    def set_flag(self, flag_id: int, value: bool) -> None:
        """Set the boolean flag ``flag_id``."""
        self.vocab._set_flag(self.row, flag_id, value)

    def __getattr__(self, name: str) -> Any:
        # Generated accessors for the string columns (orth, lower_, norm_…)
        # and flags (is_alpha, like_num…): one table instead of 40 properties.
        base = name[:-1] if name.endswith("_") else name
        if base in _STRING_ATTRS:
            value = int(self.vocab._cols[base][self.row])
            return self.vocab.strings[value] if name.endswith("_") else value
        if name in _FLAG_NAMES:
            return self.check_flag(_FLAG_NAMES[name])
        if name == "length":
            return len(self.text)
        raise AttributeError(f"'Lexeme' object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Lexeme.__slots__:
            object.__setattr__(self, name, value)
        elif name in _FLAG_NAMES:
            self.set_flag(_FLAG_NAMES[name], bool(value))
        elif name in ("norm_", "lower_", "prefix_", "suffix_", "shape_"):
            self.vocab._cols[name[:-1]][self.row] = self.vocab.strings.add(value)
        elif name in ("norm", "lower", "prefix", "suffix", "shape"):
            self.vocab._cols[name][self.row] = int(value)
        else:
            raise AttributeError(f"cannot set Lexeme attribute {name!r}")
