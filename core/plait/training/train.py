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

from ..errors import UsageError
from . import checkpoint as ckpt
from . import loop
from .initialize import (
    initialize_pipeline,
    prepare,
    read_examples,
    resolve_corpus,
    resolve_training,
)


def _resume_state(output_path: Path, use_gpu: int, stdout: IO) -> tuple[Any, ...] | None:
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
    train_corpus = resolve_corpus(interpolated, "train_corpus", T["train_corpus"], nlp.config)
    dev_corpus = resolve_corpus(interpolated, "dev_corpus", T["dev_corpus"], nlp.config)
    train_examples = None
    if T["max_epochs"] >= 0:
        train_examples = read_examples(nlp, train_corpus, T["train_corpus"], config, interpolated)
    optimizer = T["optimizer"]
    nlp._link_components()
    ckpt.optimizer_from_msg(nlp, optimizer, state["optimizer"], schedule_steps=int(loop_state["step"]))
    loop_state["rng"] = state["rng"]
    stdout.write(f"Resuming the run in {output_path} at step {loop_state['step']}\n")
    return nlp, T, train_corpus, dev_corpus, train_examples, optimizer, config, interpolated, loop_state


def train(
    config_path: str | Path | None,
    output_path: str | Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    use_gpu: int = -1,
    resume: bool = False,
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
    stdout (IO), stderr (IO): where progress and the logger write.
    RETURNS (Language): the trained pipeline (last weights, averaged if kept).
    """
    from ..config import load_config

    overrides = dict(overrides or {})
    if resume:
        if output_path is None and config_path is not None and Path(config_path).is_dir():
            output_path, config_path = config_path, None
        if output_path is None:
            raise UsageError("--resume needs the output folder of the run to continue (--output OUT).")
        if overrides:
            raise UsageError(
                "--resume continues a run with the config it started with; config overrides "
                f"({', '.join(overrides)}) are not allowed. Start a new run to change settings."
            )
        output_path = Path(output_path)
        found = _resume_state(output_path, use_gpu, stdout)
        if found is None:
            from ..language import load

            return load(output_path / loop.DIR_MODEL_LAST)
        nlp, T, train_corpus, dev_corpus, train_examples, optimizer, config, interpolated, state = found
    else:
        if config_path is None:
            raise UsageError("plait train needs a config file (or --resume OUT to continue a run).")
        config = load_config(config_path, overrides, interpolate=False)
        init = initialize_pipeline(config, use_gpu=use_gpu)
        nlp, T, train_corpus, dev_corpus = init.nlp, init.training, init.train_corpus, init.dev_corpus
        train_examples, optimizer, state = init.train_examples, init.optimizer, None
        interpolated = nlp.config.interpolate()
        if output_path is not None:
            output_path = Path(output_path)
            # A fresh run must not be resumable from an older run's checkpoint.
            shutil.rmtree(ckpt.checkpoint_root(output_path), ignore_errors=True)
    dev_examples = read_examples(nlp, dev_corpus, T["dev_corpus"], nlp.config, interpolated)
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
