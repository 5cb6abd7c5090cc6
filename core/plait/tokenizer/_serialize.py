"""Tokenizer serialization: regex patterns, special cases and flags as msgpack.

Kept apart from the tokenization algorithm (``tokenizer.py``): only the
bound methods of compiled regexes can be saved (their ``.pattern``), and
loading recompiles them. ``Tokenizer.to_bytes`` and friends delegate here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import srsly

from ..errors import SerializationError
from ._vet import vet_pattern

if TYPE_CHECKING:
    from .tokenizer import Tokenizer

# The re flags a saved regex may carry (not DEBUG, which prints, nor LOCALE).
_ALLOWED_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.UNICODE | re.VERBOSE | re.ASCII
SERIAL_KEYS = ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match")
# The regex method each setting is a bound method of.
_METHODS = {"prefix_search": "search", "suffix_search": "search", "infix_finditer": "finditer",
            "token_match": "match", "url_match": "match"}  # fmt: skip


def pattern_of(tokenizer: Tokenizer, name: str) -> str | None:
    """The regex pattern behind one setting, or None when it is unset.

    tokenizer (Tokenizer): the tokenizer.
    name (str): one of ``SERIAL_KEYS``.
    RETURNS (str | None): the pattern.
    """
    func = getattr(tokenizer, name)
    if func is None:
        return None
    pattern = getattr(getattr(func, "__self__", None), "pattern", None)
    if not isinstance(pattern, str):
        raise SerializationError(
            f"Tokenizer.{name} is {func!r}, which cannot be saved: only the bound methods of "
            f"compiled regexes (e.g. re.compile(...).{_METHODS[name]}) "
            f"are serialized. Set it again after loading, or use a regex."
        )
    return pattern


def to_bytes(tokenizer: Tokenizer, exclude: Iterable[str] = ()) -> bytes:
    """Serialize the rules: regex patterns, special cases, flags (msgpack).

    tokenizer (Tokenizer): the tokenizer.
    exclude (Iterable[str]): keys to leave out.
    RETURNS (bytes): the data.
    """
    exclude = set(exclude)
    data: dict[str, Any] = {}
    flags: dict[str, int] = {}
    for name in SERIAL_KEYS:
        if name not in exclude:
            data[name] = pattern_of(tokenizer, name)
            if data[name] is not None:
                # re.IGNORECASE and friends are part of the rule: a pattern
                # recompiled without them tokenizes differently after loading.
                flags[name] = int(getattr(tokenizer, name).__self__.flags)
    data["regex_flags"] = flags
    if "exceptions" not in exclude:
        data["exceptions"] = tokenizer.rules
    if "faster_heuristics" not in exclude:
        data["faster_heuristics"] = tokenizer.faster_heuristics
    return srsly.msgpack_dumps(data)


def from_bytes(tokenizer: Tokenizer, bytes_data: bytes, exclude: Iterable[str] = ()) -> Tokenizer:
    """Load rules saved by ``to_bytes`` into a tokenizer, replacing its own.

    tokenizer (Tokenizer): the tokenizer to change.
    bytes_data (bytes): the data.
    exclude (Iterable[str]): keys to leave as they are.
    RETURNS (Tokenizer): ``tokenizer``.
    """
    try:
        data = srsly.msgpack_loads(bytes_data)
    except Exception as err:
        raise SerializationError(f"tokenizer data is not valid msgpack: {err}") from err
    if not isinstance(data, dict):
        raise SerializationError(f"tokenizer data must be a msgpack map, got {type(data).__name__}")
    exclude = set(exclude)
    flags = data.get("regex_flags") or {}  # absent in files saved before flags were kept
    if not isinstance(flags, dict):
        raise SerializationError(f"tokenizer data: regex_flags must be a map, got {type(flags).__name__}")
    for name, method in _METHODS.items():
        if name in data and name not in exclude:
            pattern = data[name]
            flag = flags.get(name, 0)
            if not isinstance(flag, int) or isinstance(flag, bool) or flag & ~_ALLOWED_FLAGS:
                raise SerializationError(
                    f"tokenizer data: regex_flags[{name!r}] must be an integer made of re.IGNORECASE, "
                    f"MULTILINE, DOTALL, UNICODE, VERBOSE and ASCII, got {flag!r}"
                )
            if pattern and not _is_current(tokenizer, name, pattern, flag):
                # A pattern the installed code did not build comes from the
                # file: vetted against catastrophic backtracking first.
                vet_pattern(pattern, flag, f"tokenizer data: {name}")
            # The private attribute: one cache reset at the end, not one per key.
            setattr(tokenizer, "_" + name, getattr(re.compile(pattern, flag), method) if pattern else None)
    if "faster_heuristics" in data and "faster_heuristics" not in exclude:
        tokenizer._faster_heuristics = bool(data["faster_heuristics"])
    if "exceptions" in data and "exceptions" not in exclude:
        tokenizer.rules = data["exceptions"]
    else:
        tokenizer._changed()
    return tokenizer


def _is_current(tokenizer: Tokenizer, name: str, pattern: Any, flags: int) -> bool:
    # Whether the tokenizer being loaded into (built by installed code, e.g.
    # from the language's defaults) already has this exact regex.
    func = getattr(tokenizer, name, None)
    regex = getattr(func, "__self__", None)
    return getattr(regex, "pattern", None) == pattern and getattr(regex, "flags", None) in (flags, flags | re.UNICODE)


def to_disk(tokenizer: Tokenizer, path: str | Path, exclude: Iterable[str] = ()) -> None:
    """Save the rules to one file (written atomically).

    tokenizer (Tokenizer): the tokenizer.
    path (str | Path): the file.
    exclude (Iterable[str]): keys to leave out.
    """
    from ..fs import write_bytes

    write_bytes(Path(path), to_bytes(tokenizer, exclude))


def from_disk(tokenizer: Tokenizer, path: str | Path, exclude: Iterable[str] = ()) -> Tokenizer:
    """Load rules saved by ``to_disk``.

    tokenizer (Tokenizer): the tokenizer to change.
    path (str | Path): the file.
    exclude (Iterable[str]): keys to leave as they are.
    RETURNS (Tokenizer): ``tokenizer``.
    """
    path = Path(path)
    if not path.is_file():
        raise SerializationError(f"{path}: no tokenizer file there (expected one written by Tokenizer.to_disk)")
    try:
        return from_bytes(tokenizer, path.read_bytes(), exclude)
    except SerializationError as err:
        raise SerializationError(f"{path}: {err}") from err
