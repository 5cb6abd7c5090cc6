"""pluggy hooks of plait-gpu: device set-up for ``--gpu-id`` and ``plait info``.

Cheap to import (plait loads hook modules at CLI start): CuPy is imported
only inside the hooks.
"""

from __future__ import annotations

from typing import Any

from plait.hookspecs import hookimpl


@hookimpl
def setup_gpu(gpu_id: int) -> Any:
    """Use GPU `gpu_id` (see ``plait_gpu.device.activate``)."""
    from .device import activate

    return activate(gpu_id)


@hookimpl
def info_sections() -> dict[str, Any]:
    """The ``gpu`` section of ``plait info``."""
    from .device import gpu_info

    return {"gpu": gpu_info()}
