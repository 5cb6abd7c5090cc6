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
@click.option("--show-functions", "-F", is_flag=True, default=False,
              help="List every @registry function of the config: its distribution, module and file.")
@click.option("--show-variables", "show_variables", is_flag=True, default=False,
              help="List every ${...} variable of the config and the value it became.")
@code_option
@verbose_option
@click.pass_context
def debug_config_cli(ctx: click.Context, config_path: str, show_functions: bool, show_variables: bool,
                     code_paths: tuple[str, ...], verbose: bool) -> None:
    """Check CONFIG_PATH ('-' for stdin) with every check `plait train` runs first."""
    log = (lambda line: click.echo(line, err=True)) if verbose else None
    debug_config(config_path, overrides=config_overrides(ctx), code_paths=code_paths, log=log)
    click.echo(f"✔ {config_path}: the config is valid.")
    if show_functions or show_variables:
        _explain(config_path, config_overrides(ctx), show_functions=show_functions,
                 show_variables=show_variables)


def _explain(config_path: str, overrides: dict[str, Any], *, show_functions: bool, show_variables: bool) -> None:
    """Print where the config's functions come from and what its variables became."""
    from ..config import load_config
    from ..config._explain import config_functions, config_variables

    raw = load_config(config_path, overrides)
    if show_functions:
        click.echo("\nFunctions")
        for row in config_functions(raw):
            click.echo(f"  [{row['section']}] @{row['registry']} = {row['name']}")
            if "error" in row:
                click.echo(f"      {row['error']}")
            else:
                click.echo(f"      {row['distribution']}: {row['function']} ({row['file']})")
    if show_variables:
        click.echo("\nVariables")
        rows = config_variables(raw, raw.interpolate())
        for row in rows:
            click.echo(f"  {row['key']} = {row['expression']} -> {row['value']!r}")
        if not rows:
            click.echo("  (none)")
