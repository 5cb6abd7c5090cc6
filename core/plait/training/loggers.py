"""``plait.ConsoleLogger.v1``: the default training logger.

A logger is a registered function returning ``setup(nlp, stdout, stderr) ->
(log_step, finalize)``; ``log_step(info)`` receives None between evaluations
or the info dict (epoch, step, score, other_scores, losses, checkpoints,
seconds, words) after one, and ``finalize()`` runs when training ends. The
console logger prints one table row per evaluation (with a tqdm bar between
them when asked) and can also write every evaluation as a JSON line.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

import srsly

from ..plugins.protocols import Finalize, Logger, LogStep

# Set by the training driver while a resumed run sets up its logger, so that
# file-writing loggers append to the interrupted run's log instead of
# truncating it. Third-party loggers may read it too.
RESUMING: ContextVar[bool] = ContextVar("plait_logger_resuming", default=False)
# The step of the checkpoint a resumed run continues from (None: a fresh run).
# Evaluations an interrupted run logged after it are logged again by the
# resumed run, so file-writing loggers drop those lines first.
RESUME_STEP: ContextVar[int | None] = ContextVar("plait_logger_resume_step", default=None)


def _open_log(path: Path) -> IO:
    """Open the JSONL log: truncated for a fresh run; for a resumed one, kept up
    to the checkpoint's step (later lines are rewritten atomically away)."""
    from .. import fs

    resume_step = RESUME_STEP.get()
    if not RESUMING.get() or not path.exists():
        return path.open("w", encoding="utf8")
    if resume_step is not None:
        kept = []
        for line in path.read_text(encoding="utf8").splitlines():
            try:
                step = srsly.json_loads(line).get("step")
            except ValueError:
                continue  # a line cut short by the kill
            if isinstance(step, int) and step <= resume_step:
                kept.append(line + "\n")
        fs.write_text(path, "".join(kept))
    return path.open("a", encoding="utf8")



def _table_row(widths: list[int], cells: list[str], aligns: list[str]) -> str:
    parts = []
    for width, cell, align in zip(widths, cells, aligns, strict=True):
        parts.append(cell.rjust(width) if align == "r" else cell.ljust(width))
    return "  ".join(parts).rstrip()


def console_logger(
    progress_bar: bool = False,
    console_output: bool = True,
    output_file: Path | str | None = None,
) -> Logger:
    """Create the console logger.

    progress_bar (bool): show a tqdm bar counting steps to the next evaluation.
    console_output (bool): print the score table to stdout.
    output_file (Optional[Path]): also write each evaluation as a JSON line
        here (a resumed run keeps the lines up to its checkpoint and appends).
    RETURNS (Logger): the setup function ``setup(nlp, stdout, stderr)``.
    """

    def setup_printer(nlp: Any, stdout: IO = sys.stdout, stderr: IO = sys.stderr) -> tuple[LogStep, Finalize]:
        score_weights = dict(nlp.config["training"]["score_weights"])
        score_cols = [col for col, value in score_weights.items() if value is not None]
        frozen = set(nlp.config["training"].get("frozen_components", []))
        loss_cols = [
            f"Loss {name}" for name, proc in nlp.pipeline
            if name not in frozen and getattr(proc, "is_trainable", False)
        ]
        cols = ["E", "#", *loss_cols, *score_cols, "Score"]
        widths = [max(len(c), 3 if c == "E" else 6) for c in cols]
        aligns = ["r"] * len(cols)
        log_file: IO | None = None
        if output_file is not None:
            path = Path(output_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            log_file = _open_log(path)
        if console_output:
            stdout.write(_table_row(widths, cols, aligns) + "\n")
            stdout.write(_table_row(widths, ["-" * w for w in widths], aligns) + "\n")
            stdout.flush()
        progress: Any = None

        def log_step(info: dict[str, Any] | None) -> None:
            nonlocal progress
            if info is None:
                if progress is not None:
                    progress.update(1)
                return
            losses = [
                f"{info['losses'].get(name[5:], 0.0):.2f}" for name in loss_cols
            ]
            scores = []
            other = info.get("other_scores") or {}
            for col in score_cols:
                value = other.get(col, 0.0)
                if col != "speed" and isinstance(value, (int, float)):
                    value = value * 100
                scores.append(f"{value:.2f}" if isinstance(value, (int, float)) else str(value))
            row = [str(info["epoch"]), str(info["step"]), *losses, *scores, f"{info['score']:.2f}"]
            if progress is not None:
                progress.close()
                progress = None
            if console_output:
                stdout.write(_table_row(widths, row, aligns) + "\n")
                stdout.flush()
            if log_file is not None:
                record = {
                    key: info.get(key)
                    for key in ("epoch", "step", "score", "losses", "seconds", "words", "checkpoints")
                }
                record["other_scores"] = {
                    k: v for k, v in other.items() if isinstance(v, (int, float, str)) or v is None
                }
                log_file.write(srsly.json_dumps(record) + "\n")
                log_file.flush()
            if progress_bar:
                import tqdm  # only when asked for: keeps setup cheap

                eval_frequency = int(nlp.config["training"]["eval_frequency"])
                progress = tqdm.tqdm(total=eval_frequency, disable=None, leave=False, file=stderr)

        def finalize() -> None:
            if progress is not None:
                progress.close()
            if log_file is not None:
                log_file.close()

        return log_step, finalize

    return setup_printer
