"""`plait ray train` end to end on EWT slices with plait-pipes' tagger.

One local Ray instance (2 CPUs) serves the whole module; each run takes
20-40 s on a 2-core machine (Ray's worker start and two pipelines built),
hence the slow marks. Acceptance of issue 12: two workers reach the tagger
accuracy bar of ``plait train``'s own test, the output has the same files
and loads; a SIGKILLed worker is restarted and the run still ends with
model-last at a comparable score; a killed run resumes.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path

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


def _stats(suffix: str) -> dict:
    names = [n for n in ray.util.list_named_actors() if n.startswith("plait-ray-") and n.endswith(suffix)]
    if not names:
        return {"steps": 0, "pid": None}
    try:
        return ray.get(ray.get_actor(names[0]).stats.remote(), timeout=10)
    except Exception:  # not started yet, or being restarted
        return {"steps": 0, "pid": None}


def _wait_for(suffix: str, steps: int, thread: threading.Thread, *, not_pid: int | None = None) -> dict:
    """Wait until worker `suffix` (a process other than `not_pid`) has trained `steps` steps."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and thread.is_alive():
        stats = _stats(suffix)
        if stats["pid"] not in (None, not_pid) and stats["steps"] >= steps:
            return stats
        time.sleep(0.2)
    raise AssertionError(f"worker {suffix} never reached step {steps}")


def _kill_when(suffix: str, steps: int, thread: threading.Thread) -> int:
    """SIGKILL worker `suffix` once it has trained `steps` steps. RETURNS its pid."""
    pid = _wait_for(suffix, steps, thread)["pid"]
    os.kill(pid, signal.SIGKILL)
    return pid


def test_sigkilled_workers_are_restarted_and_the_run_ends(two_workers, cluster, setup, tmp_path):
    """Worker 1 is killed at its step 10, then rank 0 (which evaluates and
    saves) after its checkpoint of step 20. Rank 0 cannot end the run while
    it is down, so both restarts happen before the run ends."""
    config, overrides = setup
    out = tmp_path / "out"
    done: dict = {}
    log = io.StringIO()

    def run() -> None:
        try:
            done["result"] = ray_train(config, out, RaySettings(n_workers=2), stdout=log,
                                       overrides=overrides)
        except BaseException as err:  # surfaced below
            done["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    killed1 = _kill_when("-w1", 10, thread)
    killed0 = _kill_when("-w0", 25, thread)
    thread.join(timeout=300)
    text = log.getvalue()
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
