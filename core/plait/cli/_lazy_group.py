"""A click group whose subcommands are imported only when they run.

``plait --help`` lists every command with its one-line help without
importing any of them (thinc and numpy cost ~0.5 s), and user errors
(:class:`plait.errors.PlaitError`) print as one paragraph, exit code 1, with
the traceback only under ``--verbose``.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click


def _verbose_requested() -> bool:
    return "--verbose" in sys.argv[1:] or "-V" in sys.argv[1:] or os.environ.get("PLAIT_VERBOSE", "") not in ("", "0")


# Commands that plugins of the plait repository add: where a name is typed but
# its plugin is not installed, say how to install it instead of click's
# "No such command". (distribution, folder in the plait checkout)
PLUGIN_COMMANDS: dict[str, tuple[str, str]] = {"ray": ("plait-ray", "plugins/ray")}


class LazyGroup(click.Group):
    """A group holding ``name -> (import path, short help)`` until used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, tuple[str, str]] = {}
        # Only the root group knows the plugin commands (set in _main).
        self.plugin_commands: dict[str, tuple[str, str]] = {}

    def add_lazy_command(self, name: str, import_path: str, short_help: str) -> None:
        """Register ``module:attribute`` as subcommand ``name``."""
        self.lazy_commands[name] = (import_path, short_help)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.lazy_commands:
            return None
        import_path, _ = self.lazy_commands[cmd_name]
        module_name, _, attr = import_path.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        self.commands[cmd_name] = command
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else None
        if name in self.plugin_commands and self.get_command(ctx, name) is None:
            dist, folder = self.plugin_commands[name]
            ctx.fail(
                f"`plait {name}` is a command of the {dist} plugin, which is not installed in this "
                f"environment. Install it from your plait checkout: `make install` (every plugin), "
                f"or `pip install -e {folder}`."
            )
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(limit=formatter.width - 30)))
            else:
                rows.append((name, self.lazy_commands[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import PlaitError

        try:
            return super().invoke(ctx)
        except PlaitError as err:
            _report(err)
            ctx.exit(1)
        except Exception as err:
            converted = _convert_library_error(err)
            if converted is None:
                raise
            _report(converted)
            ctx.exit(1)


def _convert_library_error(err: Exception) -> Exception | None:
    """Turn confection/catalogue errors raised outside plait.config into ours."""
    module = type(err).__module__
    if module.startswith("confection"):
        from ..config._resolution import _to_config_error

        return _to_config_error(err, getattr(err, "config", None) or {})  # type: ignore[arg-type]
    if module.startswith("catalogue"):
        from ..errors import RegistryError

        return RegistryError(str(err))
    return None


def _report(err: BaseException) -> None:
    if _verbose_requested():
        traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
    name = "Error" if not hasattr(err, "plugin") else "Plugin error"
    click.echo(f"{name}: {err}", err=True)
