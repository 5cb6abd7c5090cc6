"""Vocab: the string store plus the lexeme table as numpy columns.

Every word type the pipeline sees gets one row, whose attributes (orth,
lower, norm, prefix, suffix, shape, length as uint64 hashes/ints, and the
boolean flags as bits of one uint64) are computed once from the language's
``lex_attr_getters``. A Doc stores row ids, so ``doc.to_array([NORM,
PREFIX, SUFFIX, SHAPE])`` is one numpy fancy-index per column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import srsly

from . import attrs as A
from .errors import DataError, SerializationError, UsageError
from .lexeme import ASCII_ALPHA_FLAGS, DEFAULT_GETTERS, Lexeme
from .morphology import Morphology
from .strings import StringStore
from .vectors import Vectors

_HASH_COLS = {
    A.ORTH: "orth",
    A.LOWER: "lower",
    A.NORM: "norm",
    A.PREFIX: "prefix",
    A.SUFFIX: "suffix",
    A.SHAPE: "shape",
}
_COLS = (*_HASH_COLS.values(), "length", "flags")


class Vocab:
    """Strings, lexemes and morphology shared by every Doc of a pipeline.

    strings (StringStore | Iterable[str] | None): initial strings.
    lex_attr_getters (dict[int, Callable[[str], Any]] | None): attribute id
        -> function of the text; defaults cover what is missing.
    lookups (Any): the language's lookup tables, kept for components.
    writing_system (dict | None): e.g. ``{"direction": "ltr"}``.
    get_noun_chunks (Callable | None): the language's noun-chunk iterator.
    vectors_name (str | None): the name of the (initially empty) vectors table.
    oov_prob: accepted for spaCy compatibility.
    """

    def __init__(
        self,
        strings: StringStore | Iterable[str] | None = None,
        lex_attr_getters: dict[int, Callable[[str], Any]] | None = None,
        *,
        lookups: Any = None,
        writing_system: dict[str, Any] | None = None,
        get_noun_chunks: Callable | None = None,
        vectors_name: str | None = None,
        oov_prob: float = -20.0,
    ) -> None:
        if isinstance(strings, StringStore):
            self.strings = strings
        else:
            self.strings = StringStore(strings)
        self.lex_attr_getters = dict(lex_attr_getters or {})
        self.lookups = lookups
        self.writing_system = dict(writing_system or {})
        self.get_noun_chunks = get_noun_chunks
        self.morphology = Morphology(self.strings)
        self.vectors = Vectors(strings=self.strings, name=vectors_name)
        self._index: dict[str, int] = {}
        self._lex_texts: list[str] = []
        self._size = 0
        # One (columns, capacity) block; _cols holds its rows by name, so a
        # batch of new lexemes is one write however many columns there are.
        self._block = np.zeros((len(_COLS), 64), dtype=np.uint64)
        self._cols: dict[str, np.ndarray] = dict(zip(_COLS, self._block, strict=True))
        self._getters_cache: tuple | None = None

    @property
    def lang(self) -> str:
        """RETURNS (str): the language code, from the LANG getter ("" if none)."""
        getter = self.lex_attr_getters.get(A.LANG)
        return getter("") if getter is not None else ""

    def __len__(self) -> int:
        return self._size

    def __contains__(self, key: str | int) -> bool:
        if isinstance(key, str):
            return key in self._index
        text = self.strings.get(int(key))
        return text is not None and text in self._index

    def __iter__(self) -> Iterator[Lexeme]:
        for row in range(self._size):
            yield Lexeme(self, row)

    def __getitem__(self, key: str | int) -> Lexeme:
        """Return the lexeme for a string or an orth hash (created if new)."""
        if not isinstance(key, str):
            text = self.strings.get(int(key))
            if text is None:
                raise KeyError(
                    f"[Vocab] no string for orth id {key}; look lexemes up by text instead"
                )
            key = text
        return Lexeme(self, self.get_lex_id(key))

    def get_lex_id(self, text: str) -> int:
        """Return the lexeme row of one string, adding it when new."""
        row = self._index.get(text)
        if row is None:
            row = int(self._add_lexemes([text])[0])
        return row

    def get_lex_ids(self, words: list[str]) -> np.ndarray:
        """Return the lexeme rows of many strings, adding the new ones in bulk.

        words (list[str]): the strings.
        RETURNS (numpy.ndarray): int64 row ids, one per word.
        """
        rows = list(map(self._index.get, words))
        if None in rows:
            missing = list(dict.fromkeys(w for w, r in zip(words, rows, strict=False) if r is None))
            self._add_lexemes(missing)
            rows = list(map(self._index.__getitem__, words))
        return np.fromiter(rows, dtype=np.int64, count=len(rows))

    def _getters(self) -> tuple:
        # The merged getter table, resolved once (and again if the dict changes).
        # The key is the dict's items (in insertion order): equal whenever the
        # getters are; a reordered but equal dict only costs one rebuild.
        key = tuple(self.lex_attr_getters.items())
        if self._getters_cache is None or self._getters_cache[0] != key:
            getters = {**DEFAULT_GETTERS, **self.lex_attr_getters}
            lower = getters[A.LOWER]
            norm = getters.get(A.NORM)  # None: norm is the lowercase form
            flags = [(attr, getters[attr]) for attr in A.FLAG_ATTRS if attr in getters]
            # For ASCII letters-only words: the bits of the default getters
            # whose answer is known (see ASCII_ALPHA_FLAGS), and the getters
            # still to call; (bit, getter) pairs save a shift per call.
            alpha_bits = 0
            alpha_getters = []
            for attr, getter in flags:
                known = ASCII_ALPHA_FLAGS.get(attr)
                if known is not None and known[0] is getter:
                    alpha_bits |= (1 << attr) if known[1] else 0
                else:
                    alpha_getters.append((1 << attr, getter))
            resolved = (
                lower, norm, getters[A.PREFIX], getters[A.SUFFIX], getters[A.SHAPE], flags,
                [(1 << attr, getter) for attr, getter in flags], alpha_bits, alpha_getters,
            )  # fmt: skip
            self._getters_cache = (key, resolved)
        return self._getters_cache[1]

    def _add_lexemes(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            if not isinstance(text, str) or not text:
                raise DataError(f"words must be non-empty strings, got {text!r}")
        if not texts:
            return np.zeros(0, dtype=np.int64)
        (lower, norm, prefix, suffix, shape, flag_getters,
         bit_getters, alpha_bits, alpha_getters) = self._getters()  # fmt: skip
        strings = self.strings
        start = self._size
        n_new = len(texts)
        self._grow(start + n_new)
        stop = start + n_new
        lowers = list(map(lower, texts))
        norms = lowers if norm is None else list(map(norm, texts))
        prefixes = list(map(prefix, texts))
        suffixes = list(map(suffix, texts))
        shapes = list(map(shape, texts))
        # Column order of _COLS: orth, lower, norm, prefix, suffix, shape (strings
        # added column by column, which fixes the StringStore's order), length, flags.
        values = (texts, lowers, norms, prefixes, suffixes, shapes)
        if n_new < 64:
            # Few new words (the usual case while building docs one by one):
            # per-call numpy overhead would dominate, so go word by word.
            flag_values = []
            for text in texts:
                if text.isascii() and text.isalpha():  # most words: few getters to call
                    flags = alpha_bits
                    for bit, getter in alpha_getters:
                        if getter(text):
                            flags |= bit
                else:
                    flags = 0
                    for bit, getter in bit_getters:
                        if getter(text):
                            flags |= bit
                flag_values.append(flags)
            # Known strings (most prefixes, suffixes, shapes, and lowers equal
            # to their orth) cost a dict lookup; only new ones are hashed.
            known = strings._ids.get
            add = strings.add
            table = [[known(v) or add(v) for v in column] for column in values]
            table.append([len(t) for t in texts])
            table.append(flag_values)
            self._block[:, start:stop] = table
        else:
            # Many new words (loading a corpus): column by column, C-level
            # iteration for the getters and one numpy op per flag.
            flags_col = np.zeros(n_new, dtype=np.uint64)
            for attr, getter in flag_getters:
                flags_col |= np.fromiter(map(getter, texts), dtype=bool, count=n_new).astype(
                    np.uint64
                ) << np.uint64(attr)
            for name, column in zip(_COLS, values, strict=False):
                self._cols[name][start:stop] = strings.hashes(column)
            self._cols["length"][start:stop] = np.fromiter(
                map(len, texts), dtype=np.uint64, count=n_new
            )
            self._cols["flags"][start:stop] = flags_col
        self._index.update(zip(texts, range(start, start + n_new), strict=False))
        self._lex_texts.extend(texts)
        self._size = start + n_new
        return np.arange(start, start + n_new, dtype=np.int64)

    def _grow(self, needed: int) -> None:
        capacity = len(self._cols["orth"])
        if needed <= capacity:
            return
        while capacity < needed:
            capacity *= 2
        grown = np.zeros((len(_COLS), capacity), dtype=np.uint64)
        grown[:, : self._block.shape[1]] = self._block
        self._block = grown
        self._cols = dict(zip(_COLS, grown, strict=True))

    def _set_flag(self, row: int, flag_id: int, value: bool) -> None:
        bit = np.uint64(1 << flag_id)
        col = self._cols["flags"]
        col[row] = (col[row] | bit) if value else (col[row] & ~bit)

    def lex_column(self, attr: int) -> np.ndarray:
        """Return one lexeme attribute for every row, as uint64.

        attr (int): ORTH, LOWER, NORM, PREFIX, SUFFIX, SHAPE, LENGTH, LANG or a flag id.
        RETURNS (numpy.ndarray): a view (hash columns) or a new array (flags).
        """
        n = self._size
        if attr in _HASH_COLS:
            return self._cols[_HASH_COLS[attr]][:n]
        if attr == A.LENGTH:
            return self._cols["length"][:n]
        if attr in A.FLAG_ATTRS:
            return (self._cols["flags"][:n] >> np.uint64(attr)) & np.uint64(1)
        if attr == A.LANG:
            return np.full(n, self.strings.add(self.lang), dtype=np.uint64)
        raise UsageError(f"{A.NAMES.get(attr, attr)} is not a lexeme attribute")

    def _lex_values(self, attr: int, rows: np.ndarray) -> np.ndarray:
        """One lexeme attribute for the given rows (``lex_column(attr)[rows]``
        without computing flag bits for the whole table).

        attr (int): as for ``lex_column``.
        rows (numpy.ndarray): lexeme rows.
        RETURNS (numpy.ndarray): uint64, one value per row.
        """
        name = _HASH_COLS.get(attr)
        if name is not None:
            return self._cols[name][rows]
        if attr == A.LENGTH:
            return self._cols["length"][rows]
        if attr in A.FLAG_ATTRS:
            return (self._cols["flags"][rows] >> np.uint64(attr)) & np.uint64(1)
        return self.lex_column(attr)[rows]

    # Serialisation -------------------------------------------------------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Serialise strings, lexemes (with their norm and flags) and lookups."""
        exclude = set(exclude)
        n = self._size
        data: dict[str, Any] = {"version": 1}
        if "strings" not in exclude:
            data["strings"] = list(self.strings)
        if "lexemes" not in exclude:
            data["lexemes"] = self._lex_texts
            data["norm"] = self._cols["norm"][:n].tobytes()
            data["flags"] = self._cols["flags"][:n].tobytes()
        if (
            "lookups" not in exclude
            and self.lookups is not None
            and hasattr(self.lookups, "to_bytes")
        ):
            data["lookups"] = self.lookups.to_bytes()
        if "vectors" not in exclude and self.vectors.shape[0]:
            data["vectors"] = self.vectors.to_bytes()
        return srsly.msgpack_dumps(data)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> Vocab:
        """Load what ``to_bytes`` wrote. RETURNS (Vocab): self."""
        try:
            msg = srsly.msgpack_loads(data)
            if not isinstance(msg, dict) or "version" not in msg:
                raise ValueError("not a plait vocab")
            for s in msg.get("strings", []):
                self.strings.add(s)
            texts = msg.get("lexemes")
            if texts:
                rows = self.get_lex_ids(texts)
                self._cols["norm"][rows] = np.frombuffer(msg["norm"], dtype=np.uint64)
                self._cols["flags"][rows] = np.frombuffer(msg["flags"], dtype=np.uint64)
        except (ValueError, TypeError, KeyError) as err:
            raise SerializationError(f"Vocab.from_bytes: invalid vocab data ({err})") from err
        if "vectors" in msg and "vectors" not in set(exclude):
            self.vectors = Vectors(strings=self.strings).from_bytes(msg["vectors"])
        if "lookups" in msg and self.lookups is not None and hasattr(self.lookups, "from_bytes"):
            self.lookups.from_bytes(msg["lookups"])
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the vocab into the folder ``path`` (file ``vocab.msgpack``,
        and ``vectors/`` when the vocab has vectors)."""
        from . import fs

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        fs.write_bytes(path / "vocab.msgpack", self.to_bytes(exclude={*exclude, "vectors"}))
        if "vectors" not in exclude and self.vectors.shape[0]:
            self.vectors.to_disk(path / "vectors")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Vocab:
        """Read a vocab folder written by ``to_disk``. RETURNS (Vocab): self."""
        file = Path(path) / "vocab.msgpack"
        try:
            data = file.read_bytes()
        except OSError as err:
            raise SerializationError(f"{file}: cannot read vocab ({err})") from err
        try:
            self.from_bytes(data, exclude=exclude)
        except SerializationError as err:
            raise SerializationError(f"{file}: {err}") from err
        if "vectors" not in exclude and (Path(path) / "vectors").is_dir():
            self.vectors = Vectors(strings=self.strings).from_disk(Path(path) / "vectors")
        return self
