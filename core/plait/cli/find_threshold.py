"""`plait find-threshold`: the decision threshold of a component that maximises a score.

For components whose predictions are cut at a threshold kept in their
``cfg`` (``textcat_multilabel``'s ``threshold``, ``textcat``'s): the pipeline
runs once over the dev corpus, then the component's score is recomputed for
``--n-trials`` thresholds evenly spaced over [0, 1] — a trial costs a
scoring pass, not a prediction pass. The best threshold is printed with the
table of trials; write it into ``[components.NAME] threshold`` to use it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import click

from ._options import code_option, gpu_id_option, verbose_option


def find_threshold(model: str | Path, data_path: str | Path, pipe_name: str, threshold_key: str,
                   scores_key: str, *, n_trials: int = 11, use_gpu: int = -1, trust_code: bool = False,
                   stdout: IO = sys.stdout) -> tuple[float, float, dict[float, float]]:
    """Find the value of `pipe_name`'s `threshold_key` that maximises `scores_key`.

    model (str | Path): a trained pipeline folder or an installed pipeline's name.
    data_path (str | Path): a .plait corpus with the gold annotation.
    pipe_name (str): the component, e.g. "textcat_multilabel".
    threshold_key (str): its cfg key, e.g. "threshold".
    scores_key (str): the score to maximise, e.g. "cats_macro_f".
    n_trials (int): thresholds tried, evenly spaced over [0, 1].
    RETURNS (tuple[float, float, dict[float, float]]): best threshold, its
        score, and the score of every trial.
    RAISES (UsageError): an unknown component, cfg key or score key.
    """
    from ..errors import DataError, UsageError, did_you_mean
    from ..language import load
    from ..ops import setup_device
    from ..training import Corpus, Example

    if n_trials < 2:
        raise UsageError(f"--n-trials: must be >= 2, got {n_trials}.")
    if not Path(data_path).exists():
        raise UsageError(f"evaluation data '{data_path}' not found.")
    setup_device(use_gpu)
    nlp = load(model, trust_code=trust_code)
    if pipe_name not in nlp.pipe_names:
        raise UsageError(f"'{pipe_name}' is not in the pipeline.{did_you_mean(pipe_name, nlp.pipe_names)} "
                         f"Pipeline: {', '.join(nlp.pipe_names)}.")
    proc = nlp.get_pipe(pipe_name)
    cfg = getattr(proc, "cfg", None)
    if not isinstance(cfg, dict) or threshold_key not in cfg:
        keys = sorted(cfg) if isinstance(cfg, dict) else []
        raise UsageError(f"component '{pipe_name}' has no setting '{threshold_key}' to tune."
                         f"{did_you_mean(threshold_key, keys)} Its settings: {', '.join(keys) or 'none'}.")
    gold = list(Corpus(data_path)(nlp))
    if not gold:
        raise DataError(f"{data_path}: the corpus has no documents.")
    predicted = nlp.pipe((eg.predicted for eg in gold), batch_size=nlp.batch_size)
    examples = [Example(doc, eg.reference) for doc, eg in zip(predicted, gold, strict=True)]
    original = cfg[threshold_key]
    trials: dict[float, float] = {}
    try:
        for k in range(n_trials):
            threshold = round(k / (n_trials - 1), 6)
            cfg[threshold_key] = threshold
            scores = proc.score(examples)
            if scores_key not in scores:
                raise UsageError(f"'{scores_key}' is not a score of '{pipe_name}'."
                                 f"{did_you_mean(scores_key, list(scores))} Its scores: {', '.join(sorted(scores))}.")
            value = scores[scores_key]
            if not isinstance(value, (int, float)):
                raise UsageError(f"'{scores_key}' is not a single number (it holds {type(value).__name__}); "
                                 f"choose one of {', '.join(k for k, v in scores.items() if isinstance(v, (int, float)))}.")
            trials[threshold] = float(value)
    finally:
        cfg[threshold_key] = original
    best = max(trials, key=lambda t: (trials[t], -abs(t - 0.5)))
    stdout.write(f"{threshold_key:>10}  {scores_key}\n")
    for threshold, value in trials.items():
        mark = "  <- best" if threshold == best else ""
        stdout.write(f"{threshold:>10.3f}  {value:.4f}{mark}\n")
    stdout.write(f"Best {threshold_key} for '{pipe_name}': {best:g} ({scores_key} {trials[best]:.4f}; "
                 f"the pipeline has {original:g}). Set [components.{pipe_name}] {threshold_key} = {best:g}.\n")
    return best, trials[best], trials


@click.command("find-threshold", short_help="The threshold of a component that maximises a score.")
@click.argument("model", type=str)
@click.argument("data_path", type=click.Path())
@click.argument("pipe_name", type=str)
@click.argument("threshold_key", type=str)
@click.argument("scores_key", type=str)
@click.option("--n-trials", "-n", type=int, default=11, show_default=True,
              help="Thresholds tried, evenly spaced over [0, 1].")
@click.option("--trust-code", is_flag=True, default=False,
              help="Import the code files bundled with the pipeline (plait package --code).")
@code_option
@verbose_option
@gpu_id_option
def find_threshold_cli(model: str, data_path: str, pipe_name: str, threshold_key: str, scores_key: str,
                       n_trials: int, trust_code: bool, code_paths: tuple[str, ...], verbose: bool,
                       gpu_id: int) -> None:
    """Find the THRESHOLD_KEY of PIPE_NAME in MODEL that maximises SCORES_KEY on
    DATA_PATH (e.g. `plait find-threshold out/model-best dev.plait
    textcat_multilabel threshold cats_macro_f`)."""
    from ..config import import_code

    import_code(list(code_paths))
    find_threshold(model, data_path, pipe_name, threshold_key, scores_key, n_trials=n_trials,
                   use_gpu=gpu_id, trust_code=trust_code)
