"""`plait train`: train a pipeline from a config (or resume an interrupted run)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ._options import (
    CONFIG_COMMAND_SETTINGS,
    code_option,
    config_overrides,
    gpu_id_option,
    verbose_option,
)


def check_output_dir(output_path: str | Path) -> None:
    """Refuse an --output folder that cannot be created or written, before
    anything is read or trained (it used to fail only when saving).

    output_path (str | Path): the --output value.
    """
    path = Path(output_path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--output '{path}' is a file; pass a folder (it is created if missing).")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing != path and not existing.is_dir():
        raise UsageError(
            f"--output '{path}' cannot be created: '{existing}' is a file, not a folder."
        )
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"--output '{path}': '{existing}' is not writable by this user. Pick a folder you can write to."
        )


def describe_overrides(overrides: dict[str, Any], *, resume: bool = False) -> list[str]:
    """One line per config override and where it came from (--verbose).

    The environment variable wins over the command line, so a command-line
    value it replaces is shown as not applied.
    RETURNS (list[str]): the lines.
    """
    from ..config import ENV_VAR, env_overrides

    from_env = {} if resume else env_overrides()
    lines = []
    for key, value in overrides.items():
        if key in from_env:
            lines.append(f"override from command line: {key} = {value!r} (not applied: {ENV_VAR} "
                         f"sets {from_env[key]!r})")
        else:
            lines.append(f"override from command line: {key} = {value!r}")
    for key, value in from_env.items():
        lines.append(f"override from environment ({ENV_VAR}): {key} = {value!r}")
    if resume and os.environ.get(ENV_VAR, "").strip():
        lines.append(f"{ENV_VAR} is ignored: --resume continues with the run's saved config.")
    return lines


@click.command("train", context_settings=CONFIG_COMMAND_SETTINGS,
               short_help="Train a pipeline from a config.")
@click.argument("config_path", type=str, required=False)
@click.option("--output", "-o", "output_path", type=click.Path(file_okay=False), default=None,
              help="Folder for model-last, model-best and the resumable checkpoint.")
@click.option("--resume", is_flag=True, default=False,
              help="Continue the interrupted run in --output (or CONFIG_PATH given as that folder).")
@click.option("--force", is_flag=True, default=False,
              help="Start a new run in --output although it holds an unfinished run "
                   "(whose checkpoint is replaced by the new run's first one).")
@code_option
@verbose_option
@gpu_id_option
@click.pass_context
def train_cli(ctx: click.Context, config_path: str | None, output_path: str | None, resume: bool,
              force: bool, code_paths: tuple[str, ...], verbose: bool, gpu_id: int) -> None:
    """Train a pipeline from CONFIG_PATH ('-' reads stdin). Extra arguments
    such as `--paths.train ./train.plait` override config settings."""
    from ..config import import_code
    from ..training.train import train

    if output_path is not None:
        check_output_dir(output_path)
    import_code(list(code_paths))
    overrides = config_overrides(ctx)
    if verbose:
        for line in describe_overrides(overrides, resume=resume):
            click.echo(line, err=True)
    train(config_path, output_path, overrides=overrides, use_gpu=gpu_id, resume=resume,
          force=force, stdout=sys.stdout, stderr=sys.stderr)
