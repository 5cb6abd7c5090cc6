"""`plait debug data` on real EWT / UNER data and on deliberately bad corpora."""

from __future__ import annotations

import io
import json
from pathlib import Path

from plait.cli.convert import convert
from plait.cli.debug_data import debug_data
from plait.training.data_checks import _debug_data as checks

CONFIG = """
[paths]
train = null
dev = null

[nlp]
lang = "en"
pipeline = []

[components]

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${{paths.train}}
gold_preproc = false
max_length = 0
limit = 0

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${{paths.dev}}
gold_preproc = false
max_length = 0
limit = 0

[training]
train_corpus = "corpora.train"
dev_corpus = "corpora.dev"
"""


def _run(tmp_path: Path, train: Path, dev: Path, verbose: bool = False) -> tuple[int, str]:
    cfg = tmp_path / "config.cfg"
    cfg.write_text(CONFIG.format(), encoding="utf8")
    out = io.StringIO()
    code = debug_data(cfg, overrides={"paths.train": str(train), "paths.dev": str(dev)},
                      verbose=verbose, stdout=out)
    return code, out.getvalue()


def test_ewt_and_uner(tmp_path: Path, ewt_dir: Path, uner_dir: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    blocks = (ewt_dir / "en_ewt-ud-dev.conllu").read_text(encoding="utf8").split("\n\n")
    (src / "train.conllu").write_text("\n\n".join(blocks[:300]) + "\n\n", encoding="utf8")
    (src / "dev.conllu").write_text("\n\n".join(blocks[250:400]) + "\n\n", encoding="utf8")
    res = convert(src, tmp_path / "c")
    train, dev = (tmp_path / "c" / "train.plait"), (tmp_path / "c" / "dev.plait")
    assert set(res.outputs) == {train, dev}
    code, report = _run(tmp_path, train, dev, verbose=True)
    assert "train: 300 docs" in report
    assert "texts occur in both train and dev" in report  # sentences 250..299
    assert "non-projective" in report or "dep:" in report
    assert "tokenized differently" in report
    assert code in (0, 1)


def test_errors_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"tokens": ["Hi", " ", "Bob"], "spaces": [False, False, False],
                               "entities": [[0, 3, "PER"]]}) + "\n", encoding="utf8")
    dev = tmp_path / "dev.jsonl"
    dev.write_text(json.dumps({"tokens": ["Ann", "ran"], "entities": [[0, 3, "LOC"]]}) + "\n", encoding="utf8")
    res = convert(tmp_path, tmp_path / "c")
    code, report = _run(tmp_path, tmp_path / "c" / "bad.plait", tmp_path / "c" / "dev.plait", verbose=True)
    assert code == 1
    assert "entities in train start or end with whitespace" in report
    assert "1 ner labels in dev are not in train" in report and "LOC" in report
    assert "fewer than 50 training examples" in report
    assert len(res.outputs) == 2


def test_tree_checks() -> None:
    assert checks._has_cycle([1, 0, 2])
    assert not checks._has_cycle([1, 1, 1])
    assert not checks._is_projective([2, 3, 2, 2])
    assert checks._is_projective([1, 1, 1])
