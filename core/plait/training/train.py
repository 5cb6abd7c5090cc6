"""``train(config_path, output_path)``: the plain function under ``plait train``.

It loads the config (overrides applied), initializes the pipeline (or, with
``resume=True``, reloads the run's latest checkpoint), reads the dev corpus
once and drives the loop in ``plait.training.loop``. Tests call it directly.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import IO, Any

from .. import fs
from ..errors import SerializationError, UsageError
from . import checkpoint as ckpt
from . import loop
from .initialize import (
    initialize_pipeline,
    prepare,
    read_examples,
    resolve_corpus,
    resolve_training,
)


def recover_output(output_path: Path, stdout: IO) -> None:
    """Repair what a killed run left in its output folder, before anything else.

    Finishes half-done swaps of model-last / model-best and of the checkpoint
    (``plait.fs`` journals), points LATEST at a complete checkpoint, and
    deletes temporary folders of killed writes. Says what it repaired.

    output_path (Path): the run's output folder.
    stdout (IO): where to say it.
    """
    if not output_path.is_dir():
        return
    notes: list[str] = []
    for name in (loop.DIR_MODEL_LAST, loop.DIR_MODEL_BEST):
        done = fs.recover_directory(output_path / name, clean=True)
        if done == "finished":
            notes.append(f"finished the interrupted save of {name}")
        elif done == "restored":
            notes.append(f"restored {name} from the copy an interrupted save had moved aside")
    notes.extend(ckpt.recover_checkpoints(output_path, clean=True))
    # Temporary files of other killed writes (a report, a log) beside them.
    for leftover in output_path.glob(".*.tmp-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    for note in notes:
        stdout.write(f"{output_path}: {note}\n")


def _refuse_unfinished_run(output_path: Path, force: bool, stdout: IO) -> None:
    """A fresh run into the output of an unfinished run must not lose its checkpoint.

    Checked before the config is read. With `force`, the checkpoint is kept
    until this run writes its own first one (a run that fails before that
    leaves it resumable).
    """
    try:
        found = ckpt.find_checkpoint(output_path)
    except SerializationError as err:  # a damaged checkpoint: only --force may replace it
        if not force:
            raise
        stdout.write(f"--force: {err} It is replaced once this run saves its first checkpoint.\n")
        return
    if found is None or found[1]["loop"].get("finished"):
        return
    step = found[1]["loop"]["step"]
    if not force:
        raise UsageError(
            f"{output_path} holds an unfinished run (checkpoint at step {step}). Continue it with "
            f"`plait train --resume {output_path}`, pick another --output, or pass --force to start "
            f"a new run there (its checkpoint is replaced by the new run's first one)."
        )
    stdout.write(
        f"--force: the unfinished run in {output_path} (checkpoint at step {step}) is replaced once "
        f"this run saves its first checkpoint.\n"
    )


# Public name for commands that start runs the same way (plait-ray's `plait ray train`).
refuse_unfinished_run = _refuse_unfinished_run


def _resume_state(output_path: Path, use_gpu: int, stdout: IO, progress: IO) -> tuple[Any, ...] | None:
    nlp_path, state = ckpt.load_checkpoint(output_path)
    loop_state = dict(state["loop"])
    if loop_state.get("finished"):
        stdout.write(f"The run in {output_path} has already finished; nothing to resume.\n")
        return None
    from ..config import load_config

    config = load_config(nlp_path / "config.cfg", {}, env=False)
    nlp, interpolated = prepare(config, use_gpu=use_gpu)
    nlp.from_disk(nlp_path)
    T = resolve_training(interpolated)
    resolved: dict[str, Any] = {}
    train_corpus = resolve_corpus(interpolated, "train_corpus", T["train_corpus"], nlp.config, cache=resolved)
    dev_corpus = resolve_corpus(interpolated, "dev_corpus", T["dev_corpus"], nlp.config, cache=resolved)
    train_examples = None
    if T["max_epochs"] >= 0:
        train_examples = read_examples(nlp, train_corpus, T["train_corpus"], config, interpolated,
                                       progress=progress, max_epochs=T["max_epochs"])
    optimizer = T["optimizer"]
    nlp._link_components()
    ckpt.optimizer_from_msg(nlp, optimizer, state["optimizer"], schedule_steps=int(loop_state["step"]))
    loop_state["rng"] = state["rng"]
    stdout.write(f"Resuming the run in {output_path} at step {loop_state['step']}\n")
    return nlp, T, train_corpus, dev_corpus, train_examples, optimizer, config, interpolated, loop_state


def resume_paths(config_path: str | Path | None, output_path: str | Path | None,
                 overrides: dict[str, Any]) -> tuple[Path, str | Path | None]:
    """The output folder a ``--resume`` continues, and the config argument left.

    ``plait train --resume OUT`` may name the folder in the config argument.
    A resumed run keeps the config it started with, so overrides are refused.
    RETURNS (tuple[Path, str | Path | None]): the output folder, and the
        config path (None when it was the folder).
    RAISES (UsageError): no output folder, or overrides given.
    """
    if output_path is None and config_path is not None and Path(config_path).is_dir():
        output_path, config_path = config_path, None
    if output_path is None:
        raise UsageError("--resume needs the output folder of the run to continue (--output OUT).")
    if overrides:
        raise UsageError(
            "--resume continues a run with the config it started with; config overrides "
            f"({', '.join(overrides)}) are not allowed. Start a new run to change settings."
        )
    return Path(output_path), config_path


def train(
    config_path: str | Path | None,
    output_path: str | Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    use_gpu: int = -1,
    resume: bool = False,
    force: bool = False,
    stdout: IO = sys.stdout,
    stderr: IO = sys.stderr,
) -> Any:
    """Train a pipeline from a config and save model-last / model-best.

    config_path (str | Path | None): the config ("-" for stdin); with
        `resume`, may be None or the output folder.
    output_path (str | Path | None): the output folder; None saves nothing.
    overrides (dict[str, Any]): dotted config overrides ("paths.train": ...).
    use_gpu (int): GPU id, -1 for the CPU.
    resume (bool): continue the interrupted run saved in `output_path`.
    force (bool): start a new run in `output_path` although it holds an
        unfinished run's checkpoint (refused otherwise).
    stdout (IO), stderr (IO): where progress and the logger write.
    RETURNS (Language): the trained pipeline (last weights, averaged if kept).
    """
    from ..config import load_config

    overrides = dict(overrides or {})
    if resume:
        output_path, config_path = resume_paths(config_path, output_path, overrides)
        recover_output(output_path, stdout)
        found = _resume_state(output_path, use_gpu, stdout, stderr)
        if found is None:
            from ..language import load

            return load(output_path / loop.DIR_MODEL_LAST)
        nlp, T, train_corpus, dev_corpus, train_examples, optimizer, config, interpolated, state = found
    else:
        if config_path is None:
            raise UsageError("plait train needs a config file (or --resume OUT to continue a run).")
        if output_path is not None:
            # Before anything is read: repair a killed run's saves, and never
            # start over an unfinished run unless asked to. Its checkpoint is
            # replaced only when this run writes its first one.
            output_path = Path(output_path)
            recover_output(output_path, stdout)
            _refuse_unfinished_run(output_path, force, stdout)
        config = load_config(config_path, overrides, interpolate=False)
        init = initialize_pipeline(config, use_gpu=use_gpu, progress=stderr)
        nlp, T, train_corpus, dev_corpus = init.nlp, init.training, init.train_corpus, init.dev_corpus
        train_examples, optimizer, state = init.train_examples, init.optimizer, None
        interpolated = nlp.config.interpolate()
    dev_examples = read_examples(nlp, dev_corpus, T["dev_corpus"], nlp.config, interpolated,
                                 progress=stderr)
    if state is None and T["seed"] is not None:
        # The dropout masks of a fresh run depend on the seed alone, not on
        # what reading the dev corpus drew.
        from thinc.api import fix_random_seed

        fix_random_seed(int(T["seed"]) + 1)
    stdout.write(f"Pipeline: {nlp.pipe_names}\n")
    if T["frozen_components"]:
        stdout.write(f"Frozen components: {list(T['frozen_components'])}\n")
    stdout.write(f"Initial learn rate: {optimizer.learn_rate}\n")
    stdout.flush()
    nlp, last_path = loop.train(
        nlp, T, train_corpus, dev_examples, output_path=output_path,
        train_examples=train_examples, optimizer=optimizer, resume=state,
        stdout=stdout, stderr=stderr,
    )
    if last_path is not None:
        stdout.write(f"Saved pipeline to output directory {last_path}\n")
    return nlp
