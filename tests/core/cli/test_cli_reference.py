"""docs/cli-reference.md is generated from the click commands; it must match them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
REGENERATE = "python -m plait.cli._reference > docs/cli-reference.md"


def test_the_cli_reference_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "plait.cli._reference"], capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    current = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf8")
    assert result.stdout == current, (
        f"docs/cli-reference.md is stale (a command, option or help text changed). Regenerate it: "
        f"`.venv/bin/{REGENERATE}`"
    )


def test_the_reference_lists_every_command_and_option(tmp_path):
    text = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf8")
    for heading in ("## `plait debug model`", "## `plait debug diff-config`", "## `plait train`",
                    "## `plait init config`", "## `plait ray train`"):
        assert heading in text
    # Options with their defaults and help, arguments, the usage line.
    assert "| `--optimize`, `-o` | [efficiency\\|accuracy] | `efficiency` |" in text
    assert "plait debug model [OPTIONS] CONFIG_PATH COMPONENT" in text
    assert "| `CONFIG_PATH` | yes | no |" in text
    # Linked from the hand-written guide.
    assert "cli-reference.md" in (ROOT / "docs" / "cli.md").read_text(encoding="utf8")
