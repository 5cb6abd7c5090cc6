"""Token-pattern compilation for the Matcher: validation and per-doc masks.

A pattern is a list of token specs (dicts). Each spec is compiled once into
checks on doc columns; matching a doc then computes, per spec, one boolean
mask over all its tokens with numpy (``col == hash``, ``np.isin``, regexes
run once per distinct string), so the only Python loop left is the small
automaton walking candidate start positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import attrs as A
from ..errors import UsageError, did_you_mean
from ..tokenizer._vet import regex_risk

# Attributes whose values are strings stored as hashes.
STRING_ATTRS = {
    "ORTH": A.ORTH, "TEXT": A.ORTH, "LOWER": A.LOWER, "NORM": A.NORM, "SHAPE": A.SHAPE,
    "PREFIX": A.PREFIX, "SUFFIX": A.SUFFIX, "LEMMA": A.LEMMA, "TAG": A.TAG, "DEP": A.DEP,
    "ENT_TYPE": A.ENT_TYPE, "ENT_ID": A.ENT_ID, "ENT_KB_ID": A.ENT_KB_ID, "MORPH": A.MORPH,
}
BOOL_ATTRS = {name: A.IDS[name] for name in (
    "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE",
    "IS_STOP", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY",
    "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL",
)}
BOOL_ATTRS["SPACY"] = A.SPACY
INT_ATTRS = {"LENGTH": A.LENGTH}
IOB_CODES = {"": 0, "I": 1, "O": 2, "B": 3}
ALL_ATTRS = sorted({*STRING_ATTRS, *BOOL_ATTRS, *INT_ATTRS, "POS", "IS_SENT_START", "SENT_START", "ENT_IOB"})
SET_PREDICATES = ("IN", "NOT_IN")
CMP_PREDICATES = ("==", "!=", ">=", "<=", ">", "<")
PREDICATES = (*SET_PREDICATES, "REGEX", *CMP_PREDICATES)

# Quantifiers after expansion: exactly one, optional, zero or more.
ONE, OPT, STAR = 0, 1, 2
_RANGE = re.compile(r"^\{(\d*)(,?)(\d*)\}$")


@dataclass
class Check:
    """One attribute test of a token spec."""

    attr: int
    kind: str  # "eq", "in", "not_in", "regex", "cmp", "bool", "iob", "sent_start"
    value: Any
    op: str = "=="


@dataclass
class TokenSpec:
    checks: list[Check]
    negated: bool
    quantifier: int


def _where(key: str, i: int, j: int | None = None) -> str:
    tok = f", token {j}" if j is not None else ""
    return f"Matcher.add('{key}'): pattern {i}{tok}: "


def _value_id(attr_name: str, value: Any, vocab: Any, where: str) -> int:
    if attr_name == "POS":
        if not isinstance(value, (str, int)):
            raise UsageError(f"{where}POS values must be strings like 'NOUN', got {value!r}")
        return A.pos_id(value, where=where)
    if attr_name == "ENT_IOB":
        if value not in IOB_CODES:
            raise UsageError(f"{where}ENT_IOB must be one of B, I, O or '', got {value!r}")
        return IOB_CODES[value]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise UsageError(f"{where}{attr_name} values must be strings, got {value!r}")
    if isinstance(value, int):
        return value
    return int(vocab.strings.add(value))


def _compile_check(attr_name: str, value: Any, vocab: Any, where: str) -> list[Check]:
    where = f"{where}{attr_name}: "
    if attr_name in BOOL_ATTRS or attr_name in ("IS_SENT_START", "SENT_START"):
        if not isinstance(value, bool):
            raise UsageError(f"{where}expected true or false, got {value!r}")
        if attr_name in ("IS_SENT_START", "SENT_START"):
            return [Check(A.SENT_START, "sent_start", value)]
        return [Check(BOOL_ATTRS[attr_name], "bool", value)]
    attr = INT_ATTRS.get(attr_name) or STRING_ATTRS.get(attr_name) or A.IDS.get(attr_name)
    if isinstance(value, dict):
        if not value:
            raise UsageError(f"{where}empty predicate dict; use e.g. {{\"IN\": [...]}}")
        checks = []
        for pred, arg in value.items():
            if pred not in PREDICATES:
                raise UsageError(f"{where}unknown predicate '{pred}'.{did_you_mean(str(pred), PREDICATES)} "
                                 f"Predicates: {', '.join(PREDICATES)}.")
            if pred in SET_PREDICATES:
                if not isinstance(arg, (list, tuple, set)):
                    raise UsageError(f"{where}{pred} takes a list of values, got {arg!r}")
                ids = np.array([_value_id(attr_name, v, vocab, where) for v in arg], dtype=np.uint64)
                checks.append(Check(attr, "in" if pred == "IN" else "not_in", ids))
            elif pred == "REGEX":
                if attr_name not in STRING_ATTRS or not isinstance(arg, str):
                    raise UsageError(f"{where}REGEX takes a string and works on string attributes")
                try:
                    compiled = re.compile(arg)
                except re.error as err:
                    raise UsageError(f"{where}invalid REGEX {arg!r}: {err}") from None
                # Matched on every token, and patterns also come from loaded
                # pipelines (entity ruler files): refuse one that can
                # backtrack exponentially (the rule: plait.tokenizer._vet).
                risk = regex_risk(arg)
                if risk is not None:
                    raise UsageError(f"{where}REGEX {arg!r} {risk}; rewrite it so each repeated part "
                                     f"can match in only one way (e.g. (?:\\w+\\s)* instead of (\\w+\\s?)*)")
                checks.append(Check(attr, "regex", compiled))
            else:
                if attr_name in INT_ATTRS:
                    if isinstance(arg, bool) or not isinstance(arg, int):
                        raise UsageError(f"{where}{pred} takes an integer, got {arg!r}")
                    checks.append(Check(attr, "cmp", arg, pred))
                elif pred in ("==", "!="):
                    checks.append(Check(attr, "cmp", _value_id(attr_name, arg, vocab, where), pred))
                else:
                    raise UsageError(f"{where}{pred} compares numbers; only LENGTH is numeric")
        return checks
    if attr_name in INT_ATTRS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"{where}expected an integer, got {value!r}")
        return [Check(attr, "cmp", value, "==")]
    return [Check(attr if attr_name != "ENT_IOB" else A.ENT_IOB, "eq", _value_id(attr_name, value, vocab, where))]


def _expand_op(op: Any, where: str) -> tuple[bool, list[int]]:
    """RETURNS (negated, quantifiers) for an OP value."""
    if op in (None, "1"):
        return False, [ONE]
    if op == "!":
        return True, [ONE]
    if op == "?":
        return False, [OPT]
    if op == "*":
        return False, [STAR]
    if op == "+":
        return False, [ONE, STAR]
    m = _RANGE.match(op) if isinstance(op, str) else None
    if m and (m.group(1) or m.group(3)):
        lo = int(m.group(1) or 0)
        if not m.group(2):  # {n}
            return False, [ONE] * lo
        if not m.group(3):  # {n,}
            return False, [ONE] * lo + [STAR]
        hi = int(m.group(3))
        if hi < lo:
            raise UsageError(f"{where}OP {op!r}: the maximum is smaller than the minimum")
        return False, [ONE] * lo + [OPT] * (hi - lo)
    raise UsageError(f"{where}unknown OP {op!r}; use one of '!', '?', '*', '+', '1', '{{n}}', '{{n,m}}', "
                     f"'{{n,}}', '{{,m}}'")


def compile_pattern(key: str, i: int, pattern: Any, vocab: Any) -> list[TokenSpec]:
    """Validate and compile one pattern (a list of token dicts).

    RETURNS (list[TokenSpec]): the expanded specs.
    """
    if not isinstance(pattern, list) or not pattern:
        raise UsageError(f"{_where(key, i)}a pattern must be a non-empty list of token dicts, got {pattern!r}")
    specs: list[TokenSpec] = []
    for j, token in enumerate(pattern):
        where = _where(key, i, j)
        if not isinstance(token, dict):
            raise UsageError(f"{where}each token must be a dict like {{\"LOWER\": \"hello\"}}, got {token!r}")
        checks: list[Check] = []
        for attr_name, value in token.items():
            if attr_name == "OP":
                continue
            if attr_name not in ALL_ATTRS:
                raise UsageError(f"{where}unknown attribute '{attr_name}'.{did_you_mean(str(attr_name), ALL_ATTRS)}")
            checks.extend(_compile_check(attr_name, value, vocab, where))
        negated, quantifiers = _expand_op(token.get("OP"), where)
        specs.extend(TokenSpec(checks, negated, q) for q in quantifiers)
    if all(s.quantifier != ONE for s in specs):
        raise UsageError(f"{_where(key, i)}every token is optional, so the pattern could match nothing")
    return specs


class Columns:
    """Lazily fetched columns of one doc (or span), shared by all patterns."""

    def __init__(self, doc: Any, start: int, end: int) -> None:
        self.doc, self.start, self.end = doc, start, end
        self._cache: dict[int, np.ndarray] = {}
        self._strings: dict[int, tuple[np.ndarray, list[str]]] = {}

    def get(self, attr: int) -> np.ndarray:
        col = self._cache.get(attr)
        if col is None:
            col = self.doc.to_array(attr)[self.start:self.end]
            self._cache[attr] = col
        return col

    def _text(self, key: int) -> str:
        if not key:
            return ""
        try:
            return self.doc.vocab.strings[key]
        except (KeyError, IndexError):
            return ""

    def regex_mask(self, attr: int, regex: re.Pattern) -> np.ndarray:
        col = self.get(attr)
        if attr not in self._strings:
            uniq, inverse = np.unique(col, return_inverse=True)
            self._strings[attr] = (inverse, [self._text(int(h)) for h in uniq])
        inverse, texts = self._strings[attr]
        hits = np.fromiter((regex.search(t) is not None for t in texts), dtype=bool, count=len(texts))
        return hits[inverse]


def spec_mask(spec: TokenSpec, cols: Columns, n: int) -> np.ndarray:
    """RETURNS (np.ndarray[bool]): which tokens satisfy ``spec``."""
    mask = np.ones(n, dtype=bool)
    for check in spec.checks:
        col = cols.get(check.attr)
        if check.kind == "eq":
            mask &= col == np.uint64(check.value)
        elif check.kind == "in":
            mask &= np.isin(col, check.value)
        elif check.kind == "not_in":
            mask &= ~np.isin(col, check.value)
        elif check.kind == "regex":
            mask &= cols.regex_mask(check.attr, check.value)
        elif check.kind == "bool":
            mask &= (col != 0) == check.value
        elif check.kind == "sent_start":
            mask &= (col.astype(np.int64) == 1) == check.value
        else:  # cmp
            left = col.astype(np.int64) if check.attr == A.LENGTH else col
            right = np.int64(check.value) if check.attr == A.LENGTH else np.uint64(check.value)
            mask &= {"==": np.equal, "!=": np.not_equal, ">=": np.greater_equal, "<=": np.less_equal,
                     ">": np.greater, "<": np.less}[check.op](left, right)
    return ~mask if spec.negated else mask
