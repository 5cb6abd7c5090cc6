"""plait-gpu: GPU device set-up for plait (CuPy ops, `--gpu-id`, `plait info`).

Nothing here imports CuPy at import time: ``plait --help`` and CPU runs never
pay for it. See ``device.py`` for what happens on ``--gpu-id N``.
"""

from __future__ import annotations

__version__ = "0.1.0"
