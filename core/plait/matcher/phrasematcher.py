"""``PhraseMatcher``: find many fixed token sequences (terminology lists) at once.

Patterns are Docs; what is compared is one attribute per token (ORTH,
LOWER, NORM…). Matching does not scan per pattern: for every distinct
pattern length it hashes all windows of the doc in one numpy expression
(a polynomial hash of the attribute ids), keeps the windows whose hash is a
pattern hash, and confirms those with one dict lookup of the id tuple.
Cost grows with the doc length and the number of distinct lengths, not with
the number of patterns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import attrs as A
from ..errors import UsageError, did_you_mean
from ._results import finish_matches

_ALLOWED = ("ORTH", "TEXT", "LOWER", "NORM", "SHAPE", "PREFIX", "SUFFIX", "LEMMA", "POS", "TAG", "DEP",
            "ENT_TYPE", "MORPH", "LENGTH")
# An odd 64-bit multiplier; uint64 arithmetic wraps, which is what we want.
_MULT = np.uint64(0x9E3779B97F4A7C15)

OnMatch = Callable[[Any, Any, int, list[tuple[int, int, int]]], Any]


def _powers(length: int) -> np.ndarray:
    out = np.ones(length, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(1, length):
            out[i] = out[i - 1] * _MULT
    return out


class PhraseMatcher:
    """Match token sequences given as Docs.

    vocab (Vocab): the vocab shared with the docs.
    attr (str | int): the token attribute compared ("ORTH", "LOWER", "NORM"…).
    """

    def __init__(self, vocab: Any, attr: str | int = "ORTH", validate: bool = False) -> None:
        if isinstance(attr, str):
            name = attr.upper()
            if name not in _ALLOWED:
                raise UsageError(f"PhraseMatcher: attr '{attr}' is not supported.{did_you_mean(name, _ALLOWED)} "
                                 f"Use one of {', '.join(_ALLOWED)}.")
            attr_id = A.ORTH if name == "TEXT" else A.IDS[name]
        elif isinstance(attr, int) and attr in A.NAMES and A.NAMES[attr] in _ALLOWED:
            attr_id = attr
        else:
            raise UsageError(f"PhraseMatcher: attr must be one of {', '.join(_ALLOWED)}, got {attr!r}")
        self.vocab = vocab
        self.attr = attr_id
        self._table: dict[tuple[int, ...], list[int]] = {}
        self._by_key: dict[int, list[tuple[int, ...]]] = {}
        self._docs: dict[int, list[Any]] = {}
        self._callbacks: dict[int, OnMatch | None] = {}
        self._hashes: dict[int, np.ndarray] | None = None

    def _key(self, key: str | int) -> int:
        if isinstance(key, str):
            return int(self.vocab.strings.add(key))
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return int(key)
        raise UsageError(f"PhraseMatcher: a key must be a string (or its hash), not {key!r}")

    def __len__(self) -> int:
        """RETURNS (int): the number of keys."""
        return len(self._by_key)

    def __contains__(self, key: str | int) -> bool:
        return self._key(key) in self._by_key

    def add(self, key: str | int, docs: list[Any], *_docs: Any, on_match: OnMatch | None = None) -> None:
        """Add phrase patterns under ``key``.

        key (str | int): the match id.
        docs (list[Doc]): the phrases (e.g. ``[nlp.make_doc("New York")]``).
        on_match (Callable | None): called as ``on_match(matcher, doc, i, matches)``.
        """
        name = key if isinstance(key, str) else str(key)
        if not isinstance(docs, (list, tuple)):
            raise UsageError(f"PhraseMatcher.add('{name}'): docs must be a list of Doc objects, got {type(docs).__name__}")
        docs = [*docs, *_docs]
        if on_match is not None and not callable(on_match):
            raise UsageError(f"PhraseMatcher.add('{name}'): on_match must be callable")
        k = self._key(key)
        for i, doc in enumerate(docs):
            if isinstance(doc, str) or not hasattr(doc, "to_array"):
                raise UsageError(
                    f"PhraseMatcher.add('{name}'): pattern {i} is a {type(doc).__name__}, not a Doc; "
                    f"make one with nlp.make_doc(text)"
                )
            if len(doc) == 0:
                continue
            if self.attr not in (A.ORTH, A.LOWER, A.NORM, A.SHAPE, A.PREFIX, A.SUFFIX, A.LENGTH) \
                    and not doc.has_annotation(A.NAMES[self.attr]):
                raise UsageError(
                    f"PhraseMatcher.add('{name}'): pattern {i} ('{doc.text}') has no {A.NAMES[self.attr]} "
                    f"annotation; run the pipeline on pattern texts (nlp(text)), not make_doc"
                )
            ids = tuple(int(v) for v in doc.to_array(self.attr).tolist())
            keys = self._table.setdefault(ids, [])
            if k not in keys:
                keys.append(k)
                self._by_key.setdefault(k, []).append(ids)
        self._by_key.setdefault(k, [])
        self._docs.setdefault(k, []).extend(docs)
        self._callbacks[k] = on_match
        self._hashes = None

    def get(self, key: str | int, default: Any = None) -> Any:
        """RETURNS (tuple): ``(on_match, docs)`` for ``key``, or ``default``."""
        k = self._key(key)
        if k not in self._by_key:
            return default
        return self._callbacks[k], list(self._docs[k])

    def remove(self, key: str | int) -> None:
        """Remove ``key`` and its phrases; a missing key is a UsageError."""
        k = self._key(key)
        if k not in self._by_key:
            raise UsageError(f"PhraseMatcher.remove: no patterns under key {key!r}")
        for ids in self._by_key.pop(k):
            keys = self._table[ids]
            keys.remove(k)
            if not keys:
                del self._table[ids]
        self._docs.pop(k, None)
        self._callbacks.pop(k, None)
        self._hashes = None

    def _pattern_hashes(self) -> dict[int, np.ndarray]:
        if self._hashes is None:
            by_len: dict[int, list[tuple[int, ...]]] = {}
            for ids in self._table:
                by_len.setdefault(len(ids), []).append(ids)
            hashes = {}
            with np.errstate(over="ignore"):
                for length, tuples in by_len.items():
                    arr = np.array(tuples, dtype=np.uint64).reshape(len(tuples), length)
                    hashes[length] = np.unique((arr * _powers(length)).sum(axis=1, dtype=np.uint64))
            self._hashes = hashes
        return self._hashes

    def __call__(self, doclike: Any, *, as_spans: bool = False) -> list[Any]:
        """Find all (possibly overlapping) matches in a Doc or Span.

        RETURNS (list): ``(match_id, start, end)`` tuples (doc offsets), sorted;
            or Spans labelled with the key if ``as_spans``.
        """
        if hasattr(doclike, "doc") and hasattr(doclike, "start"):
            doc, offset, end = doclike.doc, doclike.start, doclike.end
        elif hasattr(doclike, "to_array"):
            doc, offset, end = doclike, 0, len(doclike)
        else:
            raise UsageError(f"PhraseMatcher takes a Doc or a Span, not {type(doclike).__name__}")
        col = doc.to_array(self.attr)[offset:end].astype(np.uint64)
        results: list[tuple[int, int, int]] = []
        with np.errstate(over="ignore"):
            for length, pattern_hashes in self._pattern_hashes().items():
                if len(col) < length:
                    continue
                windows = sliding_window_view(col, length)
                window_hashes = (windows * _powers(length)).sum(axis=1, dtype=np.uint64)
                # pattern_hashes is sorted and unique: a binary search per
                # window (np.isin would re-sort the patterns on every call).
                pos = np.searchsorted(pattern_hashes, window_hashes)
                hits = pattern_hashes[np.minimum(pos, len(pattern_hashes) - 1)] == window_hashes
                for start in np.flatnonzero(hits).tolist():
                    keys = self._table.get(tuple(col[start:start + length].tolist()))
                    for k in keys or ():
                        results.append((k, start + offset, start + offset + length))
        results.sort(key=lambda m: (m[1], m[2], m[0]))
        return finish_matches(self, doc, results, self._callbacks, as_spans)

    def pipe(self, docs: Iterable[Any], *, as_spans: bool = False) -> Iterable[list[Any]]:
        """Match each doc of a stream. YIELDS (list): the matches of each doc."""
        for doc in docs:
            yield self(doc, as_spans=as_spans)
