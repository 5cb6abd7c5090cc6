"""Read word vectors files: word2vec / fastText text (``.txt``, ``.vec``, ``.gz``)
and binary word2vec (``.bin``, ``.bin.gz``).

Text: an optional header line ``ROWS WIDTH``, then one ``word v1 ... vN`` per
line. Binary: the same header, then per row the UTF-8 word, a space and WIDTH
little-endian float32 values (an optional newline between rows). Rows are
parsed in chunks: one numpy conversion per chunk, not per value. Every
problem is a DataError naming the file and the line or row.
"""

from __future__ import annotations

import gzip
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from .errors import DataError

_CHUNK = 8192


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


def is_binary(path: str | Path) -> bool:
    """RETURNS (bool): whether path names a binary word2vec file (``.bin``, ``.bin.gz``)."""
    name = Path(path).name
    return name.endswith(".bin") or name.endswith(".bin.gz")


def _header(line: bytes) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _word(raw: bytes, path: Path, row: int, line: int | None) -> str:
    where = f"line {line}" if line is not None else f"row {row}"
    try:
        return raw.decode("utf8")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}, {where}: the word {raw[:40]!r} is not valid UTF-8 ({err.reason} at byte {err.start}); "
            f"re-encode the file as UTF-8."
        ) from None


def read_vectors(path: str | Path, *, truncate: int = 0, progress: bool = False,
                 stderr: IO = sys.stderr) -> tuple[list[str], np.ndarray]:
    """Read a vectors file.

    path (str | Path): the file.
    truncate (int): read at most this many rows (0: all).
    progress (bool): show a progress bar on stderr.
    RETURNS (tuple[list[str], numpy.ndarray]): the words and the float32 table.
    RAISES (DataError): unreadable file, unequal row widths, a header that
        does not match the rows, a word that is not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such vectors file")
    try:
        with _open(path) as f:
            first = f.readline()
            header = _header(first)
            total = header[0] if header else None
            if truncate and total:
                total = min(total, truncate)
            bar = _progress(total, progress, stderr, path)
            try:
                if is_binary(path):
                    if header is None:
                        raise DataError(f"{path}, line 1: a binary word2vec file starts with a 'ROWS WIDTH' "
                                        f"header, got {first[:60]!r}")
                    words, table = _read_binary(f, path, header, truncate, bar)
                else:
                    words, table = _read_text(f, path, first, header, truncate, bar)
            finally:
                if bar is not None:
                    bar.close()
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise DataError(f"{path}: cannot read vectors ({err})") from err
    if header is not None and not truncate and len(words) != header[0]:
        raise DataError(f"{path}, line 1: the header says {header[0]} rows, but the file has {len(words)}; "
                        f"fix the header (or remove it).")
    if not words:
        raise DataError(f"{path}: no vectors in the file")
    return words, table


def _progress(total: int | None, show: bool, stderr: IO, path: Path) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="row", desc=f"Reading {path.name}", file=stderr, leave=False)


def _lines(f: IO[bytes], start: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for lineno, line in enumerate(f, start):
        if line.strip():
            chunk.append((lineno, line))
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _read_text(f: IO[bytes], path: Path, first: bytes, header: tuple[int, int] | None,
               truncate: int, bar: Any) -> tuple[list[str], np.ndarray]:
    width = header[1] if header else None
    words: list[str] = []
    blocks: list[np.ndarray] = []
    pending = [] if header else [(1, first)]

    def chunks() -> Iterator[list[tuple[int, bytes]]]:
        if pending:
            yield pending
        yield from _lines(f, 2)

    for chunk in chunks():
        if truncate:
            chunk = chunk[: truncate - len(words)]
            if not chunk:
                break  # --truncate rows read
        rests: list[bytes] = []
        for lineno, line in chunk:
            word, _, rest = line.strip().partition(b" ")
            n_values = len(rest.split())
            if width is None:
                width = n_values
                if width < 1:
                    raise DataError(f"{path}, line {lineno}: a row needs a word and at least one value")
            if n_values != width:
                source = "the header" if header else "the first row"
                raise DataError(
                    f"{path}, line {lineno}: row of {n_values} values, but {source} says {width}; "
                    f"every row must be 'word' followed by {width} numbers."
                )
            words.append(_word(word, path, len(words), lineno))
            rests.append(rest)
        assert width is not None  # set by the chunk's first row (chunks are never empty)
        # One C-level parse per chunk; it stops early at a value that is not a number.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                flat = np.fromstring(b" ".join(rests), dtype=np.float32, sep=" ")
        except ValueError:  # newer numpy raises where older ones stopped early
            flat = np.zeros(0, dtype=np.float32)
        if flat.size != len(chunk) * width:
            bad = next((ln for ln, line in chunk if not _numeric(line.split()[1:])), chunk[0][0])
            raise DataError(f"{path}, line {bad}: a value is not a number; every row must be 'word' "
                            f"followed by {width} numbers.")
        blocks.append(flat.reshape(len(chunk), width))
        if bar is not None:
            bar.update(len(chunk))
        if truncate and len(words) >= truncate:
            break
    table = np.concatenate(blocks) if blocks else np.zeros((0, width or 0), dtype=np.float32)
    return words, table


def _numeric(values: list[bytes]) -> bool:
    try:
        np.array(values).astype(np.float32)
    except ValueError:
        return False
    return True


def _read_binary(f: IO[bytes], path: Path, header: tuple[int, int], truncate: int,
                 bar: Any) -> tuple[list[str], np.ndarray]:
    n_rows, width = header
    if truncate:
        n_rows = min(n_rows, truncate)
    table = np.zeros((n_rows, width), dtype=np.float32)
    words: list[str] = []
    n_bytes = 4 * width
    data = f.read()
    pos = 0
    for row in range(n_rows):
        while pos < len(data) and data[pos:pos + 1] in (b"\n", b" "):
            pos += 1
        end = data.find(b" ", pos)
        if end < 0 or end + 1 + n_bytes > len(data):
            raise DataError(f"{path}, row {row + 1}: the file ends early; the header says {header[0]} rows "
                            f"of {width} values.")
        words.append(_word(data[pos:end], path, row + 1, None))
        table[row] = np.frombuffer(data, dtype="<f4", count=width, offset=end + 1)
        pos = end + 1 + n_bytes
        if bar is not None and row % _CHUNK == 0:
            bar.update(min(_CHUNK, n_rows - row))
    if not truncate and data[pos:].strip():
        raise DataError(f"{path}, row {n_rows + 1}: more data after the {n_rows} rows the header promises; "
                        f"fix the header.")
    return words, table
