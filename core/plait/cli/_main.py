"""The `plait` entry point: the root group, plugin commands, error handling."""

from __future__ import annotations

import sys

import click

from ..about import __version__
from ._lazy_group import PLUGIN_COMMANDS, LazyGroup, _report


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="plait")
def cli() -> None:
    """plait: train NLP pipelines on your own data from one config.cfg."""


cli.plugin_commands = dict(PLUGIN_COMMANDS)


class _SubGroup(LazyGroup):
    pass


@cli.group(cls=_SubGroup)
def init() -> None:
    """Generate configs and label files to start a project."""


@cli.group(cls=_SubGroup)
def debug() -> None:
    """Analyse and validate data and configs."""


@cli.group(cls=_SubGroup)
def benchmark() -> None:
    """Measure a trained pipeline: speed and accuracy."""


_commands_registered = False


def _register_plugin_commands() -> None:
    """Let every plugin (the kernel's built-ins included) add its commands."""
    global _commands_registered
    if _commands_registered:
        return
    _commands_registered = True
    from ..plugins._hooks import plugin_manager

    pm = plugin_manager()
    for impl in pm.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=cli)
        except Exception as err:  # noqa: BLE001 - one bad plugin must not break the CLI
            click.echo(f"Plugin '{impl.plugin_name}' failed to add its commands: {err}", err=True)


def main() -> None:
    """Console-script entry point."""
    from ..errors import PlaitError

    try:
        _register_plugin_commands()
    except PlaitError as err:
        _report(err)
    cli(prog_name="plait")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
