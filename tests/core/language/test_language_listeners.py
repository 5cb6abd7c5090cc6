"""replace_listeners and listener linking against the documented tok2vec protocol."""

from __future__ import annotations

from typing import Any

import plait
import pytest
from plait.errors import UsageError
from plait.language import Language
from plait.pipe import TrainablePipe
from thinc.api import Linear, Model, chain

LISTENER = "plait.Tok2VecListener.v1"


class FakeTok2Vec(TrainablePipe):
    """The protocol plait-pipes' tok2vec implements (docs/components.md)."""

    def __init__(self, vocab: Any, model: Model, name: str) -> None:
        super().__init__(vocab, model, name)
        self.listener_map: dict[str, list[Model]] = {}

    @property
    def listeners(self) -> list[Model]:
        return [m for ms in self.listener_map.values() for m in ms]

    def add_listener(self, listener: Model, component_name: str) -> None:
        self.listener_map.setdefault(component_name, []).append(listener)

    def remove_listener(self, listener: Model, component_name: str) -> bool:
        if listener in self.listener_map.get(component_name, []):
            self.listener_map[component_name].remove(listener)
            if not self.listener_map[component_name]:
                del self.listener_map[component_name]
            return True
        return False

    def find_listeners(self, component: Any) -> None:
        model = getattr(component, "model", None)
        if not isinstance(model, Model):
            return
        for node in model.walk():
            if node.name == LISTENER and node.attrs.get("upstream_name") in ("*", self.name):
                self.add_listener(node, component.name)


@plait.registry.architectures("test.FakeTok2VecModel.v1")
def fake_tok2vec_model(width: int = 4) -> Model:
    return Linear(nO=width, nI=3)


@plait.registry.architectures("test.FakeListener.v1")
def fake_listener(width: int = 4, upstream: str = "*") -> Model:
    return Model(LISTENER, lambda model, X, is_train: (X, lambda d: d), attrs={"upstream_name": upstream},
                 dims={"nO": width})


@plait.registry.architectures("test.ListeningTagger.v1")
def listening_tagger(tok2vec: Model) -> Model:
    model = chain(tok2vec, Linear(nO=2, nI=4))
    model.set_ref("tok2vec", tok2vec)
    return model


@Language.factory("test_fake_tok2vec", default_config={"model": {"@architectures": "test.FakeTok2VecModel.v1"}})
def make_fake_tok2vec(nlp: Language, name: str, model: Model) -> FakeTok2Vec:
    return FakeTok2Vec(nlp.vocab, model, name)


@Language.factory("test_listening", default_config={"model": {
    "@architectures": "test.ListeningTagger.v1", "tok2vec": {"@architectures": "test.FakeListener.v1"}}})
def make_listening(nlp: Language, name: str, model: Model) -> TrainablePipe:
    return TrainablePipe(nlp.vocab, model, name)


def _nlp():
    nlp = plait.blank("en")
    nlp.add_pipe("test_fake_tok2vec", name="tok2vec")
    nlp.add_pipe("test_listening", name="tagger")
    return nlp


def test_listeners_are_linked_on_add_pipe():
    nlp = _nlp()
    t2v = nlp.get_pipe("tok2vec")
    assert list(t2v.listener_map) == ["tagger"]
    nlp.remove_pipe("tagger")
    assert t2v.listener_map == {}


def test_replace_listeners_copies_tok2vec_model_and_config():
    nlp = _nlp()
    t2v, tagger = nlp.get_pipe("tok2vec"), nlp.get_pipe("tagger")
    t2v.model.initialize()
    nlp.replace_listeners("tok2vec", "tagger", ["model.tok2vec"])
    names = [node.name for node in tagger.model.walk()]
    assert LISTENER not in names
    inner = tagger.model.get_ref("tok2vec")
    assert inner is not t2v.model and inner.name == t2v.model.name
    assert (inner.get_param("W") == t2v.model.get_param("W")).all()
    assert t2v.listener_map == {}
    cfg = nlp.config["components"]["tagger"]["model"]["tok2vec"]
    assert cfg["@architectures"] == "test.FakeTok2VecModel.v1"


def test_replace_listeners_errors():
    nlp = _nlp()
    with pytest.raises(UsageError, match="1 listener"):
        nlp.replace_listeners("tok2vec", "tagger", ["model.tok2vec", "model.other"])
    with pytest.raises(UsageError, match="no 'model.nope'"):
        nlp.replace_listeners("tok2vec", "tagger", ["model.nope"])
    with pytest.raises(UsageError, match="has no listeners"):
        nlp.replace_listeners("tagger", "tok2vec", ["model"])
    with pytest.raises(UsageError, match="no component 'ghost'"):
        nlp.replace_listeners("ghost", "tagger", ["model.tok2vec"])


@plait.registry.architectures("test.NestedListeningTagger.v1")
def nested_listening_tagger(tok2vec: Model) -> Model:
    # The listener sits two levels down while the outer node holds the ref to
    # it (as the parser's model does): walking top-down, the ref is met before
    # the layer holding the listener.
    model = chain(chain(tok2vec, Linear(nO=4, nI=4)), Linear(nO=2, nI=4))
    model.set_ref("tok2vec", tok2vec)
    model.layers[0].set_ref("tok2vec", tok2vec)
    return model


@Language.factory("test_nested_listening", default_config={"model": {
    "@architectures": "test.NestedListeningTagger.v1", "tok2vec": {"@architectures": "test.FakeListener.v1"}}})
def make_nested_listening(nlp: Language, name: str, model: Model) -> TrainablePipe:
    return TrainablePipe(nlp.vocab, model, name)


def test_replace_listeners_with_outer_ref_to_nested_listener():
    nlp = plait.blank("en")
    nlp.add_pipe("test_fake_tok2vec", name="tok2vec")
    nlp.add_pipe("test_nested_listening", name="tagger")
    t2v, tagger = nlp.get_pipe("tok2vec"), nlp.get_pipe("tagger")
    t2v.model.initialize()
    nlp.replace_listeners("tok2vec", "tagger", ["model.tok2vec"])
    assert LISTENER not in [node.name for node in tagger.model.walk()]
    inner = tagger.model.layers[0].layers[0]
    assert inner is not t2v.model and inner.name == t2v.model.name
    # Both refs, the outer and the nested one, point at the copy in the tree.
    assert tagger.model.get_ref("tok2vec") is inner
    assert tagger.model.layers[0].get_ref("tok2vec") is inner
    assert (inner.get_param("W") == t2v.model.get_param("W")).all()
    assert t2v.listener_map == {}
