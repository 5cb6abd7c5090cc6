"""Writing a command's text result to a file (atomically) or to stdout (`-`)."""

from __future__ import annotations

import sys
from pathlib import Path


def write_text_output(output: str | Path, text: str) -> None:
    """Write ``text`` to ``output``, or to stdout when ``output`` is ``"-"``."""
    if str(output) == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from ..fs import write_text

    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, text)
