"""The compiled Chu-Liu-Edmonds of ``_mst.c``, loaded with ctypes.

Why it exists: ``mst._cle`` in numpy pays tens of microseconds of call
overhead per contraction, and the one-root penalty makes several
contractions per sentence the rule: decoding was about a third of the
biaffine parser's prediction time. ``_mst.c`` is the same algorithm step
for step (same tie-breaking), compiled by setuptools when plait-pipes is
installed (plugins/pipes/setup.py). Where it was not built (no C compiler
at install time) or ``PLAIT_COMPILED_MST=0`` is set, ``cle_kernel()``
returns None and the numpy version runs: the same trees, only slower.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from plait.native import compiled_library, switched_off

__all__ = ["COMPILED_MST_ENV", "cle_kernel", "library_path"]

COMPILED_MST_ENV = "PLAIT_COMPILED_MST"
_STATE: dict[str, Any] = {}


def library_path() -> Path | None:
    """RETURNS (Optional[Path]): the built ``_mst_c`` library next to this file, if any."""
    return compiled_library(Path(__file__).parent, "_mst_c")


def cle_kernel() -> Callable[[np.ndarray], np.ndarray | None] | None:
    """The compiled contraction loop, or None (not built, or ``PLAIT_COMPILED_MST=0``).

    RETURNS (Optional[Callable]): ``kernel(prepared) -> heads`` over a
        prepared (n + 1, n + 1) float64 score matrix (``mst._prepare``),
        ``heads`` int64 with ``heads[0] = -1``; None if memory ran out.
    """
    if switched_off(COMPILED_MST_ENV):
        return None
    if "kernel" not in _STATE:
        _STATE["kernel"] = _load()
    return _STATE["kernel"]


def _load() -> Callable[[np.ndarray], np.ndarray | None] | None:
    path = library_path()
    if path is None:
        return None
    try:
        function = ctypes.CDLL(str(path)).plait_cle
    except (OSError, AttributeError):  # a library of another platform or a stale build
        return None
    function.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p]
    function.restype = ctypes.c_int

    def kernel(prepared: np.ndarray) -> np.ndarray | None:
        scores = np.ascontiguousarray(prepared, dtype=np.float64)
        heads = np.empty(scores.shape[0], dtype=np.int64)
        if function(scores.ctypes.data, scores.shape[0], heads.ctypes.data) != 0:
            return None
        return heads

    return kernel
