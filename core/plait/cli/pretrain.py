"""`plait pretrain`: pretrain a tok2vec layer on raw text (see plait.training.pretrain)."""

from __future__ import annotations

import click

from ._options import (
    CONFIG_COMMAND_SETTINGS,
    code_option,
    config_overrides,
    gpu_id_option,
    verbose_option,
)


@click.command("pretrain", short_help="Pretrain a tok2vec layer on raw text ([pretraining]).",
               context_settings=CONFIG_COMMAND_SETTINGS)
@click.argument("config_path", type=str)
@click.argument("output_dir", type=click.Path(file_okay=False))
@click.option("--resume", "-R", is_flag=True, default=False,
              help="Continue the run in OUTPUT_DIR exactly where it stopped (after a kill).")
@click.option("--resume-path", "-r", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Weights (model{N}.bin) to start from.")
@click.option("--epoch-resume", "-er", type=int, default=None,
              help="With --resume-path: the first epoch's number (default N + 1).")
@code_option
@gpu_id_option
@verbose_option
@click.pass_context
def pretrain_cli(ctx: click.Context, config_path: str, output_dir: str, resume: bool, resume_path: str | None,
                 epoch_resume: int | None, code_paths: tuple[str, ...], gpu_id: int, verbose: bool) -> None:
    """Pretrain the [pretraining] component's tok2vec on raw text from the
    [pretraining] corpus (JSONL {"text": ...} or .plait), writing
    OUTPUT_DIR/model{epoch}.bin for `[initialize] init_tok2vec`. Extra
    `--section.key value` arguments override the config."""
    from ..config import import_code
    from ..training.pretrain import pretrain

    import_code(list(code_paths))
    pretrain(config_path, output_dir, overrides=config_overrides(ctx), resume=resume,
             resume_path=resume_path, epoch_resume=epoch_resume, use_gpu=gpu_id)
