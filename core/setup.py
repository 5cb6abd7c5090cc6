"""Builds plait's one optional C file; everything else is in pyproject.toml.

Why it exists: the optimizer's one-pass Adam step (plait/training/_adam.c,
loaded with ctypes by plait.training._adam_kernel) is a shared library that
setuptools compiles at install time. It is optional: where no C compiler is
found the build goes on without it and plait uses its numpy step, which
gives the same bits, only slower.
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
        except Exception as exc:  # noqa: BLE001 - no compiler, no headers: numpy step instead
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
    print(f"plait: the optional C Adam step was not built ({exc}); the numpy step will be used",
          file=sys.stderr)


setup(
    ext_modules=[
        Extension(
            "plait.training._adam_c",
            sources=["plait/training/_adam.c"],
            extra_compile_args=["-O3", "-ffp-contract=off", "-fno-math-errno"],
        )
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
