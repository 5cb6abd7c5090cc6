"""Compile lists of affix rule pieces into one regular expression each.

Prefix pieces are anchored at the start (``^``), suffix pieces at the end
(``$``); infix pieces are joined unanchored and used with ``finditer``.
Alternation in ``re`` takes the first piece that matches, so the order of a
list is its priority, exactly as in spaCy.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=64)  # the same language's rules for every nlp built
def _first_char_guard(entries: tuple[str, ...]) -> str:
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
        guard = _first_char_guard(tuple(entries))
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



def _needs_other(parsed: Any, codes: frozenset[int]) -> bool:
    """Whether every match of a parsed sequence must see a character outside ``codes``.

    Sound, not complete: True only when one mandatory element (a literal,
    a set, a repeat of at least one, a group, a branch whose every
    alternative qualifies, or a positive lookaround) can only match a
    character that is not in ``codes``.
    """
    for op, av in parsed:
        if op is _C.LITERAL:
            if av not in codes:
                return True
        elif op is _C.IN:
            if all(
                (item_op is _C.LITERAL and item_av not in codes)
                or (item_op is _C.RANGE and not any(item_av[0] <= c <= item_av[1] for c in codes))
                for item_op, item_av in av
            ):
                return True
        elif op is _C.SUBPATTERN:
            if not (av[1] or av[2]) and _needs_other(av[3], codes):
                return True
        elif op is _C.BRANCH:
            if all(_needs_other(alternative, codes) for alternative in av[1]):
                return True
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            if av[0] >= 1 and _needs_other(av[2], codes):
                return True
        elif op is _C.ASSERT:
            # A positive lookahead or lookbehind must see that character in
            # the string too.
            if _needs_other(av[1], codes):
                return True
    return False


def never_matches(func: Any, chars: str) -> bool:
    """Whether a compiled regex's bound method can never match in a string of ``chars``.

    The tokenizer skips affix searches that cannot find anything in a chunk
    made only of such characters ("the", "1990"). Conservative: False
    whenever the pattern is not understood (not a compiled regex, case
    insensitive, an element it cannot reason about).

    func (Callable | None): e.g. ``re.compile(...).search``, or None.
    chars (str): the characters, e.g. the ASCII letters.
    RETURNS (bool): True only when it is certain.
    """
    if func is None:
        return True
    pattern = getattr(func, "__self__", None)
    if _P is None or not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return False
    if getattr(func, "__name__", "") not in ("search", "match", "fullmatch", "finditer", "findall"):
        return False
    if pattern.flags & re.IGNORECASE:
        return False
    return _never_matches_source(pattern.pattern, pattern.flags, chars)


@functools.lru_cache(maxsize=256)
def _never_matches_source(source: str, flags: int, chars: str) -> bool:
    # Parsing a language's affix regexes takes ~1 s; every nlp of that
    # language (each training run, each load) asks about the same patterns.
    try:
        parsed = _P.parse(source, flags)
    except re.error:  # pragma: no cover - it compiled
        return False
    if parsed.state.flags & re.IGNORECASE:
        return False
    return _needs_other(parsed, frozenset(map(ord, chars)))


_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ASCII_DIGITS = "0123456789"


def plain_chunk_plans(
    prefix_search: Any, suffix_search: Any, infix_finditer: Any, token_match: Any, url_match: Any
) -> tuple[Any, Any]:
    """What the tokenizer must still check for plain ASCII chunks ("the", "1990").

    For chunks of letters only, and of letters and digits: None when the
    general path is needed (an infix could split such a chunk, or a
    token_match / url_match is not a compiled regex: a Python callable may
    have effects or raise, so it keeps being called as in spaCy), else
    ``(prefix_search, suffix_search)`` with None for a search that provably
    cannot match such a chunk.

    prefix_search, suffix_search, infix_finditer, token_match, url_match
        (Callable | None): the tokenizer's settings.
    RETURNS (tuple): the letters plan and the alphanumerics plan.
    """
    opaque = any(
        func is not None and not isinstance(getattr(func, "__self__", None), re.Pattern)
        for func in (token_match, url_match)
    )
    plans = []
    for chars in (_ASCII_LETTERS, _ASCII_LETTERS + _ASCII_DIGITS):
        if opaque or not never_matches(infix_finditer, chars):
            plans.append(None)
        else:
            plans.append(
                (
                    None if never_matches(prefix_search, chars) else prefix_search,
                    None if never_matches(suffix_search, chars) else suffix_search,
                )
            )
    return plans[0], plans[1]
