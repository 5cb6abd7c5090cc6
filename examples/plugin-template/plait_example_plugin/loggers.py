"""``plait_example.JsonlLogger.v1``: one JSON line per evaluation, in a file.

A logger is a function returning ``setup(nlp, stdout, stderr)``, which
returns ``(log_step, finalize)``; ``log_step`` gets ``None`` after each
update and the evaluation info (epoch, step, losses, score, other_scores)
after each evaluation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any, Callable


def jsonl_logger(path: str = "training-log.jsonl", console: bool = True) -> Callable[..., Any]:
    """Append each evaluation to ``path`` as one JSON object per line.

    path (str): the file to write (its folder is created).
    console (bool): also print one short line per evaluation.
    RETURNS (Callable): the logger setup function.
    """

    def setup(nlp: Any, stdout: IO = sys.stdout, stderr: IO = sys.stderr) -> tuple[Callable, Callable]:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = target.open("a", encoding="utf8")

        def log_step(info: dict[str, Any] | None) -> None:
            if info is None:  # an update without evaluation
                return
            record = {"epoch": info["epoch"], "step": info["step"], "score": info["score"],
                      "losses": info.get("losses", {})}
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            if console:
                stdout.write(f"step {info['step']}: score {info['score']:.3f}\n")

        def finalize() -> None:
            handle.close()

        return log_step, finalize

    return setup
