"""Parameter payloads as one contiguous buffer for the wire.

An owner's broadcast holds its live parameter arrays, which the optimizer
updates in place after the message is posted: the Ray transport copies them
once, at post time, into a single array (plus a small index) instead of one
copy per array. Ray serializes one buffer instead of one per parameter, and
the receiver reads each parameter as a view of that buffer (no copy until
it is copied into place).
"""

from __future__ import annotations

from typing import Any

import numpy

from .ownership import ParamKey

# (key, version, offset, shape) of each parameter in the buffer.
Index = list[tuple[ParamKey, int, int, tuple[int, ...]]]


def pack_params(payload: dict[ParamKey, tuple[int, Any]]) -> tuple[Index, numpy.ndarray] | dict[ParamKey, tuple[int, Any]]:
    """Copy a parameter payload into one buffer.

    payload (dict[ParamKey, tuple[int, numpy.ndarray]]): key -> (version, array).
    RETURNS (tuple[Index, numpy.ndarray] | dict): the index and the buffer; a
        payload of mixed dtypes comes back as a dict of copies.
    """
    arrays = [array for _, array in payload.values()]
    dtypes = {array.dtype for array in arrays}
    if len(dtypes) != 1:
        return {key: (version, numpy.array(array)) for key, (version, array) in payload.items()}
    buffer = numpy.empty(sum(int(a.size) for a in arrays), dtype=dtypes.pop())
    index: Index = []
    offset = 0
    for key, (version, array) in payload.items():
        size = int(array.size)
        buffer[offset:offset + size] = array.ravel()
        index.append((key, int(version), offset, tuple(array.shape)))
        offset += size
    return index, buffer


def unpack_params(packed: Any) -> dict[ParamKey, tuple[int, Any]]:
    """The payload of ``pack_params``: views into the buffer (no copy).

    packed (tuple[Index, numpy.ndarray] | dict): what ``pack_params`` returned.
    RETURNS (dict[ParamKey, tuple[int, numpy.ndarray]]): key -> (version, array).
    """
    if isinstance(packed, dict):
        return packed
    index, buffer = packed
    out = {}
    for key, version, offset, shape in index:
        size = int(numpy.prod(shape, dtype=numpy.int64))
        out[tuple(key)] = (version, buffer[offset:offset + size].reshape(shape))
    return out
