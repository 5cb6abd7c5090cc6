"""Selecting a GPU for plait and describing it.

Why it exists: thinc can run on CuPy, but it reports a missing CuPy, a
missing CUDA driver and a wrong device number alike as "GPU not available".
A user choosing ``--gpu-id 1`` on a one-GPU machine deserves to be told
which of those it is, before any data is read.
"""

from __future__ import annotations

from typing import Any

from plait.errors import UsageError

INSTALL_HINT = (
    "Install the CuPy wheel for your CUDA release (plait-gpu depends on cupy-cuda12x; "
    "for CUDA 11 use `pip install cupy-cuda11x`)"
)


def _import_cupy() -> Any:
    try:
        import cupy
    except ImportError as err:
        raise UsageError(
            f"plait-gpu is installed but CuPy cannot be imported ({err}). {INSTALL_HINT}, "
            f"or leave out --gpu-id to use the CPU."
        ) from err
    return cupy


def device_count(cupy: Any) -> int:
    """RETURNS (int): the number of CUDA devices CuPy sees (0 without a driver)."""
    try:
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - CUDA raises its own error types for "no driver"
        return 0


def activate(gpu_id: int) -> Any:
    """Make GPU `gpu_id` the device for every model built from now on.

    gpu_id (int): the CUDA device index.
    RETURNS (Ops): the current ops afterwards (thinc's CupyOps).
    RAISES (UsageError): CuPy missing, no CUDA device, or no device `gpu_id`.
    """
    cupy = _import_cupy()
    n = device_count(cupy)
    if n == 0:
        raise UsageError(
            f"--gpu-id {gpu_id}: CuPy is installed but sees no CUDA device (no NVIDIA GPU or "
            f"no driver). Check `nvidia-smi`, or leave out --gpu-id to use the CPU."
        )
    if not 0 <= gpu_id < n:
        raise UsageError(f"--gpu-id {gpu_id}: this machine has {n} GPU(s), numbered 0 to {n - 1}.")
    from thinc.api import CupyOps, set_current_ops
    from thinc.util import set_active_gpu

    set_active_gpu(gpu_id)  # CuPy's device, and PyTorch's when it is installed
    ops = CupyOps(device_type="gpu", device_id=gpu_id)
    set_current_ops(ops)
    return ops


def gpu_info() -> dict[str, Any]:
    """What `plait info` shows about the GPU: CuPy, CUDA and each device.

    RETURNS (dict): ``{"cupy": version, "cuda_runtime": "12.4", "devices": [...]}``,
        or ``{"error": message}`` when CuPy cannot be used.
    """
    try:
        cupy = _import_cupy()
    except UsageError as err:
        return {"error": str(err)}
    info: dict[str, Any] = {"cupy": cupy.__version__}
    try:
        version = int(cupy.cuda.runtime.runtimeGetVersion())
        info["cuda_runtime"] = f"{version // 1000}.{version % 1000 // 10}"
    except Exception as err:  # noqa: BLE001 - reported, not raised: info must always print
        info["cuda_runtime"] = f"unavailable ({err})"
    devices = []
    for i in range(device_count(cupy)):
        props = cupy.cuda.runtime.getDeviceProperties(i)
        name = props["name"]
        devices.append({
            "id": i,
            "name": name.decode() if isinstance(name, bytes) else str(name),
            "memory_gib": round(props["totalGlobalMem"] / 2**30, 1),
        })
    info["devices"] = devices
    if not devices:
        info["error"] = "CuPy sees no CUDA device (no NVIDIA GPU or no driver)."
    return info
