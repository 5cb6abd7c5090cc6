"""Running the real `plait` CLI in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_plait(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
              stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("PLAIT_CONFIG_OVERRIDES", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "plait", *args], cwd=cwd, env=full_env, input=stdin,
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def plait_cli():
    return run_plait
