"""The init_config_components hook: sections that resolve into a pipeline."""

from __future__ import annotations

import plait
import pytest
from plait_pipes.init_config import init_config_components
from thinc.api import Config


def to_config(sections):
    cfg = Config()
    for dotted, keys in sections.items():
        node = cfg
        for part in dotted.split("."):
            node = node.setdefault(part, {})
        node.update(keys)
    return cfg


@pytest.mark.parametrize("optimize", ["efficiency", "accuracy"])
def test_shared_tok2vec_uses_listeners(optimize):
    out = init_config_components(["tok2vec", "tagger", "textcat", "parser"], "en", optimize, False)
    assert "components.parser" not in out
    assert out["components.tagger.model.tok2vec"]["@architectures"] == "plait.Tok2VecListener.v1"
    assert out["components.tagger.model.tok2vec"]["upstream"] == "*"
    assert out["components.textcat.model"]["@architectures"] == "plait.TextCatEnsemble.v2"


def test_hook_sections_build_a_working_pipeline():
    sections = init_config_components(["tok2vec", "tagger", "senter", "sentencizer"], "en", "efficiency", False)
    cfg = to_config(sections)
    nlp = plait.blank("en")
    for name in ["tok2vec", "tagger", "senter", "sentencizer"]:
        nlp.add_pipe(cfg["components"][name]["factory"], name=name, config=_interp(cfg, name))
    assert nlp.pipe_names == ["tok2vec", "tagger", "senter", "sentencizer"]
    assert nlp.get_pipe("tagger").model.get_ref("tok2vec").name == "tok2vec-listener"


def _interp(cfg, name):
    block = dict(Config(cfg).interpolate()["components"][name])
    block.pop("factory")
    return block


def test_standalone_components_embed_their_tok2vec():
    out = init_config_components(["tagger", "textcat"], "en", "efficiency", False)
    assert out["components.tagger.model.tok2vec"]["@architectures"] == "plait.Tok2Vec.v2"
    assert out["components.textcat.model"]["@architectures"] == "plait.TextCatBOW.v3"


def test_foreign_pipeline_returns_none():
    assert init_config_components(["parser", "ner"], "en", "efficiency", False) is None
