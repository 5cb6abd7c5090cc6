"""Check and normalise tokenizer special cases (exceptions).

A special case maps a string to the tokens it becomes: a list of dicts with
ORTH (required; the pieces must spell the string) and NORM (optional). Keys
may be the names "ORTH"/"NORM" or the attribute ids from ``plait.attrs``.
Internally a special case is ``(pieces, norms)``: a tuple of strings and a
tuple of norms (``None`` where a piece has none), or ``None`` for no norms.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import UsageError

# spaCy's attribute ids for ORTH and NORM (see plait.attrs).
_ORTH_IDS = ("ORTH", "orth", 65)
_NORM_IDS = ("NORM", "norm", 67)

Entry = tuple[tuple[str, ...], "tuple[str | None, ...] | None"]


def normalise_special_case(string: str, substrings: Iterable[dict[Any, Any]]) -> tuple[list[dict[str, str]], Entry]:
    """Validate one special case and return its canonical forms.

    string (str): the text the special case matches.
    substrings (Iterable[dict]): one dict per token, with ORTH and optionally NORM.
    RETURNS (tuple): the rule as ``[{"ORTH": …, "NORM": …}]`` (for ``rules`` and
        serialization) and the internal ``(pieces, norms)`` entry.
    """
    if not isinstance(string, str) or not string:
        raise UsageError(f"special case key must be a non-empty string, got {string!r}")
    if isinstance(substrings, (str, bytes, dict)):
        raise UsageError(
            f"special case {string!r}: expected a list of token dicts like "
            f"[{{'ORTH': {string!r}}}], got {type(substrings).__name__}"
        )
    rule: list[dict[str, str]] = []
    pieces: list[str] = []
    norms: list[str | None] = []
    for position, attrs in enumerate(substrings):
        if not isinstance(attrs, dict):
            raise UsageError(
                f"special case {string!r}: token {position} must be a dict like {{'ORTH': ...}}, got {attrs!r}"
            )
        orth = norm = None
        for key, value in attrs.items():
            if key in _ORTH_IDS:
                orth = value
            elif key in _NORM_IDS:
                norm = value
            else:
                raise UsageError(
                    f"special case {string!r}: token {position} sets {key!r}, but special cases "
                    f"may only set ORTH and NORM (set other attributes with a component)"
                )
        if not isinstance(orth, str) or not orth:
            raise UsageError(f"special case {string!r}: token {position} has no ORTH text: {attrs!r}")
        if norm is not None and not isinstance(norm, str):
            raise UsageError(f"special case {string!r}: token {position} NORM must be a string, got {norm!r}")
        pieces.append(orth)
        norms.append(norm)
        rule.append({"ORTH": orth} if norm is None else {"ORTH": orth, "NORM": norm})
    joined = "".join(pieces)
    if joined != string:
        raise UsageError(
            f"special case {string!r}: its ORTH pieces {pieces!r} spell {joined!r}, not {string!r}. "
            f"The pieces must concatenate to the key exactly."
        )
    entry: Entry = (tuple(pieces), tuple(norms) if any(n is not None for n in norms) else None)
    return rule, entry


def match_affix_specials(
    entry: Entry, index: dict[str, list[tuple[tuple[str, ...], str]]], specials: dict[str, Entry]
) -> Entry:
    """Replace runs of a chunk's pieces that spell an affix-split special case.

    entry (Entry): the chunk's ``(pieces, norms)`` from the affix rules.
    index (dict): first piece -> ``[(pieces of a special case, its key)]``,
        longest first (``Tokenizer._rebuild_affix_specials``).
    specials (dict[str, Entry]): the special cases by key.
    RETURNS (Entry): the pieces with the special cases' own tokens and norms.
    """
    pieces, norms = entry
    if len(pieces) < 2 or not any(p in index for p in pieces):
        return entry
    out_pieces: list[str] = []
    out_norms: list[str | None] = []
    i = 0
    n = len(pieces)
    while i < n:
        replaced = False
        for seq, key in index.get(pieces[i], ()):
            if pieces[i : i + len(seq)] == seq:
                special_pieces, special_norms = specials[key]
                out_pieces.extend(special_pieces)
                out_norms.extend(special_norms or [None] * len(special_pieces))
                i += len(seq)
                replaced = True
                break
        if not replaced:
            out_pieces.append(pieces[i])
            out_norms.append(norms[i] if norms else None)
            i += 1
    has_norms = any(n is not None for n in out_norms)
    return tuple(out_pieces), (tuple(out_norms) if has_norms else None)
