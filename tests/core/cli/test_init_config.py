"""`plait init config` output: complete, buildable, and wired as a user expects."""

from __future__ import annotations

import pytest
from plait.cli.init_config import init_config
from plait.config import load_config_from_str

FACTORIES = ["tok2vec", "tagger", "morphologizer", "senter", "sentencizer", "trainable_lemmatizer",
             "lemmatizer", "textcat", "textcat_multilabel", "entity_ruler"]


def test_components_share_tok2vec_through_listeners():
    config = init_config(lang="en", pipeline=["tok2vec", "tagger", "morphologizer", "textcat"])
    for name in ("tagger", "morphologizer", "textcat"):
        block = config["components"][name]["model"]["tok2vec"]
        assert block["@architectures"] == "plait.Tok2VecListener.v1", name
    assert config["components"]["tagger"]["label_smoothing"] == 0.05


def test_without_tok2vec_each_component_embeds_its_own():
    config = init_config(lang="en", pipeline=["tagger"])
    assert config["components"]["tagger"]["model"]["tok2vec"]["@architectures"] != "plait.Tok2VecListener.v1"


@pytest.mark.parametrize("optimize", ["efficiency", "accuracy"])
@pytest.mark.parametrize("with_tok2vec", [True, False])
def test_every_factory_gets_a_config_that_builds(optimize, with_tok2vec):
    import plait

    pipeline = FACTORIES if with_tok2vec else [f for f in FACTORIES if f != "tok2vec"]
    config = init_config(lang="en", pipeline=pipeline, optimize=optimize)
    text = config.to_str()
    reloaded = load_config_from_str(text)
    nlp = plait.registry.languages.get("en").from_config(reloaded)
    assert nlp.pipe_names == pipeline
    # Weights are rounded to 2 places, as spaCy does; the loop renormalises them.
    assert sum(v for v in config["training"]["score_weights"].values() if v) == pytest.approx(1.0, abs=0.03)
