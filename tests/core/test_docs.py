"""Docs stay true to the code: every hook and command is documented."""

from __future__ import annotations

import inspect
from pathlib import Path

import plait.hookspecs as hookspecs
from plait.cli._builtin_commands import DEBUG, INIT, TOP_LEVEL

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_hookspec_is_documented():
    text = (DOCS / "plugins.md").read_text()
    names = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(f, "plait_spec")]
    assert names, "no hookspecs found"
    for name in names:
        assert f"`{name}(" in text, f"hook {name} is not documented in docs/plugins.md"


def test_every_command_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text()
    for name in TOP_LEVEL:
        assert f"plait {name}" in text
    for name in INIT:
        assert f"plait init {name}" in text
    for name in DEBUG:
        assert f"plait debug {name}" in text
