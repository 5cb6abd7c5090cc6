"""`plait init fill-config`: validate a partial config and fill every default."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import click

from ._options import CONFIG_COMMAND_SETTINGS, code_option, config_overrides, verbose_option
from ._output import write_text_output


def fill_config(base_path: str | Path, *, overrides: dict[str, Any] | None = None,
                code_paths: tuple[str, ...] = (), log: Any = None) -> tuple[str, str]:
    """Return ``(original text, filled text)`` for the config at ``base_path``."""
    import sys

    from ..config import import_code, load_config, validate_config
    from .init_config import fill_config_object

    import_code(code_paths)
    if str(base_path) == "-":
        original = sys.stdin.read()
        from ..config import load_config_from_str

        config = load_config_from_str(original, overrides, source="<stdin>")
    else:
        config = load_config(base_path, overrides, log=log)
        original = Path(base_path).read_text(encoding="utf8")
    source = getattr(config, "source", str(base_path))
    # The same checks as `plait train`, on the input and on what is written,
    # so a filled config is never refused by train.
    validate_config(config, source=source)
    filled = fill_config_object(config)
    validate_config(filled, source=f"{source} (filled)")
    return original, filled.to_str()


@click.command("fill-config", context_settings=CONFIG_COMMAND_SETTINGS,
               short_help="Fill every default into a partial config.")
@click.argument("base_path", type=str)
@click.argument("output", type=str, default="-")
@click.option("--diff", "-D", "show_diff", is_flag=True, default=False,
              help="Print what was added or changed.")
@code_option
@verbose_option
@click.pass_context
def fill_config_cli(ctx: click.Context, base_path: str, output: str, show_diff: bool,
                    code_paths: tuple[str, ...], verbose: bool) -> None:
    """Validate BASE_PATH and write it with every default filled to OUTPUT ('-' for stdout)."""
    log = (lambda line: click.echo(line, err=True)) if verbose else None
    original, filled = fill_config(base_path, overrides=config_overrides(ctx), code_paths=code_paths, log=log)
    write_text_output(output, filled)
    if show_diff:
        diff = difflib.unified_diff(original.splitlines(), filled.splitlines(),
                                    "base", "filled", lineterm="")
        click.echo("\n".join(diff), err=output == "-")
