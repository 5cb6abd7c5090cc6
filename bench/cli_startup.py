"""CLI start-up benchmark: wall time of `plait --help` and `plait --version`.

Start-up time depends on the machine and its load, so it is measured here
and never asserted in the test suite (tests/core/cli/test_help.py only checks
that --help imports no heavy library). The target is about 0.3 s.

    .venv/bin/python bench/cli_startup.py            # best of 5 runs each
    .venv/bin/python bench/cli_startup.py --runs 10
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def time_command(args: list[str], runs: int) -> float:
    """Best wall time of ``runs`` fresh interpreter runs of ``plait ARGS``.

    args (list[str]): the command line after ``plait``.
    runs (int): how many times to run it.
    RETURNS (float): the fastest run, in seconds.
    """
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "plait", *args], capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (the best is shown)")
    opts = parser.parse_args()
    for args in (["--help"], ["--version"], ["train", "--help"]):
        best = time_command(args, opts.runs)
        print(f"plait {' '.join(args):<14} {best:.3f} s (best of {opts.runs})")


if __name__ == "__main__":
    main()
