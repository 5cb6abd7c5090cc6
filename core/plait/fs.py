"""Atomic writes: a crash or an exception never leaves a half-written file or pipeline.

Everything plait saves goes through here. A file is written to a temporary
sibling and moved into place with ``os.replace`` (atomic on POSIX and
Windows when both are on the same filesystem, which a sibling guarantees).
A directory (a whole pipeline: ``model-best``, ``model-last``) is built in a
temporary sibling folder and swapped in at the end: the new folder is flushed
to disk, a journal (``.NAME.swap``) records the swap, the old folder is
renamed aside, the new one renamed into place, the journal removed, then the
old folder deleted. A kill at any of these steps is repaired by
``recover_directory`` (run before the next save of that folder and when a
training run starts), which rolls the swap forward: the folder is always
either the complete old one or the complete new one. If the writer raises,
the temporary folder is deleted and an existing folder at the target path is
left exactly as it was.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import srsly

from .errors import SerializationError, UsageError

JOURNAL_SUFFIX = ".swap"

# Called with the name of each step of a folder swap; tests set it to kill the
# process there (see tests/core/test_fs_recovery.py). None in normal use.
fault_hook: Callable[[str], None] | None = None
# The temporary folders that atomic_directory blocks of this context are building.
_building: ContextVar[tuple[str, ...]] = ContextVar("plait_fs_building", default=())


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
            if not _under_construction(path):  # else the folder's swap syncs it
                fh.flush()
                os.fsync(fh.fileno())
        fault_point("write:synced")
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


def _under_construction(path: Path) -> bool:
    """Whether `path` lies in a folder that an ``atomic_directory`` is building.

    Such a folder is flushed and journaled as a whole when it is swapped in,
    and discarded if the process dies first: what is written inside it needs
    neither its own fsync nor a journal.
    """
    building = _building.get()
    if not building:
        return False
    target = os.path.abspath(path)
    return any(target.startswith(root + os.sep) for root in building)


def fault_point(name: str) -> None:
    """Mark a step of a save (``"swap:journal"``, ``"checkpoint:latest"``...).

    Tests set ``fault_hook`` to kill the process at a named step; in normal
    use it is None and this costs one global lookup.
    name (str): the step that has just completed.
    """
    if fault_hook is not None:
        fault_hook(name)


def fsync_dir(path: str | Path) -> None:
    """Make a folder's entries (renames, new files) durable, where the OS allows it.

    path (str | Path): the folder.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its renames are durable there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(path: str | Path) -> None:
    """Flush every file and folder under ``path`` to disk.

    Components may write their files with plain ``open()``; the swap must
    not make a folder visible whose contents are still only in the page cache.
    path (str | Path): the folder.
    """
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            except OSError:  # Windows refuses fsync on a read-only handle
                pass
            finally:
                os.close(fd)
        fsync_dir(root)


def journal_path(dest: str | Path) -> Path:
    """RETURNS (Path): the swap journal of folder ``dest`` (``.NAME.swap`` beside it)."""
    dest = Path(dest)
    return dest.parent / f".{dest.name}{JOURNAL_SUFFIX}"


def replace_directory(src: str | Path, dest: str | Path) -> None:
    """Move the finished folder ``src`` to ``dest``, replacing any folder there.

    The swap is journaled so that a kill at any point is recoverable:
    ``src`` is flushed to disk, a journal ``.NAME.swap`` naming ``src`` and
    the aside name of the old folder is written, the old ``dest`` is renamed
    aside, ``src`` renamed in, the journal removed and the old folder
    deleted. ``recover_directory`` (run before every save of ``dest`` and
    when a training run starts) finishes a swap the journal shows half-done.

    src (str | Path): a complete folder beside ``dest`` (``atomic_directory``'s).
    dest (str | Path): the target folder.
    """
    src, dest = Path(src), Path(dest)
    recover_directory(dest)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest}: exists and is not a folder; cannot save a pipeline there")
    parent = dest.parent
    if _under_construction(dest):
        # Inside a folder still being built (a checkpoint's pipeline): a kill
        # discards the whole outer folder, so no journal or flush is needed.
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(src, dest)
        return
    fsync_tree(src)
    fault_point("swap:synced")
    # A unique name, not a folder: os.replace needs it free.
    old = parent / f".{dest.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    journal = journal_path(dest)
    write_json(journal, {"new": os.path.relpath(src, parent), "old": old.name})
    fsync_dir(parent)
    fault_point("swap:journal")
    had_old = dest.exists()
    try:
        if had_old:
            os.replace(dest, old)
            fault_point("swap:old-aside")
        os.replace(src, dest)
        fsync_dir(parent)
        fault_point("swap:new-in")
    except BaseException:
        # A failed rename or an interrupt (not a kill): put the old folder back, forget the swap.
        if had_old and old.exists() and not dest.exists():
            os.replace(old, dest)
        journal.unlink(missing_ok=True)
        raise
    journal.unlink()
    fsync_dir(parent)
    fault_point("swap:journal-removed")
    shutil.rmtree(old, ignore_errors=True)
    fault_point("swap:old-removed")


def recover_directory(dest: str | Path, *, clean: bool = False) -> str | None:
    """Finish a swap of ``dest`` that a kill interrupted; optionally remove leftovers.

    With a journal: the new folder it names was complete when the journal was
    written, so the swap is rolled forward (the new folder renamed in, the old
    one deleted). Without one, a missing ``dest`` with an intact
    ``.NAME.old-*`` beside it (left by plait versions before the journal) is
    renamed back. With ``clean``, temporary files and folders of unfinished
    writes (``.NAME.tmp-*``, ``.NAME.old-*``) are deleted: only safe when no
    other process is saving to ``dest`` at the same time.

    dest (str | Path): the folder (``model-last``, a checkpoint step).
    clean (bool): delete leftovers of killed writes too.
    RETURNS (str | None): what was done ("finished", "restored") or None.
    """
    dest = Path(dest)
    parent = dest.parent
    journal = journal_path(dest)
    done: str | None = None
    if journal.is_file():
        try:
            entry = srsly.read_json(journal)
            new, old = parent / entry["new"], parent / entry["old"]
            # The aside folder is deleted below: it must be the one the swap
            # named beside dest, never a path the journal file points at.
            if old.parent != parent or not old.name.startswith(f".{dest.name}.old-"):
                raise ValueError(f"'old' = {entry['old']!r} is not a .{dest.name}.old-* folder beside it")
            # Likewise the folder moved in: atomic_directory's temporary
            # sibling, never another folder the journal names.
            if new.parent != parent or not new.name.startswith(f".{dest.name}.tmp-"):
                raise ValueError(f"'new' = {entry['new']!r} is not a .{dest.name}.tmp-* folder beside it")
        except (ValueError, KeyError, TypeError, OSError) as err:
            raise SerializationError(
                f"{journal}: unreadable swap journal of '{dest}' ({err}). Check which of "
                f"'{dest}' and the .{dest.name}.tmp-* / .{dest.name}.old-* folders beside it is "
                f"complete, keep it as '{dest}' and delete the journal."
            ) from err
        if new.is_dir():  # not renamed in yet
            if dest.exists():
                os.replace(dest, old)
            os.replace(new, dest)
        elif not dest.exists() and old.is_dir():  # the new folder vanished: keep the old one
            os.replace(old, dest)
        fsync_dir(parent)
        journal.unlink()
        fsync_dir(parent)
        shutil.rmtree(old, ignore_errors=True)
        done = "finished"
    elif not dest.exists():
        olds = sorted(parent.glob(f".{dest.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if olds and olds[-1].is_dir():
            os.replace(olds[-1], dest)
            fsync_dir(parent)
            done = "restored"
    if clean and parent.is_dir():
        for pattern in (f".{dest.name}.tmp-*", f".{dest.name}.old-*", f".{journal.name}.tmp-*"):
            for leftover in parent.glob(pattern):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
    return done


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Build a folder in a temporary sibling and swap it into ``path`` on success.

    path (str | Path): the folder to create or replace.
    YIELDS (Path): the temporary folder to write into.

        with atomic_directory("model-best") as tmp:
            (tmp / "meta.json").write_text("{}")
    """
    path = Path(path)
    recover_directory(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path}: exists and is not a folder; cannot save a pipeline there")
    tmp = _tmp_sibling(path, "dir")
    token = _building.set((*_building.get(), os.path.abspath(tmp)))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _building.reset(token)
    try:
        replace_directory(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
