"""Time `plait convert` against `spacy convert` on the whole EWT train file.

Each tool runs as a fresh process (what a user runs), best of --repeat runs.
Usage: .venv/bin/python bench/convert.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EWT_TRAIN = (ROOT / ".." / "shared" / "data" / "ud-english-ewt" / "en_ewt-ud-train.conllu").resolve()
SPACY_PY = ROOT / "bench" / ".venv-spacy" / "bin" / "python"


def _time(cmd: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for sub in ("plait", "spacy"):  # spacy convert needs the folder to exist
            Path(tmp, sub).mkdir()
        plait_s = _time([sys.executable, "-m", "plait", "convert", str(EWT_TRAIN), f"{tmp}/plait"], args.repeat)
        spacy_s = _time([str(SPACY_PY), "-m", "spacy", "convert", str(EWT_TRAIN), f"{tmp}/spacy"], args.repeat)
        sizes = {p.suffix: p.stat().st_size for p in Path(tmp).rglob("*.*")}
    print(f"plait convert: {plait_s:.2f} s  ({sizes.get('.plait', 0) / 1e6:.2f} MB)")
    print(f"spacy convert: {spacy_s:.2f} s  ({sizes.get('.spacy', 0) / 1e6:.2f} MB)")
    print(f"speed-up: {spacy_s / plait_s:.2f}x")


if __name__ == "__main__":
    main()
