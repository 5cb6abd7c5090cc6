"""The default CPU backend: thinc's NumpyOps with numpy's BLAS for gemm.

Why it exists: on the machines plait targets, blis (thinc's gemm) falls back
to a generic kernel that runs at a third of OpenBLAS's speed (see
PERFORMANCE.md: swapping gemm for ``numpy.matmul`` made spaCy ~2x faster).
Everything else is inherited from NumpyOps, so models stay device-agnostic.

Which CPU ops plait installs is overridable: ``PLAIT_CPU_OPS=numpy`` (any
name of a registered thinc ops class) keeps thinc's own NumpyOps.
"""

from __future__ import annotations

import os
from typing import Any

import numpy
from thinc.api import NumpyOps, Ops, get_current_ops, get_ops, registry, set_current_ops
from thinc.util import require_gpu as _thinc_require_gpu

from .errors import UsageError

CPU_OPS_ENV = "PLAIT_CPU_OPS"


class PlaitOps(NumpyOps):
    """NumpyOps whose matrix multiplication goes through ``numpy.matmul``."""

    name = "plait"

    def gemm(
        self,
        x: Any,
        y: Any,
        out: Any | None = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> Any:
        """Multiply two 2d arrays, optionally transposed, optionally into `out`.

        x (Floats2d): the left matrix.
        y (Floats2d): the right matrix.
        out (Optional[Floats2d]): where to write the result, if given.
        trans1 (bool): use x.T. trans2 (bool): use y.T.
        RETURNS (Floats2d): the product (`out` when given).
        """
        if trans1:
            x = x.T
        if trans2:
            y = y.T
        if out is None:
            return numpy.matmul(x, y)
        numpy.matmul(x, y, out=out)
        return out


# thinc's get_ops()/registry find ops classes by name in its "ops" registry.
ops_registry: Any = registry.ops  # a catalogue Registry, typed as a Decorator by thinc
if "PlaitOps" not in ops_registry.get_all():
    ops_registry.register("PlaitOps", func=PlaitOps)


def default_cpu_ops() -> Ops:
    """Return the CPU ops plait uses: PlaitOps unless PLAIT_CPU_OPS names others.

    RETURNS (Ops): a fresh ops instance.
    """
    name = os.environ.get(CPU_OPS_ENV, "").strip()
    if not name or name == PlaitOps.name:
        return PlaitOps()
    try:
        return get_ops(name)
    except ValueError as err:
        raise UsageError(
            f"{CPU_OPS_ENV}={name!r}: no such thinc ops backend. Use 'plait' (default), "
            f"'numpy' or the name of an installed backend."
        ) from err


def use_default_cpu_ops() -> Ops:
    """Install plait's CPU ops as thinc's current ops, unless a GPU backend is
    already active (so ``require_gpu`` before training is respected).

    RETURNS (Ops): the ops now current.
    """
    current = get_current_ops()
    if current.device_type != "cpu":
        return current
    ops = default_cpu_ops()
    if type(current) is not type(ops):
        set_current_ops(ops)
    return get_current_ops()


def require_cpu() -> bool:
    """Use the CPU with plait's default CPU ops.

    RETURNS (bool): True.
    """
    set_current_ops(default_cpu_ops())
    return True


GPU_PLUGIN_HINT = (
    "GPU support is the plait-gpu plugin: run `make install-gpu` in your plait checkout "
    "(it installs plugins/gpu with CuPy for CUDA 12)"
)


def prefer_gpu(gpu_id: int = 0) -> bool:
    """Use the GPU `gpu_id` when one is usable (needs the plait-gpu plugin).

    gpu_id (int): the device index.
    RETURNS (bool): whether the GPU is now in use.
    """
    try:
        return require_gpu(gpu_id)
    except UsageError:
        return False


def require_gpu(gpu_id: int = 0) -> bool:
    """Use the GPU `gpu_id`, failing with a UsageError that says what is missing.

    The installed plait-gpu plugin (hook ``setup_gpu``) sets the device up and
    checks it; without the plugin, thinc's own CuPy support is tried, so a
    machine that already has CuPy keeps working.
    gpu_id (int): the device index.
    RETURNS (bool): True.
    RAISES (UsageError): no plugin and no usable CuPy, or the plugin's reason.
    """
    from .plugins._hooks import plugin_manager

    if plugin_manager().hook.setup_gpu(gpu_id=gpu_id) is not None:
        return True
    try:
        return bool(_thinc_require_gpu(gpu_id))
    except ValueError as err:
        raise UsageError(
            f"cannot use GPU {gpu_id} ({err}). {GPU_PLUGIN_HINT}; or leave out --gpu-id "
            f"to use the CPU."
        ) from err


def setup_device(gpu_id: int = -1) -> Ops:
    """Select the device for a command: GPU `gpu_id` when >= 0, else the CPU.

    gpu_id (int): -1 for the CPU.
    RETURNS (Ops): the current ops afterwards.
    """
    if gpu_id >= 0:
        require_gpu(gpu_id)
    else:
        require_cpu()
    return get_current_ops()
