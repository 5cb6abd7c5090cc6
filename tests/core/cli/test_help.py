"""Every command answers --help without importing heavy libraries.

How fast it answers is measured in bench/cli_startup.py, never asserted here:
a wall-clock bound fails on a loaded machine without any regression.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from plait.cli._builtin_commands import DEBUG, INIT, TOP_LEVEL

COMMANDS = [[name] for name in TOP_LEVEL] + [["init", n] for n in INIT] + [["debug", n] for n in DEBUG]


def test_root_help_lists_commands(plait_cli):
    result = plait_cli("--help")
    assert result.returncode == 0, result.stderr
    for name in TOP_LEVEL:
        assert name in result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_command_help(plait_cli, command):
    result = plait_cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_help_imports_nothing_heavy():
    code = (
        "import sys, runpy; sys.argv=['plait','--help'];\n"
        "from plait.cli._main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('thinc','numpy','confection','srsly','numba') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in result.stderr, result.stderr


def test_version(plait_cli):
    result = plait_cli("--version")
    assert result.returncode == 0
    assert "plait" in result.stdout
