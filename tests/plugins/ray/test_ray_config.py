"""`plait ray train` checks the whole config on the driver before Ray starts:
a bad value or a misspelt registered name fails in seconds with the kernel's
located message, and no Ray instance or worker is ever started."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
import plait  # noqa: E402
from plait_ray.driver import RaySettings, ray_train  # noqa: E402

CONFIG = """
[nlp]
lang = "en"
pipeline = ["tagger"]

[components]

[components.tagger]
factory = "tagger"

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = "train.plait"

[corpora.dev]
@readers = "plait.Corpus.v1"
path = "dev.plait"

[training]
max_steps = 10

[training.optimizer]
@optimizers = "Adam.v1"
learn_rate = 0.001
"""


@pytest.fixture
def no_ray_start(monkeypatch):
    """Fail the test if anything tries to start or join Ray."""

    def refuse(*args, **kwargs):
        raise AssertionError("ray.init was called before the config was checked")

    monkeypatch.setattr(ray, "init", refuse)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.cfg"
    path.write_text(text, encoding="utf8")
    return path


@pytest.mark.parametrize(
    "edit, overrides, message",
    [
        (("max_steps = 10", "max_steps = -3"), {},
         r"config.cfg: \[training\] max_steps: -3 is not valid: input should be greater than or equal to 0"),
        ((), {"training.max_steps": -3}, r"\[training\] max_steps: -3 is not valid"),
        (('"Adam.v1"', '"Adamm.v1"'), {},
         r"\[training.optimizer\] @optimizers: no function 'Adamm.v1' in registry 'optimizers'. "
         r"Did you mean 'Adam.v1'\?"),
    ],
)
def test_bad_config_fails_before_ray_starts(no_ray_start, tmp_path, edit, overrides, message):
    text = CONFIG.replace(*edit) if edit else CONFIG
    began = time.monotonic()
    with pytest.raises(plait.errors.ConfigError, match=message):
        ray_train(_config(tmp_path, text), tmp_path / "out", RaySettings(n_workers=2),
                  overrides=overrides, stdout=io.StringIO())
    assert time.monotonic() - began < 10
    assert not ray.is_initialized()


def test_code_files_register_before_the_check(no_ray_start, tmp_path):
    """A name a --code file registers is known to the check (it is imported
    on the driver first), so only the real mistake is reported."""
    code = tmp_path / "funcs.py"
    code.write_text(
        "import plait\n\n"
        "@plait.registry.callbacks('ray_config_test.noop.v1')\n"
        "def noop():\n"
        "    return lambda nlp, info: None\n",
        encoding="utf8",
    )
    text = (CONFIG.replace("max_steps = 10", "max_steps = -1")
            + '\n[training.before_update]\n@callbacks = "ray_config_test.noop.v1"\n')
    with pytest.raises(plait.errors.ConfigError, match=r"\[training\] max_steps: -1") as err:
        ray_train(_config(tmp_path, text), None, RaySettings(n_workers=1), code_paths=[str(code)],
                  stdout=io.StringIO())
    assert "ray_config_test.noop.v1" not in str(err.value)


def test_cli_bad_config_is_a_located_error_without_ray(tmp_path):
    """As a user runs it: exit 1, the located message, no traceback, Ray not started."""
    config = _config(tmp_path, CONFIG.replace('"Adam.v1"', '"Adamm.v1"'))
    prelude = (
        "import ray\n"
        "def _refuse(*a, **k):\n"
        "    raise SystemExit('RAY STARTED')\n"
        "ray.init = _refuse\n"
    )
    code = (f"{prelude}\nimport sys, runpy\n"
            f"sys.argv = ['plait', 'ray', 'train', {str(config)!r}, '-n', '2']\n"
            "runpy.run_module('plait', run_name='__main__')\n")
    env = dict(os.environ)
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert time.monotonic() - began < 10, done.stderr
    assert done.returncode == 1, done.stderr
    assert "[training.optimizer] @optimizers: no function 'Adamm.v1'" in done.stderr
    assert "RAY STARTED" not in done.stderr and "Traceback" not in done.stderr
