"""A tiny real trainable component and EWT data for the Language tests.

``test_cap_tagger`` predicts whether a token is capitalised (TAG "CAP" or
"low") with a thinc softmax over hashed embeddings of NORM and SHAPE. It is
a genuine TrainablePipe: it learns, saves and loads like a built-in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from language_components import *  # noqa: F401,F403 - registers the test factories
from language_components import read_ewt_words


@pytest.fixture(scope="session")
def ewt_train_words(ewt_dir: Path) -> list[list[str]]:
    return read_ewt_words(ewt_dir / "en_ewt-ud-train.conllu", 300)


@pytest.fixture(scope="session")
def ewt_dev_words(ewt_dir: Path) -> list[list[str]]:
    return read_ewt_words(ewt_dir / "en_ewt-ud-dev.conllu", 150)
