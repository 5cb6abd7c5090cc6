"""`plait ray`: registered through the plugin hook, cheap to list, and clear
errors (no traceback) for bad input — each in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("plait_ray")

CONFIG = """
[nlp]
lang = "en"
pipeline = []

[training]
"""


def _plait(*args: str, cwd: Path, prelude: str = "") -> subprocess.CompletedProcess:
    code = (f"{prelude}\nimport sys, runpy\nsys.argv = ['plait', *{list(args)!r}]\n"
            "runpy.run_module('plait', run_name='__main__')\n")
    env = dict(os.environ)
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.cfg"
    path.write_text(CONFIG, encoding="utf8")
    return path


def test_ray_group_is_listed_and_its_help_does_not_import_ray(tmp_path):
    listed = _plait("--help", cwd=tmp_path)
    assert listed.returncode == 0 and "ray" in listed.stdout
    probe = "import atexit, sys\natexit.register(lambda: print('RAY IMPORTED' if 'ray' in sys.modules else 'NO RAY'))"
    helped = _plait("ray", "train", "--help", cwd=tmp_path, prelude=probe)
    assert helped.returncode == 0, helped.stderr
    assert "--n-workers" in helped.stdout and "--strategy" in helped.stdout
    assert "NO RAY" in helped.stdout


def test_zero_workers_is_a_clear_error(config, tmp_path):
    done = _plait("ray", "train", str(config), "--n-workers", "0", cwd=tmp_path)
    assert done.returncode == 1
    assert "--n-workers must be at least 1, got 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_unreachable_address_is_a_clear_error(config, tmp_path):
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = _plait("ray", "train", str(config), "-n", "2", "--address", f"ray://127.0.0.1:{port}",
                  cwd=tmp_path)
    assert done.returncode == 1
    assert f"--address 'ray://127.0.0.1:{port}': cannot reach a Ray cluster there" in done.stderr
    assert "ray start --head" in done.stderr and "Traceback" not in done.stderr
    bad = _plait("ray", "train", str(config), "--address", "not-an-address", cwd=tmp_path)
    assert bad.returncode == 1 and "expected 'auto', 'ray://HOST:PORT'" in bad.stderr


def test_ray_not_installed_says_how_to_install_it(config, tmp_path):
    # Make `import ray` fail as it does where Ray is absent.
    blocker = (
        "import sys, importlib.abc\n"
        "class _NoRay(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ray' or name.startswith('ray.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'ray'\")\n"
        "sys.meta_path.insert(0, _NoRay())\n"
    )
    done = _plait("ray", "train", str(config), "-n", "2", cwd=tmp_path, prelude=blocker)
    assert done.returncode == 1
    assert "Ray is not installed" in done.stderr and "pip install -e plugins/ray" in done.stderr
    assert "Traceback" not in done.stderr


def test_plugin_not_installed_says_how_to_install_it(config, tmp_path):
    # Make the plait-ray plugin unimportable, as where it is not installed:
    # its entry point then fails to load and `ray` is no registered command.
    blocker = (
        "import sys, importlib.abc\n"
        "class _NoPlugin(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'plait_ray' or name.startswith('plait_ray.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'plait_ray'\")\n"
        "sys.meta_path.insert(0, _NoPlugin())\n"
    )
    done = _plait("ray", "train", str(config), cwd=tmp_path, prelude=blocker)
    assert done.returncode == 2
    assert "No such command" not in done.stderr and "Traceback" not in done.stderr
    assert "`plait ray` is a command of the plait-ray plugin, which is not installed" in done.stderr
    assert "make install" in done.stderr and "pip install -e plugins/ray" in done.stderr
    # An unknown name still gets click's own message.
    other = _plait("rayy", cwd=tmp_path, prelude=blocker)
    assert other.returncode == 2 and "No such command 'rayy'" in other.stderr


@pytest.mark.parametrize("option, value", [("--broadcast-every", "2"), ("--send-every", "4")])
def test_a_bad_period_is_a_clear_error_before_ray(config, tmp_path, option, value):
    # Checked before Ray is imported: no cluster is started for a bad value.
    sync = _plait("ray", "train", str(config), "-n", "2", "--strategy", "sync", option, value,
                  cwd=tmp_path)
    assert sync.returncode == 1 and "Traceback" not in sync.stderr
    assert f"{option} {value} needs --strategy async" in sync.stderr
    zero = _plait("ray", "train", str(config), option, "0", cwd=tmp_path)
    assert zero.returncode == 1 and f"{option} must be at least 1, got 0" in zero.stderr


@pytest.mark.parametrize("n_workers, strategy, expected", [
    (1, "async", 4), (2, "async", 4), (3, "async", 1), (8, "async", 1), (2, "sync", 1), (8, "sync", 1)])
def test_periods_left_out_follow_the_worker_count(n_workers, strategy, expected):
    # Summing messages over 4 steps pays off with two workers on one machine;
    # with more, the staleness it adds costs accuracy (bench/ray.py's
    # simulation), so the default drops to every step. A given value wins.
    from plait_ray.driver import RaySettings, resolve_broadcast_every, resolve_send_every

    settings = RaySettings(n_workers=n_workers, strategy=strategy)
    assert resolve_broadcast_every(settings) == resolve_send_every(settings) == expected
    if strategy == "async":
        given = RaySettings(n_workers=n_workers, strategy=strategy, broadcast_every=3, send_every=2)
        assert (resolve_broadcast_every(given), resolve_send_every(given)) == (3, 2)
