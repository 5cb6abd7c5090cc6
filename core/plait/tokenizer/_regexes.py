"""Compile lists of affix rule pieces into one regular expression each.

Prefix pieces are anchored at the start (``^``), suffix pieces at the end
(``$``); infix pieces are joined unanchored and used with ``finditer``.
Alternation in ``re`` takes the first piece that matches, so the order of a
list is its priority, exactly as in spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import UsageError


def _compile(pieces: Iterable[str], kind: str, wrap: str) -> re.Pattern:
    entries = [piece for piece in pieces if piece and piece.strip()]
    expression = "|".join(wrap.format(piece) for piece in entries)
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
    return _compile(entries, "prefix", "^{}")


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
