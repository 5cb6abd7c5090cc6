"""StringStore: strings <-> 64-bit ids, the same ids spaCy uses.

Every string-valued annotation (words, tags, labels, lemmas) is stored in
arrays as a ``uint64`` hash: MurmurHash64A with seed 1 of the UTF-8 bytes,
so corpora hashed by plait and by spaCy agree. The ``murmurhash`` package
exposes the 64-bit function only through its Cython C-API capsule, so we
call it through ctypes, once per new string, and cache the result.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import srsly

from .errors import SerializationError, UsageError


def _load_hash64():
    import murmurhash.mrmr as mrmr

    capsule = mrmr.__pyx_capi__["hash64"]
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    pointer = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))
    proto = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint64)
    return proto(pointer)


_HASH64 = _load_hash64()


def hash_string(string: str) -> int:
    """Hash a string as spaCy does (MurmurHash64A, seed 1, UTF-8).

    string (str): the string; "" hashes to 0.
    RETURNS (int): the 64-bit id.
    """
    if not string:
        return 0
    data = string.encode("utf8")
    return _HASH64(data, len(data), 1)


class StringStore:
    """Map strings to 64-bit hashes and back.

    strings (Iterable[str] | None): strings to add at creation.
    """

    def __init__(self, strings: Iterable[str] | None = None) -> None:
        # Two dicts: str -> id for adding, id -> str for lookup. Insertion
        # order is kept so that serialisation is deterministic.
        self._to_id: dict[str, int] = {}
        self._to_str: dict[int, str] = {}
        # A superset of _to_id that also maps "" and None to 0, for the
        # batched lookups (one C-level map() instead of a Python loop).
        self._ids: dict[str | None, int] = {"": 0, None: 0}
        if strings is not None:
            for s in strings:
                self.add(s)

    def add(self, string: str) -> int:
        """Add a string and return its hash.

        string (str): the string.
        RETURNS (int): its 64-bit id.
        """
        key = self._ids.get(string) if string is not None else None
        if key is not None:
            return key
        if not isinstance(string, str):
            raise UsageError(
                f"StringStore.add expects a str, got {type(string).__name__}: {string!r}"
            )
        key = hash_string(string)
        if key:
            self._to_id[string] = key
            self._to_str[key] = string
            self._ids[string] = key
        return key

    def _add_known(self, strings: list[str], keys: list[int]) -> None:
        # Register strings whose hashes the caller already has (a DocBin's
        # string table), skipping the hash function.
        pairs = [(s, k) for s, k in zip(strings, keys, strict=True) if k]
        self._to_id.update(pairs)
        self._ids.update(pairs)
        self._to_str.update((k, s) for s, k in pairs)

    def hashes(self, strings: Iterable[str | None]) -> np.ndarray:
        """Add strings (None and "" give 0) and return their ids as uint64.

        strings (Iterable[str | None]): the strings.
        RETURNS (numpy.ndarray): uint64 ids, one per string.
        """
        values = strings if isinstance(strings, list) else list(strings)
        keys = list(map(self._ids.get, values))
        if None in keys:
            keys = [self.add(v) if k is None else k for k, v in zip(keys, values, strict=False)]
        return np.fromiter(keys, dtype=np.uint64, count=len(keys))

    def add_many(self, strings: Iterable[str]) -> list[int]:
        """Add several strings at once. RETURNS (list[int]): their ids."""
        values = strings if isinstance(strings, list) else list(strings)
        keys = list(map(self._ids.get, values))
        if None in keys:
            keys = [self.add(v) if k is None else k for k, v in zip(keys, values, strict=False)]
        return keys

    def as_string(self, key: int | str) -> str:
        """Return the string for an id (or the string itself)."""
        if isinstance(key, str):
            return key
        return self[key]

    def as_int(self, key: int | str) -> int:
        """Return the id for a string (or the id itself), adding nothing."""
        if isinstance(key, str):
            return hash_string(key)
        return int(key)

    def __getitem__(self, key: int | str) -> int | str:
        if isinstance(key, str):
            known = self._ids.get(key)
            return known if known is not None else hash_string(key)
        key = int(key)
        if key == 0:
            return ""
        try:
            return self._to_str[key]
        except KeyError:
            raise KeyError(
                f"[StringStore] no string for id {key}: add the string with "
                "vocab.strings.add(...) before looking it up by id"
            ) from None

    def get(self, key: int, default: str | None = None) -> str | None:
        """Return the string for id ``key``, or ``default`` when unknown."""
        if key == 0:
            return ""
        return self._to_str.get(int(key), default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            return key == "" or key in self._to_id
        try:
            k = int(key)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return False
        return k == 0 or k in self._to_str

    def __len__(self) -> int:
        return len(self._to_id)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._to_id))

    def to_bytes(self, **kwargs) -> bytes:
        """Serialise as a msgpack list of strings. RETURNS (bytes)."""
        return srsly.msgpack_dumps(list(self._to_id))

    def from_bytes(self, data: bytes, **kwargs) -> StringStore:
        """Load strings from ``to_bytes`` output. RETURNS (StringStore): self."""
        try:
            strings = srsly.msgpack_loads(data)
        except Exception as err:
            raise SerializationError(
                f"StringStore.from_bytes: not a msgpack list of strings ({err})"
            ) from err
        if not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
            raise SerializationError("StringStore.from_bytes: expected a msgpack list of strings")
        for s in strings:
            self.add(s)
        return self

    def to_disk(self, path: str | Path, **kwargs) -> None:
        """Write the strings to ``path`` (atomically)."""
        from . import fs

        fs.write_bytes(Path(path), self.to_bytes())

    def from_disk(self, path: str | Path, **kwargs) -> StringStore:
        """Read strings written by ``to_disk``. RETURNS (StringStore): self."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise SerializationError(f"{path}: cannot read strings ({err})") from err
        try:
            return self.from_bytes(data)
        except SerializationError as err:
            raise SerializationError(f"{path}: {err}") from err
