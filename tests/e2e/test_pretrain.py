"""Issue 15's acceptance on EWT: a tagger with static vectors trains and reloads
with identical predictions; `plait pretrain` weights change the tagger's initial
tok2vec through `[initialize] init_tok2vec` and train; a killed pretraining run
resumes to the same weights; weights of another shape name the layer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import plait
import pytest
import srsly
from plait import fs
from plait.errors import ConfigError, SerializationError, UsageError
from plait.tokens import Doc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "vectors"))
from ewt_vectors import ewt_sentences, svd_vectors, write_word2vec  # noqa: E402


def _tagged(path: Path, n: int) -> list[tuple[list[str], list[str]]]:
    sents, cur = [], ([], [])
    with open(path, encoding="utf8") as f:
        for line in f:
            if not line.strip():
                if cur[0]:
                    sents.append(cur)
                    cur = ([], [])
                    if len(sents) >= n:
                        break
            elif not line.startswith("#"):
                cols = line.split("\t")
                if cols[0].isdigit():
                    cur[0].append(cols[1])
                    cur[1].append(cols[4])
    return sents


def _config(*, static_vectors: bool = False, width: int = 32) -> object:
    from plait.cli.init_config import init_config

    config = init_config(lang="en", pipeline=["tagger"], pretraining=True)
    tok2vec = config["components"]["tagger"]["model"]["tok2vec"]
    tok2vec["encode"]["width"] = width
    tok2vec["encode"]["depth"] = 1
    tok2vec["embed"]["rows"] = [500, 200, 200, 200]
    tok2vec["embed"]["include_static_vectors"] = static_vectors
    config["pretraining"]["objective"]["hidden_size"] = 32
    config["pretraining"]["batcher"]["size"] = 400
    config["pretraining"]["max_epochs"] = 2
    config["training"]["seed"] = 0
    return config


@pytest.fixture(scope="module")
def ewt_train(ewt_dir: Path) -> Path:
    return ewt_dir / "en_ewt-ud-train.conllu"


@pytest.fixture(scope="module")
def raw_text(ewt_train: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("raw") / "raw.jsonl"
    sents = ewt_sentences(ewt_train, limit=830)[700:830]
    srsly.write_jsonl(path, [{"text": " ".join(s)} for s in sents])
    return path


def _examples(nlp, sents):
    from plait.training import Example

    return [Example(nlp.make_doc(" ".join(w)), Doc(nlp.vocab, words=w, tags=t)) for w, t in sents]


def _train(nlp, examples, steps: int = 6) -> list[float]:
    optimizer = nlp.initialize(lambda: examples)
    losses = []
    for _ in range(steps):
        got: dict[str, float] = {}
        nlp.update(examples, sgd=optimizer, losses=got)
        losses.append(got["tagger"])
    return losses


def _write_config(config, path: Path) -> Path:
    path.write_text(config.to_str(), encoding="utf8")
    return path


@pytest.mark.slow
def test_tagger_with_static_vectors_trains_and_reloads_identically(tmp_path, ewt_train) -> None:
    from plait.cli.init_vectors import init_vectors
    from plait.language import get_lang_class

    words, table = svd_vectors(ewt_sentences(ewt_train), n_words=2000, n_ctx=500, width=24)
    init_vectors("en", write_word2vec(tmp_path / "v.txt", words, table), tmp_path / "vectors", progress=False)
    config = _config(static_vectors=True)
    config["initialize"]["vectors"] = str(tmp_path / "vectors")
    nlp = get_lang_class("en").from_config(config)
    examples = _examples(nlp, _tagged(ewt_train, 60))
    losses = _train(nlp, examples)
    assert losses[-1] < losses[0]
    assert nlp.vocab.vectors.shape == (2000, 24)
    static = [n for n in nlp.get_pipe("tagger").model.walk() if n.name == "static_vectors"]
    assert static and static[0].get_dim("nM") == 24
    texts = [eg.text for eg in examples[:20]]
    before = [[t.tag_ for t in doc] for doc in nlp.pipe(texts)]
    nlp.to_disk(tmp_path / "model")
    reloaded = plait.load(tmp_path / "model")
    assert reloaded.vocab.vectors.shape == (2000, 24)
    assert reloaded.meta["vectors"]["width"] == 24 and reloaded.meta["vectors"]["keys"] == 2000
    assert [[t.tag_ for t in doc] for doc in reloaded.pipe(texts)] == before


def test_static_vectors_without_vectors_is_a_config_error(ewt_train) -> None:
    from plait.language import get_lang_class

    nlp = get_lang_class("en").from_config(_config(static_vectors=True))
    examples = _examples(nlp, _tagged(ewt_train, 5))
    with pytest.raises(ConfigError, match="no word vectors"):
        nlp.initialize(lambda: examples)


def test_initialize_vectors_from_a_folder_without_vectors(tmp_path) -> None:
    from plait.language import get_lang_class

    plait.blank("en").to_disk(tmp_path / "empty")
    config = _config()
    config["initialize"]["vectors"] = str(tmp_path / "empty")
    with pytest.raises(ConfigError, match=r"\[initialize\] vectors: .*holds no word vectors"):
        get_lang_class("en").from_config(config).initialize()


@pytest.mark.slow
def test_init_tok2vec_from_pretrain_changes_initial_weights_and_trains(tmp_path, raw_text, ewt_train) -> None:
    from plait.language import get_lang_class
    from plait.training.pretrain import pretrain

    config_path = _write_config(_config(), tmp_path / "config.cfg")
    last = pretrain(config_path, tmp_path / "pt", overrides={"paths.raw_text": str(raw_text)})
    assert last.name == "model1.bin" and (tmp_path / "pt" / "model0.bin").exists()
    log = list(srsly.read_jsonl(tmp_path / "pt" / "log.jsonl"))
    assert [r["epoch"] for r in log] == [0, 1] and log[1]["loss"] < log[0]["loss"]
    # --resume-path: spaCy's way on, counting from the epoch after the file's.
    more = pretrain(config_path, tmp_path / "pt2", resume_path=last,
                    overrides={"paths.raw_text": str(raw_text), "pretraining.max_epochs": 3})
    assert more.name == "model2.bin"
    assert [r["epoch"] for r in srsly.read_jsonl(tmp_path / "pt2" / "log.jsonl")] == [2]

    def initial_tok2vec(init_tok2vec: str | None):
        config = _config()
        config["initialize"]["init_tok2vec"] = init_tok2vec
        nlp = get_lang_class("en").from_config(config)
        examples = _examples(nlp, _tagged(ewt_train, 40))
        nlp.initialize(lambda: examples)
        return nlp, examples, nlp.get_pipe("tagger").model.get_ref("tok2vec")

    _, _, plain = initial_tok2vec(None)
    nlp, examples, loaded = initial_tok2vec(str(last))
    plain_params = [n.get_param(p) for n in plain.walk() for p in n.param_names if n.has_param(p)]
    loaded_params = [n.get_param(p) for n in loaded.walk() for p in n.param_names if n.has_param(p)]
    assert not all(np.array_equal(a, b) for a, b in zip(plain_params, loaded_params, strict=True))
    # They are the pretrained weights.
    assert loaded.to_bytes() == last.read_bytes()
    losses = _train(nlp, examples, steps=4)
    assert losses[-1] < losses[0]


@pytest.mark.slow
def test_a_killed_pretraining_run_resumes_to_the_same_weights(tmp_path, raw_text, monkeypatch) -> None:
    from plait.training.pretrain import STATE_FILE, pretrain

    config = _config()
    config["pretraining"]["n_save_every"] = 2
    config["pretraining"]["max_epochs"] = 1  # the kill falls mid-epoch 0
    config_path = _write_config(config, tmp_path / "config.cfg")
    overrides = {"paths.raw_text": str(raw_text)}
    straight = pretrain(config_path, tmp_path / "straight", overrides=overrides)

    writes = []

    def die(name: str) -> None:
        if name == "write:synced":
            writes.append(name)
            if len(writes) == 4:  # mid-epoch 0, while the second run state is written
                raise KeyboardInterrupt("killed")

    monkeypatch.setattr(fs, "fault_hook", die)
    with pytest.raises(KeyboardInterrupt):
        pretrain(config_path, tmp_path / "killed", overrides=overrides)
    monkeypatch.setattr(fs, "fault_hook", None)
    state = srsly.read_msgpack(tmp_path / "killed" / STATE_FILE)
    assert (state["epoch"], state["position"]) == (0, 2)
    with pytest.raises(UsageError, match="--resume"):
        pretrain(config_path, tmp_path / "killed", overrides=overrides)
    resumed = pretrain(config_path, tmp_path / "killed", overrides=overrides, resume=True)
    assert resumed.read_bytes() == straight.read_bytes()


def test_init_tok2vec_of_another_shape_names_the_layer(tmp_path, ewt_train) -> None:
    from plait.language import get_lang_class

    def tok2vec_of(width: int):
        nlp = get_lang_class("en").from_config(_config(width=width))
        examples = _examples(nlp, _tagged(ewt_train, 3))
        nlp.initialize(lambda: examples)
        return nlp.get_pipe("tagger").model.get_ref("tok2vec")

    (tmp_path / "w.bin").write_bytes(tok2vec_of(16).to_bytes())
    config = _config(width=32)
    config["initialize"]["init_tok2vec"] = str(tmp_path / "w.bin")
    nlp = get_lang_class("en").from_config(config)
    examples = _examples(nlp, _tagged(ewt_train, 3))
    with pytest.raises(SerializationError, match=r"w\.bin: layer \d+ '[^']+' of component 'tagger' layer "
                                                 r"'tok2vec': (dimension|parameter) \w+ (is|has shape)"):
        nlp.initialize(lambda: examples)
    (tmp_path / "junk.bin").write_bytes(b"not weights")
    config["initialize"]["init_tok2vec"] = str(tmp_path / "junk.bin")
    nlp = get_lang_class("en").from_config(config)
    examples = _examples(nlp, _tagged(ewt_train, 3))
    with pytest.raises(SerializationError, match=r"junk\.bin: not weights written by `plait pretrain`"):
        nlp.initialize(lambda: examples)


def test_pretrain_needs_a_pretraining_section(tmp_path, raw_text) -> None:
    from plait.cli.init_config import init_config
    from plait.training.pretrain import pretrain

    config = init_config(lang="en", pipeline=["tagger"])
    path = _write_config(config, tmp_path / "c.cfg")
    with pytest.raises(ConfigError, match=r"\[pretraining\].*--pretraining"):
        pretrain(path, tmp_path / "out", overrides={})


@pytest.mark.slow
def test_pretrain_vectors_objective(tmp_path, raw_text, ewt_train) -> None:
    from plait.cli.init_vectors import init_vectors
    from plait.training.pretrain import pretrain

    words, table = svd_vectors(ewt_sentences(ewt_train, limit=3000), n_words=1000, n_ctx=300, width=16)
    init_vectors("en", write_word2vec(tmp_path / "v.txt", words, table), tmp_path / "vectors", progress=False)
    config = _config()
    config["pretraining"]["objective"] = {"@architectures": "plait.PretrainVectors.v1", "maxout_pieces": 3,
                                          "hidden_size": 32, "loss": "cosine"}
    config["initialize"]["vectors"] = str(tmp_path / "vectors")
    path = _write_config(config, tmp_path / "c.cfg")
    pretrain(path, tmp_path / "out", overrides={"paths.raw_text": str(raw_text)})
    log = list(srsly.read_jsonl(tmp_path / "out" / "log.jsonl"))
    assert log[1]["loss"] < log[0]["loss"]
    config["initialize"]["vectors"] = None
    with pytest.raises(ConfigError, match="PretrainVectors.v1 needs word vectors"):
        pretrain(_write_config(config, tmp_path / "d.cfg"), tmp_path / "out2",
                 overrides={"paths.raw_text": str(raw_text)})
