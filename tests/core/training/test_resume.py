"""`--resume`: an interrupted run finishes with an uninterrupted run's scores."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import srsly

sys.path.insert(0, str(Path(__file__).parent))
from _train_setup import CODE, make_corpora, write_config  # noqa: E402
from plait.config import import_code  # noqa: E402
from plait.errors import UsageError  # noqa: E402
from plait.training import loop  # noqa: E402
from plait.training.train import train  # noqa: E402

PYTHON = sys.executable


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory):
    import_code([CODE])
    return make_corpora(ewt_dir, tmp_path_factory.mktemp("ewt"), n_train=200, n_dev=80)


def _meta(out: Path, which: str = "model-last") -> dict:
    return srsly.read_json(out / which / "meta.json")["performance"]


class Interrupt(Exception):
    pass


def test_resume_equals_uninterrupted(corpora, tmp_path, monkeypatch):
    cfg = write_config(tmp_path, *corpora, max_steps=20, eval_frequency=5)
    full = tmp_path / "full"
    train(cfg, full, stdout=io.StringIO(), stderr=io.StringIO())
    # Interrupt the second run right after its step-20 checkpoint.
    part = tmp_path / "part"
    real_save = loop.ckpt.save_checkpoint

    def save_then_stop(output_path, nlp, optimizer, state):
        real_save(output_path, nlp, optimizer, state)
        if state["step"] == 11:
            raise Interrupt()

    monkeypatch.setattr(loop.ckpt, "save_checkpoint", save_then_stop)
    with pytest.raises(Interrupt):
        train(cfg, part, stdout=io.StringIO(), stderr=io.StringIO())
    monkeypatch.setattr(loop.ckpt, "save_checkpoint", real_save)
    # Disturb the process state a resumed run must not depend on.
    random.seed(7)
    out = io.StringIO()
    train(None, part, resume=True, stdout=out, stderr=io.StringIO())
    assert "Resuming the run" in out.getvalue() and "at step 11" in out.getvalue()
    assert _meta(part) == _meta(full)
    assert _meta(part, "model-best") == _meta(full, "model-best")
    # Resuming a finished run does nothing.
    out = io.StringIO()
    train(str(part), None, resume=True, stdout=out)
    assert "already finished" in out.getvalue()


def test_resume_without_checkpoint_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no checkpoint to resume from"):
        train(None, tmp_path, resume=True, stdout=io.StringIO())


def test_resume_rejects_overrides(tmp_path):
    with pytest.raises(UsageError, match="overrides"):
        train(None, tmp_path, resume=True, overrides={"training.max_steps": 3}, stdout=io.StringIO())


def _train_cmd(cfg: Path, out: Path, *extra: str) -> list[str]:
    return [PYTHON, "-m", "plait", "train", str(cfg), "--output", str(out), "--code", str(CODE), *extra]


@pytest.mark.slow
def test_sigkill_never_leaves_half_written_models_and_resume_finishes(corpora, tmp_path):
    cfg = write_config(tmp_path, *corpora, max_steps=30, eval_frequency=3)
    full = tmp_path / "full"
    subprocess.run(_train_cmd(cfg, full), check=True, capture_output=True)
    rng = random.Random(0)
    out = tmp_path / "killed"
    env = dict(os.environ)
    started = False
    for _attempt in range(3):
        cmd = _train_cmd(cfg, out, "--resume") if started else _train_cmd(cfg, out)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        # Wait for the first checkpoint, then kill at a random moment.
        deadline = time.time() + 60
        while not (out / "checkpoint" / "LATEST").exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        started = started or (out / "checkpoint" / "LATEST").exists()
        for which in ("model-best", "model-last"):
            if (out / which).exists():
                assert (out / which / "meta.json").exists()
                assert (out / which / "config.cfg").exists()
                srsly.read_json(out / which / "meta.json")
    assert started
    done = subprocess.run(_train_cmd(cfg, out, "--resume"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _meta(out) == _meta(full)
