"""[training.score_weights] accepts the tokenizer's scores (token_acc,
token_p, token_r, token_f): nlp.evaluate always reports them, and the spec's
score_weights example weights token_acc 0.0."""

from __future__ import annotations

import pytest
from plait.config import load_config_from_str, validate_config
from plait.errors import ConfigError

CONFIG = """
[paths]
train = "does/not/exist/train.plait"
dev = "does/not/exist/dev.plait"

[nlp]
lang = "en"
pipeline = ["tagger", "parser", "ner"]

[components]

[components.tagger]
factory = "tagger"

[components.parser]
factory = "parser"

[components.ner]
factory = "ner"

[training]
max_steps = 10

[training.score_weights]
dep_las = 0.4
dep_uas = null
ents_f = 0.4
tag_acc = 0.2
token_acc = 0.0
speed = 0.0
"""


def test_spec_score_weights_with_token_acc_pass():
    interpolated = validate_config(load_config_from_str(CONFIG, source="test.cfg"), source="test.cfg")
    assert interpolated["training"]["score_weights"]["token_acc"] == 0.0


@pytest.mark.parametrize("key", ["token_p", "token_r", "token_f"])
def test_other_tokenizer_scores_pass(key):
    text = CONFIG.replace("token_acc = 0.0", f"{key} = 0.0")
    validate_config(load_config_from_str(text, source="test.cfg"))


def test_unknown_score_still_refused():
    config = load_config_from_str(CONFIG.replace("token_acc =", "token_accc ="), source="test.cfg")
    with pytest.raises(ConfigError, match=r"\[training.score_weights\] token_accc: .*Did you mean 'token_acc'"):
        validate_config(config, source="test.cfg")
