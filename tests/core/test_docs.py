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


def test_architecture_map_names_only_existing_paths():
    import re

    core = Path(__file__).resolve().parents[2] / "core" / "plait"
    text = (DOCS / "architecture.md").read_text()
    table = text[text.index("## The map"):text.index("## Contracts")]
    named = set(re.findall(r"`([a-z_/]+(?:\.py|/))`", table)) - {"_name.py"}
    assert named, "no paths found in the map"
    missing = sorted(
        n for n in named
        if not any((base / n).exists() for base in (core, core / "plugins", core / "language", core / "training"))
    )
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"


def test_nothing_private_at_the_top_of_the_kernel():
    core = Path(__file__).resolve().parents[2] / "core" / "plait"
    private = sorted(p.name for p in core.iterdir() if p.name.startswith("_") and not p.name.startswith("__"))
    assert private == []


def test_every_registry_contract_is_shown_in_plugins_doc():
    from plait.plugins import protocols

    text = (DOCS / "plugins.md").read_text()
    for name in protocols.__all__:
        if name in ("LogStep", "Finalize"):
            continue
        assert f"`{name}`" in text, f"protocol {name} is not shown in docs/plugins.md"


def test_core_readme_is_markdown():
    text = (Path(__file__).resolve().parents[2] / "core" / "README.md").read_text()
    assert "\\n" not in text and text.startswith("# plait\n") and len(text.splitlines()) > 3
