"""Builds plait-pipes' one optional C file; everything else is in pyproject.toml.

Why it exists: the biaffine parser's Chu-Liu-Edmonds decoder
(plait_pipes/graph/_mst.c, loaded with ctypes by
plait_pipes.graph._mst_kernel) is a shared library that setuptools compiles
at install time. It is optional: where no C compiler is found the build goes
on without it and the parser decodes with its numpy version, which gives the
same trees, only slower. (The same pattern as core/setup.py; a build runs
in an isolated environment where plait itself cannot be imported, so the
small build_ext subclass is written out here too.)
"""

from __future__ import annotations

import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """build_ext that warns, instead of failing the install, when the C file cannot be built."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - no compiler, no headers: numpy decoder instead
            _warn(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            _warn(exc)

    def get_export_symbols(self, ext: Extension) -> list[str]:
        # a plain C library for ctypes, not a Python module: no PyInit_ symbol
        return []


def _warn(exc: Exception) -> None:
    print(f"plait-pipes: the optional C tree decoder was not built ({exc}); the numpy one will be used",
          file=sys.stderr)


setup(
    ext_modules=[Extension("plait_pipes.graph._mst_c", sources=["plait_pipes/graph/_mst.c"],
                           extra_compile_args=["-O2"])],
    cmdclass={"build_ext": OptionalBuildExt},
)
