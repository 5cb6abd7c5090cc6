"""Atomic writes: a crash or an exception never leaves a half-written file or pipeline.

Everything plait saves goes through here. A file is written to a temporary
sibling and moved into place with ``os.replace`` (atomic on POSIX and
Windows when both are on the same filesystem, which a sibling guarantees).
A directory (a whole pipeline: ``model-best``, ``model-last``) is built in a
temporary sibling folder and swapped in at the end: the old folder is first
renamed aside, the new one renamed into place, then the old one removed. If
the writer raises, the temporary folder is deleted and an existing folder
at the target path is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import srsly

from .errors import UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_sibling(path: Path, kind: str) -> Path:
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    # mkdtemp/mkstemp create private (0700/0600) entries; the final file or
    # folder should get the usual permissions, as if created with open().
    if kind == "dir":
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=parent))
        os.chmod(tmp, 0o777 & ~_umask())
        return tmp
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())
    return Path(name)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    path (str | Path): the file to (over)write; parent folders are created.
    data (bytes): the content.
    """
    path = Path(path)
    tmp = _tmp_sibling(path, "file")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf8"))


def write_json(path: str | Path, data: Any, *, indent: int = 2) -> None:
    """Write ``data`` as JSON to ``path`` atomically."""
    write_text(path, srsly.json_dumps(data, indent=indent) + "\n")


def write_msgpack(path: str | Path, data: Any) -> None:
    """Write ``data`` as msgpack to ``path`` atomically."""
    write_bytes(path, srsly.msgpack_dumps(data))


def replace_directory(src: str | Path, dest: str | Path) -> None:
    """Move the finished folder ``src`` to ``dest``, replacing any folder there.

    The old ``dest`` is renamed aside before the new one is renamed in, and
    deleted only afterwards, so ``dest`` is always either the complete old
    folder or the complete new one (between the two renames it is briefly
    absent; the old copy then still exists beside it as ``.NAME.old-*``).

    src (str | Path): a folder, normally from ``atomic_directory``.
    dest (str | Path): the target folder.
    """
    src, dest = Path(src), Path(dest)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest}: exists and is not a folder; cannot save a pipeline there")
    old: Path | None = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        old.rmdir()  # only the unique name is wanted; os.replace needs it free
        os.replace(dest, old)
    try:
        os.replace(src, dest)
    except BaseException:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Build a folder in a temporary sibling and swap it into ``path`` on success.

    path (str | Path): the folder to create or replace.
    YIELDS (Path): the temporary folder to write into.

        with atomic_directory("model-best") as tmp:
            (tmp / "meta.json").write_text("{}")
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path}: exists and is not a folder; cannot save a pipeline there")
    tmp = _tmp_sibling(path, "dir")
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        replace_directory(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
