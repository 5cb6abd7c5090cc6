"""Options shared by commands that read a config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# Extra `--section.key value` arguments are config overrides.
CONFIG_COMMAND_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}

code_option = click.option(
    "--code", "-c", "code_paths", multiple=True, type=click.Path(dir_okay=False),
    help="Python file with registered functions to import first. Repeatable.",
)
verbose_option = click.option(
    "--verbose", "-V", is_flag=True, default=False,
    help="Show applied overrides, debug output and tracebacks of errors.",
)
gpu_id_option = click.option(
    "--gpu-id", "-g", type=int, default=-1, show_default=True,
    help="GPU id to use (needs the plait-gpu plugin); -1 for the CPU.",
)


def config_overrides(ctx: click.Context) -> dict[str, Any]:
    """The ``--section.key value`` overrides left in ``ctx.args``."""
    from ..config import parse_cli_overrides

    return parse_cli_overrides(ctx.args)
