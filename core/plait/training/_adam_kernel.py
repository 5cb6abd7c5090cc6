"""One compiled pass over a parameter for Adam, opt-in: thinc's arithmetic, each weight touched once.

Why it exists: the vectorised numpy step in ``optimizer.py`` runs about a
dozen ufuncs over each parameter, so a 1.5 M-float embedding table streams
through memory a dozen times per training step; ``sqrt`` and the division
alone cost as much as the rest. Compiled with numba, the same operations
run as one vectorised loop (AVX ``vsqrtps``/``vdivps``, which round exactly
as the scalar ops do): about 5x faster on a 1.5 M-float table (0.93 against
4.7 ms), and the optimizer is a fifth of an NER training step.

Why it is opt-in (``PLAIT_COMPILED_ADAM=1``, with numba installed:
``pip install numba``): importing numba maps LLVM, about 110 MiB of
resident memory, plus 30 MiB to compile, which would more than double the
peak memory of training a small pipeline. Where memory is plentiful
(larger models, a GPU box's host) it buys ~15% more training words/s.

Bit-identical to thinc: every operation is a float32 IEEE op (correctly
rounded), in thinc's order, with thinc's float32 constants. numba does not
contract ``a * b + c`` into a fused multiply-add unless ``fastmath`` is on,
and it is off here; ``error_model="numpy"`` drops Python's
zero-division check, which would otherwise stop the loop from vectorising
(a zero divisor cannot occur: ``sqrt(v) + eps`` with ``eps > 0``; where eps
is 0 thinc divides by zero too, giving the same inf/nan).

When enabled, numba is imported and the kernel compiled (about half a
second) on a background thread started when a training optimizer is
created (or at the first step, whichever comes first): never at ``import
plait`` or for a CLI command that does not train. No compile cache is
written (it would land in the installation folder, outside the paths a user
gave). Where it is not enabled, numba is missing or it cannot compile,
``adam_kernel()`` returns None and the numpy step runs.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable
from typing import Any

from ..errors import UsageError

__all__ = ["COMPILED_ADAM_ENV", "adam_kernel", "compile_in_background", "kernel_requested"]

COMPILED_ADAM_ENV = "PLAIT_COMPILED_ADAM"


def kernel_requested() -> bool:
    """Whether the user turned the compiled step on (``PLAIT_COMPILED_ADAM=1``)."""
    return os.environ.get(COMPILED_ADAM_ENV, "0").strip().lower() in ("1", "true", "yes", "on")

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


def compile_in_background() -> None:
    """Start building the kernel on another thread, once per process, if it was requested.

    Called when a training optimizer is created: numba's import and LLVM's
    compile (which runs with the GIL released) then overlap with reading the
    corpus and initialising the pipeline instead of delaying the first
    update. ``adam_kernel()`` waits for it if it is not finished. Not a
    daemon thread: the process lets it finish (well under a second) rather
    than kill the compiler mid-way at exit.

    RAISES (UsageError): it was requested and numba is not installed.
    """
    if not kernel_requested():
        return
    if importlib.util.find_spec("numba") is None:
        raise UsageError(
            f"{COMPILED_ADAM_ENV}=1 asks for the compiled Adam step, which needs numba: "
            "install it with `pip install numba` (or `pip install -e 'core[compiled-adam]'` "
            f"in a plait checkout), or unset {COMPILED_ADAM_ENV}."
        )
    with _LOCK:
        if "kernel" in _STATE or "thread" in _STATE:
            return
        thread = threading.Thread(target=adam_kernel, name="plait-adam-compile")
        _STATE["thread"] = thread
    thread.start()


def adam_kernel() -> Callable[..., None] | None:
    """The compiled Adam step, built on first use; None unless requested and numba is there.

    RETURNS (Optional[Callable]): ``kernel(w, g, m, v, b1, c1, b2, c2, eps,
        neg_lr, wd, decay)`` over 1d contiguous float32 arrays, updating w, m, v
        in place and zeroing g; the scalars are numpy float32 (c1 = 1 - b1 and
        c2 = 1 - b2 in float32, neg_lr = -(lr * lr_scale)), decay a bool.
    """
    if not kernel_requested():
        return None
    if "kernel" not in _STATE:
        with _LOCK:
            if "kernel" not in _STATE:
                _STATE["kernel"] = _compile()
    return _STATE["kernel"]


def _compile() -> Callable[..., None] | None:
    try:
        import numba
    except ImportError:  # an install without numba: the numpy step is as exact
        return None

    def step(w: Any, g: Any, m: Any, v: Any, b1: Any, c1: Any, b2: Any, c2: Any,
             eps: Any, neg_lr: Any, wd: Any, decay: bool) -> None:
        for i in range(w.shape[0]):
            gi = g[i]
            # thinc's _adam_momentum, then `weights += step * -lr`, then the
            # decoupled weight decay `weights -= weights * wd`
            mi = m[i] * b1 + gi * c1
            vi = v[i] * b2 + (gi * gi) * c2
            m[i] = mi
            v[i] = vi
            wi = w[i] + (mi / (numpy_sqrt(vi) + eps)) * neg_lr
            if decay:
                wi = wi - wi * wd
            w[i] = wi
            g[i] = 0.0

    import numpy

    numpy_sqrt = numpy.sqrt
    f4 = numba.float32
    arr = numba.float32[::1]
    signature = numba.void(arr, arr, arr, arr, f4, f4, f4, f4, f4, f4, f4, numba.boolean)
    try:
        return numba.njit(signature, nogil=True, error_model="numpy", cache=False)(step)
    except Exception:  # noqa: BLE001 - any compiler failure: fall back to the exact numpy step
        return None
