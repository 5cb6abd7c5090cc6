"""One compiled pass over a parameter for Adam: thinc's arithmetic, each weight touched once.

Why it exists: the vectorised numpy step in ``optimizer.py`` runs about
fifteen ufuncs over each parameter, so a 1.5 M-float embedding table
streams through memory fifteen times per training step, and the optimizer
was a fifth of an NER training step. ``_adam.c`` does the same float32
operations in one loop (AVX-512/AVX2 clones chosen at load time): 0.8
against 4.9 ms on a 1.5 M-float table, bit-identical (see ``_adam.c`` for
why: no fused multiply-adds; sqrt and division are exactly rounded).

The C file is compiled by setuptools when plait is installed (core/setup.py)
and loaded here with ctypes: a few kilobytes, no runtime compiler, nothing
written at run time. A JIT (numba) was tried first and dropped: importing
LLVM added ~140 MiB to a training process's peak memory. Where the library
was not built (no C compiler at install time) or ``PLAIT_COMPILED_ADAM=0``
is set, ``adam_kernel()`` returns None and the numpy step runs.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..native import compiled_library, switched_off

__all__ = ["COMPILED_ADAM_ENV", "adam_kernel", "library_path"]

COMPILED_ADAM_ENV = "PLAIT_COMPILED_ADAM"
_STATE: dict[str, Any] = {}


def library_path() -> Path | None:
    """RETURNS (Optional[Path]): the built ``_adam_c`` library next to this file, if any."""
    return compiled_library(Path(__file__).parent, "_adam_c")


def adam_kernel() -> Callable[..., None] | None:
    """The compiled Adam step, or None (not built, or ``PLAIT_COMPILED_ADAM=0``).

    RETURNS (Optional[Callable]): ``kernel(w, g, m, v, b1, c1, b2, c2, eps,
        neg_lr, wd, decay)`` over 1d contiguous float32 numpy arrays, updating
        w, m, v in place and zeroing g; the scalars are numpy float32 (c1 =
        1 - b1 and c2 = 1 - b2 in float32, neg_lr = -(lr * lr_scale)), decay a
        bool.
    """
    if switched_off(COMPILED_ADAM_ENV):
        return None
    if "kernel" not in _STATE:
        _STATE["kernel"] = _load()
    return _STATE["kernel"]


def _load() -> Callable[..., None] | None:
    path = library_path()
    if path is None:
        return None
    try:
        library = ctypes.CDLL(str(path))
        function = library.plait_adam
    except (OSError, AttributeError):  # a library of another platform or a stale build
        return None
    f4 = ctypes.c_float
    function.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_int64] + [f4] * 7 + [ctypes.c_int]
    function.restype = None

    def kernel(w: Any, g: Any, m: Any, v: Any, b1: Any, c1: Any, b2: Any, c2: Any, eps: Any,
               neg_lr: Any, wd: Any, decay: bool) -> None:
        function(w.ctypes.data, g.ctypes.data, m.ctypes.data, v.ctypes.data, w.size,
                 b1, c1, b2, c2, eps, neg_lr, wd, int(decay))

    return kernel
