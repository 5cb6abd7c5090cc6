"""The exception family for every failure a user can cause.

Each class also subclasses the builtin a caller would expect (``ValueError``,
``ImportError``, ``KeyError``…), so ``except ValueError`` keeps working. The
message is written at the raise site and says what failed, where (file and
line, config section and key, document index) and, where known, the fix.
The CLI prints these without a traceback; anything else is a bug in plait.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class PlaitError(Exception):
    """Base class: an error caused by user input, printed without a traceback."""


class ConfigError(PlaitError, ValueError):
    """A config that cannot be parsed, filled or resolved.

    errors (list[dict]): one entry per problem, with ``loc`` (tuple of
        section/key names) and ``msg``, when known.
    """

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class RegistryError(ConfigError, KeyError):
    """A registered name (``@batchers = "…"``, a factory) that does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class DataError(PlaitError, ValueError):
    """Bad training or evaluation data: names the file, line or document index."""


class PluginError(PlaitError, ImportError):
    """A plugin distribution that failed to import.

    plugin (str): the distribution name. entry_point (str): ``name = module:attr``.
    """

    def __init__(self, message: str, *, plugin: str = "", entry_point: str = "") -> None:
        super().__init__(message)
        self.plugin = plugin
        self.entry_point = entry_point


class UsageError(PlaitError, ValueError):
    """A bad command-line value or API argument."""


class SerializationError(PlaitError, ValueError):
    """A file that is not what it claims to be: corrupt, truncated or foreign."""


class DataWarning(UserWarning):
    """Data that training can use but probably not as meant (e.g. entity
    offsets that fall inside tokens become missing annotation)."""


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3) -> str:
    """Return " Did you mean 'x'?" for the closest candidates, or "".

    Matches are found on the full name and on the part after the namespace of
    dotted names, so ``batch_by_wrds.v1`` finds ``plait.batch_by_words.v1``.
    Only candidates about as close as the best one are named.
    """
    cands = sorted(set(candidates))
    if not cands:
        return ""
    scored: dict[str, float] = {}
    for cand in cands:
        forms = [cand]
        if cand.count(".") >= 2:
            forms.append(cand.split(".", 1)[1])
        scored[cand] = max(difflib.SequenceMatcher(None, name, f).ratio() for f in forms)
    best = max(scored.values())
    if best < (0.5 if len(name) <= 3 else 0.6):
        return ""
    matches = sorted((c for c, r in scored.items() if r >= best - 0.05), key=lambda c: -scored[c])[:n]
    quoted = " or ".join(f"'{m}'" for m in matches)
    return f" Did you mean {quoted}?"
