"""A fresh virtual environment with one wheel installed, seeing this test
run's plait distributions: what a user's `pip install` of a pipeline package
or a plugin into their own environment gives, without a package index.

The venv gets no pip and no copies of plait: a ``.pth`` file adds the test
run's site-packages (editable installs included) as a site directory, and the
wheel is installed into the venv alone (``--no-deps --no-index``).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path


def venv_with_wheel(root: Path, wheel: Path) -> tuple[Path, Path]:
    """Create ``root/venv`` and install `wheel` into it.

    RETURNS (tuple[Path, Path]): the venv's python and its site-packages.
    """
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "plait_distributions.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    if installed.returncode != 0:
        raise AssertionError(f"pip install of {wheel} failed:\n{installed.stderr}")
    return python, site
