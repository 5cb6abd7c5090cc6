"""The ``.plait`` byte layout: framing, column codecs and atomic writes.

A file is an 8-byte magic (``PLAITDB`` + format version) followed by
frames: ``kind`` (1 byte: H header, C chunk, E end) + payload length
(uint32 little-endian) + zlib-compressed msgpack payload. Chunks hold the
columns of a group of docs and the strings first used in them, so a reader
can stream docs chunk by chunk; the end frame carries the counts, so a file
cut at a frame boundary is still detected. See docs/binary-format.md.
Writes go through ``plait.fs`` (temporary sibling + ``os.replace``).

Reading is bounded: zlib can expand a payload about a thousandfold, so a
small hostile file could otherwise need gigabytes before any check ran.
Each payload is inflated incrementally with a limit: header and end frames
are a few bytes, and a chunk starts with its declared ``n_docs`` and
``n_tokens`` (the writer puts them first), which fix how much it may inflate
to (:func:`chunk_limit`). A payload that inflates past its limit is refused
as soon as it does, before msgpack sees it; msgpack decoding then counts
list items and map entries against a budget from the same counts
(:func:`element_budget`), since one msgpack byte can become ~64 bytes of
Python objects.
"""

from __future__ import annotations

import gc
import struct
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np
import srsly

from ..errors import SerializationError

MAGIC = b"PLAITDB"
FORMAT_VERSION = 1
HEADER = MAGIC + bytes([FORMAT_VERSION])
_FRAME = struct.Struct("<cI")
ZLIB_LEVEL = 6
# Inflated size limits. A header or end frame holds an attribute list or two
# counts. A chunk holds per token a few small codes plus the strings first
# used in it (EWT: about 12 bytes per token); 1 KiB per token and per doc is
# room for long tokens, cats and user data, and the absolute cap bounds a
# chunk whose declared counts are themselves absurd.
SMALL_FRAME_LIMIT = 1 << 20
CHUNK_BASE_LIMIT = 1 << 20
CHUNK_BYTES_PER_TOKEN = 1024
CHUNK_BYTES_PER_DOC = 1024
CHUNK_MAX_LIMIT = 256 << 20
# Element budgets of the msgpack decoding (see element_budget): generous
# for real chunks (strings, spans, cats with many labels, user data).
ELEMENT_BASE = 1 << 16
ELEMENTS_PER_TOKEN = 16
ELEMENTS_PER_DOC = 1024
# Enough inflated bytes to read a chunk's declared n_docs and n_tokens.
_COUNTS_PREFIX = 64


def frame(kind: bytes, payload: dict[str, Any]) -> bytes:
    """One frame: kind, length, zlib(msgpack(payload))."""
    body = zlib.compress(srsly.msgpack_dumps(payload), ZLIB_LEVEL)
    return _FRAME.pack(kind, len(body)) + body


def pack_array(arr: np.ndarray) -> list[Any]:
    """[dtype string, raw bytes] for a 1-D integer array."""
    arr = np.ascontiguousarray(arr)
    return [arr.dtype.str, arr.tobytes()]


def unpack_array(value: Any, size: int, where: str) -> np.ndarray:
    """Inverse of ``pack_array``, checking dtype and length."""
    try:
        dtype_str, raw = value
        dtype = np.dtype(dtype_str)
    except (TypeError, ValueError) as err:
        raise SerializationError(f"{where}: invalid array encoding ({err})") from err
    if dtype.kind not in "uib" or dtype.itemsize not in (1, 2, 4, 8):
        raise SerializationError(f"{where}: unsupported array dtype {dtype_str!r}")
    if not isinstance(raw, bytes) or len(raw) != size * dtype.itemsize:
        raise SerializationError(
            f"{where}: expected {size} values, got {len(raw) if isinstance(raw, bytes) else raw!r} bytes"
        )
    return np.frombuffer(raw, dtype=dtype)


def smallest_uint(max_value: int) -> type:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_value <= np.iinfo(dtype).max:
            return dtype
    return np.uint64


def smallest_int(values: np.ndarray) -> type:
    if not len(values):
        return np.int8
    lo, hi = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return dtype
    return np.int64


def _describe_foreign(head: bytes) -> str:
    if head[:1] == b"\x78":
        return "it looks like a zlib stream (a spaCy .spacy file?); convert it with `plait convert` or rebuild it with plait"
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "it looks like a text file"
    return "the magic bytes are missing"


def read_frames(stream: BinaryIO, name: str) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Yield (kind, payload) frames, checking header, framing and counts."""
    head = stream.read(len(HEADER))
    if len(head) < len(HEADER) or head[: len(MAGIC)] != MAGIC:
        if not head:
            raise SerializationError(f"{name}: not a plait DocBin (the file is empty)")
        raise SerializationError(
            f"{name}: not a plait DocBin (bad header): {_describe_foreign(head)}"
        )
    version = head[len(MAGIC)]
    if version > FORMAT_VERSION:
        raise SerializationError(
            f"{name}: DocBin format version {version} is newer than this plait supports "
            f"({FORMAT_VERSION}); upgrade plait"
        )
    offset = len(HEADER)
    index = 0
    while True:
        prefix = stream.read(_FRAME.size)
        if not prefix:
            raise SerializationError(
                f"{name}: truncated DocBin: the file ends at byte {offset} without its end frame "
                "(was it cut short or still being written?)"
            )
        if len(prefix) < _FRAME.size:
            raise SerializationError(
                f"{name}: truncated DocBin: incomplete frame header at byte {offset}"
            )
        kind, length = _FRAME.unpack(prefix)
        if kind not in (b"H", b"C", b"E"):
            raise SerializationError(
                f"{name}: corrupt DocBin: unknown frame type {kind!r} at byte {offset}"
            )
        body = stream.read(length)
        if len(body) < length:
            raise SerializationError(
                f"{name}: truncated DocBin: frame {index} at byte {offset} needs {length} bytes, "
                f"only {len(body)} remain"
            )
        where = f"{name}: corrupt DocBin: frame {index} at byte {offset}"
        raw = inflate(body, kind, where)
        payload = parse_payload(raw, kind, where)
        if not isinstance(payload, dict):
            raise SerializationError(
                f"{name}: corrupt DocBin: frame {index} at byte {offset} is not a map"
            )
        yield kind, payload
        if kind == b"E":
            return
        offset += _FRAME.size + length
        index += 1


def chunk_limit(n_docs: int, n_tokens: int) -> int:
    """The most bytes a chunk declaring these counts may inflate to.

    n_docs (int): the chunk's declared number of docs.
    n_tokens (int): its declared number of tokens.
    RETURNS (int): the limit in bytes.
    """
    wanted = CHUNK_BASE_LIMIT + CHUNK_BYTES_PER_TOKEN * n_tokens + CHUNK_BYTES_PER_DOC * n_docs
    return min(wanted, CHUNK_MAX_LIMIT)


def _declared_counts(prefix: bytes) -> tuple[int, int] | None:
    # The chunk's first two map entries, n_docs and n_tokens (as written by
    # Encoder.encode); None when the payload does not start that way (then
    # only the base limit applies and decoding reports what is missing).
    unpacker = srsly.msgpack.Unpacker(raw=False, max_buffer_size=len(prefix) + 1)
    unpacker.feed(prefix)
    try:
        if unpacker.read_map_header() < 2:
            return None
        counts = {}
        for _ in range(2):
            key = unpacker.unpack()
            value = unpacker.unpack()
            if key not in ("n_docs", "n_tokens") or isinstance(value, bool) or not isinstance(value, int):
                return None
            counts[key] = value
    except Exception:  # OutOfData, a non-map payload, malformed msgpack
        return None
    if len(counts) != 2 or min(counts.values()) < 0:
        return None
    return counts["n_docs"], counts["n_tokens"]


def element_budget(kind: bytes, counts: tuple[int, int] | None) -> int:
    """How many list items and map entries a frame's msgpack may hold.

    Parsing msgpack turns each byte into up to ~64 bytes of Python objects
    (an empty list is one byte), so the inflated size alone does not bound
    memory; the element count does. A chunk holds per token a few strings
    and span entries, per doc its cats and user data.

    kind (bytes): b"H", b"C" or b"E".
    counts (tuple[int, int] | None): a chunk's declared (n_docs, n_tokens).
    RETURNS (int): the budget.
    """
    if kind != b"C" or counts is None:
        return ELEMENT_BASE
    n_docs, n_tokens = counts
    return ELEMENT_BASE + ELEMENTS_PER_TOKEN * n_tokens + ELEMENTS_PER_DOC * n_docs


def parse_payload(raw: bytes, kind: bytes, where: str) -> Any:
    """msgpack-decode an inflated payload within its element budget.

    raw (bytes): the inflated payload.
    kind (bytes): the frame kind.
    where (str): "file: corrupt DocBin: frame i at byte n", for the errors.
    RETURNS (Any): the decoded payload.
    """
    counts = _declared_counts(raw[:_COUNTS_PREFIX]) if kind == b"C" else None
    budget = [element_budget(kind, counts)]

    def spend(container: Any) -> Any:
        # Called for each list and map once it is decoded: at most one
        # container beyond the budget is ever built.
        budget[0] -= len(container) + 1
        if budget[0] < 0:
            raise _OverBudget
        return container

    gc.disable()  # msgpack's advice for large messages (as srsly does)
    try:
        try:
            return srsly.msgpack.loads(raw, raw=False, use_list=True, list_hook=spend, object_hook=spend,
                                       max_array_len=budget[0], max_map_len=budget[0])
        except ValueError as err:
            # One list or map longer than the whole budget, refused by msgpack itself.
            if "exceeds max_" in str(err):
                raise _OverBudget from err
            raise
    except _OverBudget:
        declared = f"declares {counts[1]} tokens in {counts[0]} docs" if counts else "declares no counts"
        raise SerializationError(
            f"{where}: the frame holds more than {element_budget(kind, counts)} list items and map "
            f"entries although it {declared}; the file is corrupt or built to exhaust memory"
        ) from None
    except Exception as err:  # msgpack raises several types: all mean corruption
        raise SerializationError(f"{where} ({err})") from err
    finally:
        gc.enable()


class _OverBudget(Exception):
    """A payload holding more elements than its budget (internal)."""


def inflate(body: bytes, kind: bytes, where: str) -> bytes:
    """Inflate one frame's payload, never past the limit its kind (and, for a
    chunk, its declared counts) allows.

    body (bytes): the compressed payload.
    kind (bytes): the frame kind, b"H", b"C" or b"E".
    where (str): "file: corrupt DocBin: frame i at byte n", for the errors.
    RETURNS (bytes): the inflated payload.
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(body, _COUNTS_PREFIX)
        if kind == b"C":
            counts = _declared_counts(out)
            limit = chunk_limit(*counts) if counts else CHUNK_BASE_LIMIT
            declared = f"declares {counts[1]} tokens in {counts[0]} docs" if counts else "declares no counts"
        else:
            limit, declared = SMALL_FRAME_LIMIT, "is a header or end frame"
        # One byte past the limit tells "exactly at the limit" from "more".
        rest = inflater.decompress(inflater.unconsumed_tail, limit + 1 - len(out)) if len(out) <= limit else b""
    except zlib.error as err:
        raise SerializationError(f"{where} ({err})") from err
    out += rest
    if len(out) > limit:
        raise SerializationError(
            f"{where}: the frame inflates to more than {limit} bytes although it {declared}; "
            f"the file is corrupt or built to exhaust memory (a zlib bomb), so it is not read further"
        )
    if not inflater.eof:
        raise SerializationError(f"{where} (incomplete or truncated zlib stream)")
    return out
