"""`plait init labels`: write each component's label data as JSON.

With the files in ``[initialize.components.X.labels]`` (read by
``plait.read_labels.v1``) initialization skips reading labels off the data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click

from ._options import (
    CONFIG_COMMAND_SETTINGS,
    code_option,
    config_overrides,
    gpu_id_option,
    verbose_option,
)


def init_labels(config_path: str | Path, output_path: str | Path, *,
                overrides: dict[str, Any] | None = None, use_gpu: int = -1,
                stdout: IO = sys.stdout) -> list[Path]:
    """Initialize the config's pipeline and write ``<component>.json`` files.

    config_path (str | Path): the training config ("-" for stdin).
    output_path (str | Path): the folder for the label files.
    overrides (dict[str, Any]): dotted config overrides.
    use_gpu (int): GPU id, -1 for the CPU.
    RETURNS (list[Path]): the files written.
    """
    from .. import fs
    from ..config import load_config
    from ..language._names import component_path
    from ..training.initialize import init_nlp

    output_path = Path(output_path)
    if output_path.exists() and not output_path.is_dir():
        from ..errors import UsageError

        raise UsageError(f"{output_path}: exists and is not a folder; give a folder for the label files.")
    config = load_config(config_path, overrides or {}, interpolate=False)
    # Labels come from the training data alone: no dev corpus is needed.
    nlp = init_nlp(config, use_gpu=use_gpu, need_dev=False)
    written = []
    for name, proc in nlp.pipeline:
        data = getattr(proc, "label_data", None)
        if data is None or (hasattr(data, "__len__") and len(data) == 0):
            continue
        # The name is checked again here: the file must land in output_path.
        path = component_path(output_path, name, ".json", where="plait init labels")
        fs.write_json(path, data)
        written.append(path)
        stdout.write(f"Saved {len(data)} label(s) of '{name}' to {path}\n")
    if not written:
        stdout.write("No component has label data to save.\n")
    return written


@click.command("labels", context_settings=CONFIG_COMMAND_SETTINGS,
               short_help="Write the label files of a config's components.")
@click.argument("config_path", type=str)
@click.argument("output_path", type=click.Path(file_okay=False))
@code_option
@verbose_option
@gpu_id_option
@click.pass_context
def init_labels_cli(ctx: click.Context, config_path: str, output_path: str,
                    code_paths: tuple[str, ...], verbose: bool, gpu_id: int) -> None:
    """Initialize the pipeline of CONFIG_PATH on its training data and write
    one JSON label file per component into OUTPUT_PATH."""
    from ..config import import_code

    import_code(list(code_paths))
    init_labels(config_path, output_path, overrides=config_overrides(ctx), use_gpu=gpu_id)
