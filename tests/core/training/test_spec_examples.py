"""The spec's code examples, with spacy replaced by plait, run through --code."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
import plait  # noqa: E402
from _train_setup import CODE, make_corpora, write_config  # noqa: E402
from plait.cli.train import train_cli  # noqa: E402
from plait.config import import_code  # noqa: E402
from plait.training import Example  # noqa: E402

SPEC = Path(__file__).parent / "_spec_functions.py"


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory):
    import_code([CODE, SPEC])
    return make_corpora(ewt_dir, tmp_path_factory.mktemp("ewt"), n_train=120, n_dev=40)


def _cli(cfg: Path, out: Path | None, *extra: str):
    args = [str(cfg), "--code", str(CODE), "--code", str(SPEC), *extra]
    if out is not None:
        args += ["--output", str(out)]
    result = CliRunner().invoke(train_cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _edit(cfg: Path, old: str, new: str) -> Path:
    text = cfg.read_text()
    assert old in text
    cfg.write_text(text.replace(old, new))
    return cfg


def test_custom_logger_writes_tab_file(corpora, tmp_path):
    log = tmp_path / "my_file.tab"
    cfg = write_config(tmp_path, *corpora, max_steps=6, eval_frequency=3,
                       extra=f'\n[training.logger]\n@loggers = "my_custom_logger.v1"\nlog_path = "{log}"\n')
    result = _cli(cfg, None)
    assert f"Logging to {log}" in result.output
    rows = log.read_text().splitlines()
    assert rows[0].split("\t")[:3] == ["step", "score", "loss_tagger"]
    assert [r.split("\t")[0] for r in rows[1:]] == ["0", "3", "6"]


def test_filtering_batcher_and_custom_schedule(corpora, tmp_path):
    cfg = write_config(tmp_path, *corpora, max_steps=4, eval_frequency=2)
    _edit(cfg, '@batchers = "plait.batch_by_words.v1"\ndiscard_oversize = false\ntolerance = 0.2\nsize = 500',
          '@batchers = "filtering_batch.v1"\nsize = 8')
    _cli(cfg, tmp_path / "out")
    assert (tmp_path / "out" / "model-last" / "meta.json").exists()
    cfg = write_config(tmp_path, *corpora, max_steps=4, eval_frequency=2)
    _edit(cfg, "size = 500", "\n[training.batcher.size]\n@schedules = \"my_custom_schedule.v1\"\nstart = 2\nfactor = 1.005")
    seen = []
    from plait.training import loop
    real = loop.train_while_improving

    def spy(*args, **kwargs):
        for batch, info, best in real(*args, **kwargs):
            seen.append(len(batch))
            yield batch, info, best

    loop.train_while_improving = spy
    try:
        _cli(cfg, None)
    finally:
        loop.train_while_improving = real
    assert seen and max(seen) <= 10  # batch_by_words with a ~2-word budget: tiny batches


def test_language_and_tokenizer_callbacks(corpora, tmp_path):
    cfg = write_config(tmp_path, *corpora, max_steps=2, eval_frequency=1,
                       extra='\n[initialize]\n\n[initialize.before_init]\n@callbacks = "customize_tokenizer"\n')
    _edit(cfg, 'batch_size = 256', 'batch_size = 256\n\n[nlp.before_creation]\n'
          '@callbacks = "customize_language_data"\nextra_stop_words = ["ooh", "aah"]\ndebug = true')
    result = _cli(cfg, tmp_path / "out")
    assert "Updated stop words" in result.output
    nlp = plait.load(tmp_path / "out" / "model-last")
    assert [t.text for t in nlp("_SPECIAL_ thing")][0] == "_SPECIAL_"


def test_streamed_infinite_corpus_stops_at_max_steps(corpora, tmp_path):
    cfg = write_config(tmp_path, *corpora, max_steps=5, eval_frequency=5)
    _edit(cfg, "patience = 0", "patience = 0\nmax_epochs = -1")
    text = cfg.read_text() + (
        '\n[corpora]\n\n[corpora.train]\n@readers = "corpus_variants.v1"\nsource = "s3://your_bucket/path/data.csv"\n'
        '\n[initialize]\n\n[initialize.components]\n\n[initialize.components.tagger]\n\n[initialize.components.tagger.labels]\n'
        '@readers = "plait.read_labels.v1"\npath = "' + str(tmp_path / "tagger.json") + '"\nrequire = true\n'
    )
    cfg.write_text(text)
    (tmp_path / "tagger.json").write_text('["PRP", "VBP", "JJ", "NNS", "NN"]')
    _cli(cfg, tmp_path / "out")
    nlp = plait.load(tmp_path / "out" / "model-last")
    assert list(nlp.get_pipe("tagger").labels) == ["PRP", "VBP", "JJ", "NNS", "NN"]


def test_example_training_loop(tmp_path):
    import_code([CODE])
    nlp = plait.blank("en")
    nlp.add_pipe("test_tagger")
    train_data = [("I like stuff", ["PRP", "VBP", "NN"]), ("you eat apples", ["PRP", "VBP", "NNS"])]

    def get_examples():
        return [Example.from_dict(nlp.make_doc(t), {"tags": tags}) for t, tags in train_data]

    optimizer = nlp.initialize(get_examples)
    for _itn in range(30):
        random.shuffle(train_data)
        for raw_text, tags in train_data:
            doc = nlp.make_doc(raw_text)
            example = Example.from_dict(doc, {"tags": tags})
            nlp.update([example], sgd=optimizer)
    nlp.to_disk(tmp_path / "output")
    loaded = plait.load(tmp_path / "output")
    assert [t.tag_ for t in loaded("you eat apples")] == ["PRP", "VBP", "NNS"]
    assert [t.tag_ for t in loaded("I like stuff")] == ["PRP", "VBP", "NN"]
