"""Language-neutral lexical attribute getters, keyed by attribute id.

The functions themselves live in ``plait.lexeme`` (the Vocab computes its
columns with them); this module gathers them under spaCy's name
``LEX_ATTRS`` for language packages, and adds ``is_stop`` for stop-word sets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..lexeme import DEFAULT_GETTERS

LEX_ATTRS: dict[int, Callable[[str], Any]] = dict(DEFAULT_GETTERS)


def is_stop(string: str, stops: set[str]) -> bool:
    """RETURNS (bool): whether the lowercase ``string`` is in ``stops``."""
    return string.lower() in stops


__all__ = ["LEX_ATTRS", "is_stop"]
