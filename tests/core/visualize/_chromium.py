"""Headless Chromium for the page tests: the DOM after load, console
messages, screenshots, and a small PNG reader (no imaging library needed).

The browser is Debian's ``chromium`` package (installed by ``.ci/run``);
tests skip with the reason when none can be found or started.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy
import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CONSOLE_RE = re.compile(r":CONSOLE(?:\(\d+\))?[:\]].*")


def find_browser() -> str | None:
    """RETURNS (Optional[str]): the path of a Chromium binary, or None."""
    override = os.environ.get("PLAIT_TEST_CHROMIUM")
    if override:
        return override if Path(override).exists() else None
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_browser() -> str:
    """RETURNS (str): a Chromium binary; skips the test when there is none."""
    path = find_browser()
    if path is None:
        pytest.skip("no headless Chromium on this machine (install Debian's `chromium` package; "
                    ".ci/run does) - the page tests need a real browser")
    return path


def _run(args: list[str], tmp: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    browser = require_browser()
    profile = tmp / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    env = dict(os.environ, HOME=str(tmp))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish in {timeout}s: {' '.join(cmd)}")
    if done.returncode != 0 and "Running as root without --no-sandbox" not in done.stderr:
        if "error while loading shared libraries" in done.stderr or "cannot open display" in done.stderr:
            pytest.skip(f"chromium cannot start here: {done.stderr.strip().splitlines()[-1]}")
    return done


def load(page: Path, tmp: Path) -> tuple[str, list[str]]:
    """Open `page` and return its DOM after load and the console messages.

    RETURNS (tuple[str, list[str]]): the serialized DOM and each console line
    (console.log/error calls and uncaught errors alike).
    """
    done = _run(["--dump-dom", page.resolve().as_uri()], tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [m.group(0) for m in CONSOLE_RE.finditer(done.stderr)]
    return done.stdout, console


def screenshot(page: Path, png: Path, tmp: Path, size: tuple[int, int] = (1000, 700),
               max_rows: int = 400) -> numpy.ndarray:
    """Screenshot `page` into `png`.

    RETURNS (numpy.ndarray): the pixels of its top `max_rows` rows (H, W, C).
    """
    done = _run([f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", page.resolve().as_uri()], tmp)
    assert png.exists(), done.stderr[-2000:]
    return read_png(png, max_rows=max_rows)


def _paeth_row(line: bytearray, prev: bytes, bpp: int) -> None:
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        line[i] = (line[i] + pred) & 0xFF


def read_png(path: Path, max_rows: int | None = None) -> numpy.ndarray:
    """Decode an 8-bit, non-interlaced RGB/RGBA/grey PNG (what Chromium writes).

    max_rows (Optional[int]): decode only the top rows (Paeth and Average rows
        take a Python loop per byte: a whole 1000x760 page costs seconds).
    RETURNS (numpy.ndarray): uint8 pixels, shape (rows, width, channels).
    """
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0, f"unsupported PNG {header}"
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = width * channels
    raw = zlib.decompress(idat)
    rows = height if max_rows is None else min(height, max_rows)
    out = numpy.zeros((rows, stride), dtype=numpy.uint8)
    prev = numpy.zeros(stride, dtype=numpy.uint8)
    for row in range(rows):
        start = row * (stride + 1)
        kind = raw[start]
        line = numpy.frombuffer(raw, dtype=numpy.uint8, count=stride, offset=start + 1)
        if kind == 0:
            cur = line.copy()
        elif kind == 1:  # Sub: a running sum along each channel
            cur = numpy.cumsum(line.reshape(width, channels), axis=0, dtype=numpy.uint64).astype(
                numpy.uint8).reshape(stride)
        elif kind == 2:  # Up
            cur = (line.astype(numpy.uint16) + prev).astype(numpy.uint8)
        elif kind == 3:  # Average: each byte needs the one decoded before it
            buf = bytearray(line.tobytes())
            for i in range(stride):
                left = buf[i - channels] if i >= channels else 0
                buf[i] = (buf[i] + ((left + int(prev[i])) >> 1)) & 0xFF
            cur = numpy.frombuffer(bytes(buf), dtype=numpy.uint8)
        elif kind == 4:  # Paeth
            buf = bytearray(line.tobytes())
            _paeth_row(buf, prev.tobytes(), channels)
            cur = numpy.frombuffer(bytes(buf), dtype=numpy.uint8)
        else:
            raise AssertionError(f"{path}: bad PNG filter {kind} in row {row}")
        out[row] = cur
        prev = cur
    return out.reshape(rows, width, channels)


def is_blank(pixels: numpy.ndarray) -> bool:
    """RETURNS (bool): whether (nearly) every pixel has one colour."""
    flat = pixels.reshape(-1, pixels.shape[-1]).astype(numpy.int16)
    background = numpy.median(flat, axis=0)
    differing = numpy.abs(flat - background).max(axis=1) > 24
    return float(differing.mean()) < 0.002
