"""initialize / update / evaluate / to_disk / load with a real trainable component on EWT."""

from __future__ import annotations

import numpy as np
import plait
import pytest
from language_components import CapTagger, cap_examples
from plait.errors import ConfigError, UsageError
from thinc.api import Adam


def _trained(ewt_train_words, steps: int = 6):
    nlp = plait.blank("en")
    nlp.add_pipe("test_cap_tagger", name="cap")
    examples = cap_examples(nlp, ewt_train_words)
    sgd = nlp.initialize(lambda: examples)
    losses_seen = []
    for _ in range(steps):
        losses: dict[str, float] = {}
        for i in range(0, len(examples), 32):
            nlp.update(examples[i:i + 32], sgd=sgd, losses=losses, drop=0.1)
        losses_seen.append(losses["cap"])
    return nlp, examples, losses_seen


@pytest.fixture(scope="module")
def trained(ewt_train_words):
    return _trained(ewt_train_words)


def test_initialize_returns_configured_optimizer(ewt_train_words):
    nlp = plait.blank("en", config={"training": {"optimizer": {"learn_rate": 0.005}}})
    nlp.add_pipe("test_cap_tagger", name="cap")
    examples = cap_examples(nlp, ewt_train_words[:20])
    sgd = nlp.initialize(lambda: examples)
    assert sgd.learn_rate == pytest.approx(0.005)
    assert nlp.get_pipe("cap").labels == ("CAP", "low")
    mine = Adam(0.1)
    assert nlp.initialize(lambda: examples, sgd=mine) is mine


def test_update_lowers_loss_and_evaluate_scores(trained, ewt_dev_words):
    nlp, _, losses = trained
    assert losses[-1] < losses[0] * 0.5
    dev = cap_examples(nlp, ewt_dev_words)
    before = [eg.predicted.to_array("TAG").copy() for eg in dev]
    scores = nlp.evaluate(dev)
    assert scores["cap_acc"] > 0.9
    assert scores["speed"] > 0
    # evaluate works on copies: the caller's predicted docs are untouched.
    assert all((b == eg.predicted.to_array("TAG")).all() for b, eg in zip(before, dev, strict=True))


def test_to_disk_load_round_trip_identical_predictions(trained, ewt_dev_words, tmp_path):
    nlp, _, _ = trained
    nlp.meta["name"] = "captest"
    nlp.to_disk(tmp_path / "pipe")
    names = sorted(p.name for p in (tmp_path / "pipe").iterdir())
    assert names == ["cap", "checksums.sha256", "config.cfg", "meta.json", "tokenizer", "vocab"]
    loaded = plait.load(tmp_path / "pipe")
    assert loaded.pipe_names == ["cap"]
    assert loaded.meta["name"] == "captest"
    assert loaded.meta["labels"] == {"cap": ["CAP", "low"]}
    assert loaded.meta["plait_version"].startswith(">=")
    texts = [" ".join(words) for words in ewt_dev_words[:50]]
    a = [d.to_array("TAG") for d in nlp.pipe(texts)]
    b = [d.to_array("TAG") for d in loaded.pipe(texts)]
    assert all((x == y).all() for x, y in zip(a, b, strict=True))
    sa = nlp.get_pipe("cap").predict([nlp.make_doc(texts[0])])
    sb = loaded.get_pipe("cap").predict([loaded.make_doc(texts[0])])
    np.testing.assert_allclose(sa, sb)
    assert loaded.config["components"]["cap"]["model"]["@architectures"] == "test.CapModel.v1"


def test_to_bytes_from_bytes(trained):
    nlp, _, _ = trained
    data = nlp.to_bytes()
    fresh = plait.blank("en")
    fresh.add_pipe("test_cap_tagger", name="cap")
    fresh.from_bytes(data)
    text = "Bob and Mary went to London ."
    assert [t.tag_ for t in fresh(text)] == [t.tag_ for t in nlp(text)]


def test_frozen_components_are_not_initialized_or_updated(ewt_train_words):
    nlp = plait.blank("en", config={"training": {"frozen_components": ["frozen"]}})
    nlp.add_pipe("test_cap_tagger", name="frozen")
    nlp.add_pipe("test_cap_tagger", name="live")
    examples = cap_examples(nlp, ewt_train_words[:30])
    nlp.initialize(lambda: examples)
    assert nlp.get_pipe("frozen").labels == ()
    assert nlp.get_pipe("live").labels == ("CAP", "low")
    losses = nlp.update(examples, exclude=["frozen"])
    assert set(losses) == {"live"}


def test_initialize_component_settings_from_config(ewt_train_words):
    nlp = plait.blank("en", config={"initialize": {"components": {"cap": {"labels": ["low", "CAP"]}}}})
    nlp.add_pipe("test_cap_tagger", name="cap")
    nlp.initialize(lambda: cap_examples(nlp, ewt_train_words[:5]))
    assert nlp.get_pipe("cap").labels == ("low", "CAP")


def test_initialize_bad_component_setting(ewt_train_words):
    nlp = plait.blank("en", config={"initialize": {"components": {"cap": {"lables": ["x"]}}}})
    nlp.add_pipe("test_cap_tagger", name="cap")
    with pytest.raises(ConfigError) as err:
        nlp.initialize(lambda: cap_examples(nlp, ewt_train_words[:5]))
    assert "[initialize.components.cap] lables" in str(err.value) and "labels" in str(err.value)


def test_initialize_settings_for_missing_component():
    nlp = plait.blank("en", config={"initialize": {"components": {"ghost": {}}}})
    with pytest.raises(ConfigError, match=r"\[initialize.components.ghost\]"):
        nlp.initialize()


def test_before_and_after_init_callbacks():
    calls = []

    @plait.registry.callbacks("test_lang_before_init.v1")
    def make_before():
        return lambda nlp: calls.append(("before", nlp.pipe_names))

    @plait.registry.callbacks("test_lang_after_init.v1")
    def make_after():
        return lambda nlp: calls.append(("after", nlp.pipe_names))

    nlp = plait.blank("en", config={"initialize": {"before_init": {"@callbacks": "test_lang_before_init.v1"},
                                                   "after_init": {"@callbacks": "test_lang_after_init.v1"}}})
    nlp.add_pipe("test_exclaimer")
    nlp.initialize()
    assert calls == [("before", ["test_exclaimer"]), ("after", ["test_exclaimer"])]


def test_update_rejects_non_examples(trained):
    nlp, _, _ = trained
    with pytest.raises(UsageError, match="not an Example"):
        nlp.update(["a text"])
    with pytest.raises(UsageError, match="Example"):
        nlp.update("a text")


def test_annotating_components_set_predictions(ewt_train_words):
    nlp, examples, _ = _trained(ewt_train_words[:60], steps=2)
    copies = cap_examples(nlp, ewt_train_words[:5])
    nlp.update(copies, annotates=["cap"])
    # the caller's examples are not modified
    assert not copies[0].predicted.has_annotation("TAG")


def test_resume_training(trained):
    nlp, _, _ = trained
    sgd = nlp.resume_training()
    assert sgd is not None
    mine = Adam(0.01)
    assert nlp.resume_training(sgd=mine) is mine


def test_trainable_pipe_from_bytes_rejects_garbage(trained):
    nlp, _, _ = trained
    from plait.errors import SerializationError

    with pytest.raises(SerializationError, match="component 'cap'"):
        nlp.get_pipe("cap").from_bytes(b"garbage")


def test_cap_tagger_is_trainable_pipe(trained):
    nlp, _, _ = trained
    proc = nlp.get_pipe("cap")
    assert isinstance(proc, CapTagger) and proc.is_trainable
    assert nlp.pipe_labels == {"cap": ["CAP", "low"]}
