"""`plait train`: train a pipeline from a config (or resume an interrupted run)."""

from __future__ import annotations

import sys

import click

from ._options import (
    CONFIG_COMMAND_SETTINGS,
    code_option,
    config_overrides,
    gpu_id_option,
    verbose_option,
)


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

    import_code(list(code_paths))
    overrides = config_overrides(ctx)
    if verbose and overrides:
        click.echo(f"Config overrides: {overrides}", err=True)
    train(config_path, output_path, overrides=overrides, use_gpu=gpu_id, resume=resume,
          force=force, stdout=sys.stdout, stderr=sys.stderr)
