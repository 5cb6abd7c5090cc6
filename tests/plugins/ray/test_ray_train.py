"""`plait ray train` end to end on EWT slices with plait-pipes' tagger.

One local Ray instance (2 CPUs) serves the whole module; each run takes
20-40 s on a 2-core machine (Ray's worker start and two pipelines built),
hence the slow marks. Acceptance of issue 12: two workers reach the tagger
accuracy bar of ``plait train``'s own test, the output has the same files
and loads; a SIGKILLed worker is restarted and the run still ends with
model-last at a comparable score (async), or without waiting for the dead
peer (sync); a killed run resumes.

The kill tests kill a worker that a ``--code`` callback has paused at a known
step (it writes its pid, then sleeps until killed). They used to poll the
workers' step counts and kill rank 0 once it had passed step 25: on a quiet
machine rank 0 could reach the end of its 60 steps while worker 1 was being
restarted, so the kill hit the final save or a finished run (one restart
counted instead of two) — the flaky failure. A paused rank 0 cannot end the
run before it is killed, and the restarted worker says when it trains again.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path

import numpy
import pytest
import srsly

ray = pytest.importorskip("ray")
conllu = pytest.importorskip("conllu")
import plait  # noqa: E402
from plait.tokens import Doc, DocBin  # noqa: E402
from plait_ray.driver import RaySettings, ray_train  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

CONFIG = """
[paths]
train = null
dev = null

[system]
seed = 0

[nlp]
lang = "en"
pipeline = ["tagger"]
batch_size = 256

[components]

[components.tagger]
factory = "tagger"

[components.tagger.model]
@architectures = "plait.Tagger.v2"
nO = null

[components.tagger.model.tok2vec]
@architectures = "plait.Tok2Vec.v2"

[components.tagger.model.tok2vec.embed]
@architectures = "plait.MultiHashEmbed.v2"
width = 64
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [5000, 1000, 2500, 2500]
include_static_vectors = false

[components.tagger.model.tok2vec.encode]
@architectures = "plait.MaxoutWindowEncoder.v2"
width = 64
depth = 2
window_size = 1
maxout_pieces = 3

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${paths.train}

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${paths.dev}

[training]
seed = ${system.seed}
max_steps = 60
eval_frequency = 20
patience = 0
dropout = 0.1

[training.batcher]
@batchers = "plait.batch_by_words.v1"
discard_oversize = false
tolerance = 0.2
size = 500

[training.optimizer]
@optimizers = "Adam.v1"
learn_rate = 0.005
"""

# Registered in every worker through --code: the first worker named *-w0 to
# reach `step` exits at once, as a killed process would (once: a marker file).
CRASH_CODE = '''
import os
from pathlib import Path

import plait


@plait.registry.callbacks("ray_test.crash_once.v1")
def crash_once(step: int, marker: str):
    def before_update(nlp, info):
        import ray

        name = ray.get_runtime_context().get_actor_name() or ""
        if info["step"] == step and name.endswith("-w0") and not Path(marker).exists():
            Path(marker).write_text("crashed")
            os._exit(75)

    return before_update
'''


# Registered in every worker through --code: worker *-w0 / *-w1 pauses at
# step `w0_step` / `w1_step` and says so (its pid in `paused-wN`), so the test
# kills it at a known point; the process Ray restarts finds `killed-wN` and
# trains on, saying so in `alive-wN`.
PAUSE_CODE = '''
import os
import time
from pathlib import Path

import plait


def _say(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@plait.registry.callbacks("ray_test.pause_to_kill.v1")
def pause_to_kill(folder: str, w0_step: int = -1, w1_step: int = -1):
    steps = {"-w0": w0_step, "-w1": w1_step}
    said = []

    def before_update(nlp, info):
        import ray

        suffix = (ray.get_runtime_context().get_actor_name() or "")[-3:]
        if suffix not in steps:
            return
        base = Path(folder)
        if (base / f"killed{suffix}").exists():
            if not said:
                _say(base / f"alive{suffix}", str(os.getpid()))
                said.append(True)
            return
        if info["step"] == steps[suffix]:
            _say(base / f"paused{suffix}", str(os.getpid()))
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:  # the test kills this process meanwhile
                time.sleep(0.05)

    return before_update
'''


def _docbin(src: Path, dest: Path, n: int) -> Path:
    nlp = plait.blank("en")
    db = DocBin()
    with src.open(encoding="utf8") as fh:
        for i, sent in enumerate(conllu.parse_incr(fh)):
            if i >= n:
                break
            toks = [t for t in sent if isinstance(t["id"], int)]
            db.add(Doc(nlp.vocab, words=[t["form"] for t in toks],
                       spaces=[not (t["misc"] and t["misc"].get("SpaceAfter") == "No") for t in toks],
                       tags=[t["xpos"] for t in toks]))
    db.to_disk(dest)
    return dest


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def setup(ewt_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ray-ewt")
    train = _docbin(ewt_dir / "en_ewt-ud-train.conllu", tmp / "train.plait", 600)
    dev = _docbin(ewt_dir / "en_ewt-ud-dev.conllu", tmp / "dev.plait", 150)
    config = tmp / "config.cfg"
    config.write_text(CONFIG, encoding="utf8")
    return config, {"paths.train": str(train), "paths.dev": str(dev)}


def _tag_acc(model: Path) -> float:
    return float(srsly.read_json(model / "meta.json")["performance"]["tag_acc"])


def _score_at(log: str, step: int) -> float:
    """The tag_acc column of the console logger's row for `step`."""
    for line in log.splitlines():
        cells = line.split()
        if len(cells) == 5 and cells[1] == str(step):
            return float(cells[3])
    raise AssertionError(f"no evaluation at step {step} in:\n{log}")


def _files(model: Path) -> set[str]:
    return {str(p.relative_to(model)) for p in model.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def two_workers(cluster, setup, tmp_path_factory):
    config, overrides = setup
    out = tmp_path_factory.mktemp("ray-run") / "out"
    log = io.StringIO()
    result = ray_train(config, out, RaySettings(n_workers=2), overrides=overrides, stdout=log)
    return out, log.getvalue(), result


def test_two_workers_train_a_tagger_like_plait_train(two_workers, setup, tmp_path):
    out, log, result = two_workers
    # plait train's own test bar for 60 steps on 600 EWT sentences (tests/core/training/
    # test_train.py); two workers measured 88.5 here, plait train 87.7.
    assert _tag_acc(out / "model-best") > 0.80
    assert "tag_acc" in log and "words/s: w0" in log and "total" in log
    assert [w["rank"] for w in result["workers"]] == [0, 1]
    assert all(w["words"] > 0 for w in result["workers"])
    nlp = plait.load(out / "model-best")
    assert [t.tag_ for t in nlp("I like green apples .")][0] == "PRP"
    state = srsly.read_msgpack(out / "checkpoint" / (out / "checkpoint" / "LATEST").read_text().strip()
                               / "state.msgpack")
    assert state["loop"]["finished"] is True and state["loop"]["step"] == 61
    # The same files as a plait train run of the same config.
    from plait.training.train import train

    config, overrides = setup
    plain = tmp_path / "plain"
    train(config, plain, overrides={**overrides, "training.max_steps": 1, "training.eval_frequency": 1},
          stdout=io.StringIO(), stderr=io.StringIO())
    for which in ("model-best", "model-last"):
        assert _files(out / which) == _files(plain / which)


def _await_file(path: Path, thread: threading.Thread, done: dict, *, not_text: str | None = None) -> str:
    """Wait until `path` exists (with other text than `not_text`): a worker's
    signal written by PAUSE_CODE. RETURNS its text."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and thread.is_alive():
        if path.exists():
            text = path.read_text(encoding="utf8")
            if text and text != not_text:
                return text
        time.sleep(0.1)
    raise AssertionError(f"no {path.name} (the run {'ended' if not thread.is_alive() else 'timed out'}: "
                         f"{done.get('error')!r})")


def _kill_paused(folder: Path, suffix: str, thread: threading.Thread, done: dict) -> int:
    """SIGKILL worker `suffix` once it is paused at its step. RETURNS its pid."""
    pid = int(_await_file(folder / f"paused{suffix}", thread, done))
    # The marker first: the restarted process must find it at its first step.
    (folder / f"killed{suffix}").write_text("killed", encoding="utf8")
    os.kill(pid, signal.SIGKILL)
    return pid


def _run_in_thread(config: Path, out: Path, settings: RaySettings, overrides: dict, code: Path,
                   log: io.StringIO) -> tuple[threading.Thread, dict]:
    done: dict = {}

    def run() -> None:
        try:
            done["result"] = ray_train(config, out, settings, stdout=log, overrides=overrides,
                                       code_paths=[str(code)])
        except BaseException as err:  # surfaced by the test
            done["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def _pausing(setup, tmp_path: Path, **steps: int) -> tuple[Path, dict, Path, Path]:
    """The config with PAUSE_CODE's before_update pausing workers at `steps`."""
    config, overrides = setup
    code = tmp_path / "pause.py"
    code.write_text(PAUSE_CODE, encoding="utf8")
    folder = tmp_path / "signals"
    folder.mkdir()
    block = "".join(f"{name} = {value}\n" for name, value in steps.items())
    text = (config.read_text(encoding="utf8") + "\n[training.before_update]\n"
            f'@callbacks = "ray_test.pause_to_kill.v1"\nfolder = "{folder}"\n{block}')
    paused = tmp_path / "pause.cfg"
    paused.write_text(text, encoding="utf8")
    return paused, overrides, code, folder


def test_sigkilled_workers_are_restarted_and_the_run_ends(two_workers, cluster, setup, tmp_path):
    """Worker 1 is killed at its step 10; once its restarted process trains,
    rank 0 (which evaluates and saves) is killed at step 25, after its
    checkpoint of step 20. Each kill hits a worker paused at that step, so
    neither can race start-up or the end of the run (rank 0 cannot end the
    run before it is killed)."""
    config, overrides, code, folder = _pausing(setup, tmp_path, w0_step=25, w1_step=10)
    out = tmp_path / "out"
    log = io.StringIO()
    thread, done = _run_in_thread(config, out, RaySettings(n_workers=2), overrides, code, log)
    killed1 = _kill_paused(folder, "-w1", thread, done)
    _await_file(folder / "alive-w1", thread, done)  # restarted, rejoined and training
    killed0 = _kill_paused(folder, "-w0", thread, done)
    thread.join(timeout=300)
    text = log.getvalue()
    assert not thread.is_alive(), text
    assert "error" not in done, done.get("error")
    result = done["result"]
    assert result["restarts"] == 2
    assert "worker 1 died; Ray restarts it" in text and "worker 0 died; Ray restarts it" in text
    assert result["workers"][0]["pid"] != killed0 and result["workers"][0]["restarted"]
    assert result["workers"][1]["pid"] != killed1 and result["workers"][1]["restarted"]
    assert (out / "model-last" / "meta.json").exists()
    # Within the noise of the unkilled run at the same step (async runs vary by ~1 point).
    unkilled = _score_at(two_workers[1], 60)
    assert _score_at(text, 60) > unkilled - 4.0
    plait.load(out / "model-last")


@pytest.mark.parametrize("rank, step", [(1, 10), (0, 25)])
def test_sync_run_goes_on_without_a_killed_worker_which_rejoins(cluster, setup, tmp_path, rank, step):
    """--strategy sync: a worker is killed while its peer waits for its
    gradients: worker 1 at step 10, or rank 0 (which evaluates and saves) at
    step 25, after its checkpoint of step 20. The peer finishes that step
    without it once Ray reports the death (no wait runs into the 300 s
    timeout), the restarted worker rejoins with the current parameters and
    the run ends with model-best and model-last."""
    config, overrides, code, folder = _pausing(setup, tmp_path, **{f"w{rank}_step": step})
    out = tmp_path / "out"
    log = io.StringIO()
    settings = RaySettings(n_workers=2, strategy="sync")
    thread, done = _run_in_thread(config, out, settings, overrides, code, log)
    killed = _kill_paused(folder, f"-w{rank}", thread, done)
    thread.join(timeout=300)
    text = log.getvalue()
    assert not thread.is_alive(), text
    assert "error" not in done, done.get("error")
    result = done["result"]
    assert result["restarts"] == 1 and f"worker {rank} died; Ray restarts it" in text
    workers = result["workers"]
    assert workers[rank]["pid"] != killed and workers[rank]["restarted"] and workers[rank]["steps"] > 0
    assert workers[0]["sync_timeouts"] == 0 and workers[1]["sync_timeouts"] == 0
    # Rank 0 trained on: every evaluation up to the last step was made (a
    # killed rank 0's last lines before its death may not have reached the
    # driver's log; it resumes after its step-20 checkpoint).
    later = (40, 60) if rank == 0 else (20, 40, 60)
    assert all(_score_at(text, s) > 0 for s in later), text
    assert _tag_acc(out / "model-best") > 0.80
    plait.load(out / "model-last")


def test_a_killed_run_resumes(cluster, setup, tmp_path):
    config, overrides = setup
    code = tmp_path / "crash.py"
    code.write_text(CRASH_CODE, encoding="utf8")
    marker = tmp_path / "crashed"
    crash = (config.read_text(encoding="utf8") + "\n[training.before_update]\n"
             f'@callbacks = "ray_test.crash_once.v1"\nstep = 15\nmarker = "{marker}"\n')
    crash_cfg = tmp_path / "crash.cfg"
    crash_cfg.write_text(crash, encoding="utf8")
    out = tmp_path / "out"
    settings = RaySettings(n_workers=2, max_restarts=0)
    with pytest.raises(plait.errors.PlaitError, match="worker 0 died"):
        ray_train(crash_cfg, out, settings, overrides={**overrides, "training.max_steps": 20, "training.eval_frequency": 10},
                  code_paths=[str(code)], stdout=io.StringIO())
    assert marker.exists() and (out / "checkpoint" / "LATEST").exists()
    # As with plait train, a fresh run does not start over an unfinished one.
    with pytest.raises(plait.errors.UsageError, match="holds an unfinished run"):
        ray_train(crash_cfg, out, settings, overrides=overrides, code_paths=[str(code)], stdout=io.StringIO())
    log = io.StringIO()
    ray_train(out, None, settings, code_paths=[str(code)], resume=True, stdout=log)
    assert "Resuming the run in" in log.getvalue() and "at step 11" in log.getvalue()
    state = srsly.read_msgpack(out / "checkpoint" / (out / "checkpoint" / "LATEST").read_text().strip()
                               / "state.msgpack")
    assert state["loop"]["finished"] is True and state["loop"]["step"] == 21
    assert _tag_acc(out / "model-best") > 0.6
    plait.load(out / "model-last")


def test_one_worker_equals_plait_train_to_the_digit(cluster, setup, tmp_path):
    """One Ray worker (async, the default --broadcast-every) computes what
    plait train computes: same batches, seeds and Adam steps (nothing is
    exchanged or broadcast), so the saved weights agree to float rounding
    (the Ray worker runs BLAS on one thread, this process on several: sums
    in another order, which Adam's normalized step can enlarge for the odd
    near-zero gradient) and the score to the digit."""
    from plait.training.train import train

    config, overrides = setup
    short = {**overrides, "training.max_steps": 20, "training.eval_frequency": 10}
    log = io.StringIO()
    result = ray_train(config, tmp_path / "ray", RaySettings(n_workers=1), overrides=short, stdout=log)
    assert "broadcast every 4 step(s)" in log.getvalue()
    assert result["workers"][0]["param_msgs"] == 0 and result["workers"][0]["grad_msgs"] == 0
    train(config, tmp_path / "plain", overrides=short, stdout=io.StringIO(), stderr=io.StringIO())
    ours, theirs = (plait.load(tmp_path / run / "model-last") for run in ("ray", "plain"))
    pairs = list(zip(ours.get_pipe("tagger").model.walk(), theirs.get_pipe("tagger").model.walk()))
    compared = 0
    for a, b in pairs:
        for name in a.param_names:
            if a.has_param(name):
                diff = numpy.abs(a.get_param(name) - b.get_param(name))
                assert diff.mean() < 1e-6 and diff.max() < 1e-2, (a.name, name, diff.mean(), diff.max())
                compared += 1
    assert compared > 10
    assert round(_tag_acc(tmp_path / "ray" / "model-last"), 3) == \
        round(_tag_acc(tmp_path / "plain" / "model-last"), 3)
