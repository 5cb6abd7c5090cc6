"""``Matcher``: find sequences of tokens described by token-attribute patterns.

spaCy's API (``add(key, patterns, on_match=None, greedy=None)``, ``matcher(doc)
-> [(match_id, start, end)]``). Each token spec becomes a numpy mask over the
doc (see ``_patterns``); a small automaton then walks only the positions
where the first required token matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..errors import UsageError
from ._patterns import ONE, OPT, Columns, TokenSpec, compile_pattern, spec_mask
from ._results import finish_matches

OnMatch = Callable[[Any, Any, int, list[tuple[int, int, int]]], Any]


def _doc_bounds(doclike: Any) -> tuple[Any, int, int]:
    if hasattr(doclike, "doc") and hasattr(doclike, "start") and hasattr(doclike, "end"):
        return doclike.doc, doclike.start, doclike.end
    if hasattr(doclike, "to_array") and hasattr(doclike, "vocab"):
        return doclike, 0, len(doclike)
    raise UsageError(f"the matcher takes a Doc or a Span, not {type(doclike).__name__}")


def _ends(specs: list[TokenSpec], masks: list[np.ndarray], start: int, n: int) -> set[int]:
    """All end positions of matches of ``specs`` beginning at ``start``."""
    ends: set[int] = set()
    seen: set[tuple[int, int]] = set()
    stack = [(0, start)]
    n_specs = len(specs)
    while stack:
        i, pos = stack.pop()
        if (i, pos) in seen:
            continue
        seen.add((i, pos))
        if i == n_specs:
            ends.add(pos)
            continue
        q, mask = specs[i].quantifier, masks[i]
        if q == ONE:
            if pos < n and mask[pos]:
                stack.append((i + 1, pos + 1))
        elif q == OPT:
            stack.append((i + 1, pos))
            if pos < n and mask[pos]:
                stack.append((i + 1, pos + 1))
        else:  # STAR: skip it, or take one more and stay
            stack.append((i + 1, pos))
            if pos < n and mask[pos]:
                stack.append((i, pos + 1))
    return ends


def _filter_greedy(matches: list[tuple[int, int]], greedy: str) -> list[tuple[int, int]]:
    if greedy == "LONGEST":
        order = sorted(matches, key=lambda m: (-(m[1] - m[0]), m[0]))
    else:  # FIRST: the earliest start wins, then the longest
        order = sorted(matches, key=lambda m: (m[0], -(m[1] - m[0])))
    taken = np.zeros(max((e for _, e in matches), default=0) + 1, dtype=bool)
    kept = []
    for s, e in order:
        if not taken[s:e].any():
            taken[s:e] = True
            kept.append((s, e))
    return sorted(kept)


class Matcher:
    """Match token sequences against attribute patterns.

    vocab (Vocab): the vocab shared with the docs to match.
    validate (bool): kept for spaCy compatibility; patterns are always validated.
    """

    def __init__(self, vocab: Any, validate: bool = True, **kwargs: Any) -> None:
        self.vocab = vocab
        self._patterns: dict[int, list[list[TokenSpec]]] = {}
        self._raw: dict[int, list[list[dict[str, Any]]]] = {}
        self._callbacks: dict[int, OnMatch | None] = {}
        self._greedy: dict[int, str | None] = {}
        self._order: list[int] = []

    def _key(self, key: str | int) -> int:
        if isinstance(key, str):
            return int(self.vocab.strings.add(key))
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return int(key)
        raise UsageError(f"Matcher: a key must be a string (or its hash), not {key!r}")

    def __len__(self) -> int:
        """RETURNS (int): the number of keys with patterns."""
        return len(self._patterns)

    def __contains__(self, key: str | int) -> bool:
        return self._key(key) in self._patterns

    def add(self, key: str | int, patterns: list[list[dict[str, Any]]], *, on_match: OnMatch | None = None,
            greedy: str | None = None) -> None:
        """Add patterns under ``key``.

        key (str | int): the match id (its hash is what matches carry).
        patterns (list[list[dict]]): each a list of token dicts, e.g.
            ``[{"LOWER": "hello"}, {"IS_PUNCT": True, "OP": "?"}]``.
        on_match (Callable | None): called as ``on_match(matcher, doc, i, matches)``.
        greedy (str | None): "FIRST" or "LONGEST" keep only non-overlapping matches.
        """
        name = key if isinstance(key, str) else str(key)
        if not isinstance(patterns, list) or (patterns and isinstance(patterns[0], dict)):
            raise UsageError(
                f"Matcher.add('{name}'): patterns must be a list of patterns (each a list of token "
                f"dicts), e.g. [[{{\"LOWER\": \"hello\"}}]]; got {patterns!r}"
            )
        if greedy not in (None, "FIRST", "LONGEST"):
            raise UsageError(f"Matcher.add('{name}'): greedy must be None, 'FIRST' or 'LONGEST', got {greedy!r}")
        if on_match is not None and not callable(on_match):
            raise UsageError(f"Matcher.add('{name}'): on_match must be callable")
        compiled = [compile_pattern(name, i, p, self.vocab) for i, p in enumerate(patterns)]
        k = self._key(key)
        if k not in self._patterns:
            self._order.append(k)
        self._patterns.setdefault(k, []).extend(compiled)
        self._raw.setdefault(k, []).extend(patterns)
        self._callbacks[k] = on_match
        self._greedy[k] = greedy

    def get(self, key: str | int, default: Any = None) -> tuple[OnMatch | None, list[list[dict[str, Any]]]] | Any:
        """RETURNS (tuple): ``(on_match, patterns)`` for ``key``, or ``default``."""
        k = self._key(key)
        if k not in self._patterns:
            return default
        return self._callbacks[k], list(self._raw[k])

    def remove(self, key: str | int) -> None:
        """Remove ``key`` and its patterns; a missing key is a UsageError."""
        k = self._key(key)
        if k not in self._patterns:
            raise UsageError(f"Matcher.remove: no patterns under key {key!r}")
        for table in (self._patterns, self._raw, self._callbacks, self._greedy):
            table.pop(k)
        self._order.remove(k)

    def __call__(self, doclike: Any, *, as_spans: bool = False) -> list[Any]:
        """Find all matches in a Doc or Span.

        RETURNS (list): ``(match_id, start, end)`` tuples (doc token offsets),
            sorted by start and end; or Spans labelled with the key if ``as_spans``.
        """
        doc, d_start, d_end = _doc_bounds(doclike)
        n = d_end - d_start
        cols = Columns(doc, d_start, d_end)
        results: list[tuple[int, int, int]] = []
        for k in self._order:
            found: set[tuple[int, int]] = set()
            for specs in self._patterns[k]:
                masks = [spec_mask(spec, cols, n) for spec in specs]
                # Matches can only start where the first required token
                # could be, given the optional tokens before it.
                first = next(i for i, s in enumerate(specs) if s.quantifier == ONE)
                if first == 0:
                    starts = np.flatnonzero(masks[0])
                else:
                    starts = np.arange(n)
                for s in starts.tolist():
                    for e in _ends(specs, masks, s, n):
                        if e > s:
                            found.add((s, e))
            if self._greedy[k] and found:
                kept = _filter_greedy(list(found), self._greedy[k])
            else:
                kept = sorted(found)
            results.extend((k, s + d_start, e + d_start) for s, e in kept)
        results.sort(key=lambda m: (m[1], m[2]))
        return finish_matches(self, doc, results, self._callbacks, as_spans)

    def pipe(self, docs: Iterable[Any], *, as_spans: bool = False) -> Iterable[list[Any]]:
        """Match each doc of a stream. YIELDS (list): the matches of each doc."""
        for doc in docs:
            yield self(doc, as_spans=as_spans)


__all__ = ["Matcher"]
