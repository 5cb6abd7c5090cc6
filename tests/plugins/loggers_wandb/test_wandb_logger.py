"""plait-loggers-wandb: ``plait.WandbLogger.v1`` with the real ``wandb`` package, offline.

The training run goes through the real CLI on an EWT slice with
``WANDB_MODE=offline`` and ``WANDB_DIR`` in the test's folder, and the
offline run file is read back (``_wandb_offline.py``) to find the config and
every evaluation's scores and losses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from plait.errors import ConfigError

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2] / "core" / "training"))
from _ewt import ewt_docbin  # noqa: E402
from _wandb_offline import read_run  # noqa: E402

wandb_logger_mod = pytest.importorskip(
    "plait_loggers_wandb.wandb_logger", reason="plait-loggers-wandb is not installed (make install does it)"
)

CONFIG = """
[paths]
train = "{train}"
dev = "{dev}"

[system]
seed = 0

[nlp]
lang = "en"
pipeline = ["tagger"]

[components]

[components.tagger]
factory = "tagger"

[components.tagger.model]
@architectures = "plait.Tagger.v2"
nO = null

[components.tagger.model.tok2vec]
@architectures = "plait.HashEmbedCNN.v2"
pretrained_vectors = null
width = 48
depth = 2
embed_size = 1000
window_size = 1
maxout_pieces = 2
subword_features = true

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${{paths.train}}

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${{paths.dev}}

[training]
max_steps = 6
eval_frequency = 2
patience = 0

[training.batcher]
@batchers = "plait.batch_by_words.v1"
size = 400
tolerance = 0.2
discard_oversize = false

[training.logger]
@loggers = "plait.WandbLogger.v1"
project_name = "plait-test"
run_name = "ewt-slice"
remove_config_values = ["paths.dev", "system.seed"]
model_log_interval = 2
log_dataset_dir = "{train}"
log_best_dir = "{out}/model-best"
"""


class FakeConfig(dict):
    def interpolate(self) -> FakeConfig:
        return self


def test_logged_config_removes_values_and_names_a_wrong_key():
    config = FakeConfig({"paths": {"train": "a", "dev": "b"}, "training": {"seed": 1, "opt": {"lr": 0.1}}})
    logged = wandb_logger_mod.logged_config(config, ["paths.dev", "training.opt"])
    assert logged == {"paths": {"train": "a"}, "training": {"seed": 1}}
    with pytest.raises(ConfigError, match=r"remove_config_values: 'paths\.nope' is not a key"):
        wandb_logger_mod.logged_config(config, ["paths.nope"])


def test_step_metrics_keep_numbers_and_per_label_tables():
    info = {"score": 0.5, "epoch": 1, "step": 20, "words": 900, "seconds": 3,
            "losses": {"tagger": 12.5}, "other_scores": {
                "tag_acc": 0.5, "speed": 1000.0, "ents_per_type": {"PER": {"p": 0.5, "r": 1.0, "f": 0.66}},
                "note": "text", "flag": True, "empty": None}}
    metrics = wandb_logger_mod.step_metrics(info)
    assert metrics["loss_tagger"] == 12.5 and metrics["tag_acc"] == 0.5 and metrics["score"] == 0.5
    assert metrics["ents_per_type"] == {"PER": {"p": 0.5, "r": 1.0, "f": 0.66}}
    assert not {"note", "flag", "empty"} & set(metrics)


@pytest.mark.parametrize("broken", [None, types.ModuleType("wandb")], ids=["absent", "broken"])
def test_absent_or_broken_wandb_names_the_distribution(monkeypatch, broken):
    # None in sys.modules makes `import wandb` raise ImportError, as when absent.
    monkeypatch.setitem(sys.modules, "wandb", broken)
    with pytest.raises(ConfigError, match="reinstall plait-loggers-wandb, which brings wandb") as err:
        wandb_logger_mod.wandb_logger(project_name="x")
    assert "plait.WandbLogger.v1" in str(err.value)


def test_registered_through_the_entry_point():
    from plait import registry

    assert registry.loggers.get("plait.WandbLogger.v1") is wandb_logger_mod.wandb_logger


def test_bad_settings_are_config_errors(tmp_path):
    pytest.importorskip("wandb")
    with pytest.raises(ConfigError, match="model_log_interval: must be >= 1"):
        wandb_logger_mod.wandb_logger(project_name="x", model_log_interval=0)
    with pytest.raises(ConfigError, match="log_dataset_dir: '.*nope' does not exist"):
        wandb_logger_mod.wandb_logger(project_name="x", log_dataset_dir=str(tmp_path / "nope"))


@pytest.mark.slow
def test_offline_run_holds_config_scores_and_losses_of_every_evaluation(ewt_dir, tmp_path):
    # ~15 s: a real `plait train` subprocess (4 evaluations of a small
    # tagger) plus wandb's own service process starting and flushing.
    pytest.importorskip("wandb")
    train = ewt_docbin(ewt_dir / "en_ewt-ud-train.conllu", tmp_path / "train.plait", 150)
    dev = ewt_docbin(ewt_dir / "en_ewt-ud-dev.conllu", tmp_path / "dev.plait", 50)
    out = tmp_path / "out"
    cfg = tmp_path / "config.cfg"
    cfg.write_text(CONFIG.format(train=train, dev=dev, out=out), encoding="utf8")
    env = dict(os.environ, WANDB_MODE="offline", WANDB_DIR=str(tmp_path), WANDB_SILENT="true",
               WANDB_CONFIG_DIR=str(tmp_path / "wandb-config"), WANDB_CACHE_DIR=str(tmp_path / "wandb-cache"),
               WANDB_DATA_DIR=str(tmp_path / "wandb-data"))
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    done = subprocess.run([sys.executable, "-m", "plait", "train", str(cfg), "--output", str(out)],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    # The console table still prints (the logger chains to the console logger).
    assert "Loss tagger" in done.stdout and "tag_acc" in done.stdout
    runs = sorted((tmp_path / "wandb").glob("offline-run-*"))
    assert len(runs) == 1, list((tmp_path / "wandb").iterdir())
    run = read_run(runs[0])
    assert run["run"]["name"] == "ewt-slice" and run["run"]["project"] == "plait-test"
    config = run["config"]
    assert config["nlp"]["pipeline"] == ["tagger"]
    assert config["training"]["max_steps"] == 6
    assert config["paths"]["train"] == str(train)
    assert "dev" not in config["paths"] and "seed" not in config["system"]
    rows = {row["_step"]: row for row in run["history"] if "score" in row}
    assert sorted(rows) == [0, 2, 4, 6]
    for row in rows.values():
        assert 0.0 <= row["score"] <= 1.0 and row["tag_acc"] == row["score"]
        assert row["loss_tagger"] > 0
    # The scores are the ones the run saved: model-best's meta.json.
    import srsly

    best = srsly.read_json(out / "model-best" / "meta.json")["performance"]
    assert max(r["tag_acc"] for r in rows.values()) == pytest.approx(best["tag_acc"])
    kinds = {(a["name"], a["type"]) for a in run["artifacts"]}
    assert ("dataset", "dataset") in kinds and ("model_best", "model") in kinds
    interval = [a for a in run["artifacts"] if a["name"] == "model-best"]
    assert {a["metadata"]["step"] for a in interval} >= {2, 4}
    assert all("meta.json" in a["paths"] for a in interval)
