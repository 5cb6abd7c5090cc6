"""`plait debug config`: run every check `plait train` runs on a config.

Nothing is built, read or trained: the config's variables, registered
names, settings and function arguments are checked (``validate_config``),
the same pass ``plait train`` runs before it reads any data.
"""

from __future__ import annotations

from typing import Any

import click

from ._options import CONFIG_COMMAND_SETTINGS, code_option, config_overrides, verbose_option


def debug_config(config_path: str, *, overrides: dict[str, Any] | None = None,
                 code_paths: tuple[str, ...] | list[str] = (), log: Any = None) -> None:
    """Validate the config at ``config_path``; raise ConfigError on a problem.

    config_path (str): the config ("-" for stdin).
    overrides (dict): ``{"section.key": value}`` overrides.
    code_paths (list[str]): Python files to import first.
    log (Callable[[str], None] | None): receives one line per applied override.
    """
    from ..config import import_code, load_config, validate_config

    import_code(list(code_paths))
    config = load_config(config_path, overrides or {}, log=log)
    validate_config(config, source=getattr(config, "source", str(config_path)))


@click.command("config", context_settings=CONFIG_COMMAND_SETTINGS,
               short_help="Check a config as plait train would, without training.")
@click.argument("config_path", type=str)
@code_option
@verbose_option
@click.pass_context
def debug_config_cli(ctx: click.Context, config_path: str, code_paths: tuple[str, ...], verbose: bool) -> None:
    """Check CONFIG_PATH ('-' for stdin) with every check `plait train` runs first."""
    log = (lambda line: click.echo(line, err=True)) if verbose else None
    debug_config(config_path, overrides=config_overrides(ctx), code_paths=code_paths, log=log)
    click.echo(f"✔ {config_path}: the config is valid.")
