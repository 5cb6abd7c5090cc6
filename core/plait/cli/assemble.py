"""`plait assemble`: build a pipeline from a config without training and save it.

For pipelines that need no training data: rules (``entity_ruler``,
``sentencizer``, a lookup ``lemmatizer``), components sourced from trained
pipelines, or a mix. Components are created from the config (sourced ones
loaded from their pipelines), every non-sourced component is initialized
with the settings of ``[initialize]`` (e.g. entity-ruler patterns from a
file), and the result is saved as a loadable pipeline folder.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click

from ._options import CONFIG_COMMAND_SETTINGS, code_option, config_overrides, verbose_option


def assemble(config_path: str | Path, output_path: str | Path, *, overrides: dict[str, Any] | None = None,
             force: bool = False, stdout: IO = sys.stdout) -> Any:
    """Create the pipeline a config describes, initialize it without examples, save it.

    config_path (str | Path): the config ("-" for stdin).
    output_path (str | Path): the folder to write.
    overrides (dict | None): dotted-key config overrides.
    force (bool): replace an existing non-empty output folder.
    RETURNS (Language): the assembled pipeline.
    RAISES (UsageError): an existing output without `force`; a component
        that needs training data.
    """
    from ..config import load_config
    from ..errors import PlaitError, UsageError
    from ..language import Language, get_lang_class

    output_path = Path(output_path)
    if output_path.exists() and (not output_path.is_dir() or any(output_path.iterdir())) and not force:
        raise UsageError(f"{output_path} exists; pass --force to replace it.")
    config = load_config(config_path, overrides or {})
    lang = (config.get("nlp") or {}).get("lang")
    nlp = (get_lang_class(lang) if lang else Language).from_config(config, auto_fill=True)
    components = config.get("components") or {}
    sourced = [name for name, block in components.items() if isinstance(block, dict) and "source" in block]
    with nlp.select_pipes(disable=sourced):
        try:
            nlp.initialize()
        except PlaitError as err:
            trainable = [name for name, proc in nlp.pipeline
                         if name not in sourced and getattr(proc, "is_trainable", False)]
            hint = (f" Trainable components need training data: train them with `plait train`, or "
                    f"source them from a trained pipeline ([components.{trainable[0]}] source = ...)."
                    if trainable else "")
            raise UsageError(f"{config_path}: the pipeline cannot be assembled without training: {err}{hint}") from err
    nlp.to_disk(output_path)
    stdout.write(f"Assembled pipeline {', '.join(nlp.pipe_names) or '(no components)'} "
                 f"({len(sourced)} sourced) and saved it to {output_path}\n")
    return nlp


@click.command("assemble", short_help="Build a pipeline from a config without training.",
               context_settings=CONFIG_COMMAND_SETTINGS)
@click.argument("config_path", type=str)
@click.argument("output_path", type=click.Path(file_okay=False))
@click.option("--force", "-F", is_flag=True, default=False, help="Replace an existing output folder.")
@code_option
@verbose_option
@click.pass_context
def assemble_cli(ctx: click.Context, config_path: str, output_path: str, force: bool,
                 code_paths: tuple[str, ...], verbose: bool) -> None:
    """Create the pipeline CONFIG_PATH describes (rules, sourced components),
    initialize it with [initialize] and save it to OUTPUT_PATH. Extra
    `--section.key value` arguments override the config."""
    from ..config import import_code

    import_code(list(code_paths))
    assemble(config_path, output_path, overrides=config_overrides(ctx), force=force)
