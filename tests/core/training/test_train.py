"""`train()` end to end on EWT slices with a small real tagger."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import srsly

sys.path.insert(0, str(Path(__file__).parent))
import plait  # noqa: E402
from _train_setup import CODE, make_corpora, write_config  # noqa: E402
from plait.config import import_code  # noqa: E402
from plait.errors import ConfigError, DataError  # noqa: E402
from plait.training.train import train  # noqa: E402


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory):
    import_code([CODE])
    return make_corpora(ewt_dir, tmp_path_factory.mktemp("ewt"), n_train=500, n_dev=150)


@pytest.fixture(scope="module")
def trained(corpora, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    cfg = write_config(tmp, *corpora)
    out = io.StringIO()
    train(cfg, tmp / "out", stdout=out, stderr=io.StringIO())
    return tmp / "out", out.getvalue()


def test_trains_to_a_measured_accuracy_and_saves_both_models(trained):
    out, log = trained
    meta = srsly.read_json(out / "model-best" / "meta.json")
    # 60 steps on 600 EWT sentences: a real tagger gets past 80% on dev (measured 87.6).
    assert meta["performance"]["tag_acc"] > 0.80
    assert "NN" in meta["labels"]["tagger"]
    last = srsly.read_json(out / "model-last" / "meta.json")
    assert last["performance"]["tag_acc"] <= meta["performance"]["tag_acc"]
    assert "Loss tagger" in log and "tag_acc" in log
    nlp = plait.load(out / "model-best")
    doc = nlp("I like green apples .")
    assert [t.tag_ for t in doc][0] == "PRP"
    assert (out / "model-best" / "config.cfg").read_text().count("[training]") == 1


def test_same_seed_same_scores(corpora, tmp_path):
    cfg = write_config(tmp_path, *corpora, max_steps=8, eval_frequency=4)
    perf = []
    for name in ("a", "b"):
        train(cfg, tmp_path / name, stdout=io.StringIO(), stderr=io.StringIO())
        perf.append(srsly.read_json(tmp_path / name / "model-last" / "meta.json")["performance"])
    assert perf[0] == perf[1]
    assert perf[0]["tag_acc"] > 0.2


def test_empty_train_corpus_names_the_path(corpora, tmp_path):
    from plait.tokens import DocBin
    empty = tmp_path / "empty.plait"
    DocBin().to_disk(empty)
    cfg = write_config(tmp_path, empty, corpora[1])
    with pytest.raises(DataError, match=r"corpora.train produced no examples: check paths.train = '.*empty.plait'"):
        train(cfg, None, stdout=io.StringIO())


def test_empty_dev_corpus_is_reported(corpora, tmp_path):
    from plait.tokens import DocBin
    empty = tmp_path / "empty.plait"
    DocBin().to_disk(empty)
    cfg = write_config(tmp_path, corpora[0], empty, max_steps=1)
    with pytest.raises(DataError, match="corpora.dev produced no examples: check paths.dev"):
        train(cfg, None, stdout=io.StringIO())


def test_train_corpus_pointing_to_a_missing_section_names_the_key(corpora, tmp_path):
    cfg = _with_training_key(write_config(tmp_path, *corpora), 'train_corpus = "corpora.trian"')
    with pytest.raises(ConfigError, match=r"\[training\] train_corpus: no section \[corpora.trian\].*corpora.train"):
        train(cfg, None, stdout=io.StringIO())


def test_unknown_frozen_component_is_reported(corpora, tmp_path):
    cfg = _with_training_key(write_config(tmp_path, *corpora), 'frozen_components = ["tager"]')
    with pytest.raises(ConfigError, match=r"\[training\] frozen_components: 'tager' is not in the pipeline"):
        train(cfg, None, stdout=io.StringIO())


def _with_training_key(cfg: Path, line: str) -> Path:
    cfg.write_text(cfg.read_text().replace("patience = 0", "patience = 0\n" + line))
    return cfg
