"""``plait.WandbLogger.v1``: log a training run to Weights & Biases.

The logger sends the filled config (minus the values the user removes), then
at every evaluation the main score, each component's loss and every score,
and chains to ``plait.ConsoleLogger.v1`` so the table still prints. Models
and the training corpus can be uploaded as W&B artifacts. ``wandb`` is
imported when the logger is created, never when plait starts, and a missing
or broken install is a :class:`plait.errors.ConfigError` naming
``plait-loggers-wandb``.

A model upload asked for at an evaluation happens at the next logging call:
the training loop logs an evaluation *before* it saves ``model-best``, so
the folder on disk is only current once the loop has moved on.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

from plait.errors import ConfigError
from plait.training import console_logger

# plait-loggers-wandb declares wandb as its dependency: installing the
# distribution again (make install does) brings a working wandb.
INSTALL_HINT = (
    "reinstall plait-loggers-wandb, which brings wandb: `make install` in the plait "
    "repository, or pip install -e plugins/loggers-wandb (pip install 'wandb>=0.20' alone also works)"
)


def _import_wandb() -> Any:
    try:
        import wandb
    except ImportError as err:
        raise ConfigError(
            f"[training.logger] plait.WandbLogger.v1 needs the wandb package, which is not "
            f"importable ({err}); {INSTALL_HINT}."
        ) from err
    except Exception as err:  # a half-installed wandb fails with anything
        raise ConfigError(
            f"[training.logger] plait.WandbLogger.v1: importing wandb failed "
            f"({type(err).__name__}: {err}); {INSTALL_HINT}."
        ) from err
    if not hasattr(wandb, "init") or not hasattr(wandb, "Artifact"):
        raise ConfigError(
            f"[training.logger] plait.WandbLogger.v1: the installed wandb ("
            f"{getattr(wandb, '__file__', '?')}) has no wandb.init/wandb.Artifact; {INSTALL_HINT}."
        )
    return wandb


def dict_to_dot(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested sections to dotted keys (``{"training.seed": 0}``).

    data (dict): a config as nested dicts.
    prefix (str): the dotted path of `data` itself.
    RETURNS (dict[str, Any]): one entry per leaf value.
    """
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(dict_to_dot(value, path))
        else:
            flat[path] = value
    return flat


def dot_to_dict(flat: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`dict_to_dot` (keys split on the first dots)."""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        *sections, leaf = path.split(".")
        node = nested
        for section in sections:
            node = node.setdefault(section, {})
        node[leaf] = value
    return nested


def logged_config(config: Any, remove: list[str]) -> dict[str, Any]:
    """The config sent to W&B: interpolated, without the `remove` keys.

    config (Config): ``nlp.config``.
    remove (list[str]): dotted keys to leave out (``"paths.train"``).
    RETURNS (dict): nested sections of JSON-able values.
    """
    interpolated = config.interpolate() if hasattr(config, "interpolate") else config
    flat = dict_to_dot(dict(interpolated))
    for key in remove:
        # A whole section may be removed too: every key under it goes.
        under = [k for k in flat if k == key or k.startswith(key + ".")]
        if not under:
            raise ConfigError(
                f"[training.logger] remove_config_values: '{key}' is not a key of the config "
                f"(use a dotted path such as 'paths.train')."
            )
        for k in under:
            del flat[k]
    return dot_to_dict({k: (str(v) if isinstance(v, Path) else v) for k, v in flat.items()})


def _numeric(value: Any) -> Any:
    """Scores W&B can chart: numbers, and dicts of them (per-label tables)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        kept = {str(k): _numeric(v) for k, v in value.items()}
        kept = {k: v for k, v in kept.items() if v is not None}
        return kept or None
    return None


def step_metrics(info: dict[str, Any]) -> dict[str, Any]:
    """What one evaluation logs: ``score``, ``loss_<component>``, each score.

    info (dict): the training loop's info after an evaluation.
    RETURNS (dict[str, Any]): metric name -> number (or nested per-label dict).
    """
    metrics: dict[str, Any] = {"score": info["score"], "epoch": info["epoch"],
                               "words": info["words"], "seconds": info["seconds"]}
    for name, loss in (info.get("losses") or {}).items():
        metrics[f"loss_{name}"] = float(loss)
    for key, value in (info.get("other_scores") or {}).items():
        kept = _numeric(value)
        if kept is not None:
            metrics[key] = kept
    return metrics


def wandb_logger(
    project_name: str,
    remove_config_values: list[str] = [],  # noqa: B006  # confection fills defaults from the signature
    model_log_interval: int | None = None,
    log_dataset_dir: str | None = None,
    entity: str | None = None,
    run_name: str | None = None,
    log_best_dir: str | None = None,
    log_latest_dir: str | None = None,
) -> Any:
    """Create the W&B logger (``[training.logger]`` ``@loggers = "plait.WandbLogger.v1"``).

    project_name (str): the W&B project.
    remove_config_values (list[str]): dotted config keys not to send (secrets, paths).
    model_log_interval (Optional[int]): upload ``model-best`` as a ``model``
        artifact every this many steps (at an evaluation step); None: never.
    log_dataset_dir (Optional[str]): upload this folder (the training corpus)
        as a ``dataset`` artifact when training starts.
    entity (Optional[str]): the W&B user or team.
    run_name (Optional[str]): the run's display name (W&B picks one if None).
    log_best_dir (Optional[str]): upload this folder (``<output>/model-best``)
        as a ``model`` artifact when training ends.
    log_latest_dir (Optional[str]): the same for ``<output>/model-last``.
    RETURNS (Logger): ``setup(nlp, stdout, stderr) -> (log_step, finalize)``.
    """
    wandb = _import_wandb()
    if model_log_interval is not None and model_log_interval < 1:
        raise ConfigError(
            f"[training.logger] model_log_interval: must be >= 1 (or null for never), "
            f"got {model_log_interval}."
        )
    # The best/latest folders appear during training; the dataset must exist now.
    if log_dataset_dir is not None and not Path(log_dataset_dir).exists():
        raise ConfigError(f"[training.logger] log_dataset_dir: '{log_dataset_dir}' does not exist.")
    console = console_logger(progress_bar=False)

    def setup(nlp: Any, stdout: IO = sys.stdout, stderr: IO = sys.stderr) -> tuple[Any, Any]:
        config = logged_config(nlp.config, list(remove_config_values))
        console_log_step, console_finalize = console(nlp, stdout, stderr)
        run = wandb.init(project=project_name, config=config, entity=entity, name=run_name,
                         reinit="finish_previous")
        if log_dataset_dir is not None:
            _log_dir(wandb, run, Path(log_dataset_dir), "dataset", "dataset", {})
        pending: dict[str, Any] = {}

        def upload_pending() -> None:
            if not pending:
                return
            path = Path(pending["output_path"]) / "model-best"
            if path.exists():
                _log_dir(wandb, run, path, "model-best", "model",
                         {"step": pending["step"], "best_step": pending["best_step"],
                          "score": pending["best_score"]},
                         aliases=[f"step-{pending['step']}"])
            pending.clear()

        def log_step(info: dict[str, Any] | None) -> None:
            console_log_step(info)
            upload_pending()
            if info is None:
                return
            run.log(step_metrics(info), step=int(info["step"]))
            step = int(info["step"])
            if model_log_interval and step and step % model_log_interval == 0 \
                    and info.get("output_path"):
                best_score, best_step = max((s, -t) for s, t in info["checkpoints"])
                pending.update(output_path=info["output_path"], step=step,
                               best_step=-best_step, best_score=best_score)

        def finalize() -> None:
            try:
                upload_pending()
                for path, name in ((log_best_dir, "model_best"), (log_latest_dir, "model_last")):
                    if path is not None and Path(path).exists():
                        _log_dir(wandb, run, Path(path), name, "model", {})
                    elif path is not None:
                        stderr.write(f"W&B: {path} does not exist; not uploaded as '{name}'.\n")
            finally:
                console_finalize()
                run.finish()

        return log_step, finalize

    return setup


def _log_dir(wandb: Any, run: Any, path: Path, name: str, kind: str, metadata: dict[str, Any],
             aliases: list[str] | None = None) -> None:
    artifact = wandb.Artifact(name, type=kind, metadata=metadata)
    if path.is_dir():
        artifact.add_dir(str(path))
    else:
        artifact.add_file(str(path))
    run.log_artifact(artifact, aliases=aliases)
