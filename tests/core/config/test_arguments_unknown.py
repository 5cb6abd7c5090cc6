"""validate_config (run by `plait debug config` and before `plait train`
does any work) refuses a setting that is not an argument of its block's
function, naming the full section; it used to pass validation and fail only
when the block was built (for [training.batcher.size] naming "[batcher.size]")."""

from __future__ import annotations

import plait
import pytest
from plait.config import load_config_from_str, validate_config
from plait.errors import ConfigError

CONFIG = """
[paths]
train = "does/not/exist/train.plait"
dev = "does/not/exist/dev.plait"

[nlp]
lang = "en"
pipeline = ["tagger"]

[components]

[components.tagger]
factory = "tagger"

[training]
max_steps = 10

[training.batcher]
@batchers = "plait.batch_by_words.v1"
discard_oversize = false
tolerance = 0.2

[training.batcher.size]
@schedules = "compounding.v1"
start = 100
stop = 1000
compound = 1.001
"""


@plait.registry.callbacks("test.kwargs_callback.v1")
def kwargs_callback(**settings):
    return lambda nlp: nlp


def _validate(text: str):
    return validate_config(load_config_from_str(text, source="test.cfg"), source="test.cfg")


def test_good_config_passes():
    _validate(CONFIG)


@pytest.mark.parametrize("section,fragments", [
    ("[training.batcher.size]", ["[training.batcher.size] maxout_pieces: 'maxout_pieces' is not an "
                                 "argument of compounding.v1", "start", "stop"]),
    ("[training.batcher]", ["[training.batcher] maxout_pieces: 'maxout_pieces' is not an argument of "
                            "plait.batch_by_words.v1"]),
    ("[components.tagger]", ["[components.tagger] maxout_pieces: 'maxout_pieces' is not an argument of "
                             "tagger"]),
])
def test_unknown_argument_refused(section, fragments):
    text = CONFIG.replace(f"{section}\n", f"{section}\nmaxout_pieces = 3\n")
    with pytest.raises(ConfigError) as info:
        _validate(text)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_typo_gets_a_suggestion():
    text = CONFIG.replace("tolerance = 0.2", "tolerence = 0.2")
    with pytest.raises(ConfigError, match="Did you mean 'tolerance'"):
        _validate(text)


def test_function_taking_any_keyword_accepts_anything():
    text = CONFIG + '\n[nlp.after_creation]\n@callbacks = "test.kwargs_callback.v1"\nwhatever = 1\n'
    _validate(text)
