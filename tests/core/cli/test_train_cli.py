"""`plait train`, `plait evaluate` and `plait init labels` from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

TRAINING_TESTS = Path(__file__).parents[1] / "training"
sys.path.insert(0, str(TRAINING_TESTS))
from _train_setup import CODE, make_corpora, write_config  # noqa: E402


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory):
    return make_corpora(ewt_dir, tmp_path_factory.mktemp("ewt"), n_train=150, n_dev=50)


def test_train_evaluate_and_init_labels(plait_cli, corpora, tmp_path):
    cfg = write_config(tmp_path, Path("unused.plait"), corpora[1], max_steps=6, eval_frequency=3)
    out = tmp_path / "out"
    res = plait_cli("train", str(cfg), "--output", str(out), "--code", str(CODE),
                    "--paths.train", str(corpora[0]))
    assert res.returncode == 0, res.stderr
    assert "tag_acc" in res.stdout and "Saved pipeline" in res.stdout
    metrics = tmp_path / "metrics.json"
    res = plait_cli("evaluate", str(out / "model-best"), str(corpora[1]), "--output", str(metrics),
                    "--code", str(CODE))
    assert res.returncode == 0, res.stderr
    assert "TAG" in res.stdout
    assert 0.0 < json.loads(metrics.read_text())["tag_acc"] <= 1.0
    labels_dir = tmp_path / "labels"
    res = plait_cli("init", "labels", str(cfg), str(labels_dir), "--code", str(CODE),
                    "--paths.train", str(corpora[0]))
    assert res.returncode == 0, res.stderr
    labels = json.loads((labels_dir / "tagger.json").read_text())
    assert "NN" in labels and "VBP" in labels


def test_init_labels_needs_no_dev_corpus(plait_cli, corpora, tmp_path):
    # Labels come from the training data: a config whose dev path is unset works.
    cfg = write_config(tmp_path, Path("unused.plait"), Path("unused-dev.plait"), max_steps=6, eval_frequency=3)
    res = plait_cli("init", "labels", str(cfg), str(tmp_path / "labels"), "--code", str(CODE),
                    "--paths.train", str(corpora[0]), "--paths.dev", "null")
    assert res.returncode == 0, res.stderr
    assert "NN" in json.loads((tmp_path / "labels" / "tagger.json").read_text())


def test_train_missing_config_is_a_clean_error(plait_cli, tmp_path):
    res = plait_cli("train", str(tmp_path / "nope.cfg"), "--output", str(tmp_path / "out"))
    assert res.returncode == 1
    assert "not found" in res.stderr and "Traceback" not in res.stderr


def test_evaluate_missing_data_is_a_clean_error(plait_cli, tmp_path):
    res = plait_cli("evaluate", str(tmp_path), str(tmp_path / "dev.plait"))
    assert res.returncode == 1
    assert "dev.plait' not found" in res.stderr


def test_read_labels(tmp_path):
    from plait.errors import SerializationError, UsageError
    from plait.training.labels import read_labels

    assert read_labels(tmp_path / "none.json") is None
    with pytest.raises(UsageError, match="none.json: label file not found"):
        read_labels(tmp_path / "none.json", require=True)
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(SerializationError, match="bad.json: not a JSON label file"):
        read_labels(bad)
    (tmp_path / "ok.json").write_text('["A", "B"]')
    assert read_labels(tmp_path / "ok.json") == ["A", "B"]
