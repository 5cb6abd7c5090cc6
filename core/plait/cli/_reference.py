"""Write docs/cli-reference.md from the click commands themselves.

``python -m plait.cli._reference > docs/cli-reference.md`` regenerates it;
tests/core/cli/test_cli_reference.py fails when the file is stale. Every
command and subcommand is listed: the kernel's and those of the plugins in
this repository (``plugins/*``, e.g. ``plait ray``), but not those of other
installed distributions (a user's plugins, test fixtures), so the file is
the same on every machine with ``make install``.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

import click

REPO_ROOT = Path(__file__).resolve().parents[3]
COMMAND = "python -m plait.cli._reference > docs/cli-reference.md"


def _in_repository(plugin: Any) -> bool:
    """Whether a hook module is part of this repository's distributions."""
    try:
        path = Path(inspect.getfile(plugin)).resolve()
    except TypeError:
        return False
    try:
        relative = path.relative_to(REPO_ROOT)
    except ValueError:
        return False
    return relative.parts[0] in ("core", "plugins")


def reference_root() -> click.Group:
    """The `plait` group with the commands of this repository's distributions."""
    from ..plugins._hooks import plugin_manager
    from . import _main

    # Registered here, filtered, instead of by _main (which adds every plugin's).
    _main._commands_registered = True
    for impl in plugin_manager().hook.register_commands.get_hookimpls():
        if _in_repository(impl.plugin):
            impl.function(cli=_main.cli)
    return _main.cli


def _walk(group: click.Group, ctx: click.Context, path: list[str]) -> list[tuple[list[str], click.Command, click.Context]]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub_ctx = click.Context(command, info_name=name, parent=ctx)
        found.append((path + [name], command, sub_ctx))
        if isinstance(command, click.Group):
            found += _walk(command, sub_ctx, path + [name])
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(param: click.Parameter, ctx: click.Context) -> str:
    if isinstance(param, click.Option) and param.is_flag and not param.count:
        return "on" if param.default is True else ""
    default = param.get_default(ctx, call=False)
    if type(default).__name__ == "Sentinel":  # click's "no default" marker
        return ""
    if callable(default):
        return "(computed)"
    if default is None or default == "" or default == () or default is False:
        return ""
    if isinstance(default, (list, tuple)):
        return ", ".join(f"`{v}`" for v in default)
    return f"`{default}`"


def _help(command: click.Command) -> str:
    text = inspect.cleandoc(command.help or command.short_help or "")
    # click's \b marker (keep the next paragraph unwrapped) means nothing in Markdown.
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b").strip()


def _section(path: list[str], command: click.Command, ctx: click.Context) -> list[str]:
    name = " ".join(["plait", *path])
    lines = [f"## `{name}`", ""]
    help_text = _help(command)
    if help_text:
        lines += [help_text, ""]
    pieces = " ".join(command.collect_usage_pieces(ctx))
    lines += ["```", f"{name} {pieces}".rstrip(), "```", ""]
    if isinstance(command, click.Group):
        subs = [(n, command.get_command(ctx, n)) for n in command.list_commands(ctx)]
        rows = [f"| `{name} {n}` | {_cell(c.get_short_help_str(limit=200))} |" for n, c in subs
                if c is not None and not c.hidden]
        lines += ["| Subcommand | Description |", "| --- | --- |", *rows, ""]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if arguments:
        lines += ["| Argument | Required | Repeatable |", "| --- | --- | --- |"]
        for arg in arguments:
            lines.append(f"| `{arg.human_readable_name}` | {'yes' if arg.required else 'no'} | "
                         f"{'yes' if arg.nargs == -1 else 'no'} |")
        lines.append("")
    options = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
    if options:
        lines += ["| Option | Type | Default | Description |", "| --- | --- | --- | --- |"]
        for opt in options:
            names = ", ".join(f"`{n}`" for n in [*opt.opts, *opt.secondary_opts])
            kind = "flag" if opt.is_flag else _cell(opt.type.get_metavar(opt, ctx) or opt.type.name)
            if opt.multiple:
                kind += " (repeatable)"
            lines.append(f"| {names} | {kind} | {_default(opt, ctx)} | {_cell(opt.help or '')} |")
        lines.append("")
    if command.context_settings.get("ignore_unknown_options"):
        lines += ["Extra `--section.key value` arguments override config settings (docs/config.md).", ""]
    return lines


def render_reference() -> str:
    """docs/cli-reference.md as text.

    RETURNS (str): the Markdown page.
    """
    root = reference_root()
    ctx = click.Context(root, info_name="plait")
    commands = _walk(root, ctx, [])
    lines = [
        "# CLI reference",
        "",
        f"<!-- Generated from the click commands by `{COMMAND}`; do not edit by hand. -->",
        "",
        "Every `plait` command with its arguments and options, generated from the code "
        "(the kernel and the plugins in this repository; installed third-party plugins add "
        "their own: `plait --help` lists them). The guide to the commands is "
        "[cli.md](cli.md). `python -m plait` is the same as `plait`.",
        "",
    ]
    lines += [f"- [`plait {' '.join(path)}`](#{_anchor(path)})" for path, _, _ in commands]
    lines.append("")
    lines += _section([], root, ctx)
    for path, command, sub_ctx in commands:
        lines += _section(path, command, sub_ctx)
    return "\n".join(lines).rstrip() + "\n"


def _anchor(path: list[str]) -> str:
    # GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
    return "plait-" + "-".join(path).lower()


def main() -> None:
    """Print the reference to stdout."""
    sys.stdout.write(render_reference())


if __name__ == "__main__":
    main()
