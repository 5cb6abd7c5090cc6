"""The token classifiers' architecture contract: a custom model must set an
'output_layer' reference; without one, creating the component says so."""

from __future__ import annotations

import plait
import pytest
from plait import registry
from plait.errors import ConfigError
from plait.training import Example
from thinc.api import Model, Softmax, chain, with_array

CONFIG = {
    "model": {
        "@architectures": "test.CustomTagger.v1",
        "tok2vec": {"@architectures": "plait.HashEmbedCNN.v2", "width": 32, "depth": 1, "embed_size": 500,
                    "window_size": 1, "maxout_pieces": 2, "subword_features": False,
                    "pretrained_vectors": None},
        "with_ref": True,
    }
}


@registry.architectures("test.CustomTagger.v1")
def custom_tagger(tok2vec: Model, with_ref: bool = True) -> Model:
    softmax = Softmax()
    model = chain(tok2vec, with_array(softmax))
    if with_ref:
        model.set_ref("output_layer", softmax)
    return model


@registry.architectures("test.NoDimOutput.v1")
def no_dim_output(tok2vec: Model) -> Model:
    model = chain(tok2vec, Model("identity", lambda m, X, is_train: (X, lambda dY: dY)))
    model.set_ref("output_layer", model.layers[-1])
    return model


@pytest.mark.parametrize("factory", ["tagger", "morphologizer", "senter"])
def test_missing_output_layer_is_a_clear_error_at_creation(factory: str) -> None:
    nlp = plait.blank("en")
    config = {"model": dict(CONFIG["model"], with_ref=False)}
    with pytest.raises(ConfigError) as info:
        nlp.add_pipe(factory, config=config)
    msg = str(info.value)
    assert f"component '{factory}'" in msg
    assert f"[components.{factory}.model]" in msg
    assert "has no 'output_layer' reference" in msg
    assert 'model.set_ref("output_layer", layer)' in msg
    assert "KeyError" not in msg


def test_output_layer_without_nO_is_refused() -> None:
    config = {"model": {"@architectures": "test.NoDimOutput.v1", "tok2vec": CONFIG["model"]["tok2vec"]}}
    with pytest.raises(ConfigError, match=r"thinc layer 'identity', which has no nO dimension"):
        plait.blank("en").add_pipe("tagger", config=config)


def test_custom_architecture_with_the_ref_trains() -> None:
    nlp = plait.blank("en")
    nlp.add_pipe("tagger", config=CONFIG)
    examples = [
        Example.from_dict(nlp.make_doc("I like cats"), {"tags": ["PRP", "VBP", "NNS"]}),
        Example.from_dict(nlp.make_doc("you eat fish"), {"tags": ["PRP", "VBP", "NN"]}),
    ]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    assert [t.tag_ for t in nlp("I like cats")] == ["PRP", "VBP", "NNS"]
