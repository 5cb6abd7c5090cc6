"""Where plait's optional compiled helpers lie, and the switch that turns one off.

Why it exists: core's one-pass Adam step (``training/_adam.c``) and
plait-pipes' tree decoder (``plait_pipes/graph/_mst.c``) are small C files
that setuptools compiles at install time and that are loaded with ctypes,
each with a numpy fallback giving the same results and an environment
variable that forces the fallback. Their loaders share these two steps.
"""

from __future__ import annotations

import importlib.machinery
import os
from pathlib import Path

__all__ = ["compiled_library", "switched_off"]


def compiled_library(folder: Path, stem: str) -> Path | None:
    """The shared library ``stem`` built into ``folder``, if any.

    folder (Path): the package folder the extension was built into.
    stem (str): the extension's module name (e.g. "_adam_c").
    RETURNS (Optional[Path]): the library with this interpreter's extension
        suffix, or None where it was not built (no C compiler at install).
    """
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def switched_off(env: str) -> bool:
    """RETURNS (bool): whether the environment variable ``env`` turns a
    compiled helper off ("0", "false", "no" or "off"; unset: on)."""
    return os.environ.get(env, "1").strip().lower() in ("0", "false", "no", "off")
