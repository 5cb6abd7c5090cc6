"""Static word vectors: a float32 table and a key -> row map.

``Vectors`` follows spaCy v3's API (``data``, ``shape``, ``find``, ``add``,
``resize``, ``most_similar``, ``n_keys``) so StaticVectors layers and user code
written for spaCy work unchanged. Several keys may share a row (``--prune``
maps dropped words to the row of their nearest kept word).

On disk (``vocab/vectors/``): ``vectors.npy`` (numpy format, read with
``allow_pickle=False`` and memory-mapped copy-on-write) and ``key2row.msgpack``
(keys, rows, name). No pickle anywhere.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import srsly

from .errors import SerializationError, UsageError
from .strings import StringStore, hash_string

_VERSION = 1


class Vectors:
    """A table of word vectors addressed by string hash.

    shape (tuple[int, int] | None): (rows, width) of an empty table to create.
    data (numpy.ndarray | None): an existing float32 table (rows, width).
    keys (Iterable[int | str] | None): one key per row of ``data``.
    name (str | None): the vectors' name (kept in the pipeline meta).
    strings (StringStore | None): where string keys are registered.
    """

    def __init__(self, *, shape: tuple[int, int] | None = None, data: Any = None,
                 keys: Iterable[int | str] | None = None, name: str | None = None,
                 strings: StringStore | None = None, mode: str = "default") -> None:
        if mode != "default":
            raise UsageError(f"Vectors: mode {mode!r} is not supported; plait has only mode 'default'.")
        self.name = name
        self.mode = mode
        self.strings = strings
        if data is None:
            data = np.zeros(shape or (0, 0), dtype=np.float32)
        self.data = np.asarray(data, dtype=np.float32)
        if self.data.ndim != 2:
            raise UsageError(f"Vectors: data must be 2-dimensional, got shape {self.data.shape}")
        self.key2row: dict[int, int] = {}
        self._unset_rows = list(range(self.data.shape[0]))
        # Rows in use and a cursor into _unset_rows, so add() without a row
        # is amortised O(1) (None: recompute from key2row).
        self._used: set[int] | None = None
        self._cursor = 0
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None
        if keys is not None:
            for row, key in enumerate(keys):
                self.add(key, row=row)

    # Properties ------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """RETURNS (tuple[int, int]): (rows, width)."""
        return (int(self.data.shape[0]), int(self.data.shape[1]))

    @property
    def size(self) -> int:
        """RETURNS (int): rows * width."""
        return int(self.data.size)

    @property
    def n_keys(self) -> int:
        """RETURNS (int): how many keys map to a row."""
        return len(self.key2row)

    @property
    def is_full(self) -> bool:
        """RETURNS (bool): whether every row has a key."""
        return self._next_free_row() is None

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __contains__(self, key: int | str) -> bool:
        return self._key(key) in self.key2row

    def __iter__(self) -> Iterator[int]:
        return iter(self.key2row)

    def keys(self) -> Iterable[int]:
        """RETURNS (Iterable[int]): the keys."""
        return self.key2row.keys()

    def values(self) -> Iterator[np.ndarray]:
        """RETURNS (Iterator[numpy.ndarray]): the vector of each key."""
        for row in self.key2row.values():
            yield self.data[row]

    def items(self) -> Iterator[tuple[int, np.ndarray]]:
        """RETURNS (Iterator[tuple[int, numpy.ndarray]]): (key, vector) pairs."""
        for key, row in self.key2row.items():
            yield key, self.data[row]

    def __getitem__(self, key: int | str) -> np.ndarray:
        row = self.key2row.get(self._key(key))
        if row is None:
            raise KeyError(f"[Vectors] no vector for key {key!r}")
        return self.data[row]

    def __setitem__(self, key: int | str, vector: Any) -> None:
        key = self._key(key)
        row = self.key2row.get(key)
        if row is None:
            self.add(key, vector=vector)
        else:
            self._writable()
            self.data[row] = vector

    def _key(self, key: int | str) -> int:
        if isinstance(key, str):
            return self.strings.add(key) if self.strings is not None else hash_string(key)
        return int(key)

    def _next_free_row(self) -> int | None:
        if self._used is None:
            self._used = set(self.key2row.values())
            self._cursor = 0
        rows = self._unset_rows
        while self._cursor < len(rows) and rows[self._cursor] in self._used:
            self._cursor += 1
        return rows[self._cursor] if self._cursor < len(rows) else None

    def _writable(self) -> None:
        # A table loaded memory-mapped is copy-on-write already; a read-only
        # array (e.g. np.frombuffer) becomes an own copy before any write.
        if not self.data.flags.writeable:
            self.data = np.array(self.data, dtype=np.float32)

    # Lookup ------------------------------------------------------------------
    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        # Sorted key and row arrays, rebuilt only after the map changed, so
        # find(keys=...) over a whole batch is one searchsorted.
        if self._lookup is None:
            keys = np.fromiter(self.key2row.keys(), dtype=np.uint64, count=len(self.key2row))
            rows = np.fromiter(self.key2row.values(), dtype=np.int64, count=len(self.key2row))
            order = np.argsort(keys, kind="stable")
            self._lookup = (keys[order], rows[order])
        return self._lookup

    def find(self, *, key: int | str | None = None, keys: Iterable[int | str] | None = None,
             row: int | None = None, rows: Iterable[int] | None = None) -> Any:
        """Rows of keys, or keys of rows.

        key (int | str | None): one key -> its row (-1 if absent).
        keys (Iterable | None): many keys -> int64 array of rows (-1 if absent).
        row (int | None): one row -> list of the keys mapped to it.
        rows (Iterable[int] | None): many rows -> list of one key each (-1 if none).
        RETURNS (Any): as described per argument.
        """
        if key is not None:
            return self.key2row.get(self._key(key), -1)
        if keys is not None:
            if isinstance(keys, np.ndarray) and keys.dtype.kind in "ui":
                query = keys.astype(np.uint64, copy=False).ravel()
            else:
                query = np.fromiter((self._key(k) for k in keys), dtype=np.uint64)
            sorted_keys, sorted_rows = self._sorted()
            if len(sorted_keys) == 0:
                return np.full(len(query), -1, dtype=np.int64)
            pos = np.minimum(np.searchsorted(sorted_keys, query), len(sorted_keys) - 1)
            return np.where(sorted_keys[pos] == query, sorted_rows[pos], -1)
        if row is not None:
            return [k for k, r in self.key2row.items() if r == row]
        if rows is not None:
            first: dict[int, int] = {}
            for k, r in self.key2row.items():
                first.setdefault(r, k)
            return [first.get(int(r), -1) for r in rows]
        raise UsageError("Vectors.find: give one of key, keys, row or rows")

    def get_batch(self, keys: Iterable[int | str]) -> np.ndarray:
        """RETURNS (numpy.ndarray): the vectors of keys (zeros for unknown keys)."""
        rows = self.find(keys=keys)
        out = self.data[np.maximum(rows, 0)].copy() if len(self.data) else np.zeros((len(rows), self.shape[1]), np.float32)
        out[rows < 0] = 0
        return out

    # Changes -------------------------------------------------------------------
    def add(self, key: int | str, *, vector: Any = None, row: int | None = None) -> int:
        """Map a key to a row, optionally writing its vector.

        key (int | str): the key (a string is hashed).
        vector (array | None): the vector to store.
        row (int | None): the row to use; the next free row if None.
        RETURNS (int): the row.
        """
        key = self._key(key)
        if row is None:
            row = self.key2row.get(key)
        if row is None:
            row = self._next_free_row()
            if row is None:
                raise UsageError(
                    f"Vectors.add: the table is full ({self.shape[0]} rows); call resize() first"
                )
        if not 0 <= row < self.shape[0]:
            raise UsageError(f"Vectors.add: row {row} is outside the table of {self.shape[0]} rows")
        self.key2row[key] = int(row)
        self._lookup = None
        if self._used is not None:
            self._used.add(int(row))
        if vector is not None:
            self._writable()
            self.data[row] = vector
        return int(row)

    def resize(self, shape: tuple[int, int]) -> list[tuple[int, int, int]]:
        """Grow or shrink the table; keys of dropped rows are removed.

        shape (tuple[int, int]): the new (rows, width).
        RETURNS (list[tuple[int, int, int]]): (key, old row, new row) of kept keys.
        """
        n_rows, width = int(shape[0]), int(shape[1])
        new = np.zeros((n_rows, width), dtype=np.float32)
        keep_r, keep_w = min(n_rows, self.shape[0]), min(width, self.shape[1])
        new[:keep_r, :keep_w] = self.data[:keep_r, :keep_w]
        old_rows = self.shape[0]
        self.data = new
        self.key2row = {k: r for k, r in self.key2row.items() if r < n_rows}
        self._unset_rows = [r for r in self._unset_rows if r < n_rows] + list(range(old_rows, n_rows))
        self._lookup = None
        self._used = None
        return [(k, r, r) for k, r in self.key2row.items()]

    def prune(self, n_rows: int, *, batch_size: int = 1024) -> dict[int, tuple[int, float]]:
        """Keep the first n_rows rows; map every other key to its nearest kept row.

        Rows are assumed in frequency order (as word2vec files are), so the
        kept rows are the most frequent words.

        n_rows (int): rows to keep.
        batch_size (int): dropped rows compared per matrix product.
        RETURNS (dict[int, tuple[int, float]]): dropped key -> (kept key, cosine).
        """
        if n_rows >= self.shape[0]:
            return {}
        if n_rows < 1:
            raise UsageError(f"Vectors.prune: keep at least one row (got {n_rows})")
        kept = _unit_rows(self.data[:n_rows])
        dropped = self.data[n_rows:]
        best = np.empty(len(dropped), dtype=np.int64)
        scores = np.empty(len(dropped), dtype=np.float32)
        for start in range(0, len(dropped), batch_size):
            sims = _unit_rows(dropped[start:start + batch_size]) @ kept.T
            best[start:start + len(sims)] = sims.argmax(axis=1)
            scores[start:start + len(sims)] = sims.max(axis=1)
        row_key = self.find(rows=range(n_rows))
        remap: dict[int, tuple[int, float]] = {}
        for key, row in list(self.key2row.items()):
            if row >= n_rows:
                new_row = int(best[row - n_rows])
                self.key2row[key] = new_row
                remap[key] = (row_key[new_row], float(scores[row - n_rows]))
        self.data = np.ascontiguousarray(self.data[:n_rows], dtype=np.float32)
        self._unset_rows = [r for r in self._unset_rows if r < n_rows]
        self._lookup = None
        self._used = None
        return remap

    def most_similar(self, queries: Any, *, batch_size: int = 1024, n: int = 1,
                     sort: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The n rows nearest (cosine) to each query vector.

        queries (array): (n_queries, width) vectors.
        batch_size (int): queries per matrix product.
        n (int): neighbours per query.
        sort (bool): best first.
        RETURNS (tuple): (keys, rows, scores), each (n_queries, n); the key is
            one key of the row.
        """
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.shape[1])
        n = min(n, self.shape[0])
        table = _unit_rows(self.data)
        best_rows = np.zeros((len(queries), n), dtype=np.int64)
        scores = np.zeros((len(queries), n), dtype=np.float32)
        for start in range(0, len(queries), batch_size):
            sims = _unit_rows(queries[start:start + batch_size]) @ table.T
            top = np.argpartition(-sims, n - 1, axis=1)[:, :n] if n < sims.shape[1] else np.tile(np.arange(sims.shape[1]), (len(sims), 1))
            top_scores = np.take_along_axis(sims, top, axis=1)
            if sort:
                order = np.argsort(-top_scores, axis=1, kind="stable")
                top = np.take_along_axis(top, order, axis=1)
                top_scores = np.take_along_axis(top_scores, order, axis=1)
            best_rows[start:start + len(sims)] = top
            scores[start:start + len(sims)] = top_scores
        # A row without a key reports key 0.
        row_key = np.array([max(k, 0) for k in self.find(rows=range(self.shape[0]))], dtype=np.uint64)
        return row_key[best_rows], best_rows, np.clip(scores, -1.0, 1.0)

    # Serialisation -------------------------------------------------------------
    def _meta(self) -> dict[str, Any]:
        keys = np.fromiter(self.key2row.keys(), dtype=np.uint64, count=len(self.key2row))
        rows = np.fromiter(self.key2row.values(), dtype=np.int64, count=len(self.key2row))
        return {"version": _VERSION, "name": self.name, "mode": self.mode,
                "keys": keys.tobytes(), "rows": rows.tobytes(), "shape": list(self.shape)}

    def _set_meta(self, msg: Any, where: str) -> None:
        if not isinstance(msg, dict) or msg.get("version") != _VERSION:
            raise SerializationError(f"{where}: not a plait vectors key table (version {_VERSION})")
        keys = np.frombuffer(msg["keys"], dtype=np.uint64)
        rows = np.frombuffer(msg["rows"], dtype=np.int64)
        if len(keys) != len(rows) or (len(rows) and int(rows.max()) >= self.shape[0]):
            raise SerializationError(
                f"{where}: the key table points past the {self.shape[0]} rows of the vectors"
            )
        self.name = msg.get("name")
        self.key2row = dict(zip(keys.tolist(), rows.tolist(), strict=True))
        self._unset_rows = []
        self._lookup = None
        self._used = None

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """RETURNS (bytes): the table (numpy format) and key map, as msgpack."""
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(self.data), allow_pickle=False)
        return srsly.msgpack_dumps({**self._meta(), "data": buf.getvalue()})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> Vectors:
        """Load what ``to_bytes`` wrote. RETURNS (Vectors): self."""
        try:
            msg = srsly.msgpack_loads(data)
            self.data = np.load(io.BytesIO(msg["data"]), allow_pickle=False).astype(np.float32, copy=False)
        except (ValueError, TypeError, KeyError) as err:
            raise SerializationError(f"Vectors.from_bytes: invalid vectors data ({err})") from err
        self._set_meta(msg, "Vectors.from_bytes")
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write ``vectors.npy`` and ``key2row.msgpack`` into the folder ``path``."""
        from . import fs

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(self.data), allow_pickle=False)
        fs.write_bytes(path / "vectors.npy", buf.getvalue())
        fs.write_msgpack(path / "key2row.msgpack", self._meta())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Vectors:
        """Read a folder written by ``to_disk`` (the table memory-mapped). RETURNS (Vectors): self."""
        path = Path(path)
        try:
            # mmap "c": pages are read on demand and writes stay in memory.
            data = np.load(path / "vectors.npy", mmap_mode="c", allow_pickle=False)
            msg = srsly.read_msgpack(path / "key2row.msgpack")
        except (OSError, ValueError) as err:
            raise SerializationError(f"{path}: cannot read vectors ({err})") from err
        if data.ndim != 2 or data.dtype != np.float32:
            raise SerializationError(f"{path / 'vectors.npy'}: expected a 2-d float32 table, got "
                                     f"{data.dtype} {data.shape}")
        self.data = data
        self._set_meta(msg, str(path / "key2row.msgpack"))
        return self


def _unit_rows(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table, dtype=np.float32)
    norms = np.linalg.norm(table, axis=1, keepdims=True)
    return table / np.where(norms == 0, 1.0, norms)


def mean_vector(vocab: Any, lex_rows: np.ndarray) -> np.ndarray:
    """The mean of the vectors of some lexemes (zeros for those without one).

    vocab (Vocab): the vocab holding the vectors.
    lex_rows (numpy.ndarray): lexeme rows (a Doc's ``_lex`` slice).
    RETURNS (numpy.ndarray): float32 (width,); zeros if no vectors.
    """
    vectors = vocab.vectors
    width = vectors.shape[1] if vectors is not None else 0
    if len(lex_rows) == 0 or vectors is None or width == 0:
        return np.zeros(width, dtype=np.float32)
    orths = vocab._cols["orth"][lex_rows]
    return vectors.get_batch(orths).mean(axis=0).astype(np.float32)


def has_vector(vocab: Any, lex_rows: np.ndarray) -> bool:
    """RETURNS (bool): whether any of the lexemes has a vector."""
    vectors = vocab.vectors
    if vectors is None or vectors.n_keys == 0 or len(lex_rows) == 0:
        return False
    return bool((vectors.find(keys=vocab._cols["orth"][lex_rows]) >= 0).any())


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """RETURNS (float): the cosine of two vectors (0.0 if either is all zeros)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))
