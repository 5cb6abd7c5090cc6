"""The shared tok2vec and its listeners: linking, training through the
listener, saving, and the listener errors."""

from __future__ import annotations

import numpy as np
import plait
import pytest
from plait.errors import UsageError
from plait_pipes.architectures.listener import Tok2VecListener

LISTENER = {"@architectures": "plait.Tok2VecListener.v1", "width": 96, "upstream": "*"}


def shared_nlp():
    nlp = plait.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("tagger", config={"model": {"@architectures": "plait.Tagger.v2", "tok2vec": LISTENER}})
    return nlp


def test_tok2vec_links_listeners_and_trains_through_them(make_ewt_examples, tmp_path):
    nlp = shared_nlp()
    examples = make_ewt_examples(nlp, "train", 200)
    optimizer = nlp.initialize(lambda: examples)
    tok2vec = nlp.get_pipe("tok2vec")
    assert tok2vec.listening_components == ["tagger"]
    listener = tok2vec.listeners[0]
    assert isinstance(listener, Tok2VecListener) and listener.upstream_name == "*"
    embed = next(n for n in tok2vec.model.walk() if n.name == "hashembed")
    before = embed.get_param("E").copy()
    losses = {}
    for i in range(30):
        losses = nlp.update(examples[(i * 16) % 192 : (i * 16) % 192 + 16], sgd=optimizer)
    assert losses["tok2vec"] > 0 and losses["tagger"] > 0
    # The shared model learned from the tagger's gradient.
    assert not np.allclose(before, embed.get_param("E"))
    doc = nlp("This is a sentence .")
    assert doc.tensor.shape == (5, 96)
    tags = [t.tag_ for t in doc]
    nlp.to_disk(tmp_path / "shared")
    loaded = plait.load(tmp_path / "shared")
    assert [t.tag_ for t in loaded("This is a sentence .")] == tags
    assert loaded.get_pipe("tok2vec").listening_components == ["tagger"]


def test_tok2vec_find_and_remove_listener():
    nlp = shared_nlp()
    tok2vec = nlp.get_pipe("tok2vec")
    tagger = nlp.get_pipe("tagger")
    tok2vec.listener_map = {}
    tok2vec.find_listeners(tagger)
    listener = tok2vec.listener_map["tagger"][0]
    assert tok2vec.remove_listener(listener, "tagger") is True
    assert tok2vec.remove_listener(listener, "tagger") is False
    assert tok2vec.listeners == []


def test_listener_ignores_other_upstream_names():
    nlp = plait.blank("en")
    nlp.add_pipe("tok2vec", name="t2v_a")
    other = {**LISTENER, "upstream": "t2v_b"}
    tagger = nlp.add_pipe("tagger", config={"model": {"@architectures": "plait.Tagger.v2", "tok2vec": other}})
    t2v = nlp.get_pipe("t2v_a")
    t2v.listener_map = {}
    t2v.find_listeners(tagger)
    assert t2v.listeners == []


def test_listener_batch_mismatch_is_explained():
    nlp = plait.blank("en")
    listener = Tok2VecListener("tok2vec", 4)
    docs = [nlp.make_doc("one two")]
    listener.receive(123, [np.zeros((2, 4), dtype="f")], lambda d: [])
    with pytest.raises(UsageError, match="did not process"):
        listener.begin_update(docs)


def test_tok2vec_has_no_labels():
    nlp = plait.blank("en")
    tok2vec = nlp.add_pipe("tok2vec")
    with pytest.raises(UsageError, match="has no labels"):
        tok2vec.add_label("X")


def test_listener_without_a_tok2vec_in_the_pipeline_refuses_to_train(make_ewt_examples):
    # A config whose [nlp] pipeline leaves out the tok2vec its listeners need
    # would otherwise train the tagger on zeros and learn nothing.
    nlp = plait.blank("en")
    nlp.add_pipe("tagger", config={"model": {"@architectures": "plait.Tagger.v2", "tok2vec": LISTENER}})
    examples = make_ewt_examples(nlp, "dev", 5)
    nlp.initialize(lambda: examples)
    with pytest.raises(UsageError, match=r"no tok2vec ran on this batch.*\[nlp\] pipeline"):
        nlp.update(examples)
    # Inference without tensors stays possible (e.g. a listener whose docs come pre-embedded).
    assert len(list(nlp.pipe(["one two"]))) == 1
