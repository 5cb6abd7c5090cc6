"""The ``.plait`` byte layout: framing, column codecs and atomic writes.

A file is an 8-byte magic (``PLAITDB`` + format version) followed by
frames: ``kind`` (1 byte: H header, C chunk, E end) + payload length
(uint32 little-endian) + zlib-compressed msgpack payload. Chunks hold the
columns of a group of docs and the strings first used in them, so a reader
can stream docs chunk by chunk; the end frame carries the counts, so a file
cut at a frame boundary is still detected. See docs/binary-format.md.
Writes go through ``plait.fs`` (temporary sibling + ``os.replace``).
"""

from __future__ import annotations

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
        try:
            payload = srsly.msgpack_loads(zlib.decompress(body))
        except Exception as err:  # zlib.error, msgpack errors: both mean corruption
            raise SerializationError(
                f"{name}: corrupt DocBin: frame {index} at byte {offset} ({err})"
            ) from err
        if not isinstance(payload, dict):
            raise SerializationError(
                f"{name}: corrupt DocBin: frame {index} at byte {offset} is not a map"
            )
        yield kind, payload
        if kind == b"E":
            return
        offset += _FRAME.size + length
        index += 1
