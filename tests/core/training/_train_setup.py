"""Shared setup of the end-to-end training tests: EWT slices and a config."""

from __future__ import annotations

from pathlib import Path

from _ewt import ewt_docbin

CODE = Path(__file__).parent / "_tagger_code.py"

CONFIG = """
[paths]
train = "{train}"
dev = "{dev}"

[system]
seed = 0

[nlp]
lang = "en"
pipeline = ["tagger"]
batch_size = 256

[components]

[components.tagger]
factory = "test_tagger"
width = 64

[training]
max_steps = {max_steps}
eval_frequency = {eval_frequency}
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


def make_corpora(ewt_dir: Path, tmp: Path, n_train: int = 600, n_dev: int = 200) -> tuple[Path, Path]:
    train = ewt_docbin(ewt_dir / "en_ewt-ud-train.conllu", tmp / "train.plait", n_train)
    dev = ewt_docbin(ewt_dir / "en_ewt-ud-dev.conllu", tmp / "dev.plait", n_dev)
    return train, dev


def write_config(tmp: Path, train: Path, dev: Path, *, max_steps: int = 60, eval_frequency: int = 20,
                 extra: str = "") -> Path:
    path = tmp / "config.cfg"
    path.write_text(CONFIG.format(train=train, dev=dev, max_steps=max_steps,
                                  eval_frequency=eval_frequency) + extra, encoding="utf8")
    return path
