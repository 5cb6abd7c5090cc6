"""Vetting the regexes of a loaded tokenizer against catastrophic backtracking.

A saved pipeline's tokenizer file holds regex patterns that tokenization
runs on every word. A pattern such as ``^(a+)+$`` backtracks exponentially
in Python's ``re`` on a word like ``aaaa…!``, so one hostile pipeline could
hang whatever tokenizes with it. Python's ``re`` cannot be interrupted
(matching holds the interpreter; no signal or thread timeout reaches it),
so time-boxing would need a subprocess per call; instead loading *vets*
every pattern before compiling it and refuses a risky one.

The rule, checked on the parse tree ``re`` itself builds: every repeat
that may run more than :data:`SMALL_REPEAT` times (``*``, ``+``, ``{2,}``,
``{1,50}``) must repeat a body whose iterations can be told apart, i.e.

- the body cannot match the empty string (``(a*)*``, ``(a?)+``), and
- the body is one character (``[a-z]+``), or a fixed sequence without
  alternatives or variable repeats (``(?:ab)+``), or it is *delimited*: its
  first (or last) element is one character that no other part of the body
  can match, so each iteration starts (ends) exactly there
  (``(?:\\.[a-z0-9]+)*``: only the dot starts an iteration).

Anything else (``(a+)+``, ``(\\w+\\s?)*``, ``(a|a?)+``) has exponentially
many ways to split a failing input and is refused. Possessive repeats and
atomic groups never backtrack and pass. Repeats of at most
:data:`SMALL_REPEAT` iterations (``(?:[0-9]{1,3}\\.){3}``) cannot blow up.
This is a sufficient condition for linear backtracking per repeat, not a
full ReDoS analysis: polynomial cases such as ``\\S+\\S*@`` pass (the
built-in URL pattern has one), and every built-in pattern passes.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..errors import SerializationError

try:  # the parser is private; its layout is checked by the tests
    from re import _constants as _C  # type: ignore[attr-defined]
    from re import _parser as _P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _C
    import sre_parse as _P

SMALL_REPEAT = 8
# The characters set membership is decided on: the Basic Multilingual Plane
# (less surrogates) holds every script the built-in rules name.
_ALPHABET = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF)
_SINGLE = (_C.LITERAL, _C.NOT_LITERAL, _C.IN, _C.ANY)
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT)
# Python 3.11+: possessive repeats and atomic groups (never backtrack).
_POSSESSIVE = getattr(_C, "POSSESSIVE_REPEAT", object())
_ATOMIC = getattr(_C, "ATOMIC_GROUP", object())


class _Risk(Exception):
    """A repeat that can backtrack exponentially (internal)."""


@functools.cache
def _category(name: str) -> frozenset[str]:
    return frozenset(re.findall({"d": r"\d", "s": r"\s", "w": r"\w"}[name], _ALPHABET))


def _category_set(cat: Any) -> frozenset[str]:
    text = str(cat)
    base = _category("d" if "DIGIT" in text else "s" if "SPACE" in text else "w")
    if "NOT" in text:
        return frozenset(_ALPHABET) - base
    return base


def _chars_of_single(op: Any, av: Any, ignorecase: bool) -> frozenset[str]:
    # The characters one single-character element can match.
    if op is _C.ANY:
        return frozenset(_ALPHABET)
    if op is _C.LITERAL:
        chars = {chr(av)}
    elif op is _C.NOT_LITERAL:
        return frozenset(_ALPHABET) - {chr(av)}
    else:  # IN
        chars = set()
        negate = False
        for item_op, item_av in av:
            if item_op is _C.NEGATE:
                negate = True
            elif item_op is _C.LITERAL:
                chars.add(chr(item_av))
            elif item_op is _C.RANGE:
                chars.update(chr(c) for c in range(item_av[0], min(item_av[1], 0xFFFF) + 1))
            elif item_op is _C.CATEGORY:
                chars |= _category_set(item_av)
            else:
                return frozenset(_ALPHABET)  # unknown item: assume anything
        if negate:
            return frozenset(_ALPHABET) - chars
    if ignorecase:
        chars |= {v for c in list(chars) for v in (c.lower(), c.upper(), c.swapcase())}
    return frozenset(chars)


def _all_chars(items: Any, ignorecase: bool) -> frozenset[str]:
    # Every character the elements can consume (lookarounds consume none).
    out: set[str] = set()
    for op, av in items:
        if op in _SINGLE:
            out |= _chars_of_single(op, av, ignorecase)
        elif op in (*_REPEATS, _POSSESSIVE):
            out |= _all_chars(av[2], ignorecase)
        elif op is _C.SUBPATTERN:
            out |= _all_chars(av[3], ignorecase)
        elif op is _ATOMIC:
            out |= _all_chars(av, ignorecase)
        elif op is _C.BRANCH:
            for alternative in av[1]:
                out |= _all_chars(alternative, ignorecase)
        elif op in (_C.GROUPREF, _C.GROUPREF_EXISTS):
            return frozenset(_ALPHABET)
    return frozenset(out)


def _unwrap(items: Any) -> list[Any]:
    # A body that is one plain group is the group's content.
    items = list(items)
    while len(items) == 1 and items[0][0] is _C.SUBPATTERN:
        items = list(items[0][1][3])
    return items


def _is_fixed(items: Any) -> bool:
    # No alternatives and no variable repeats anywhere: one way to match.
    for op, av in items:
        if op is _C.BRANCH or op is _C.GROUPREF_EXISTS:
            return False
        if op in _REPEATS and (av[0] != av[1] or not _is_fixed(av[2])):
            return False
        if op is _C.SUBPATTERN and not _is_fixed(av[3]):
            return False
    return True


def _delimited(items: list[Any], ignorecase: bool) -> bool:
    # The first or the last element is one character that nothing else in
    # the body can match; for a body of alternatives, each alternative is.
    if len(items) == 1 and items[0][0] is _C.BRANCH:
        return all(_delimited(_unwrap(alt), ignorecase) for alt in items[0][1][1])
    for edge, rest in ((items[0], items[1:]), (items[-1], items[:-1])):
        if edge[0] in _SINGLE and rest:
            if not (_chars_of_single(edge[0], edge[1], ignorecase) & _all_chars(rest, ignorecase)):
                return True
    return False


def _check(items: Any, ignorecase: bool) -> None:
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if high > SMALL_REPEAT:
                unwrapped = _unwrap(body)
                if body.getwidth()[0] == 0:
                    raise _Risk("repeats something that can match the empty string")
                single = len(unwrapped) == 1 and unwrapped[0][0] in _SINGLE
                if not (single or _is_fixed(unwrapped) or _delimited(unwrapped, ignorecase)):
                    raise _Risk("repeats a part that can itself match the same text in several ways")
            _check(body, ignorecase)
        elif op is _POSSESSIVE:
            _check(av[2], ignorecase)
        elif op is _C.SUBPATTERN:
            _check(av[3], ignorecase or bool(av[1] & re.IGNORECASE))
        elif op is _ATOMIC:
            _check(av, ignorecase)
        elif op is _C.BRANCH:
            for alternative in av[1]:
                _check(alternative, ignorecase)
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            _check(av[1], ignorecase)
        elif op is _C.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    _check(branch, ignorecase)


@functools.lru_cache(maxsize=256)
def regex_risk(pattern: str, flags: int = 0) -> str | None:
    """Why ``pattern`` may backtrack exponentially, or None when it is safe.

    pattern (str): the regex.
    flags (int): its ``re`` flags.
    RETURNS (str | None): the reason, or None.
    """
    try:
        parsed = _P.parse(pattern, flags)
    except re.error as err:
        return f"is not a valid regular expression ({err})"
    try:
        _check(parsed, bool(parsed.state.flags & re.IGNORECASE))
    except _Risk as risk:
        return str(risk)
    return None


def vet_pattern(pattern: str, flags: int, where: str) -> None:
    """Raise a SerializationError if a loaded ``pattern`` may backtrack
    exponentially (the rule is in this module's docstring).

    pattern (str): the regex from the loaded data.
    flags (int): its ``re`` flags.
    where (str): the setting and file, for the message.
    """
    if not isinstance(pattern, str):
        raise SerializationError(f"{where}: expected a regex pattern string, got {type(pattern).__name__}")
    problem = regex_risk(pattern, int(flags))
    if problem is not None:
        shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
        raise SerializationError(
            f"{where}: the regex {shown!r} {problem}, so it can take exponential time on some words "
            f"(catastrophic backtracking); loading refuses it. Rewrite the repeated part so each "
            f"repetition can match only one way (e.g. (a+)+ -> a+, (\\w+\\s?)* -> [\\w\\s]*), then save "
            f"the pipeline again."
        )
