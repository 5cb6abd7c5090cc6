"""Every bad config value is refused before any work starts, naming the
section, key and value and saying what is expected (issue 11)."""

from __future__ import annotations

import io

import pytest
from plait.config import load_config_from_str, validate_config
from plait.errors import ConfigError
from plait.training.train import train
from pydantic import PositiveInt, StrictBool, confloat

# A small, complete tagger config whose corpora do not exist: validation
# must refuse a bad value before any data would be read.
CONFIG = """
[paths]
train = "does/not/exist/train.plait"
dev = "does/not/exist/dev.plait"

[nlp]
lang = "en"
pipeline = ["tagger"]
batch_size = 1000

[components]

[components.tagger]
factory = "tagger"
label_smoothing = 0.0

[components.tagger.model]
@architectures = "plait.Tagger.v2"

[components.tagger.model.tok2vec]
@architectures = "plait.HashEmbedCNN.v2"
width = 32
depth = 1
embed_size = 500
window_size = 1
maxout_pieces = 2
subword_features = true
pretrained_vectors = null

[training]
max_steps = 10
seed = 0
gpu_allocator = null
dropout = 0.1
patience = 100
accumulate_gradient = 1
max_epochs = 0
eval_frequency = 5
score_weights = {"tag_acc": 1.0}

[training.batcher]
@batchers = "plait.batch_by_words.v1"
size = 100
"""


def _config(text: str = CONFIG, **overrides):
    return load_config_from_str(text, overrides, source="test.cfg")


def _refused(overrides: dict, *fragments: str) -> str:
    with pytest.raises(ConfigError) as info:
        validate_config(load_config_from_str(CONFIG, overrides, source="test.cfg"), source="test.cfg")
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_good_config_passes():
    interpolated = validate_config(_config())
    assert interpolated["training"]["max_steps"] == 10
    assert interpolated["corpora"]["train"]["path"] == "does/not/exist/train.plait"


@pytest.mark.parametrize(
    "key,value,fragments",
    [
        # strings where numbers are expected (they crashed in the loop)
        ("training.dropout", "abc", ["[training] dropout: expected a number", "'abc'"]),
        ("training.max_steps", "abc", ["[training] max_steps: expected a whole number", "'abc'"]),
        ("training.seed", "abc", ["[training] seed: expected a whole number or null", "'abc'"]),
        # accepted silently before
        ("training.dropout", 1.0, ["[training] dropout: 1.0 is not valid", ">= 0 and < 1"]),
        ("training.dropout", -0.1, ["[training] dropout: -0.1 is not valid"]),
        ("training.patience", -5, ["[training] patience: -5", ">= 0"]),
        ("training.max_steps", -5, ["[training] max_steps: -5"]),
        ("training.accumulate_gradient", 0, ["[training] accumulate_gradient: 0", "> 0"]),
        ("training.max_epochs", 1.5, ["[training] max_epochs: 1.5", "fractional"]),
        ("training.eval_frequency", 0, ["[training] eval_frequency: 0"]),
        ("training.batcher.size", 0, ["[training.batcher] size: 0", "greater than 0"]),
        ("components.tagger.label_smoothing", 1.0, ["[components.tagger] label_smoothing: 1.0", "< 1"]),
        # layer sizes that raised inside thinc
        ("components.tagger.model.tok2vec.width", 0, ["[components.tagger.model.tok2vec] width: 0"]),
        ("components.tagger.model.tok2vec.width", -4, ["[components.tagger.model.tok2vec] width: -4"]),
        ("components.tagger.model.tok2vec.depth", 0, ["[components.tagger.model.tok2vec] depth: 0"]),
        ("components.tagger.model.tok2vec.embed_size", 0, ["[components.tagger.model.tok2vec] embed_size: 0"]),
        ("nlp.batch_size", 0, ["[nlp] batch_size: 0"]),
        ("training.gpu_allocator", "foo", ['[training] gpu_allocator: "foo" is not valid',
                                           'one of "pytorch", "tensorflow" or null']),
    ],
)
def test_bad_training_values_refused(key, value, fragments):
    _refused({key: value}, "test.cfg", *fragments)


def test_thinc_optimizer_values_refused():
    text = CONFIG + "\n[training.optimizer]\n@optimizers = \"Adam.v1\"\nlearn_rate = -0.1\nbeta1 = 2.0\n"
    with pytest.raises(ConfigError) as info:
        validate_config(_config(text))
    message = str(info.value)
    assert "[training.optimizer] learn_rate: -0.1 is not valid" in message
    assert "[training.optimizer] beta1: 2.0 is not valid" in message


@pytest.mark.parametrize("value,fragment", [
    ('"abc"', "learn_rate: expected a number >= 0 or a list whose items are each a number >= 0, got the string 'abc'"),
    ("null", "learn_rate: null is not valid"),
    ("[0.1, -0.2]", "learn_rate: [0.1, -0.2] is not valid at [1]"),
])
def test_thinc_optimizer_bad_type_refused(value, fragment):
    # thinc's FloatOrSeq made confection raise a TypeError on these.
    text = CONFIG + f"\n[training.optimizer]\n@optimizers = \"Adam.v1\"\nlearn_rate = {value}\n"
    with pytest.raises(ConfigError) as info:
        validate_config(_config(text))
    assert fragment in str(info.value)


def test_a_list_of_sizes_names_the_bad_item():
    text = CONFIG.replace("""[components.tagger.model.tok2vec]
@architectures = "plait.HashEmbedCNN.v2"
width = 32
depth = 1
embed_size = 500
window_size = 1
maxout_pieces = 2
subword_features = true
pretrained_vectors = null
""", """[components.tagger.model.tok2vec]
@architectures = "plait.Tok2Vec.v2"

[components.tagger.model.tok2vec.embed]
@architectures = "plait.MultiHashEmbed.v2"
width = 32
attrs = ["NORM", "SHAPE"]
rows = [500, 0]
include_static_vectors = false

[components.tagger.model.tok2vec.encode]
@architectures = "plait.MaxoutWindowEncoder.v2"
width = 32
depth = 1
window_size = 1
maxout_pieces = 3
""")
    with pytest.raises(ConfigError, match=r"\[components.tagger.model.tok2vec.embed\] rows: \[500, 0\] is "
                                          r"not valid at \[1\]"):
        validate_config(_config(text))


def test_unknown_score_weight_refused():
    message = _refused({"training.score_weights": {"tag_acc": 1.0, "tagg_acc": 1.0}},
                       "[training.score_weights] tagg_acc", "Did you mean 'tag_acc'?")
    assert "Scores of this pipeline: speed, tag_acc, token_acc, token_f, token_p, token_r." in message


def test_known_score_weights_pass():
    validate_config(_config(**{"training.score_weights": {"tag_acc": 0.5}}))


def test_all_problems_reported_at_once():
    message = _refused({"training.dropout": 2, "training.patience": -1}, "dropout", "patience")
    assert len(message.splitlines()) == 2


def test_circular_variables_named():
    text = CONFIG.replace("width = 32", "width = ${components.tagger.model.tok2vec.depth}") \
        .replace("depth = 1", "depth = ${components.tagger.model.tok2vec.width}")
    with pytest.raises(ConfigError) as info:
        validate_config(_config(text), source="test.cfg")
    message = str(info.value)
    assert message.startswith("test.cfg: [components.tagger.model.tok2vec]")
    assert "refer to each other in a circle" in message
    assert "${components.tagger.model.tok2vec.width}" in message
    assert "${components.tagger.model.tok2vec.depth}" in message


def test_unknown_variable_names_file_key_and_suggestion():
    text = CONFIG + "\n[corpora]\n\n[corpora.train]\n@readers = \"plait.Corpus.v1\"\npath = ${paths.trian}\n"
    with pytest.raises(ConfigError) as info:
        validate_config(_config(text), source="test.cfg")
    message = str(info.value)
    assert "test.cfg: [corpora.train] path = ${paths.trian}" in message
    assert "Did you mean 'paths.train'?" in message
    assert "Bad value substitution" not in message


def test_duplicate_component_names_the_config_line():
    text = CONFIG.replace('pipeline = ["tagger"]', 'pipeline = ["tagger", "tagger"]')
    with pytest.raises(ConfigError) as info:
        validate_config(_config(text))
    message = str(info.value)
    assert "[nlp] pipeline: 'tagger' is listed twice" in message
    assert "[components.tagger2]" in message
    assert "add_pipe" not in message


def test_plain_bool_takes_0_and_1(tmp_path):
    # spaCy coerces 1 for a bool argument; only StrictBool refuses it.
    text = CONFIG + """
[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${paths.train}
gold_preproc = 1
"""
    validate_config(_config(text))
    from plait.config import resolve

    # The reader receives a real bool: resolve() coerces before calling it.
    corpus = tmp_path / "c.plait"
    corpus.write_bytes(b"")
    reader = resolve({"x": {"@readers": "plait.Corpus.v1", "path": str(corpus), "gold_preproc": 1}})["x"]
    assert reader.gold_preproc is True


def test_new_registered_function_gets_constraints_for_free():
    from plait import registry

    @registry.misc("test_validation.constrained.v1")
    def constrained(size: PositiveInt, rate: confloat(ge=0, lt=1), strict: StrictBool = False,  # type: ignore[valid-type]
                    plain: bool = False) -> dict:
        return {"size": size, "rate": rate, "strict": strict, "plain": plain}

    def resolve_block(**args):
        from plait.config import resolve

        return resolve({"x": {"@misc": "test_validation.constrained.v1", **args}})["x"]

    assert resolve_block(size=3, rate=0.5, plain=1) == {"size": 3, "rate": 0.5, "strict": False, "plain": True}
    with pytest.raises(ConfigError, match=r"\[x\] size: 0 is not valid: input should be greater than 0"):
        resolve_block(size=0, rate=0.5)
    with pytest.raises(ConfigError, match=r"\[x\] rate: 1.0 is not valid.*>= 0 and < 1"):
        resolve_block(size=1, rate=1.0)
    with pytest.raises(ConfigError, match=r"\[x\] strict: 1 is not valid.*not 0 or 1"):
        resolve_block(size=1, rate=0.1, strict=1)
    with pytest.raises(ConfigError, match=r"\[x\] size: expected a whole number > 0, got the string '3'"):
        resolve_block(size="3", rate=0.1)


def test_train_refuses_before_reading_data(tmp_path):
    # The corpora do not exist: the error is the bad value, not the corpus.
    config_path = tmp_path / "config.cfg"
    config_path.write_text(CONFIG)
    with pytest.raises(ConfigError, match=r"\[training\] dropout: expected a number"):
        train(config_path, tmp_path / "out", overrides={"training.dropout": "abc"},
              stdout=io.StringIO(), stderr=io.StringIO())
    assert not (tmp_path / "out").exists()


def test_fill_config_validates_like_train(tmp_path):
    from plait.cli.fill_config import fill_config

    path = tmp_path / "config.cfg"
    path.write_text(CONFIG.replace("dropout = 0.1", "dropout = 1.5"))
    with pytest.raises(ConfigError, match=r"\[training\] dropout: 1.5"):
        fill_config(path)
    path.write_text(CONFIG)
    _, filled = fill_config(path)
    # what fill-config writes passes train's validation
    validate_config(load_config_from_str(filled, source="filled.cfg"))


def test_duplicate_component_through_from_config():
    # The Python API gives the config advice too (it was add_pipe advice).
    import plait

    text = CONFIG.replace('pipeline = ["tagger"]', 'pipeline = ["tagger", "tagger"]')
    with pytest.raises(ConfigError, match=r"\[nlp\] pipeline: 'tagger' is listed twice"):
        plait.blank("en").from_config(_config(text))


def test_corpus_reader_limits_refused():
    text = CONFIG + """
[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${paths.train}
limit = -1
max_length = -5
"""
    with pytest.raises(ConfigError) as info:
        validate_config(_config(text))
    assert "[corpora.train] limit: -1 is not valid" in str(info.value)
    assert "[corpora.train] max_length: -5 is not valid" in str(info.value)


def test_constraints_checked_when_another_annotation_cannot_be_resolved():
    # plugins import their return types under TYPE_CHECKING only
    from plait import registry

    def reader(path: str, limit: PositiveInt = 1) -> NotDefinedAnywhere:  # type: ignore[name-defined]  # noqa: F821
        return path

    reader.__annotations__ = {"path": "str", "limit": "PositiveInt", "return": "NotDefinedAnywhere"}
    registry.misc("test_validation.unresolvable.v1")(reader)
    from plait.config import resolve

    with pytest.raises(ConfigError, match=r"\[x\] limit: 0 is not valid"):
        resolve({"x": {"@misc": "test_validation.unresolvable.v1", "path": "a", "limit": 0}})
