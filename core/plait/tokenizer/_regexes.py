"""Compile lists of affix rule pieces into one regular expression each.

Prefix pieces are anchored at the start (``^``), suffix pieces at the end
(``$``); infix pieces are joined unanchored and used with ``finditer``.
Alternation in ``re`` takes the first piece that matches, so the order of a
list is its priority, exactly as in spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import UsageError

try:  # the parser is private; without it the guard below is simply skipped
    from re import _constants as _C
    from re import _parser as _P
except ImportError:  # pragma: no cover - other Python versions
    _P = _C = None


def _first_items(parsed: Any) -> list[Any] | None:
    """The set items one parsed pattern may start with, or None if unknown."""
    optional: list[Any] = []  # first items of optional elements seen so far
    for op, av in parsed:
        if op is _C.AT:  # ^, $, \b: zero-width, look at what follows
            continue
        if op in (_C.ASSERT, _C.ASSERT_NOT):
            if av[0] < 0 or op is _C.ASSERT_NOT:
                continue  # a lookbehind or negative lookahead consumes nothing
            return None
        if op is _C.LITERAL:
            return optional + [(_C.LITERAL, av)]
        if op is _C.IN:
            if any(item_op in (_C.NEGATE, _C.CATEGORY) for item_op, _ in av):
                return None
            return optional + list(av)
        if op is _C.SUBPATTERN:
            if av[1] or av[2]:  # inline flags such as (?i:...)
                return None
            sub = _first_items(av[3])
            return None if sub is None else optional + sub
        if op is _C.BRANCH:
            items: list[Any] = list(optional)
            for alternative in av[1]:
                sub = _first_items(alternative)
                if sub is None:
                    return None
                items.extend(sub)
            return items
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            sub = _first_items(av[2])
            if sub is None:
                return None
            if av[0] >= 1:
                return optional + sub
            optional.extend(sub)  # may be skipped: what follows can start too
            continue
        return None
    return None  # could match the empty string: no guard


def _esc(cp: int) -> str:
    return f"\\U{cp:08X}" if cp > 0xFFFF else f"\\u{cp:04X}"


def _first_char_guard(entries: list[str]) -> str:
    """A lookahead ``(?=[…])`` of every character a match can start with.

    ``re`` tries every alternative at every position of a search; the guard
    rejects a position with one set test instead, which makes the suffix and
    infix searches several times faster. It never changes what matches:
    "" (no guard) is returned whenever a piece's first character is unknown.
    """
    if _P is None:
        return ""
    items: list[Any] = []
    for piece in entries:
        try:
            parsed = _P.parse(piece)
        except re.error:
            return ""
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return ""
        first = _first_items(parsed)
        if first is None:
            return ""
        items.extend(first)
    body = []
    for op, av in items:
        if op is _C.LITERAL:
            body.append(_esc(av))
        elif op is _C.RANGE:
            body.append(f"{_esc(av[0])}-{_esc(av[1])}")
        else:
            return ""
    return "(?=[" + "".join(body) + "])" if body else ""


def _compile(pieces: Iterable[str], kind: str, wrap: str) -> re.Pattern:
    entries = [piece for piece in pieces if piece and piece.strip()]
    if kind == "prefix":
        # One anchor before the group lets re try position 0 only.
        expression = "^(?:" + "|".join(f"(?:{piece})" for piece in entries) + ")" if entries else ""
    else:
        guard = _first_char_guard(entries)
        expression = "|".join(wrap.format(piece) for piece in entries)
        if guard:
            expression = guard + "(?:" + expression + ")"
    try:
        return re.compile(expression)
    except re.error as err:
        for piece in entries:  # name the piece that is broken
            try:
                re.compile(piece)
            except re.error as piece_err:
                raise UsageError(f"{kind} rule {piece!r} is not a valid regular expression: {piece_err}") from err
        raise UsageError(f"{kind} rules do not compile together: {err}") from err


def compile_prefix_regex(entries: Iterable[str]) -> re.Pattern:
    """Compile prefix rule pieces into one regex anchored at the start.

    entries (Iterable[str]): regex pieces, e.g. ``nlp.Defaults.prefixes``.
    RETURNS (re.Pattern): use its ``.search`` as ``Tokenizer.prefix_search``.
    """
    return _compile(entries, "prefix", "")


def compile_suffix_regex(entries: Iterable[str]) -> re.Pattern:
    """Compile suffix rule pieces into one regex anchored at the end.

    entries (Iterable[str]): regex pieces, e.g. ``nlp.Defaults.suffixes``.
    RETURNS (re.Pattern): use its ``.search`` as ``Tokenizer.suffix_search``.
    """
    return _compile(entries, "suffix", "{}$")


def compile_infix_regex(entries: Iterable[str]) -> re.Pattern:
    """Compile infix rule pieces into one unanchored regex.

    entries (Iterable[str]): regex pieces, e.g. ``nlp.Defaults.infixes``.
    RETURNS (re.Pattern): use its ``.finditer`` as ``Tokenizer.infix_finditer``.
    """
    return _compile(entries, "infix", "{}")
