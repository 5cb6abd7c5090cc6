"""Importing ``--code`` files before a config is read.

Each file is compiled first so a syntax error names the file and line, and
imported under a private module name so two files called ``functions.py``
do not clash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from ..errors import PlaitError, UsageError


def import_code(paths: Iterable[str | Path] | str | Path | None) -> list[ModuleType]:
    """Import Python files so their registered functions exist.

    paths (Iterable[str | Path]): files given with ``--code``.
    RETURNS (list[ModuleType]): the imported modules.
    """
    if paths is None:
        return []
    if isinstance(paths, (str, Path)):
        paths = [paths]
    modules = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"--code file '{path}' not found.")
        if not path.is_file() or path.suffix != ".py":
            raise UsageError(f"--code file '{path}' is not a Python (.py) file.")
        try:
            source = path.read_text(encoding="utf8")
        except UnicodeDecodeError as err:
            line = path.read_bytes()[: err.start].count(b"\n") + 1
            raise UsageError(
                f"--code file '{path}' is not UTF-8 text: byte {err.object[err.start]:#x} on line "
                f"{line} cannot be decoded. Save the file as UTF-8."
            ) from err
        except OSError as err:
            raise UsageError(f"--code file '{path}' cannot be read: {err.strerror}.") from err
        try:
            compile(source, str(path), "exec")
        except SyntaxError as err:
            raise UsageError(
                f"--code file '{path}' does not compile: line {err.lineno}: {err.msg}."
            ) from err
        digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
        name = f"plait_code_{path.stem}_{digest}"
        if name in sys.modules:
            modules.append(sys.modules[name])
            continue
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None  # a .py file always has one
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except PlaitError:
            del sys.modules[name]
            raise
        except Exception as err:
            del sys.modules[name]
            raise UsageError(
                f"--code file '{path}' failed while importing: {type(err).__name__}: {err}. "
                "Run with --verbose for the traceback."
            ) from err
        modules.append(module)
    return modules
