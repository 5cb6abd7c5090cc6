"""A run killed right after any step of its save and checkpoint code resumes,
and the resumed run's final meta.json equals the uninterrupted run's exactly.

The run is killed in a forked child (``os._exit`` at a ``plait.fs``
fault point: no cleanup runs, as with SIGKILL); the parent repairs and
resumes in-process, as ``plait train --resume`` does.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
import srsly

sys.path.insert(0, str(Path(__file__).parent))
from _train_setup import CODE, make_corpora, write_config  # noqa: E402
from plait import fs  # noqa: E402
from plait.config import import_code  # noqa: E402
from plait.errors import ConfigError, SerializationError, UsageError  # noqa: E402
from plait.training import checkpoint as ckpt  # noqa: E402
from plait.training.train import train  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork to kill a training process")

KILLED = 77


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory):
    import_code([CODE])
    return make_corpora(ewt_dir, tmp_path_factory.mktemp("ewt"), n_train=20, n_dev=10)


def quiet_train(*args, **kwargs):
    return train(*args, stdout=io.StringIO(), stderr=io.StringIO(), **kwargs)


def reference_run(corpora, tmp: Path, max_steps: int) -> tuple[Path, Path, list[str]]:
    """An uninterrupted run (evaluations every 2 steps) and the fault points it passed."""
    tmp.mkdir()
    cfg = write_config(tmp, *corpora, max_steps=max_steps, eval_frequency=2)
    points: list[str] = []
    fs.fault_hook = points.append
    try:
        quiet_train(cfg, tmp / "full")
    finally:
        fs.fault_hook = None
    return cfg, tmp / "full", points


@pytest.fixture(scope="module")
def ends_on_evaluation(corpora, tmp_path_factory):
    """max_steps 4, evaluations at 0, 2, 4: the final checkpoint rewrites step 4's folder."""
    return reference_run(corpora, tmp_path_factory.mktemp("runs") / "four", 4)


@pytest.fixture(scope="module")
def ends_after_evaluation(corpora, tmp_path_factory):
    """max_steps 5: the last step has no evaluation, so a run resumed from
    the step-4 checkpoint ends without evaluating."""
    return reference_run(corpora, tmp_path_factory.mktemp("runs") / "five", 5)


def killed_run(cfg: Path, out: Path, point: str, occurrence: int, **kwargs) -> None:
    """Train into `out` in a child killed right after the `occurrence`-th `point`."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            seen = {"n": 0}

            def hook(name: str) -> None:
                if name == point:
                    seen["n"] += 1
                    if seen["n"] == occurrence:
                        os._exit(KILLED)

            fs.fault_hook = hook
            quiet_train(cfg, out, **kwargs)
        except BaseException:  # noqa: BLE001 - reported by the exit code
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == KILLED, f"the run was not killed at {point} #{occurrence}"


def meta(out: Path, which: str) -> dict:
    return srsly.read_json(out / which / "meta.json")


def performance(out: Path, which: str) -> dict:
    return meta(out, which)["performance"]


def kill_targets(points: list[str]) -> list[tuple[str, int]]:
    """Each distinct fault point at its first occurrence after the first
    checkpoint (an evaluation's save) and at its last (the final save)."""
    first_ckpt = points.index("loop:checkpoint")
    targets: set[tuple[str, int]] = set()
    counts: dict[str, int] = {}
    seen_after: set[str] = set()
    for i, point in enumerate(points):
        counts[point] = counts.get(point, 0) + 1
        if i > first_ckpt and point not in seen_after:
            seen_after.add(point)
            targets.add((point, counts[point]))
    targets |= {(point, n) for point, n in counts.items()}
    return sorted(targets)


@pytest.mark.slow  # ~25 kill-and-resume pairs of a 5-step run: issue 11's acceptance test
def test_a_kill_after_any_step_of_the_save_path_resumes_to_the_same_meta(ends_on_evaluation, tmp_path):
    cfg, full, points = ends_on_evaluation
    expected_last, expected_best = performance(full, "model-last"), performance(full, "model-best")
    assert expected_last["tag_acc"] > 0.0 and "tagger_loss" in expected_last
    targets = kill_targets(points)
    names = {p for p, _ in targets}
    assert {"swap:journal", "swap:old-aside", "swap:new-in", "swap:journal-removed", "loop:model-last",
            "loop:model-best", "checkpoint:saved", "checkpoint:latest", "checkpoint:cleaned",
            "write:synced"} <= names
    for point, occurrence in targets:
        out = tmp_path / f"{point.replace(':', '-')}-{occurrence}"
        killed_run(cfg, out, point, occurrence)
        msg = f"killed after {point} #{occurrence}"
        try:  # what a user does: resume, or start again when there was no checkpoint yet
            quiet_train(None, out, resume=True)
        except UsageError as err:
            assert "no checkpoint to resume from" in str(err), msg
            quiet_train(cfg, out)
        assert performance(out, "model-last") == expected_last, msg
        assert performance(out, "model-best") == expected_best, msg
        assert meta(out, "model-last") == meta(full, "model-last"), msg
        _, state = ckpt.find_checkpoint(out, repair=True)
        assert state["loop"]["finished"], msg
        leftovers = [p.name for p in out.rglob(".*")]
        assert not leftovers, (msg, leftovers)


def test_a_run_resumed_after_its_last_evaluation_keeps_that_evaluations_scores(ends_after_evaluation, tmp_path):
    # The checkpoint of the step-4 evaluation, then a kill: the resumed run
    # trains step 5 (no evaluation) and must not write score 0.0 into meta.json.
    cfg, full, _ = ends_after_evaluation
    out = tmp_path / "killed"
    killed_run(cfg, out, "loop:checkpoint", 3)
    _, state = ckpt.find_checkpoint(out, repair=True)
    assert state["loop"]["step"] == 5 and not state["loop"]["finished"]
    assert state["loop"]["last_eval"]["other_scores"]["tag_acc"] > 0.0
    quiet_train(None, out, resume=True)
    assert performance(out, "model-last") == performance(full, "model-last")
    assert performance(out, "model-last")["tag_acc"] > 0.0
    _, state = ckpt.find_checkpoint(out, repair=True)
    assert state["loop"]["step"] == 6 and state["loop"]["finished"]


def test_a_run_killed_in_its_final_checkpoint_rewrite_resumes(ends_on_evaluation, tmp_path):
    # The run ends on an evaluation step: its final checkpoint rewrites the
    # folder of that evaluation's. Killed between moving the old folder aside
    # and renaming the new one in, it must neither be unresumable nor train
    # a step past max_steps when resumed.
    cfg, full, points = ends_on_evaluation
    out = tmp_path / "killed"
    killed_run(cfg, out, "swap:old-aside", points.count("swap:old-aside"))
    assert not (out / "checkpoint" / "step-00000005").exists()
    printed = io.StringIO()
    train(None, out, resume=True, stdout=printed, stderr=io.StringIO())
    assert "finished the interrupted save of checkpoint step-00000005" in printed.getvalue()
    assert "already finished" in printed.getvalue()
    assert performance(out, "model-last") == performance(full, "model-last")


@pytest.mark.slow  # three short runs (killed, forced-and-killed, resumed) and a fresh one: the retry story end to end
def test_a_fresh_run_never_destroys_an_unfinished_runs_checkpoint(ends_after_evaluation, tmp_path):
    cfg, full, _ = ends_after_evaluation
    out = tmp_path / "out"
    killed_run(cfg, out, "loop:checkpoint", 2)
    saved = sorted(p.name for p in (out / "checkpoint").iterdir())
    # A retry with a typo fails cleanly, before touching anything, even with --force.
    printed = io.StringIO()
    with pytest.raises(ConfigError):
        train(cfg, out, overrides={"training.max_stepz": 5}, force=True, stdout=printed, stderr=io.StringIO())
    assert "--force: the unfinished run" in printed.getvalue()
    # A retry without --force is refused with the way out.
    with pytest.raises(UsageError, match=r"unfinished run \(checkpoint at step 3\).*--resume.*--force"):
        quiet_train(cfg, out)
    # A forced run that dies before its own first checkpoint leaves the old run resumable.
    killed_run(cfg, out, "loop:model-last", 1, force=True)
    assert sorted(p.name for p in (out / "checkpoint").iterdir()) == saved
    quiet_train(None, out, resume=True)
    assert performance(out, "model-last") == performance(full, "model-last")
    # A finished run's output takes a new run without --force.
    quiet_train(cfg, out)
    _, state = ckpt.find_checkpoint(out, repair=True)
    assert state["loop"]["finished"] and state["loop"]["step"] == 6


def test_a_damaged_checkpoint_is_replaced_only_with_force(ends_after_evaluation, tmp_path):
    cfg, _, _ = ends_after_evaluation
    step = tmp_path / "out" / "checkpoint" / "step-00000003"
    (step / "nlp").mkdir(parents=True)
    (step / "nlp" / "config.cfg").write_text("")
    (step / "state.msgpack").write_bytes(b"\xc1 not msgpack")
    (step.parent / "LATEST").write_text("step-00000003\n")
    with pytest.raises(SerializationError, match="unreadable checkpoint state.*--force"):
        quiet_train(cfg, tmp_path / "out")
    with pytest.raises(SerializationError, match="unreadable checkpoint state"):
        quiet_train(None, tmp_path / "out", resume=True)
    printed = io.StringIO()
    with pytest.raises(ConfigError):  # the note comes first; the typo then stops the run
        train(cfg, tmp_path / "out", overrides={"training.max_stepz": 5}, force=True, stdout=printed,
              stderr=io.StringIO())
    assert "--force: " in printed.getvalue() and "replaced once this run saves" in printed.getvalue()
    assert (step / "state.msgpack").exists()
