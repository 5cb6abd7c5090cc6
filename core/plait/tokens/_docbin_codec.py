"""Column codecs of the ``.plait`` format: blocks of docs <-> chunk payloads.

Why each trick (measured on UD EWT train):
- string-valued columns are dictionary-coded: distinct values per chunk,
  each a code into the file's string table, and per-token codes ranked by
  frequency in the smallest unsigned dtype (byte-shuffled when wider than a
  byte), so zlib sees long runs of small numbers;
- TAG, POS, MORPH and DEP are coded *jointly* (one code per distinct
  combination): they predict each other, and the joint column compresses to
  less than half of the four separate ones; likewise the entity columns;
- a lemma equal to its word or to the word's lowercase form is coded as such;
- heads are small signed offsets, spaces a bit array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import attrs as A
from ..errors import SerializationError
from ..strings import hash_string
from . import _docbin_io as io_

HASH_ATTRS = {A.TAG, A.DEP, A.LEMMA, A.MORPH, A.ENT_TYPE, A.ENT_KB_ID, A.ENT_ID, A.NORM}
JOINT_GROUPS = ((A.TAG, A.POS, A.MORPH, A.DEP), (A.ENT_IOB, A.ENT_TYPE, A.ENT_KB_ID, A.ENT_ID))
# Lemma sentinels; a real hash equal to 1 or 2 has probability 2**-63.
_SAME_AS_ORTH, _SAME_AS_LOWER = 1, 2
_LEMMA_SPECIALS = {0: 0, _SAME_AS_ORTH: 1, _SAME_AS_LOWER: 2}


class Block:
    """Concatenated columns of consecutive docs (hashes as uint64)."""

    __slots__ = ("lengths", "orth", "spaces", "cols", "cats", "spans", "user_data")

    def __init__(self, lengths: np.ndarray, orth: np.ndarray, spaces: np.ndarray, cols: dict[int, np.ndarray],
                 cats: list[dict], spans: list[dict | None], user_data: list[list | None]) -> None:  # fmt: skip
        self.lengths = lengths
        self.orth = orth
        self.spaces = spaces
        self.cols = cols
        self.cats = cats
        self.spans = spans
        self.user_data = user_data

    @classmethod
    def concat(cls, blocks: list[Block]) -> Block:
        if len(blocks) == 1:
            return blocks[0]
        return cls(
            np.concatenate([b.lengths for b in blocks]),
            np.concatenate([b.orth for b in blocks]),
            np.concatenate([b.spaces for b in blocks]),
            {attr: np.concatenate([b.cols[attr] for b in blocks]) for attr in blocks[0].cols},
            [c for b in blocks for c in b.cats],
            [s for b in blocks for s in b.spans],
            [u for b in blocks for u in b.user_data],
        )


class Table:
    """The string table a reader accumulates, chunk by chunk."""

    def __init__(self) -> None:
        self.strings: list[str] = [""]
        self.hashes = np.zeros(1, dtype=np.uint64)
        self.by_hash: dict[int, str] = {0: ""}
        self.lower_cache: dict[int, int] = {}
        self._undrained: list[tuple[int, str]] = []

    def extend(self, new: list[str]) -> None:
        keys = [hash_string(s) for s in new]
        self.strings.extend(new)
        self.hashes = np.concatenate([self.hashes, np.array(keys, dtype=np.uint64)])
        self.by_hash.update(zip(keys, new, strict=True))
        self._undrained.extend(zip(keys, new, strict=True))

    def _register(self, key: int, text: str) -> None:
        self.by_hash[key] = text
        self._undrained.append((key, text))

    def drain(self) -> tuple[list[str], list[int]]:
        """The strings (and hashes) learnt since the last call, for a StringStore."""
        pairs, self._undrained = self._undrained, []
        return [t for _, t in pairs], [k for k, _ in pairs]

    def lower_hashes(self, orth: np.ndarray) -> np.ndarray:
        # The lowercase forms become strings of the table: lemmas refer to them.
        return lower_hashes(
            orth, self.by_hash.__getitem__, self.lower_cache, self.by_hash.__setitem__
        )


def lower_hashes(
    orth: np.ndarray, text_of: Any, cache: dict[int, int], register: Any = None
) -> np.ndarray:
    """Hash of ``str.lower()`` of each token's text (cached per distinct orth)."""
    uniq = np.unique(orth)
    out = []
    for key in uniq.tolist():
        low = cache.get(key)
        if low is None:
            text = text_of(key)
            lowered = text.lower()
            low = key if lowered == text else hash_string(lowered)
            cache[key] = low
            if register is not None and low != key:
                register(low, lowered)
        out.append(low)
    return np.array(out, dtype=np.uint64)[np.searchsorted(uniq, orth)]


def _pack_codes(codes: np.ndarray, n_values: int) -> list[Any]:
    arr = codes.astype(io_.smallest_uint(max(n_values - 1, 0)))
    if arr.itemsize > 1:  # byte planes: the high bytes are mostly 0 and compress away
        return [arr.dtype.str, arr.view(np.uint8).reshape(-1, arr.itemsize).T.tobytes(), 1]
    return [arr.dtype.str, arr.tobytes()]


def _unpack_codes(value: Any, size: int, where: str) -> np.ndarray:
    if isinstance(value, list) and len(value) == 3 and value[2] == 1:
        dtype_str, raw = value[0], value[1]
        arr = io_.unpack_array([dtype_str, raw], size, where)
        return arr.view(np.uint8).reshape(arr.itemsize, size).T.copy().view(arr.dtype).reshape(size)
    return io_.unpack_array(value, size, where)


def _by_frequency(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber codes so the most frequent is 0. RETURNS (new codes, order)."""
    order = np.argsort(-np.bincount(codes, minlength=n), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank[codes], order


class _Encoder:
    """Encodes blocks into chunk payloads, growing one string table."""

    def __init__(self, resolve: Any) -> None:
        self.resolve = resolve
        self.table: dict[int, int] = {0: 0}
        self.lower_cache: dict[int, int] = {}
        self.new_strings: list[str] = []

    def string_code(self, key: int, where: str) -> int:
        code = self.table.get(key)
        if code is None:
            code = self.table[key] = len(self.table)
            self.new_strings.append(self.resolve(key, where))
        return code

    def dictionary(self, attr: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(distinct values as stored, per-token codes) for one column."""
        uniq = np.unique(values)
        codes = np.searchsorted(uniq, values)
        if attr in HASH_ATTRS or attr == A.ORTH:
            label = A.NAMES.get(attr, str(attr))
            specials = _LEMMA_SPECIALS if attr == A.LEMMA else None
            stored = [
                specials[k]
                if specials and k in specials
                else (self.string_code(k, label) + (3 if specials else 0))
                for k in uniq.tolist()
            ]
            return np.array(stored, dtype=np.int64), codes
        return uniq.astype(np.int64), codes

    def encode(self, block: Block, cols: list[int]) -> dict[str, Any]:
        self.new_strings = []
        n_tokens = len(block.orth)
        values: dict[int, np.ndarray] = {}
        for attr in cols:
            col = block.cols[attr]
            if attr == A.LEMMA:
                lower = lower_hashes(
                    block.orth, lambda k: self.resolve(k, "ORTH"), self.lower_cache
                )
                col = col.copy()
                col[(col == lower) & (col != 0)] = _SAME_AS_LOWER
                col[(col == block.orth) & (col != 0)] = _SAME_AS_ORTH
            values[attr] = col
        columns: list[Any] = []
        done: set[int] = set()
        for group in JOINT_GROUPS:
            members = [a for a in group if a in values]
            if len(members) < 2:
                continue
            dicts, codes = zip(*(self.dictionary(a, values[a]) for a in members), strict=False)
            joint = codes[0].astype(np.int64)
            for dictionary, code in zip(dicts[1:], codes[1:], strict=False):
                joint = joint * len(dictionary) + code
                joint = np.searchsorted(np.unique(joint), joint)  # keep it dense
            n_joint = int(joint.max(initial=-1)) + 1
            joint, _ = _by_frequency(joint, n_joint)
            rep = np.zeros(n_joint, dtype=np.int64)
            rep[joint] = np.arange(n_tokens)
            columns.append({
                "attrs": members,
                "dicts": [io_.pack_array(d.astype(io_.smallest_int(d))) for d in dicts],
                "table": [io_.pack_array(c[rep].astype(io_.smallest_uint(len(d)))) for c, d in zip(codes, dicts, strict=False)],
                "codes": _pack_codes(joint, n_joint),
            })  # fmt: skip
            done.update(members)
        for attr in [A.ORTH, *cols]:
            if attr in done:
                continue
            if attr in (A.HEAD, A.SENT_START):
                col = values[attr]
                columns.append(
                    {"attrs": [attr], "raw": io_.pack_array(col.astype(io_.smallest_int(col)))}
                )
                continue
            dictionary, codes = self.dictionary(
                attr, block.orth if attr == A.ORTH else values[attr]
            )
            codes, order = _by_frequency(codes, len(dictionary))
            dictionary = dictionary[order]
            columns.append({"attrs": [attr], "dicts": [io_.pack_array(dictionary.astype(io_.smallest_int(dictionary)))],
                            "codes": _pack_codes(codes, len(dictionary))})  # fmt: skip
        spans = None
        if any(s is not None for s in block.spans):
            code = self.string_code
            spans = [
                None if s is None else {name: [[st, en, code(lb, "spans"), code(kb, "spans"), code(sid, "spans")]
                                               for st, en, lb, kb, sid in group] for name, group in s.items()}
                for s in block.spans
            ]  # fmt: skip
        payload: dict[str, Any] = {
            "n_docs": len(block.lengths),
            "n_tokens": n_tokens,
            "strings": self.new_strings,
            "lengths": io_.pack_array(
                block.lengths.astype(io_.smallest_uint(int(block.lengths.max(initial=0))))
            ),
            "spaces": np.packbits(block.spaces).tobytes(),
            "columns": columns,
        }
        if any(block.cats):
            payload["cats"] = block.cats
        if spans is not None:
            payload["spans"] = spans
        if any(u is not None for u in block.user_data):
            payload["user_data"] = block.user_data
        return payload


Encoder = _Encoder


def _array(value: Any, where: str) -> np.ndarray:
    try:
        dtype = np.dtype(value[0])
        size = len(value[1]) // dtype.itemsize
    except (TypeError, ValueError, IndexError, ZeroDivisionError) as err:
        raise SerializationError(f"{where}: invalid array encoding ({err})") from err
    return io_.unpack_array(value, size, where)


def decode_block(payload: dict[str, Any], cols: list[int], table: Table, where: str) -> Block:
    """Inverse of ``Encoder.encode``: raises SerializationError on any inconsistency."""
    new = payload["strings"]
    if not isinstance(new, list) or not all(isinstance(s, str) for s in new):
        raise SerializationError(
            f"{where}: corrupt DocBin: the string table is not a list of strings"
        )
    table.extend(new)
    n_docs = int(payload["n_docs"])
    n_tokens = int(payload["n_tokens"])
    lengths = io_.unpack_array(payload["lengths"], n_docs, f"{where} lengths").astype(np.int64)
    if int(lengths.sum()) != n_tokens:
        raise SerializationError(
            f"{where}: corrupt DocBin: doc lengths add up to {lengths.sum()}, not {n_tokens}"
        )
    raw_values: dict[int, np.ndarray] = {}
    for column in payload["columns"]:
        attrs = column["attrs"]
        label = "+".join(A.NAMES.get(a, str(a)) for a in attrs)
        if "raw" in column:
            raw_values[attrs[0]] = io_.unpack_array(
                column["raw"], n_tokens, f"{where} {label}"
            ).astype(np.int64)
            continue
        dicts = [_array(d, f"{where} {label}") for d in column["dicts"]]
        n_codes = (
            len(dicts[0])
            if "table" not in column
            else len(column["table"][0][1]) // np.dtype(column["table"][0][0]).itemsize
        )
        codes = _unpack_codes(column["codes"], n_tokens, f"{where} {label}").astype(np.int64)
        if n_tokens and int(codes.max()) >= n_codes:
            raise SerializationError(
                f"{where}: corrupt DocBin: {label} codes exceed their dictionary"
            )
        if "table" in column:
            for attr, dictionary, part in zip(attrs, dicts, column["table"], strict=False):
                sub = io_.unpack_array(part, n_codes, f"{where} {label}").astype(np.int64)
                if len(sub) and int(sub.max(initial=0)) >= len(dictionary):
                    raise SerializationError(
                        f"{where}: corrupt DocBin: {label} table exceeds its dictionary"
                    )
                raw_values[attr] = dictionary[sub][codes]
        else:
            raw_values[attrs[0]] = dicts[0][codes]
    if A.ORTH not in raw_values:
        raise SerializationError(f"{where}: corrupt DocBin: no ORTH column")
    n_strings = len(table.hashes)

    def strings_of(attr: int, codes: np.ndarray, offset: int = 0) -> np.ndarray:
        if len(codes) and (int(codes.max()) >= n_strings + offset or int(codes.min()) < 0):
            raise SerializationError(
                f"{where}: corrupt DocBin: {A.NAMES.get(attr, attr)} refers to a string not in the table"
            )
        return table.hashes[np.maximum(codes - offset, 0)]

    orth = strings_of(A.ORTH, raw_values[A.ORTH])
    out_cols: dict[int, np.ndarray] = {}
    for attr in cols:
        if attr not in raw_values:
            raise SerializationError(
                f"{where}: corrupt DocBin: no column for {A.NAMES.get(attr, attr)}"
            )
        value = raw_values[attr]
        if attr == A.LEMMA:
            lemma = strings_of(attr, value, offset=3)
            lemma[value == 0] = 0
            lemma[value == 1] = orth[value == 1]
            is_lower = value == 2
            if is_lower.any():
                lemma[is_lower] = table.lower_hashes(orth[is_lower])
            out_cols[attr] = lemma
        elif attr in HASH_ATTRS:
            out_cols[attr] = strings_of(attr, value)
        else:
            out_cols[attr] = value
    spaces = np.unpackbits(np.frombuffer(payload["spaces"], dtype=np.uint8), count=n_tokens).astype(
        bool
    )
    spans: list[dict | None] = [None] * n_docs
    if "spans" in payload:
        hashes = table.hashes
        spans = [
            None if s is None else {name: [(st, en, int(hashes[lb]), int(hashes[kb]), int(hashes[sid])) for st, en, lb, kb, sid in group]
                                    for name, group in s.items()}
            for s in payload["spans"]
        ]  # fmt: skip
    cats = payload.get("cats") or [{} for _ in range(n_docs)]
    user_data = payload.get("user_data") or [None] * n_docs
    if len(cats) != n_docs or len(spans) != n_docs or len(user_data) != n_docs:
        raise SerializationError(
            f"{where}: corrupt DocBin: per-doc lists do not match {n_docs} docs"
        )
    return Block(lengths, orth, spaces, out_cols, cats, spans, user_data)
