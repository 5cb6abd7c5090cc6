"""SHA-256 checksums of a saved pipeline's data files (``checksums.sha256``).

Why it exists: a weights file damaged in the middle (a bad disk, a partial
copy, a flipped byte in transit) still decodes as msgpack with the same
array shapes, so without a check the pipeline loads and silently predicts
garbage. ``nlp.to_disk`` writes one line per data file in ``sha256sum``'s
format (so ``sha256sum -c checksums.sha256`` works in the folder) and
``nlp.from_disk`` checks every listed file before reading anything.

``config.cfg`` and ``meta.json`` are left out on purpose: they are text that
users edit by hand (and that their readers already check); every other file
the pipeline writes is covered. A folder without ``checksums.sha256`` (saved
before plait wrote one, or assembled by hand) loads as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from ..errors import SerializationError

CHECKSUM_FILE = "checksums.sha256"
# hand-editable text, checked by their own readers
_UNCHECKED = frozenset({"config.cfg", "meta.json", CHECKSUM_FILE})
_CHUNK = 1 << 20


def _digest(file: Path) -> str:
    h = hashlib.sha256()
    with file.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _data_files(folder: Path) -> list[str]:
    """The pipeline's data files, as sorted POSIX paths relative to `folder`."""
    files = (p for p in folder.rglob("*") if p.is_file())
    rel = (p.relative_to(folder).as_posix() for p in files)
    return sorted(r for r in rel if r not in _UNCHECKED)


def write_checksums(folder: Path) -> None:
    """Write ``checksums.sha256`` for the data files now in `folder` (last step of a save).

    folder (Path): the pipeline folder being written.
    """
    lines = [f"{_digest(folder / rel)}  {rel}\n" for rel in _data_files(folder)]
    (folder / CHECKSUM_FILE).write_text("".join(lines), encoding="utf8")


def verify_checksums(folder: Path, exclude: Iterable[str] = ()) -> None:
    """Check `folder`'s data files against its ``checksums.sha256``, if it has one.

    folder (Path): the pipeline folder to load.
    exclude (Iterable[str]): top-level names that will not be loaded (not checked).
    RAISES (SerializationError): a listed file is missing or its content changed,
        or the checksum file is malformed; the message names the file.
    """
    listing = folder / CHECKSUM_FILE
    if not listing.is_file():
        return
    skip = set(exclude)
    try:
        text = listing.read_text(encoding="utf8")
    except (OSError, UnicodeDecodeError) as err:
        raise SerializationError(f"{listing}: cannot read it ({err})") from err
    for line_no, line in enumerate(text.splitlines(), start=1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or not rel:
            raise SerializationError(
                f"{listing}, line {line_no}: expected '<sha256>  <file>', found {line[:80]!r}. "
                f"Delete {CHECKSUM_FILE} to load the pipeline unchecked."
            )
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts:
            raise SerializationError(f"{listing}, line {line_no}: '{rel}' is not a path inside the pipeline folder")
        if parts[0] in skip:
            continue
        file = folder / rel
        if not file.is_file():
            raise SerializationError(
                f"{file}: missing, but {CHECKSUM_FILE} lists it: the pipeline folder is incomplete. "
                f"Copy the whole folder again, or save the pipeline again."
            )
        if _digest(file) != digest:
            raise SerializationError(
                f"{file}: its content differs from what was saved (SHA-256 mismatch with "
                f"{CHECKSUM_FILE}, line {line_no}): the file is damaged or was changed. Copy the "
                f"pipeline folder again from a good source, or save it again."
            )
