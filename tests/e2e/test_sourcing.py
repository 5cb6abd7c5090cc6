"""Sourced, frozen and `replace_listeners` components on real EWT data.

The spec's recipe: a trained pipeline A (tok2vec + a tagger listening to it)
gives its tagger to pipeline B, which freezes it, replaces its listener with a
copy of A's tok2vec and trains a new tok2vec + morphologizer around it. These
tests run it through the real `plait train` CLI and `plait.load`, with the
plait-pipes components, and check what the spec promises: frozen means the
predictions do not move, the copied tok2vec is independent of B's (which is
narrower here, so a config that followed B's width would not even load), B
saves and reloads on its own, and a sourced component that is not frozen
resumes from its weights.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import conllu
import plait
import pytest
from plait.tokens import Doc, DocBin
from plait.training.example import Example

N_TRAIN, N_DEV = 500, 150

TOK2VEC = """
[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "plait.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "plait.MultiHashEmbed.v2"
width = ${{components.tok2vec.model.encode.width}}
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [2000, 500, 1000, 500]
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "plait.MaxoutWindowEncoder.v2"
width = {width}
depth = 2
window_size = 1
maxout_pieces = 3
"""

LISTENING = """
[components.{name}]
factory = "{name}"

[components.{name}.model]
@architectures = "plait.Tagger.v2"
nO = null

[components.{name}.model.tok2vec]
@architectures = "plait.Tok2VecListener.v1"
width = ${{components.tok2vec.model.encode.width}}
upstream = "*"
"""

COMMON = """
[paths]
train = null
dev = null

[system]
seed = 0

[nlp]
lang = "en"
pipeline = {pipeline}
batch_size = 256

[components]

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${{paths.train}}

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${{paths.dev}}

[training]
max_steps = {max_steps}
eval_frequency = {eval_frequency}
patience = 0
dropout = 0.1
frozen_components = {frozen}

[training.batcher]
@batchers = "plait.batch_by_words.v1"
size = 600
tolerance = 0.2
discard_oversize = false

[training.optimizer]
@optimizers = "Adam.v1"
learn_rate = 0.005

[training.logger]
@loggers = "plait.ConsoleLogger.v1"
output_file = "scores.jsonl"
"""


def _ewt_docs(path: Path, vocab, n: int, *, start: int = 0) -> list[Doc]:
    """Sentences [start, start + n) of an EWT file with tags, UPOS and morphology."""
    docs = []
    with path.open(encoding="utf8") as fh:
        for i, sent in enumerate(conllu.parse_incr(fh)):
            if i < start:
                continue
            if i >= start + n:
                break
            toks = [t for t in sent if isinstance(t["id"], int)]
            docs.append(Doc(
                vocab, words=[t["form"] for t in toks],
                spaces=[not (t["misc"] and t["misc"].get("SpaceAfter") == "No") for t in toks],
                tags=[t["xpos"] for t in toks], pos=[t["upos"] for t in toks],
                morphs=["|".join(f"{k}={v}" for k, v in sorted((t["feats"] or {}).items())) for t in toks],
            ))
    return docs


def _write(docs: list[Doc], path: Path) -> Path:
    db = DocBin()
    for doc in docs:
        db.add(doc)
    db.to_disk(path)
    return path


def _config(pipeline: list[str], blocks: str, *, max_steps: int, eval_frequency: int,
            frozen: list[str] = ()) -> str:
    return COMMON.format(pipeline=json.dumps(pipeline), max_steps=max_steps, eval_frequency=eval_frequency,
                         frozen=json.dumps(list(frozen))) + blocks


def _plait_train(work: Path, config: str, corpora: dict[str, Path]) -> subprocess.CompletedProcess:
    work.mkdir()
    (work / "config.cfg").write_text(config, encoding="utf8")
    env = dict(os.environ)
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    return subprocess.run(
        [sys.executable, "-m", "plait", "train", "config.cfg", "--output", "out",
         "--paths.train", str(corpora["train"]), "--paths.dev", str(corpora["dev"])],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )


def _train(tmp: Path, name: str, config: str, corpora: dict[str, Path]) -> Path:
    """`plait train` in tmp/name; RETURNS the folder (out/ and scores.jsonl in it)."""
    done = _plait_train(tmp / name, config, corpora)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    return tmp / name


def _scores(work: Path) -> list[dict]:
    lines = (work / "scores.jsonl").read_text(encoding="utf8").splitlines()
    return [json.loads(line) for line in lines]


def _tags(nlp, texts: list[str]) -> list[list[str]]:
    return [[t.tag_ for t in doc] for doc in nlp.pipe(texts)]


def _listeners(model) -> list:
    return [node for node in model.walk() if node.name == "tok2vec-listener"]


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("sourcing_corpora")
    vocab = plait.blank("en").vocab
    dev_docs = _ewt_docs(ewt_dir / "en_ewt-ud-dev.conllu", vocab, N_DEV)
    return {
        "train": _write(_ewt_docs(ewt_dir / "en_ewt-ud-train.conllu", vocab, N_TRAIN), tmp / "train.plait"),
        "dev": _write(dev_docs, tmp / "dev.plait"),
        "texts": [doc.text for doc in dev_docs],
    }


@pytest.fixture(scope="module")
def pipeline_a(corpora, tmp_path_factory) -> Path:
    """A = tok2vec (width 64) + tagger listening to it, trained briefly."""
    tmp = tmp_path_factory.mktemp("sourcing_a")
    config = _config(["tok2vec", "tagger"], TOK2VEC.format(width=64) + LISTENING.format(name="tagger"),
                     max_steps=60, eval_frequency=30)
    work = _train(tmp, "a", config, corpora)
    return work / "out" / "model-last"


def _config_b(source: Path, *, max_steps: int = 40, eval_frequency: int = 20) -> str:
    """B: A's tagger, frozen, with its own copy of A's tok2vec; a new, narrower
    tok2vec and a morphologizer listening to it, trained from scratch."""
    blocks = (TOK2VEC.format(width=48)
              + f'\n[components.tagger]\nsource = "{source}"\nreplace_listeners = ["model.tok2vec"]\n'
              + LISTENING.format(name="morphologizer"))
    return _config(["tok2vec", "tagger", "morphologizer"], blocks, max_steps=max_steps,
                   eval_frequency=eval_frequency, frozen=["tagger"])


@pytest.mark.slow
def test_frozen_sourced_tagger_with_replaced_listeners(corpora, pipeline_a, tmp_path):
    # B sources from a copy of A that is deleted before B is loaded: B must
    # not need A once trained.
    import shutil

    source = tmp_path / "a_copy"
    shutil.copytree(pipeline_a, source)
    work = _train(tmp_path, "b", _config_b(source), corpora)
    shutil.rmtree(source)
    texts = corpora["texts"]
    nlp_a = plait.load(pipeline_a)
    nlp_b = plait.load(work / "out" / "model-last")

    # Frozen: the tagger predicts exactly what A's does, although B's tok2vec
    # (another width, trained from scratch) changed all along.
    assert _tags(nlp_b, texts) == _tags(nlp_a, texts)
    assert nlp_b.get_pipe("tagger").labels == nlp_a.get_pipe("tagger").labels
    # Its model embeds a tok2vec copy, no listener; B's tok2vec serves the morphologizer only.
    tagger_model = nlp_b.get_pipe("tagger").model
    assert _listeners(tagger_model) == []
    assert "hashembed" in {node.name for node in tagger_model.walk()}
    assert list(nlp_b.get_pipe("tok2vec").listener_map) == ["morphologizer"]
    assert nlp_b.get_pipe("tok2vec").model.get_dim("nO") == 48

    # The saved config records the copied tok2vec (A's width), not a source.
    cfg = nlp_b.config["components"]["tagger"]
    assert "source" not in cfg and "replace_listeners" not in cfg
    assert cfg["factory"] == "tagger"
    t2v = cfg["model"]["tok2vec"]
    assert t2v["@architectures"] == "plait.Tok2Vec.v2"
    assert nlp_b.config.interpolate()["components"]["tagger"]["model"]["tok2vec"]["encode"]["width"] == 64

    # The morphologizer learned. Measured (seed 0, 40 steps): pos_acc 0.850, morph_acc 0.816; 0.591 weighted
    # score at step 0 against 0.859 at the end.
    scores = _scores(work)
    first, final = scores[0]["other_scores"], scores[-1]["other_scores"]
    assert final["pos_acc"] > 0.80, final
    assert final["pos_acc"] > first["pos_acc"] + 0.1, (first, final)
    # The frozen tagger scores A's final tag_acc at every evaluation.
    a_final = _scores(pipeline_a.parent.parent)[-1]["other_scores"]["tag_acc"]
    assert {s["other_scores"]["tag_acc"] for s in scores} == {a_final}

    # B saves and reloads with identical predictions.
    nlp_b.to_disk(tmp_path / "b_again")
    again = plait.load(tmp_path / "b_again")
    for x, y in zip(nlp_b.pipe(texts[:60]), again.pipe(texts[:60]), strict=True):
        assert [t.tag_ for t in x] == [t.tag_ for t in y]
        assert [t.pos_ for t in x] == [t.pos_ for t in y]
        assert [str(t.morph) for t in x] == [str(t.morph) for t in y]


@pytest.mark.slow
def test_sourced_components_resume_from_their_weights(corpora, pipeline_a, tmp_path):
    blocks = (f'\n[components.tok2vec]\nsource = "{pipeline_a}"\n'
              f'\n[components.tagger]\nsource = "{pipeline_a}"\n')
    work = _train(tmp_path, "b", _config(["tok2vec", "tagger"], blocks, max_steps=30, eval_frequency=15),
                  corpora)
    a_final = _scores(pipeline_a.parent.parent)[-1]
    b_scores = _scores(work)
    # Measured: A ends at tag_acc 0.886 (0.328 at its own step 0); B's first
    # evaluation (after one update with a fresh optimizer) 0.878, then 0.879, 0.892.
    assert b_scores[0]["step"] == 0
    assert a_final["score"] > 0.8, a_final
    assert b_scores[0]["score"] == pytest.approx(a_final["score"], abs=0.03), (a_final, b_scores[0])
    assert b_scores[-1]["score"] >= b_scores[0]["score"] - 0.005, b_scores


@pytest.mark.slow
def test_frozen_tagger_refuses_a_tag_it_does_not_know(corpora, pipeline_a, tmp_path, ewt_dir):
    # Initialize skips a frozen component, so it cannot learn a new tag from the
    # data; plait refuses such data before the first step (checked in detail in
    # tests/core/training/test_bad_data.py, here with the real pipes).
    vocab = plait.blank("en").vocab
    docs = _ewt_docs(ewt_dir / "en_ewt-ud-train.conllu", vocab, 40)
    docs.append(Doc(vocab, words=["Green", "apples", "rock"], tags=["JJ", "ZZZ", "VBP"],
                    pos=["ADJ", "NOUN", "VERB"]))
    bad = {**corpora, "train": _write(docs, tmp_path / "newtag.plait")}
    done = _plait_train(tmp_path / "b", _config_b(pipeline_a), bad)
    assert done.returncode != 0
    msg = done.stderr
    assert "Traceback" not in msg
    assert "newtag.plait', document 40 ('Green apples rock" in msg
    assert "label 'ZZZ' at token 1 is not a label of the frozen component 'tagger'" in msg


def _pipeline_from_config(pipeline: list[str], blocks: str) -> plait.Language:
    from confection import Config
    from plait.language import get_lang_class

    text = f'[nlp]\nlang = "en"\npipeline = {json.dumps(pipeline)}\n\n[components]\n' + blocks
    return get_lang_class("en").from_config(Config().from_str(text, interpolate=False))


def _train_a_in_process(ewt_dir) -> plait.Language:
    """A small tok2vec + listening tagger from a config (with its
    ${components.tok2vec...} variables), trained for a few updates."""
    from thinc.api import Adam

    nlp = _pipeline_from_config(["tok2vec", "tagger"], TOK2VEC.format(width=32) + LISTENING.format(name="tagger"))
    docs = _ewt_docs(ewt_dir / "en_ewt-ud-train.conllu", nlp.vocab, 120)
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in docs]
    optimizer = nlp.initialize(lambda: examples, sgd=Adam(0.01))
    for i in range(12):
        nlp.update(examples[i * 10:(i + 1) * 10], sgd=optimizer)
    return nlp


def test_python_api_source_and_replace_listeners(ewt_dir):
    nlp_a = _train_a_in_process(ewt_dir)
    texts = [doc.text for doc in _ewt_docs(ewt_dir / "en_ewt-ud-dev.conllu", nlp_a.vocab, 40)]
    expected = _tags(nlp_a, texts)
    assert len({tag for tags in expected for tag in tags}) > 5  # it learned something

    nlp_b = plait.blank("en")
    nlp_b.add_pipe("tok2vec", source=nlp_a)
    tagger = nlp_b.add_pipe("tagger", source=nlp_a)
    assert tagger is not nlp_a.get_pipe("tagger")  # another vocab: a copy
    assert list(nlp_b.get_pipe("tok2vec").listener_map) == ["tagger"]
    assert _tags(nlp_b, texts) == expected

    nlp_b.replace_listeners("tok2vec", "tagger", ["model.tok2vec"])
    assert _listeners(tagger.model) == []
    assert nlp_b.get_pipe("tok2vec").listener_map == {}
    assert nlp_b.get_pipe_config("tagger")["model"]["tok2vec"]["@architectures"] == "plait.Tok2Vec.v2"
    # The tagger alone (no tok2vec before it) predicts A's tags...
    with nlp_b.select_pipes(disable=["tok2vec"]):
        assert _tags(nlp_b, texts) == expected
    # ...and its copy is independent: wrecking B's tok2vec changes nothing.
    t2v = nlp_b.get_pipe("tok2vec").model
    for node in t2v.walk():
        for param in node.param_names:
            if node.has_param(param):
                node.set_param(param, node.get_param(param) * 0 + 0.5)
    assert _tags(nlp_b, texts) == expected
    # The replaced config rebuilds the same model: B round-trips through its
    # config and bytes.
    again = plait.blank("en").from_config(nlp_b.config).from_bytes(nlp_b.to_bytes())
    assert _listeners(again.get_pipe("tagger").model) == []
    assert _tags(again, texts) == expected


def test_sourced_config_keeps_the_source_pipelines_values(ewt_dir):
    # What `source` + `replace_listeners` in a config do, in-process: the
    # source's tagger gets a tok2vec copy whose config says
    # `width = ${components.tok2vec.model.encode.width}`; copied raw into a
    # pipeline whose own tok2vec is narrower, that variable would follow the
    # wrong tok2vec and the saved pipeline would no longer load.
    nlp_a = _train_a_in_process(ewt_dir)
    texts = [doc.text for doc in _ewt_docs(ewt_dir / "en_ewt-ud-dev.conllu", nlp_a.vocab, 40)]
    expected = _tags(nlp_a, texts)
    nlp_a.replace_listeners("tok2vec", "tagger", ["model.tok2vec"])
    nlp_b = _pipeline_from_config(["tok2vec"], TOK2VEC.format(width=48))
    nlp_b.get_pipe("tok2vec").model.initialize(X=[nlp_b.make_doc("B's own tok2vec.")])
    nlp_b.add_pipe("tagger", source=nlp_a)
    cfg = nlp_b.config.interpolate()["components"]
    assert cfg["tagger"]["model"]["tok2vec"]["embed"]["width"] == 32
    assert cfg["tok2vec"]["model"]["embed"]["width"] == 48
    again = type(nlp_b).from_config(nlp_b.config).from_bytes(nlp_b.to_bytes())
    assert _tags(again, texts) == _tags(nlp_b, texts) == expected


def test_replaced_listener_survives_removing_the_tok2vec(ewt_dir, tmp_path):
    # Once its listener is replaced, the tagger needs nothing from the tok2vec
    # (weights nor config): removing the tok2vec leaves a pipeline that saves
    # and loads. The copied config must not say `${components.tok2vec...}`.
    nlp = _train_a_in_process(ewt_dir)
    texts = [doc.text for doc in _ewt_docs(ewt_dir / "en_ewt-ud-dev.conllu", nlp.vocab, 40)]
    expected = _tags(nlp, texts)
    nlp.replace_listeners("tok2vec", "tagger", ["model.tok2vec"])
    nlp.remove_pipe("tok2vec")
    assert "${" not in json.dumps(dict(nlp.config["components"]["tagger"]))
    nlp.to_disk(tmp_path / "tagger_only")
    loaded = plait.load(tmp_path / "tagger_only")
    assert loaded.pipe_names == ["tagger"]
    assert _tags(loaded, texts) == _tags(nlp, texts) == expected
