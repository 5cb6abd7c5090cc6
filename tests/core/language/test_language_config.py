"""nlp.config, Language.from_config, lifecycle callbacks, the default config."""

from __future__ import annotations

import plait
import pytest
from confection import Config
from plait.errors import ConfigError

SECTIONS = ["paths", "system", "nlp", "components", "corpora", "training", "pretraining", "initialize"]

CONFIG = """
[nlp]
lang = "en"
pipeline = ["cap", "excl"]
batch_size = 64

[components]

[components.cap]
factory = "test_cap_tagger"

[components.cap.model]
@architectures = "test.CapModel.v1"
width = 8

[components.excl]
factory = "test_exclaimer"
suffix = ${vars.suffix}

[vars]
suffix = "?!"
"""


def test_blank_config_is_complete():
    cfg = plait.blank("en").config
    for section in SECTIONS:
        assert section in cfg
    assert cfg["nlp"]["lang"] == "en"
    assert cfg["nlp"]["tokenizer"] == {"@tokenizers": "plait.Tokenizer.v1"}
    assert cfg["training"]["batcher"]["@batchers"] == "plait.batch_by_words.v1"
    assert cfg["training"]["batcher"]["size"]["start"] == 100
    assert cfg["training"]["batcher"]["size"]["stop"] == 1000
    assert cfg["training"]["logger"]["@loggers"] == "plait.ConsoleLogger.v1"
    assert cfg["training"]["optimizer"]["@optimizers"] == "Adam.v1"
    assert cfg["corpora"]["train"]["@readers"] == "plait.Corpus.v1"
    for key in ("seed", "gpu_allocator", "dropout", "accumulate_gradient", "patience", "max_epochs",
                "max_steps", "eval_frequency", "frozen_components", "annotating_components",
                "before_to_disk", "before_update", "score_weights"):
        assert key in cfg["training"], key
    assert cfg["training"]["train_corpus"] == "corpora.train"
    assert cfg["training"]["dev_corpus"] == "corpora.dev"
    for key in ("vectors", "init_tok2vec", "vocab_data", "lookups", "before_init", "after_init",
                "components", "tokenizer"):
        assert key in cfg["initialize"], key
    for key in ("before_creation", "after_creation", "after_pipeline_creation", "disabled", "batch_size"):
        assert key in cfg["nlp"], key
    # The whole thing serializes and parses back.
    assert Config().from_str(cfg.to_str(), interpolate=False)["nlp"]["lang"] == "en"


def test_from_config_builds_pipeline_and_fills_defaults():
    cfg = Config().from_str(CONFIG, interpolate=False)
    nlp = plait.language.get_lang_class("en").from_config(cfg)
    assert nlp.pipe_names == ["cap", "excl"]
    assert nlp.batch_size == 64
    assert nlp.get_pipe("excl").suffix == "?!"
    out = nlp.config
    assert out["components"]["cap"]["model"]["width"] == 8
    assert out["components"]["cap"]["model"]["rows"] == 500  # filled from the signature
    # the ${variable} is kept in the config the pipeline saves
    assert out["components"]["excl"]["suffix"] == "${vars.suffix}"
    assert out["training"]["score_weights"] == {"cap_acc": 1.0}
    assert "seed" in out["training"]


def test_from_config_disable_exclude():
    cfg = Config().from_str(CONFIG, interpolate=False)
    English = plait.language.get_lang_class("en")
    nlp = English.from_config(cfg, disable=["excl"])
    assert nlp.pipe_names == ["cap"] and nlp.component_names == ["cap", "excl"]
    nlp = English.from_config(cfg, exclude=["excl"])
    assert nlp.component_names == ["cap"]


def test_from_config_pipeline_names_missing_block():
    cfg = {"nlp": {"lang": "en", "pipeline": ["cap", "ghost"]},
           "components": {"cap": {"factory": "test_cap_tagger"}}}
    with pytest.raises(ConfigError) as err:
        plait.blank("en").from_config(cfg)
    assert "'ghost'" in str(err.value) and "[components.ghost]" in str(err.value)


def test_from_config_component_without_factory_or_source():
    cfg = {"nlp": {"lang": "en", "pipeline": ["x"]}, "components": {"x": {"foo": 1}}}
    with pytest.raises(ConfigError, match=r"\[components.x\].*factory"):
        type(plait.blank("en")).from_config(cfg)


def test_from_config_lang_mismatch():
    with pytest.raises(ConfigError, match=r"\[nlp\] lang"):
        type(plait.blank("en")).from_config({"nlp": {"lang": "xx"}})


def test_from_config_unknown_factory_names_place():
    cfg = {"nlp": {"lang": "en", "pipeline": ["x"]}, "components": {"x": {"factory": "test_cap_taggr"}}}
    with pytest.raises(ConfigError) as err:
        type(plait.blank("en")).from_config(cfg)
    assert "test_cap_tagger" in str(err.value)


def test_before_creation_adds_stop_word():
    @plait.registry.callbacks("test_add_stop_word.v1")
    def make_callback(word: str):
        def customize(lang_cls):
            lang_cls.Defaults.stop_words.add(word)
            return lang_cls

        return customize

    English = plait.language.get_lang_class("en")
    assert "plaitish" not in English.Defaults.stop_words
    try:
        nlp = plait.blank("en", config={"nlp": {"before_creation": {
            "@callbacks": "test_add_stop_word.v1", "word": "plaitish"}}})
        doc = nlp("so plaitish and good")
        assert doc[1].is_stop
        assert nlp.config["nlp"]["before_creation"]["word"] == "plaitish"
    finally:
        English.Defaults.stop_words.discard("plaitish")


def test_after_creation_and_after_pipeline_creation():
    seen = []

    @plait.registry.callbacks("test_after_creation.v1")
    def make_after_creation():
        def cb(nlp):
            seen.append(("after_creation", list(nlp.pipe_names)))
            nlp.max_length = 1234
            return nlp

        return cb

    @plait.registry.callbacks("test_after_pipeline.v1")
    def make_after_pipeline():
        def cb(nlp):
            seen.append(("after_pipeline_creation", list(nlp.pipe_names)))
            nlp.get_pipe("excl").suffix = "#"
            return nlp

        return cb

    cfg = Config().from_str(CONFIG, interpolate=False)
    cfg["nlp"]["after_creation"] = {"@callbacks": "test_after_creation.v1"}
    cfg["nlp"]["after_pipeline_creation"] = {"@callbacks": "test_after_pipeline.v1"}
    nlp = plait.language.get_lang_class("en").from_config(cfg)
    assert seen == [("after_creation", []), ("after_pipeline_creation", ["cap", "excl"])]
    assert nlp.max_length == 1234 and nlp.get_pipe("excl").suffix == "#"


def test_before_creation_must_return_class():
    @plait.registry.callbacks("test_bad_before_creation.v1")
    def make_bad():
        return lambda lang_cls: None

    with pytest.raises(ConfigError, match=r"\[nlp.before_creation\]"):
        plait.blank("en", config={"nlp": {"before_creation": {"@callbacks": "test_bad_before_creation.v1"}}})


def test_after_creation_must_return_nlp():
    @plait.registry.callbacks("test_bad_after_creation.v1")
    def make_bad():
        return lambda nlp: "oops"

    with pytest.raises(ConfigError, match=r"\[nlp.after_creation\]"):
        plait.blank("en", config={"nlp": {"after_creation": {"@callbacks": "test_bad_after_creation.v1"}}})


def test_blank_dotted_overrides_and_unknown_language():
    nlp = plait.blank("en", config={"nlp.batch_size": 7})
    assert nlp.batch_size == 7
    from plait.errors import UsageError

    with pytest.raises(UsageError, match="no language 'qq'"):
        plait.blank("qq")


def test_config_round_trip_recreates_pipeline():
    cfg = Config().from_str(CONFIG, interpolate=False)
    nlp = plait.language.get_lang_class("en").from_config(cfg)
    again = plait.language.get_lang_class("en").from_config(Config().from_str(nlp.config.to_str(), interpolate=False))
    assert again.pipe_names == nlp.pipe_names
    assert again.config.to_str() == nlp.config.to_str()


def test_sourced_component_in_config(ewt_train_words, tmp_path):
    from language_components import cap_examples

    src = plait.blank("en")
    src.add_pipe("test_cap_tagger", name="cap")
    examples = cap_examples(src, ewt_train_words[:40])
    src.initialize(lambda: examples)
    src.to_disk(tmp_path / "src")
    cfg = {"nlp": {"lang": "en", "pipeline": ["cap2", "excl"]},
           "components": {"cap2": {"source": str(tmp_path / "src"), "component": "cap"},
                          "excl": {"factory": "test_exclaimer"}}}
    nlp = type(src).from_config(cfg)
    assert nlp.pipe_names == ["cap2", "excl"]
    text = "Alice visited Rome"
    assert [t.tag_ for t in nlp(text)] == [t.tag_ for t in src(text)]
    assert nlp.config["components"]["cap2"]["factory"] == "test_cap_tagger"
