"""Attribute ids: the integers that name token and lexeme attributes.

The numbers are spaCy's, so arrays from ``doc.to_array`` line up with code
written for spaCy. Flag attributes (IS_ALPHA … IS_CURRENCY) are bit positions
in the vocab's flag column. The universal POS tags use spaCy's symbol ids too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import UsageError, did_you_mean

IS_ALPHA = 1
IS_ASCII = 2
IS_DIGIT = 3
IS_LOWER = 4
IS_PUNCT = 5
IS_SPACE = 6
IS_TITLE = 7
IS_UPPER = 8
LIKE_URL = 9
LIKE_NUM = 10
LIKE_EMAIL = 11
IS_STOP = 12
IS_BRACKET = 14
IS_QUOTE = 15
IS_LEFT_PUNCT = 16
IS_RIGHT_PUNCT = 17
IS_CURRENCY = 18
ID = 64
ORTH = 65
LOWER = 66
NORM = 67
SHAPE = 68
PREFIX = 69
SUFFIX = 70
LENGTH = 71
LEMMA = 73
POS = 74
TAG = 75
DEP = 76
ENT_IOB = 77
ENT_TYPE = 78
HEAD = 79
SENT_START = 80
SPACY = 81
LANG = 83
ENT_KB_ID = 452
MORPH = 453
ENT_ID = 454
IDX = 455

# Flag attributes are booleans per lexeme, stored as bits of one uint64.
FLAG_ATTRS = (
    IS_ALPHA, IS_ASCII, IS_DIGIT, IS_LOWER, IS_PUNCT, IS_SPACE, IS_TITLE, IS_UPPER,
    LIKE_URL, LIKE_NUM, LIKE_EMAIL, IS_STOP, IS_BRACKET, IS_QUOTE, IS_LEFT_PUNCT,
    IS_RIGHT_PUNCT, IS_CURRENCY,
)  # fmt: skip

IDS: dict[str, int] = {
    name: value
    for name, value in globals().items()
    if name.isupper() and isinstance(value, int) and not name.startswith("_")
}
IDS["IS_SENT_START"] = SENT_START
NAMES: dict[int, str] = {v: k for k, v in IDS.items() if k != "IS_SENT_START"}

# Universal POS tags (spaCy's symbol ids). 0 means "no POS".
POS_IDS: dict[str, int] = {
    "": 0, "ADJ": 84, "ADP": 85, "ADV": 86, "AUX": 87, "CONJ": 88, "CCONJ": 89,
    "DET": 90, "INTJ": 91, "NOUN": 92, "NUM": 93, "PART": 94, "PRON": 95,
    "PROPN": 96, "PUNCT": 97, "SCONJ": 98, "SYM": 99, "VERB": 100, "X": 101,
    "EOL": 102, "SPACE": 103,
}  # fmt: skip
POS_NAMES: dict[int, str] = {v: k for k, v in POS_IDS.items()}


def pos_id(name: str | int | None, *, where: str = "", error: type[Exception] = UsageError) -> int:
    """Return the id of a universal POS tag name ("NOUN" -> 92).

    name (str | int | None): a UPOS name, an id, or None/"" for missing.
    where (str): the place to name in the error message.
    RETURNS (int): the POS id.
    """
    if name is None:
        return 0
    if isinstance(name, int):
        if name not in POS_NAMES:
            raise error(f"{where}unknown POS id {name}")
        return name
    try:
        return POS_IDS[name]
    except KeyError:
        known = ", ".join(n for n in POS_IDS if n)
        raise error(
            f"{where}unknown POS tag {name!r}: POS must be a universal POS tag "
            f"({known}); put language-specific tags in 'tags'.{did_you_mean(name, POS_IDS)}"
        ) from None


def attr_id(attr: str | int) -> int:
    """Return the id of an attribute given by name or id.

    attr (str | int): "NORM", "norm" or 67.
    RETURNS (int): the attribute id.
    """
    if isinstance(attr, str):
        key = attr.upper()
        if key not in IDS:
            raise UsageError(f"unknown attribute {attr!r}.{did_you_mean(key, IDS)}")
        return IDS[key]
    try:
        value = int(attr)
    except (TypeError, ValueError):
        raise UsageError(f"attribute must be a name or an id, got {attr!r}") from None
    if value not in NAMES:
        raise UsageError(f"unknown attribute id {value}")
    return value


def intify_attrs(attrs: dict[Any, Any], strings_map: Any = None) -> dict[int, Any]:
    """Normalise a dict keyed by attribute names to one keyed by ids.

    String values are hashed through ``strings_map`` (a StringStore) when
    given; POS names become POS ids.
    attrs (dict): e.g. ``{"TAG": "NN", "lemma": "dog"}``.
    strings_map (StringStore | None): where to add string values.
    RETURNS (dict[int, Any]): the same values keyed by attribute id.
    """
    out: dict[int, Any] = {}
    for name, value in attrs.items():
        key = attr_id(name)
        if key == POS and isinstance(value, str):
            value = pos_id(value)
        elif isinstance(value, str) and strings_map is not None and key not in FLAG_ATTRS:
            value = strings_map.add(value)
        out[key] = value
    return out


def as_attr_list(attrs: Iterable[str | int] | str | int) -> tuple[list[int], bool]:
    """Return (ids, was_single): a single attr gives a 1-D array in to_array."""
    if isinstance(attrs, (str, int)):
        return [attr_id(attrs)], True
    return [attr_id(a) for a in attrs], False
