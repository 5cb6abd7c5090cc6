"""The rule-based Tokenizer: whitespace chunks, special cases, affixes, infixes.

The algorithm is spaCy's. Text is split on whitespace runs; a single space
after a token becomes that token's trailing space, any other whitespace
becomes a token of its own, so ``doc.text`` always equals the input. Each
chunk is then (1) looked up in the special cases, else (2) peeled of prefixes
and suffixes until a special case, ``token_match`` or nothing matches, and
the remainder is (3) kept whole if it is a special case, a ``token_match`` or
a ``url_match``, else (4) split on infixes.

Speed comes from a cache of chunk -> pieces: text is mostly chunks seen
before, which cost one dict lookup. The regex work runs only for new chunks.
A new plain ASCII chunk ("the", "1990") skips the regexes that provably
cannot match it (``_regexes.plain_chunk_plans``): all of them for English words.
A cache entry also holds the pieces' lexeme rows and space flags, so a warm
chunk costs one lookup and two list extends, and the Doc is built straight
from those rows (``Doc._from_lex``) without looking words up again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from . import _serialize
from ._regexes import (
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
    plain_chunk_plans,
)
from ._special_cases import Entry, match_affix_specials, normalise_special_case

_WS_SPLIT = re.compile(r"(\s+)").split
# Past this many cached chunks the cache restarts, bounding memory on
# endless streams of unique text.
_MAX_CACHE = 500_000

_Doc: Any = None


def _doc_class() -> Any:
    global _Doc
    if _Doc is None:
        from ..tokens.doc import Doc

        _Doc = Doc
    return _Doc


class Tokenizer:
    """Segment text into a Doc, with special cases and affix rules.

    vocab (Vocab): the shared vocabulary.
    rules (dict[str, list[dict]] | None): special cases, e.g.
        ``{"don't": [{"ORTH": "do"}, {"ORTH": "n't", "NORM": "not"}]}``.
    prefix_search (Callable | None): ``compile_prefix_regex(...).search``.
    suffix_search (Callable | None): ``compile_suffix_regex(...).search``.
    infix_finditer (Callable | None): ``compile_infix_regex(...).finditer``.
    token_match (Callable | None): a match function for strings never split.
    url_match (Callable | None): like token_match, tried after affixes are split off.
    faster_heuristics (bool): only run the special-case matcher for special
        cases that contain affixes or spaces (spaCy's default).
    """

    def __init__(
        self,
        vocab: Any,
        rules: dict[str, list[dict[Any, Any]]] | None = None,
        prefix_search: Callable | None = None,
        suffix_search: Callable | None = None,
        infix_finditer: Callable | None = None,
        token_match: Callable | None = None,
        url_match: Callable | None = None,
        faster_heuristics: bool = True,
    ) -> None:
        self._vocab = vocab
        self._prefix_search = prefix_search
        self._suffix_search = suffix_search
        self._infix_finditer = infix_finditer
        self._token_match = token_match
        self._url_match = url_match
        self._faster_heuristics = bool(faster_heuristics)
        # chunk -> (pieces, norms, lexeme rows, spaces if the chunk ends the
        # text or a non-space follows, spaces if a " " follows); entries
        # start with an Entry, which is what _tokenize_affixes reads back.
        self._cache: dict[str, tuple] = {}
        self._rules: dict[str, list[dict[str, str]]] = {}
        self._specials: dict[str, Entry] = {}
        # first piece -> [(pieces without special cases, key)], longest first
        self._affix_specials: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._alpha_plan: tuple[Callable | None, Callable | None] | None = None
        self._alnum_plan: tuple[Callable | None, Callable | None] | None = None
        self._set_plans()
        if rules:
            self.rules = rules

    # -- settings: every change invalidates the cache ----------------------

    def _changed(self) -> None:
        self._cache = {}
        self._rebuild_affix_specials()
        self._set_plans()

    def _set_plans(self) -> None:
        self._alpha_plan, self._alnum_plan = plain_chunk_plans(
            self._prefix_search, self._suffix_search, self._infix_finditer, self._token_match, self._url_match
        )

    @property
    def vocab(self) -> Any:
        """RETURNS (Vocab): the vocabulary the Docs are built with."""
        return self._vocab

    @vocab.setter
    def vocab(self, value: Any) -> None:
        # Cache entries hold lexeme rows of the old vocab.
        self._vocab = value
        self._cache = {}

    @property
    def prefix_search(self) -> Callable | None:
        return self._prefix_search

    @prefix_search.setter
    def prefix_search(self, value: Callable | None) -> None:
        self._prefix_search = value
        self._changed()

    @property
    def suffix_search(self) -> Callable | None:
        return self._suffix_search

    @suffix_search.setter
    def suffix_search(self, value: Callable | None) -> None:
        self._suffix_search = value
        self._changed()

    @property
    def infix_finditer(self) -> Callable | None:
        return self._infix_finditer

    @infix_finditer.setter
    def infix_finditer(self, value: Callable | None) -> None:
        self._infix_finditer = value
        self._changed()

    @property
    def token_match(self) -> Callable | None:
        return self._token_match

    @token_match.setter
    def token_match(self, value: Callable | None) -> None:
        self._token_match = value
        self._changed()

    @property
    def url_match(self) -> Callable | None:
        return self._url_match

    @url_match.setter
    def url_match(self, value: Callable | None) -> None:
        self._url_match = value
        self._changed()

    @property
    def faster_heuristics(self) -> bool:
        return self._faster_heuristics

    @faster_heuristics.setter
    def faster_heuristics(self, value: bool) -> None:
        self._faster_heuristics = bool(value)
        self._changed()

    @property
    def rules(self) -> dict[str, list[dict[str, str]]]:
        """RETURNS (dict): a copy of the special cases, ``{text: [{"ORTH": …}]}``."""
        return {key: [dict(tok) for tok in value] for key, value in self._rules.items()}

    @rules.setter
    def rules(self, rules: dict[str, list[dict[Any, Any]]] | None) -> None:
        self._rules = {}
        self._specials = {}
        for string, substrings in (rules or {}).items():
            rule, entry = normalise_special_case(string, substrings)
            self._rules[string] = rule
            self._specials[string] = entry
        self._changed()

    def add_special_case(self, string: str, substrings: Iterable[dict[Any, Any]]) -> None:
        """Add a rule: ``string`` always becomes the given tokens.

        string (str): the text to match, e.g. "don't".
        substrings (Iterable[dict]): the tokens, each ``{"ORTH": text}`` with
            optional ``"NORM"``; the ORTH texts must concatenate to ``string``.
        """
        rule, entry = normalise_special_case(string, substrings)
        self._rules[string] = rule
        self._specials[string] = entry
        self._changed()

    # -- tokenization -------------------------------------------------------

    def __call__(self, text: str) -> Any:
        """Tokenize a text.

        text (str): the text; any unicode string.
        RETURNS (Doc): the tokens; ``doc.text == text``.
        """
        if not isinstance(text, str):
            raise UsageError(f"Tokenizer expects a str, got {type(text).__name__}: {text!r:.80}")
        parts = _WS_SPLIT(text)
        doc = self._build(parts, self._cache)
        if doc is None:  # some chunks are new: tokenize them, then build
            doc = self._build(parts, self._learn(parts))
        return doc

    def _build(self, parts: list[str], entries: dict[str, tuple]) -> Any:
        """The Doc of a text split on whitespace, or None if a chunk has no entry.

        parts (list[str]): chunk, whitespace, chunk, ..., chunk.
        entries (dict): chunk -> cache entry (see ``_learn``).
        """
        get = entries.get
        rows: list[int] = []
        spaces: list[bool] = []
        norms: list[tuple[int, str]] | None = None
        for chunk, ws in zip(parts[:-1:2], parts[1::2], strict=True):
            if chunk:
                entry = get(chunk)
                if entry is None:
                    return None
                if entry[1] is not None:
                    norms = self._add_norms(norms, len(rows), entry[1])
                rows += entry[2]
                if ws == " ":  # the common case: one space, owned by the last piece
                    spaces += entry[4]
                    continue
                if ws[0] == " ":
                    spaces += entry[4]
                    ws = ws[1:]
                else:
                    spaces += entry[3]
            rows.append(self._vocab.get_lex_id(ws))
            spaces.append(False)
        last = parts[-1]
        if last:
            entry = get(last)
            if entry is None:
                return None
            if entry[1] is not None:
                norms = self._add_norms(norms, len(rows), entry[1])
            rows += entry[2]
            spaces += entry[3]
        doc = _doc_class()._from_lex(
            self._vocab, np.array(rows, dtype=np.int64), np.array(spaces, dtype=bool)
        )
        if norms:
            for i, norm in norms:
                doc[i].norm_ = norm
        return doc

    @staticmethod
    def _add_norms(
        norms: list[tuple[int, str]] | None, start: int, piece_norms: tuple[str | None, ...]
    ) -> list[tuple[int, str]]:
        if norms is None:
            norms = []
        norms.extend((start + j, n) for j, n in enumerate(piece_norms) if n is not None)
        return norms

    def _learn(self, parts: list[str]) -> dict[str, tuple]:
        """Cache entries for every chunk of a text, tokenizing the new ones.

        New chunks are tokenized in text order (a chunk's rules may read the
        entries of chunks before it, as in spaCy), then all their new words
        become lexemes in one vocab call: far cheaper than one call per chunk
        on unseen text.

        parts (list[str]): chunk, whitespace, chunk, ..., chunk.
        RETURNS (dict[str, tuple]): chunk -> ``(pieces, norms, lexeme rows,
            spaces when no " " follows, spaces when " " follows)``.
        """
        known: dict[str, tuple] = {}
        new: list[str] = []
        try:
            for chunk in parts[::2]:
                if not chunk or chunk in known:
                    continue
                entry = self._cache.get(chunk)
                if entry is None:
                    # Provisional (pieces, norms), readable by _tokenize_affixes;
                    # completed below before anything else sees the cache.
                    entry = self._tokenize_chunk(chunk)
                    new.append(chunk)
                known[chunk] = entry
            if not new:
                return known
            pieces = [piece for chunk in new for piece in known[chunk][0]]
            rows = self._vocab.get_lex_ids(pieces).tolist()
        except BaseException:
            for chunk in new:  # no provisional entry may outlive this call
                self._cache.pop(chunk, None)
            raise
        start = 0
        cache = self._cache  # may have been restarted by _tokenize_chunk
        for chunk in new:
            chunk_pieces, chunk_norms = known[chunk]
            end = start + len(chunk_pieces)
            no_space = (False,) * len(chunk_pieces)
            entry = (chunk_pieces, chunk_norms, tuple(rows[start:end]), no_space, no_space[:-1] + (True,))
            known[chunk] = entry
            cache[chunk] = entry
            start = end
        return known

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Any]:
        """Tokenize a stream of texts.

        texts (Iterable[str]): the texts.
        batch_size (int): accepted for spaCy compatibility; texts are streamed.
        YIELDS (Doc): one Doc per text, in order.
        """
        for text in texts:
            yield self(text)

    def split(self, text: str) -> tuple[list[str], list[bool], list[tuple[int, str]]]:
        """Split a text into words and trailing spaces without building a Doc.

        text (str): the text.
        RETURNS (tuple): ``(words, spaces, norms)`` where norms lists
            ``(token index, norm)`` set by special cases.
        """
        if not isinstance(text, str):
            raise UsageError(f"Tokenizer expects a str, got {type(text).__name__}: {text!r:.80}")
        words: list[str] = []
        extend = words.extend
        append = words.append
        space_after: list[int] = []
        norms: list[tuple[int, str]] = []
        parts = _WS_SPLIT(text)
        entries = self._learn(parts)
        last = len(parts) - 1
        for i in range(0, last + 1, 2):
            chunk = parts[i]
            if chunk:
                pieces, piece_norms = entries[chunk][:2]
                if piece_norms is not None:
                    start = len(words)
                    norms.extend((start + j, n) for j, n in enumerate(piece_norms) if n is not None)
                extend(pieces)
            if i < last:
                ws = parts[i + 1]
                if chunk and ws[0] == " ":
                    space_after.append(len(words) - 1)
                    ws = ws[1:]
                if ws:
                    append(ws)
        spaces = [False] * len(words)
        for i in space_after:
            spaces[i] = True
        return words, spaces, norms

    def _tokenize_chunk(self, chunk: str) -> Entry:
        entry = self._specials.get(chunk)
        if entry is None and chunk.isascii():
            # A plain word ("the", "1990"), not a special case, that no infix
            # can split: unless a prefix or suffix matches, the general path
            # keeps it whole whatever token_match and url_match say (they
            # only choose between "keep whole" and the infix split, which
            # finds nothing), so at most two regex calls settle it, none
            # when the affix rules provably cannot match such a chunk.
            plan = self._alpha_plan if chunk.isalpha() else self._alnum_plan if chunk.isalnum() else None
            if plan is not None:
                prefix_search, suffix_search = plan
                prefix = prefix_search(chunk) if prefix_search is not None else None
                if prefix is None or prefix.end() == prefix.start():
                    suffix = suffix_search(chunk) if suffix_search is not None else None
                    if suffix is None or suffix.end() == suffix.start():
                        entry = ((chunk,), None)
        if entry is None:
            entry = self._tokenize_affixes(chunk, True)
            if self._affix_specials:
                entry = match_affix_specials(entry, self._affix_specials, self._specials)
        if len(self._cache) >= _MAX_CACHE:
            self._cache = {}
        self._cache[chunk] = entry
        return entry

    def _tokenize_affixes(self, chunk: str, with_specials: bool) -> Entry:
        prefixes: list[str] = []
        suffixes: list[str] = []
        string = self._split_affixes(chunk, prefixes, suffixes, with_specials)
        pieces = list(prefixes)
        norms: list[str | None] | None = None
        if string:
            special = self._specials.get(string) if with_specials else None
            if special is None and with_specials:
                special = self._cache.get(string)
            if special is not None:
                if special[1] is not None:
                    norms = [None] * len(pieces) + list(special[1])
                pieces.extend(special[0])
            elif (self._token_match and self._token_match(string)) or (self._url_match and self._url_match(string)):
                pieces.append(string)
            else:
                pieces.extend(self._split_infixes(string))
        suffixes.reverse()
        if norms is not None:
            norms.extend([None] * (len(pieces) - len(norms) + len(suffixes)))
        pieces.extend(suffixes)
        return tuple(pieces), (tuple(norms) if norms is not None else None)

    def _split_affixes(self, string: str, prefixes: list[str], suffixes: list[str], with_specials: bool) -> str:
        specials = self._specials if with_specials else {}
        prefix_search = self._prefix_search
        suffix_search = self._suffix_search
        token_match = self._token_match
        last_size = -1
        while string and len(string) != last_size:
            if token_match and token_match(string):
                break
            if string in specials:
                break
            last_size = len(string)
            pre_len = 0
            if prefix_search is not None:
                m = prefix_search(string)
                if m is not None:
                    pre_len = m.end() - m.start()
            if pre_len:
                prefix = string[:pre_len]
                minus_pre = string[pre_len:]
                if minus_pre and minus_pre in specials:
                    prefixes.append(prefix)
                    string = minus_pre
                    break
            suf_len = 0
            if suffix_search is not None:
                m = suffix_search(string[pre_len:])
                if m is not None:
                    suf_len = m.end() - m.start()
            if suf_len:
                suffix = string[-suf_len:]
                minus_suf = string[:-suf_len]
                if minus_suf and minus_suf in specials:
                    suffixes.append(suffix)
                    string = minus_suf
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                prefixes.append(string[:pre_len])
                suffixes.append(string[-suf_len:])
                string = string[pre_len:-suf_len]
            elif pre_len:
                prefixes.append(string[:pre_len])
                string = string[pre_len:]
            elif suf_len:
                suffixes.append(string[-suf_len:])
                string = string[:-suf_len]
            if string in specials:
                break
        return string

    def _split_infixes(self, string: str) -> list[str]:
        if self._infix_finditer is None:
            return [string]
        pieces: list[str] = []
        start = 0
        for match in self._infix_finditer(string):
            infix_start, infix_end = match.start(), match.end()
            if infix_start == 0:
                # an infix at the very start is not an infix (spaCy: "-a" stays)
                continue
            if infix_start != start:
                pieces.append(string[start:infix_start])
            if infix_start != infix_end:
                pieces.append(string[infix_start:infix_end])
            start = infix_end
        if start < len(string):
            pieces.append(string[start:])
        return pieces or [string]

    # -- special cases that contain affixes ---------------------------------

    def _rebuild_affix_specials(self) -> None:
        """Index the special cases that affix splitting would cut apart.

        "Mr." inside "(Mr." is found by the affix loop, but a special case
        such as ":)" inside "x:)" is only found by matching its affix-split
        pieces against the pieces of the chunk, which this index enables.
        """
        index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for string in self._specials:
            if " " in string:
                continue  # a chunk never contains a space
            if self._faster_heuristics and not self._has_affix(string):
                continue
            pieces = self._tokenize_affixes(string, False)[0]
            if len(pieces) < 2:
                continue
            index.setdefault(pieces[0], []).append((pieces, string))
        for candidates in index.values():
            candidates.sort(key=lambda c: -len(c[0]))
        self._affix_specials = index

    def _has_affix(self, string: str) -> bool:
        return bool(
            (self._prefix_search and self._prefix_search(string))
            or (self._suffix_search and self._suffix_search(string))
            or (self._infix_finditer and next(iter(self._infix_finditer(string)), None))
        )

    def _match_affix_specials(self, entry: Entry) -> Entry:
        return match_affix_specials(entry, self._affix_specials, self._specials)

    # -- debugging ----------------------------------------------------------

    def explain(self, text: str) -> list[tuple[str, str]]:
        """Say which rule produced each token (slow; for debugging rules).

        text (str): the text.
        RETURNS (list[tuple[str, str]]): ``(rule, token text)`` pairs, rule one
            of PREFIX, SUFFIX, INFIX, SPECIAL-n, TOKEN_MATCH, URL_MATCH, TOKEN.
        """
        from ._explain import explain

        return explain(self, text)

    # -- serialization (in _serialize.py) -----------------------------------

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Serialize the rules: regex patterns, special cases, flags (msgpack).

        exclude (Iterable[str]): keys to leave out.
        RETURNS (bytes): the data.
        """
        return _serialize.to_bytes(self, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> Tokenizer:
        """Load rules saved by ``to_bytes``, replacing the current ones.

        bytes_data (bytes): the data.
        exclude (Iterable[str]): keys to leave as they are.
        RETURNS (Tokenizer): self.
        """
        return _serialize.from_bytes(self, bytes_data, exclude)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the rules to one file (written atomically).

        path (str | Path): the file.
        exclude (Iterable[str]): keys to leave out.
        """
        _serialize.to_disk(self, path, exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Tokenizer:
        """Load rules saved by ``to_disk``.

        path (str | Path): the file.
        exclude (Iterable[str]): keys to leave as they are.
        RETURNS (Tokenizer): self.
        """
        return _serialize.from_disk(self, path, exclude)


def create_tokenizer() -> Callable[[Any], Tokenizer]:
    """Registered as "plait.Tokenizer.v1": build the rule tokenizer of a language.

    RETURNS (Callable[[Language], Tokenizer]): builds the tokenizer from
        ``nlp.Defaults`` (prefixes, suffixes, infixes, tokenizer_exceptions,
        token_match, url_match) and ``nlp.vocab``.
    """

    def tokenizer_factory(nlp: Any) -> Tokenizer:
        defaults = nlp.Defaults
        prefixes = defaults.prefixes
        suffixes = defaults.suffixes
        infixes = defaults.infixes
        return Tokenizer(
            nlp.vocab,
            rules=defaults.tokenizer_exceptions,
            prefix_search=compile_prefix_regex(prefixes).search if prefixes else None,
            suffix_search=compile_suffix_regex(suffixes).search if suffixes else None,
            infix_finditer=compile_infix_regex(infixes).finditer if infixes else None,
            token_match=defaults.token_match,
            url_match=defaults.url_match,
        )

    return tokenizer_factory
