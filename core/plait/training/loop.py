"""The training loop: a generator that updates and evaluates, and its driver.

``train_while_improving`` yields ``(batch, info, is_best_checkpoint)`` after
every step and knows nothing of files or logging; ``train`` drives it: it
logs through ``[training.logger]``, saves ``model-last`` / ``model-best`` at
each evaluation and writes the resumable checkpoint. The batch stream is
deterministic given the shuffle seed, so a resumed run replays it up to the
saved step (without updating) and continues exactly where the run stopped.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from timeit import default_timer as timer
from typing import IO, Any

from thinc.api import Optimizer

from ..errors import ConfigError, DataError
from ..fs import fault_point
from ..plugins.protocols import Batcher, Reader
from . import checkpoint as ckpt
from .data_checks import checked_stream
from .loggers import RESUME_STEP, RESUMING
from .report import TrainingReport

DIR_MODEL_BEST = "model-best"
DIR_MODEL_LAST = "model-last"


def create_train_batches(
    nlp: Any,
    corpus: Reader,
    batcher: Batcher,
    max_epochs: int,
    *,
    examples: list[Any] | None = None,
    shuffle_seed: int = 0,
) -> Iterator[tuple[int, list[Any]]]:
    """Yield ``(epoch, batch)`` forever or for `max_epochs` epochs.

    With max_epochs >= 0 the Examples are materialised once (alignments cached
    on them) and each epoch shuffles an index permutation with a generator
    seeded by `shuffle_seed`; with -1 the corpus is streamed, unshuffled,
    each epoch.
    nlp (Language): passed to the corpus reader.
    corpus (Callable[[Language], Iterable[Example]]): the train corpus.
    batcher (Callable): ``[training.batcher]``.
    max_epochs (int): 0 = no limit, -1 = stream.
    examples (Optional[list[Example]]): the materialised corpus, if already read.
    shuffle_seed (int): seed of the epoch shuffles.
    """
    shuffler = random.Random(shuffle_seed)
    if max_epochs >= 0 and examples is None:
        examples = list(corpus(nlp))
    epoch = 0
    while max_epochs < 1 or epoch != max_epochs:
        if max_epochs >= 0:
            assert examples is not None
            order = list(range(len(examples)))
            shuffler.shuffle(order)
            stream: Iterable[Any] = [examples[i] for i in order]
        else:
            stream = corpus(nlp)
        for batch in batcher(stream):
            yield epoch, batch
        epoch += 1


def _subdivide(batch: list[Any], accumulate_gradient: int) -> Iterator[list[Any]]:
    if accumulate_gradient <= 1:
        yield batch
        return
    size = max(1, len(batch) // accumulate_gradient)
    for start in range(0, len(batch), size):
        yield batch[start:start + size]


def normalize_score_weights(weights: dict[str, float | None]) -> dict[str, float]:
    """Drop null weights and scale the rest to sum to 1 (when they sum to > 0).

    weights (dict[str, Optional[float]]): ``[training.score_weights]``.
    RETURNS (dict[str, float]): the weights used for the main score.
    """
    kept = {k: float(v) for k, v in weights.items() if v is not None}
    total = sum(kept.values())
    if total > 0:
        kept = {k: v / total for k, v in kept.items()}
    return kept


def create_evaluation_callback(
    nlp: Any, dev_examples: list[Any], weights: dict[str, float]
) -> Callable[[], tuple[float, dict[str, Any]]]:
    """RETURNS (Callable[[], tuple[float, dict]]): evaluate the dev Examples and
    return the weighted main score and all scores."""

    def evaluate() -> tuple[float, dict[str, Any]]:
        scores = nlp.evaluate(dev_examples)
        scores = {k: v for k, v in scores.items() if v is not None}
        for key in weights:
            if key in scores and not isinstance(scores[key], (int, float)):
                raise ConfigError(
                    f"[training.score_weights] {key}: the score is a {type(scores[key]).__name__}, "
                    f"not a number; only numeric scores can be weighted."
                )
        score = sum(float(scores.get(k, 0.0)) * w for k, w in weights.items())
        return score, scores

    return evaluate


def train_while_improving(
    nlp: Any,
    optimizer: Optimizer,
    train_data: Iterator[tuple[int, list[Any]]],
    evaluate: Callable[[], tuple[float, dict[str, Any]]],
    *,
    dropout: float | Iterator[float],
    eval_frequency: int,
    accumulate_gradient: int,
    patience: int,
    max_steps: int,
    exclude: list[str],
    annotating_components: list[str],
    before_update: Callable[[Any, dict[str, Any]], None] | None = None,
    resume: dict[str, Any] | None = None,
) -> Iterator[tuple[list[Any], dict[str, Any], bool | None]]:
    """Train until patience, max_steps or the data run out.

    Evaluation happens at step 0 and every `eval_frequency` steps; `info` then
    carries the scores, otherwise `score` is None and `is_best_checkpoint` is None.
    nlp (Language): the pipeline.
    optimizer (Optimizer): the optimizer.
    train_data (Iterator[tuple[int, list[Example]]]): ``(epoch, batch)`` pairs.
    evaluate (Callable): returns ``(score, other_scores)``.
    dropout (float | Iterator[float]): rate, or a schedule.
    eval_frequency (int): steps between evaluations.
    accumulate_gradient (int): sub-batches per update.
    patience (int): steps without improvement before stopping (0: never).
    max_steps (int): 0 = no limit.
    exclude (list[str]): components not updated (the frozen ones).
    annotating_components (list[str]): components that annotate during update.
    before_update (Optional[Callable]): called with nlp and {"step", "epoch"}.
    resume (Optional[dict]): loop state of a checkpoint: replay up to its step.
    YIELDS (tuple[list[Example], dict, Optional[bool]]): batch, info, is best.
    """
    dropouts: Iterator[float] | None = None if isinstance(dropout, (int, float)) else iter(dropout)
    results: list[tuple[float, int]] = []
    losses: dict[str, float] = {}
    words_seen = 0
    start_step = 0
    seconds_before = 0.0
    if resume is not None:
        start_step = int(resume["step"])
        words_seen = int(resume["words"])
        seconds_before = float(resume["seconds"])
        results = [(float(s), int(t)) for s, t in resume["results"]]
        # Replay the batch stream and the dropout schedule without updating.
        for _ in range(start_step):
            if next(train_data, None) is None:
                return
            if dropouts is not None:
                next(dropouts, None)
        # The RNGs continue from where the interrupted run saved them.
        if "rng" in resume:
            ckpt.set_rng_state(resume["rng"])
        # The checkpoint of a run's last evaluation comes before the stop
        # checks of that step: redo them, or the resumed run trains one step
        # more than the uninterrupted one.
        if start_step > 0 and _should_stop(results, start_step - 1, patience, max_steps):
            return
    start_time = timer()
    drop = float(dropout) if dropouts is None else 0.0  # type: ignore[arg-type]  # a float when dropouts is None
    step = start_step
    for epoch, batch in train_data:
        if before_update is not None:
            before_update(nlp, {"step": step, "epoch": epoch})
        if dropouts is not None:
            drop = next(dropouts, drop)
        for subbatch in _subdivide(batch, accumulate_gradient):
            nlp.update(subbatch, drop=drop, losses=losses, sgd=False, exclude=exclude,
                       annotates=annotating_components)
        for name, proc in nlp.pipeline:
            if name not in exclude and getattr(proc, "is_trainable", False) and \
                    getattr(proc, "model", None) not in (True, False, None):
                proc.finish_update(optimizer)
        optimizer.step_schedules()
        is_best: bool | None
        if step % eval_frequency == 0:
            if optimizer.averages:
                with nlp.use_params(optimizer.averages):
                    score, other_scores = evaluate()
            else:
                score, other_scores = evaluate()
            results.append((score, step))
            is_best = score == max(results)[0]
        else:
            score, other_scores, is_best = None, None, None
        words_seen += sum(len(eg) for eg in batch)
        info = {
            "epoch": epoch,
            "step": step,
            "score": score,
            "other_scores": other_scores,
            "losses": losses,
            "checkpoints": list(results),
            "seconds": int(seconds_before + timer() - start_time),
            "words": words_seen,
        }
        yield batch, info, is_best
        if is_best is not None:
            losses = {}
        if _should_stop(results, step, patience, max_steps):
            break
        step += 1


def _should_stop(results: list[tuple[float, int]], step: int, patience: int, max_steps: int) -> bool:
    """Whether training stops after `step` (patience ran out or max_steps reached)."""
    # The earliest step wins a tie, so (1.0, 100) beats (1.0, 200).
    if results and patience:
        best_step = -max((s, -t) for s, t in results)[1]
        if (step - best_step) >= patience:
            return True
    return bool(max_steps and step >= max_steps)


def update_meta(nlp: Any, score_weights: dict[str, Any], info: dict[str, Any]) -> None:
    """Record the evaluation's scores, losses and labels in ``nlp.meta``."""
    performance: dict[str, Any] = {}
    other = info.get("other_scores") or {}
    for metric, weight in score_weights.items():
        if weight is not None:
            performance[metric] = other.get(metric, 0.0)
    for name in nlp.pipe_names:
        if name in info["losses"]:
            performance[f"{name}_loss"] = info["losses"][name]
    nlp.meta["performance"] = performance
    labels = {}
    for name, proc in nlp.pipeline:
        if hasattr(proc, "labels"):
            labels[name] = list(proc.labels)
    nlp.meta["labels"] = labels


def train(
    nlp: Any,
    training: dict[str, Any],
    train_corpus: Reader,
    dev_examples: list[Any],
    *,
    output_path: Path | None = None,
    train_examples: list[Any] | None = None,
    optimizer: Optimizer | None = None,
    resume: dict[str, Any] | None = None,
    stdout: IO = sys.stdout,
    stderr: IO = sys.stderr,
) -> tuple[Any, Path | None]:
    """Drive ``train_while_improving``: log, save model-last/-best, checkpoint.

    nlp (Language): the initialized pipeline.
    training (dict): the resolved ``[training]`` section.
    train_corpus (Callable[[Language], Iterable[Example]]): the train reader.
    dev_examples (list[Example]): the materialised dev corpus.
    output_path (Optional[Path]): where to save; None saves nothing.
    train_examples (Optional[list[Example]]): the materialised train corpus.
    optimizer (Optional[Optimizer]): defaults to ``training["optimizer"]``.
    resume (Optional[dict]): the loop state of a checkpoint to continue.
    stdout (IO), stderr (IO): where the logger writes.
    RETURNS (tuple[Language, Optional[Path]]): the nlp and model-last's path.
    """
    T = training
    optimizer = optimizer if optimizer is not None else T["optimizer"]
    frozen = list(T["frozen_components"])
    annotating = list(T["annotating_components"])
    before_to_disk = T["before_to_disk"] or (lambda nlp: nlp)
    score_weights = dict(T["score_weights"])
    weights = normalize_score_weights(score_weights)
    max_epochs = int(T["max_epochs"])
    seed = T["seed"]
    shuffle_seed = int(resume["shuffle_seed"]) if resume is not None else (
        int(seed) if seed is not None else random.getrandbits(32))
    if max_epochs < 0:  # streamed: errors while reading name the document
        train_corpus = checked_stream(train_corpus, str(T["train_corpus"]))
    batches = create_train_batches(
        nlp, train_corpus, T["batcher"], max_epochs,
        examples=train_examples if max_epochs >= 0 else None, shuffle_seed=shuffle_seed,
    )
    evaluate = create_evaluation_callback(nlp, dev_examples, weights)
    if int(T["eval_frequency"]) < 1:
        raise ConfigError(f"[training] eval_frequency: must be >= 1, got {T['eval_frequency']}.")
    loop = train_while_improving(
        nlp, optimizer, batches, evaluate,
        dropout=T["dropout"], eval_frequency=int(T["eval_frequency"]),
        accumulate_gradient=int(T["accumulate_gradient"]), patience=int(T["patience"]),
        max_steps=int(T["max_steps"]), exclude=frozen, annotating_components=annotating,
        before_update=T["before_update"], resume=resume,
    )
    token = RESUMING.set(resume is not None)
    step_token = RESUME_STEP.set(None if resume is None else int(resume["step"]))
    try:
        log_step, finalize = T["logger"](nlp, stdout, stderr)
    finally:
        RESUMING.reset(token)
        RESUME_STEP.reset(step_token)
    if output_path is not None:
        output_path = Path(output_path)
        output_path.mkdir(parents=True, exist_ok=True)
    # The last evaluation's scores and losses go into meta.json at every save;
    # a resumed run gets them from the checkpoint (it may end before evaluating).
    last_info: dict[str, Any] | None = dict(resume["last_eval"]) if resume and resume.get("last_eval") else None
    last_step_info: dict[str, Any] | None = None
    report = TrainingReport(output_path, nlp, resume_step=None if resume is None else int(resume["step"])) \
        if output_path is not None else None

    def save_models(is_best: bool) -> None:
        assert output_path is not None
        with nlp.select_pipes(disable=frozen):
            update_meta(nlp, score_weights, last_info or {"losses": {}})
        with _averaged(nlp, optimizer):
            saved = before_to_disk(nlp)
            saved.to_disk(output_path / DIR_MODEL_LAST)
            fault_point("loop:model-last")
            if is_best:
                saved.to_disk(output_path / DIR_MODEL_BEST)
                fault_point("loop:model-best")

    def loop_state(info: dict[str, Any], finished: bool) -> dict[str, Any]:
        return {"step": info["step"] + 1, "epoch": info["epoch"], "words": info["words"],
                "seconds": info["seconds"], "results": [list(r) for r in info["checkpoints"]],
                "shuffle_seed": shuffle_seed, "finished": finished,
                "last_eval": _last_eval(last_info)}

    try:
        for _batch, info, is_best in loop:
            if is_best is not None:
                last_info = info
                if output_path is not None:  # loggers that upload models (W&B) look here
                    info["output_path"] = str(output_path)
            log_step(info if is_best is not None else None)
            if is_best is not None and output_path is not None:
                save_models(bool(is_best))
                ckpt.save_checkpoint(output_path, nlp, optimizer, loop_state(info, False))
                fault_point("loop:checkpoint")
                if report is not None:
                    report.update(info, bool(is_best))
            last_step_info = info
    finally:
        finalize()
    if output_path is None:
        return nlp, None
    if last_step_info is None and resume is None:
        raise DataError(f"{T['train_corpus']} produced no batches: the batcher yielded nothing.")
    # A run resumed from the checkpoint of its last step trains nothing more
    # but still makes the final save (the kill may have come before or during it).
    final_state = loop_state(last_step_info, True) if last_step_info is not None else {
        **{k: v for k, v in (resume or {}).items() if k != "rng"}, "finished": True,
        "last_eval": _last_eval(last_info)}
    save_models(False)
    ckpt.save_checkpoint(output_path, nlp, optimizer, final_state)
    return nlp, output_path / DIR_MODEL_LAST


def _last_eval(info: dict[str, Any] | None) -> dict[str, Any] | None:
    """The parts of an evaluation's info that meta.json records, for the checkpoint."""
    if info is None:
        return None
    return {"other_scores": info.get("other_scores") or {}, "losses": dict(info.get("losses") or {})}


class _averaged:
    """Use the optimizer's parameter averages (when kept) while saving."""

    def __init__(self, nlp: Any, optimizer: Optimizer) -> None:
        self.ctx = nlp.use_params(optimizer.averages) if optimizer.averages else None

    def __enter__(self) -> None:
        if self.ctx is not None:
            self.ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self.ctx is not None:
            self.ctx.__exit__(*exc)
