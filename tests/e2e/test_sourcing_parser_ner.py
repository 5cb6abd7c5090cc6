"""Sourced, frozen and `replace_listeners` parser and ner, as
test_sourcing.py checks them for the tagger.

Pipeline A (a tok2vec with a parser and an ner listening to it) learns from
EWT trees and UNER entities mixed in the same batches: each example carries
one kind of annotation, and the other component treats it as missing (no
loss). B takes A's components: sourced, with their listeners replaced by
copies of A's tok2vec, frozen while B trains something else.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import plait
import pytest
from plait.tokens import Doc, DocBin
from plait.training import Example

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
@architectures = "plait.TransitionBasedParser.v2"
state_type = "{name}"
extra_state_tokens = false
hidden_width = 32
maxout_pieces = 2
use_upper = true
nO = null

[components.{name}.model.tok2vec]
@architectures = "plait.Tok2VecListener.v1"
width = ${{components.tok2vec.model.encode.width}}
upstream = "*"
"""


def _read_conllu(path: Path, n: int) -> list[dict]:
    sents, cur = [], {"words": [], "heads": [], "deps": []}
    with path.open(encoding="utf8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                if cur["words"]:
                    sents.append(cur)
                    if len(sents) >= n:
                        break
                cur = {"words": [], "heads": [], "deps": []}
            elif line[0].isdigit():
                cols = line.split("\t")
                if "-" in cols[0] or "." in cols[0]:
                    continue
                i = int(cols[0]) - 1
                cur["words"].append(cols[1])
                cur["heads"].append(int(cols[6]) - 1 if cols[6] != "0" else i)
                cur["deps"].append(cols[7])
    return sents


def _read_iob(path: Path, n: int) -> list[tuple[list[str], list[str]]]:
    sents, words, tags = [], [], []
    with path.open(encoding="utf8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line:
                if words:
                    sents.append((words, tags))
                    if len(sents) >= n:
                        break
                words, tags = [], []
                continue
            cols = line.split("\t")
            words.append(cols[1])
            tags.append(cols[2])
    return sents


def _reference_docs(vocab, ewt_dir: Path, uner_dir: Path, n_trees: int, n_ents: int, split: str) -> list[Doc]:
    """EWT trees of `split` and UNER entities (UNER has dev and test only:
    train uses dev, dev uses test), shuffled together."""
    trees = [Doc(vocab, s["words"], heads=s["heads"], deps=s["deps"])
             for s in _read_conllu(ewt_dir / f"en_ewt-ud-{split}.conllu", n_trees)]
    uner_split = {"train": "dev", "dev": "test"}[split]
    ents = [Doc(vocab, w, ents=t) for w, t in _read_iob(uner_dir / f"en_ewt-ud-{uner_split}.iob2", n_ents)]
    docs = trees + ents
    random.Random(0).shuffle(docs)
    return docs


def _pipeline(pipeline: list[str], blocks: str) -> plait.Language:
    from confection import Config
    from plait.language import get_lang_class

    text = f'[nlp]\nlang = "en"\npipeline = {json.dumps(pipeline)}\n\n[components]\n' + blocks
    return get_lang_class("en").from_config(Config().from_str(text, interpolate=False))


def _analyses(nlp, texts: list[str]) -> list:
    return [([(t.head.i, t.dep_) for t in doc], [(e.start, e.end, e.label_) for e in doc.ents])
            for doc in nlp.pipe(texts)]


def _listeners(model) -> list:
    return [node for node in model.walk() if node.name == "tok2vec-listener"]


@pytest.fixture(scope="module")
def pipeline_a(ewt_dir, uner_dir):
    """tok2vec (width 32) + parser + ner listening to it, a few updates."""
    from thinc.api import Adam, fix_random_seed

    fix_random_seed(0)
    nlp = _pipeline(["tok2vec", "parser", "ner"],
                    TOK2VEC.format(width=32) + LISTENING.format(name="parser") + LISTENING.format(name="ner"))
    nlp.get_pipe("parser").cfg["min_action_freq"] = 1
    refs = _reference_docs(nlp.vocab, ewt_dir, uner_dir, 150, 150, "train")
    examples = [Example(Doc(nlp.vocab, ref.words), ref) for ref in refs]
    optimizer = nlp.initialize(lambda: examples, sgd=Adam(0.005))
    for _ in range(2):
        for i in range(0, len(examples), 20):
            nlp.update(examples[i : i + 20], sgd=optimizer)
    texts = [" ".join(ref.words) for ref in refs[:40]]
    return nlp, texts


def test_python_api_source_and_replace_listeners(pipeline_a):
    nlp_a, texts = pipeline_a
    expected = _analyses(nlp_a, texts)
    assert sum(len(ents) for _, ents in expected) > 0  # the ner learned something
    assert len({dep for deps, _ in expected for _, dep in deps}) > 3  # so did the parser

    nlp_b = plait.blank("en")
    nlp_b.add_pipe("tok2vec", source=nlp_a)
    parser = nlp_b.add_pipe("parser", source=nlp_a)
    ner = nlp_b.add_pipe("ner", source=nlp_a)
    assert parser is not nlp_a.get_pipe("parser")
    assert sorted(nlp_b.get_pipe("tok2vec").listener_map) == ["ner", "parser"]
    assert parser.move_names == nlp_a.get_pipe("parser").move_names
    assert _analyses(nlp_b, texts) == expected

    nlp_b.replace_listeners("tok2vec", "parser", ["model.tok2vec"])
    nlp_b.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
    assert _listeners(parser.model) == [] and _listeners(ner.model) == []
    assert nlp_b.get_pipe("tok2vec").listener_map == {}
    assert nlp_b.get_pipe_config("ner")["model"]["tok2vec"]["@architectures"] == "plait.Tok2Vec.v2"
    with nlp_b.select_pipes(disable=["tok2vec"]):
        assert _analyses(nlp_b, texts) == expected
    # The copies are independent of B's tok2vec.
    t2v = nlp_b.get_pipe("tok2vec").model
    for node in t2v.walk():
        for name in node.param_names:
            if node.has_param(name):
                node.set_param(name, node.get_param(name) * 0 + 0.5)
    assert _analyses(nlp_b, texts) == expected
    again = plait.blank("en").from_config(nlp_b.config).from_bytes(nlp_b.to_bytes())
    assert _analyses(again, texts) == expected


def test_frozen_components_do_not_move(pipeline_a, ewt_dir, uner_dir):
    # B: A's parser and ner (own tok2vec copies) frozen, a new tagger trained
    # beside them: nlp.update with the frozen ones excluded leaves their
    # predictions exactly as A's.
    from thinc.api import Adam

    nlp_a, texts = pipeline_a
    expected = _analyses(nlp_a, texts)
    nlp_b = plait.blank("en")
    nlp_b.add_pipe("tok2vec", source=nlp_a)
    nlp_b.add_pipe("parser", source=nlp_a)
    nlp_b.add_pipe("ner", source=nlp_a)
    nlp_b.replace_listeners("tok2vec", "parser", ["model.tok2vec"])
    nlp_b.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
    refs = _reference_docs(nlp_b.vocab, ewt_dir, uner_dir, 60, 60, "dev")
    examples = [Example(Doc(nlp_b.vocab, ref.words), ref) for ref in refs]
    optimizer = Adam(0.01)
    for i in range(0, len(examples), 20):
        nlp_b.update(examples[i : i + 20], sgd=optimizer, exclude=["parser", "ner"])
    assert _analyses(nlp_b, texts) == expected


# The CLI: `plait train` with a sourced frozen parser and ner ----------------------
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


def _config(pipeline: list[str], blocks: str, *, max_steps: int, frozen: list[str] = ()) -> str:
    return COMMON.format(pipeline=json.dumps(pipeline), max_steps=max_steps, eval_frequency=max_steps,
                         frozen=json.dumps(list(frozen))) + blocks


def _write(docs: list[Doc], path: Path) -> Path:
    db = DocBin()
    for doc in docs:
        db.add(doc)
    db.to_disk(path)
    return path


def _plait_train(work: Path, config: str, corpora: dict[str, Path]) -> subprocess.CompletedProcess:
    work.mkdir()
    (work / "config.cfg").write_text(config, encoding="utf8")
    env = dict(os.environ)
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    return subprocess.run(
        [sys.executable, "-m", "plait", "train", "config.cfg", "--output", "out",
         "--paths.train", str(corpora["train"]), "--paths.dev", str(corpora["dev"])],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )


@pytest.fixture(scope="module")
def corpora(ewt_dir, uner_dir, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("parser_ner_corpora")
    vocab = plait.blank("en").vocab
    dev = _reference_docs(vocab, ewt_dir, uner_dir, 80, 80, "dev")
    return {
        "train": _write(_reference_docs(vocab, ewt_dir, uner_dir, 300, 300, "train"), tmp / "train.plait"),
        "dev": _write(dev, tmp / "dev.plait"),
        "texts": [doc.text for doc in dev],
    }


@pytest.fixture(scope="module")
def trained_a(corpora, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("parser_ner_a")
    blocks = TOK2VEC.format(width=32) + LISTENING.format(name="parser") + LISTENING.format(name="ner")
    done = _plait_train(tmp / "a", _config(["tok2vec", "parser", "ner"], blocks, max_steps=40), corpora)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    return tmp / "a" / "out" / "model-last"


@pytest.mark.slow
def test_plait_train_with_sourced_frozen_parser_and_ner(corpora, trained_a, tmp_path):
    blocks = (TOK2VEC.format(width=24)
              + f'\n[components.parser]\nsource = "{trained_a}"\nreplace_listeners = ["model.tok2vec"]\n'
              + f'\n[components.ner]\nsource = "{trained_a}"\nreplace_listeners = ["model.tok2vec"]\n'
              + '\n[components.tagger]\nfactory = "tagger"\n\n[components.tagger.model]\n'
              + '@architectures = "plait.Tagger.v2"\nnO = null\n\n[components.tagger.model.tok2vec]\n'
              + '@architectures = "plait.Tok2VecListener.v1"\n'
              + 'width = ${components.tok2vec.model.encode.width}\nupstream = "*"\n')
    # The tagger needs tags: the corpus has none, so give it a tagged copy.
    config = _config(["tok2vec", "parser", "ner", "tagger"], blocks, max_steps=20, frozen=["parser", "ner"])
    vocab = plait.blank("en").vocab
    docs = list(DocBin().from_disk(corpora["train"]).get_docs(vocab))
    tagged = [Doc(vocab, d.words, tags=["X" if i % 2 else "Y" for i in range(len(d))]) for d in docs]
    train = {**corpora, "train": _write(docs + tagged, tmp_path / "train.plait")}
    done = _plait_train(tmp_path / "b", config, train)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    nlp_a = plait.load(trained_a)
    nlp_b = plait.load(tmp_path / "b" / "out" / "model-last")
    texts = corpora["texts"]
    with nlp_b.select_pipes(disable=["tagger"]):
        assert _analyses(nlp_b, texts) == _analyses(nlp_a, texts)
    assert _listeners(nlp_b.get_pipe("parser").model) == []
    assert list(nlp_b.get_pipe("tok2vec").listener_map) == ["tagger"]


@pytest.mark.slow
@pytest.mark.parametrize("component,bad", [
    ("parser", {"heads": [1, 1, 1], "deps": ["zzlabel", "ROOT", "punct"]}),
    ("ner", {"ents": ["U-ZZTYPE", "O", "O"]}),
])
def test_frozen_component_refuses_a_label_it_does_not_know(corpora, trained_a, tmp_path, component, bad):
    blocks = (TOK2VEC.format(width=24)
              + f'\n[components.parser]\nsource = "{trained_a}"\nreplace_listeners = ["model.tok2vec"]\n'
              + f'\n[components.ner]\nsource = "{trained_a}"\nreplace_listeners = ["model.tok2vec"]\n')
    config = _config(["tok2vec", "parser", "ner"], blocks, max_steps=5, frozen=[component])
    vocab = plait.blank("en").vocab
    docs = list(DocBin().from_disk(corpora["train"]).get_docs(vocab))[:30]
    docs.append(Doc(vocab, words=["Green", "apples", "!"], **bad))
    data = {**corpora, "train": _write(docs, tmp_path / "newlabel.plait")}
    done = _plait_train(tmp_path / "b", config, data)
    assert done.returncode != 0
    msg = done.stderr
    assert "Traceback" not in msg
    assert "newlabel.plait', document 30 ('Green apples !" in msg, msg[-2000:]
    label = "zzlabel" if component == "parser" else "ZZTYPE"
    assert f"label '{label}' at token 0 is not a label of the frozen component '{component}'" in msg, msg[-2000:]
