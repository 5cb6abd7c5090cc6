"""Streamed and endless train corpora, progress while a corpus is read, and
``[corpora]`` as one registered function returning a dict of corpora."""

from __future__ import annotations

import io
import time
from pathlib import Path

import plait
import pytest
import srsly
from plait.config import load_config
from plait.errors import ConfigError
from plait.tokens import DocBin
from plait.training import Example
from plait.training import initialize as init_mod
from plait.training.corpus import Corpus
from plait.training.train import train

READ = {"examples": 0, "corpora_calls": 0}
ENDLESS_LIMIT = 20_000  # far past any bounded sample: reaching it means a component read "everything"

TEXTS = [("I loved this film", "POS"), ("what a waste of time", "NEG"),
         ("great acting and a great story", "POS"), ("boring and far too long", "NEG")]


@plait.registry.readers("test_streaming.endless_cats.v1")
def endless_cats(rare_label_after: int = 0):
    """The spec's corpus_variants.v1, for cats: an endless stream of variants."""

    def stream(nlp):
        i = 0
        while True:
            text, label = TEXTS[i % len(TEXTS)]
            if rare_label_after and i >= rare_label_after:
                label = "RARE"
            READ["examples"] += 1
            if READ["examples"] > ENDLESS_LIMIT:
                raise RuntimeError("the endless stream was read as if it ended")
            cats = {"POS": float(label == "POS"), "NEG": float(label == "NEG")}
            if label == "RARE":
                cats["RARE"] = 1.0
            yield Example.from_dict(nlp.make_doc(text if i % 2 else text.upper()), {"cats": cats})
            i += 1

    return stream


@plait.registry.readers("test_streaming.slow_reader.v1")
def slow_reader(path: Path, n: int = 12, delay: float = 0.01):
    corpus = Corpus(path)

    def read(nlp):
        for i, eg in enumerate(corpus(nlp)):
            if i >= n:
                return
            time.sleep(delay)
            yield eg

    return read


@plait.registry.readers("test_streaming.split_corpora.v1")
def split_corpora(path: Path, dev_share: float = 0.25):
    """The spec's 'single function' [corpora]: one file split into train and dev."""
    READ["corpora_calls"] += 1
    whole = Corpus(path)

    def part(keep_dev: bool):
        def read(nlp):
            examples = list(whole(nlp))
            n_dev = max(1, int(len(examples) * dev_share))
            yield from (examples[:n_dev] if keep_dev else examples[n_dev:])

        return read

    return {"train": part(False), "dev": part(True)}


CONFIG = """
[paths]
train = null
dev = "{dev}"

[system]
seed = 0

[nlp]
lang = "en"
pipeline = ["textcat"]

[components]

[components.textcat]
factory = "textcat"

[components.textcat.model]
@architectures = "plait.TextCatBOW.v3"
exclusive_classes = true
length = 4096
ngram_size = 1
no_output_layer = false
nO = null

[corpora]

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${{paths.dev}}

[corpora.train]
{train}

[training]
max_epochs = {max_epochs}
max_steps = 3
eval_frequency = 3
patience = 0

[training.batcher]
@batchers = "plait.batch_by_words.v1"
size = 200
tolerance = 0.2
discard_oversize = false

[initialize]
{init}
"""


@pytest.fixture
def dev_path(tmp_path):
    nlp = plait.blank("en")
    docs = []
    for text, label in TEXTS * 3:
        doc = nlp.make_doc(text)
        doc.cats = {"POS": float(label == "POS"), "NEG": float(label == "NEG")}
        docs.append(doc)
    path = tmp_path / "cats.plait"
    DocBin(docs=docs, store_user_data=True).to_disk(path)
    return path


def write(tmp_path: Path, dev: Path, *, train: str, max_epochs: int = -1, init: str = "") -> Path:
    cfg = tmp_path / "config.cfg"
    cfg.write_text(CONFIG.format(dev=dev, train=train, max_epochs=max_epochs, init=init), encoding="utf8")
    return cfg


def test_textcat_initializes_from_a_bounded_sample_of_an_endless_stream(tmp_path, dev_path):
    # Labels listed in [initialize]: nothing but shape inference reads the stream.
    (tmp_path / "labels.json").write_text('["NEG", "POS"]')
    init = (f'\n[initialize.components]\n\n[initialize.components.textcat]\n\n'
            f'[initialize.components.textcat.labels]\n@readers = "plait.read_labels.v1"\n'
            f'path = "{tmp_path / "labels.json"}"\n')
    cfg = write(tmp_path, dev_path, train='@readers = "test_streaming.endless_cats.v1"', init=init)
    READ["examples"] = 0
    out = io.StringIO()
    nlp = train(cfg, tmp_path / "out", stdout=io.StringIO(), stderr=out)
    assert list(nlp.get_pipe("textcat").labels) == ["NEG", "POS"]
    # The sample, then the three training batches: never the whole stream.
    assert init_mod.INIT_SAMPLE_SIZE <= READ["examples"] < init_mod.INIT_SAMPLE_SIZE + 1000
    assert f"first {init_mod.INIT_SAMPLE_SIZE} examples" in out.getvalue()
    meta = srsly.read_json(tmp_path / "out" / "model-last" / "meta.json")
    assert "cats_score" in meta["performance"]


def test_labels_come_from_the_sample_and_the_message_says_so(tmp_path, dev_path):
    # A label that first appears after the sample is not found; the note says
    # where labels were read and how to give them all.
    train_cfg = f'@readers = "test_streaming.endless_cats.v1"\nrare_label_after = {init_mod.INIT_SAMPLE_SIZE + 10}'
    cfg = write(tmp_path, dev_path, train=train_cfg)
    READ["examples"] = 0
    err = io.StringIO()
    nlp = init_mod.init_nlp(load_config(cfg, {}, interpolate=False), progress=err)
    assert sorted(nlp.get_pipe("textcat").labels) == ["NEG", "POS"]
    assert READ["examples"] == init_mod.INIT_SAMPLE_SIZE
    assert "[initialize.components.NAME.labels]" in err.getvalue()


def test_a_short_stream_is_read_to_its_end_without_a_note(tmp_path, dev_path):
    cfg = write(tmp_path, dev_path, train=f'@readers = "plait.Corpus.v1"\npath = "{dev_path}"')
    err = io.StringIO()
    nlp = init_mod.init_nlp(load_config(cfg, {}, interpolate=False), progress=err)
    assert sorted(nlp.get_pipe("textcat").labels) == ["NEG", "POS"]
    assert "first" not in err.getvalue()


def test_reading_a_corpus_into_memory_shows_progress(tmp_path, dev_path, monkeypatch):
    # max_epochs = 0 reads the train corpus whole before training: a slow (or
    # endless) reader shows how far it got and how to stream instead.
    monkeypatch.setattr(init_mod, "PROGRESS_EVERY_S", 0.03)
    cfg = write(tmp_path, dev_path, max_epochs=0,
                train=f'@readers = "test_streaming.slow_reader.v1"\npath = "{dev_path}"\nn = 12\ndelay = 0.01')
    err = io.StringIO()
    init_mod.init_nlp(load_config(cfg, {}, interpolate=False), progress=err)
    lines = err.getvalue().splitlines()
    progress = [line for line in lines if line.startswith("Reading corpora.train into memory:")]
    assert progress, lines
    assert "max_epochs = 0 reads the whole train corpus" in progress[0]
    assert "set max_epochs = -1 to stream it" in progress[0]
    assert "Read corpora.train: 12 examples." in lines


def test_corpora_as_one_function_returning_a_dict(tmp_path, dev_path):
    cfg_text = CONFIG.format(dev=dev_path, train="", max_epochs=0, init="")
    cfg_text = cfg_text.replace(
        '[corpora]\n\n[corpora.dev]\n@readers = "plait.Corpus.v1"\npath = ${paths.dev}\n\n[corpora.train]\n\n',
        '[corpora]\n@readers = "test_streaming.split_corpora.v1"\npath = ${paths.dev}\n',
    )
    assert '"test_streaming.split_corpora.v1"' in cfg_text and "[corpora.train]" not in cfg_text
    cfg = tmp_path / "config.cfg"
    cfg.write_text(cfg_text, encoding="utf8")
    READ["corpora_calls"] = 0
    train(cfg, tmp_path / "out", stdout=io.StringIO(), stderr=io.StringIO())
    assert READ["corpora_calls"] == 1  # one call serves train and dev
    assert srsly.read_json(tmp_path / "out" / "model-last" / "meta.json")["performance"]["cats_score"] >= 0.0
    # A name the function does not return is a located config error.
    cfg.write_text(cfg_text.replace("[training]\n", '[training]\ntrain_corpus = "corpora.trian"\n'), encoding="utf8")
    with pytest.raises(ConfigError, match=r"\[corpora\] is the function 'test_streaming.split_corpora.v1', which "
                                          r"returned a dict with the keys \['dev', 'train'\]; there is no 'trian'"):
        train(cfg, tmp_path / "out2", stdout=io.StringIO(), stderr=io.StringIO())


def test_debug_data_reads_a_sample_of_an_endless_stream(tmp_path, dev_path, monkeypatch):
    from plait.cli import debug_data as debug_mod

    monkeypatch.setattr(debug_mod, "STREAM_SAMPLE_SIZE", 500)
    cfg = write(tmp_path, dev_path, train='@readers = "test_streaming.endless_cats.v1"')
    READ["examples"] = 0
    out = io.StringIO()
    debug_mod.debug_data(cfg, stdout=out)
    assert READ["examples"] <= 501
    assert "streamed ([training] max_epochs = -1)" in out.getvalue() and "first 500 examples" in out.getvalue()
