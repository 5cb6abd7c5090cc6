"""tagger, morphologizer and senter: creation, initialization from data and
from labels, update, prediction, save/load, and learning on real EWT data."""

from __future__ import annotations

import numpy as np
import plait
import pytest
from plait.errors import DataError, UsageError

SENTS_F_MIN = 0.68  # measured 0.734 (300 steps of 8 four-sentence docs)
SMALL_MODEL = {
    "@architectures": "plait.Tagger.v2",
    "tok2vec": {
        "@architectures": "plait.HashEmbedCNN.v2", "width": 32, "depth": 2, "embed_size": 1000,
        "window_size": 1, "maxout_pieces": 2, "subword_features": True, "pretrained_vectors": None,
    },
}  # fmt: skip


def train(nlp, examples, steps, batch_size=16, seed=0):
    optimizer = nlp.initialize(lambda: examples)
    rng = np.random.default_rng(seed)
    losses = {}
    for _ in range(steps):
        batch = [examples[i] for i in rng.choice(len(examples), batch_size, replace=False)]
        losses = nlp.update(batch, sgd=optimizer)
    return losses


def tag_column(docs, attr):
    return np.concatenate([d.to_array(attr) for d in docs])


@pytest.fixture
def tagger_nlp():
    nlp = plait.blank("en")
    nlp.add_pipe("tagger", config={"model": SMALL_MODEL})
    return nlp


def test_tagger_initializes_labels_from_examples(tagger_nlp, make_ewt_examples):
    examples = make_ewt_examples(tagger_nlp, "train", 100)
    tagger_nlp.initialize(lambda: examples)
    tagger = tagger_nlp.get_pipe("tagger")
    assert {"NN", "DT", "VBZ", "."} <= set(tagger.labels)
    assert tagger.labels == tuple(sorted(tagger.labels))
    assert tagger.model.get_ref("output_layer").get_dim("nO") == len(tagger.labels)
    assert tagger.label_data == list(tagger.labels)


def test_tagger_initializes_from_given_labels(tagger_nlp, make_ewt_examples):
    examples = make_ewt_examples(tagger_nlp, "train", 20)
    tagger = tagger_nlp.get_pipe("tagger")
    tagger.initialize(lambda: examples, nlp=tagger_nlp, labels=["A", "B", "C"])
    assert tagger.labels == ("A", "B", "C")
    doc = tagger(tagger_nlp.make_doc("hello world"))
    assert all(t.tag_ in {"A", "B", "C"} for t in doc)


def test_tagger_without_labels_in_data_says_so(tagger_nlp, make_ewt_examples):
    from plait.tokens import Doc
    from plait.training import Example

    bare = [Example(Doc(tagger_nlp.vocab, ["a", "b"]), Doc(tagger_nlp.vocab, ["a", "b"]))]
    with pytest.raises(DataError, match="no labels found.*initialize.components.tagger.labels"):
        tagger_nlp.get_pipe("tagger").initialize(lambda: bare)


def test_tagger_predict_before_initialize_says_so(tagger_nlp):
    with pytest.raises(UsageError, match="has no labels.*nlp.initialize"):
        tagger_nlp("an untrained tagger")


def test_tagger_add_label_after_initialize_is_refused(tagger_nlp, make_ewt_examples):
    examples = make_ewt_examples(tagger_nlp, "train", 20)
    tagger_nlp.initialize(lambda: examples)
    with pytest.raises(UsageError, match="cannot add label 'NEW'"):
        tagger_nlp.get_pipe("tagger").add_label("NEW")


def test_tagger_update_lowers_loss_and_roundtrips(tagger_nlp, make_ewt_examples, tmp_path):
    examples = make_ewt_examples(tagger_nlp, "train", 64)
    optimizer = tagger_nlp.initialize(lambda: examples)
    first = tagger_nlp.update(examples[:32], sgd=optimizer)["tagger"]
    for _ in range(40):
        losses = tagger_nlp.update(examples[:32], sgd=optimizer)
    assert losses["tagger"] < first / 2
    texts = ["The cat sat on the mat .", "I love this place !"]
    before = [[t.tag_ for t in doc] for doc in tagger_nlp.pipe(texts)]
    tagger_nlp.to_disk(tmp_path / "nlp")
    loaded = plait.load(tmp_path / "nlp")
    after = [[t.tag_ for t in doc] for doc in loaded.pipe(texts)]
    assert before == after
    assert loaded.get_pipe("tagger").labels == tagger_nlp.get_pipe("tagger").labels


def test_tagger_overwrite_false_keeps_existing_tags(tagger_nlp, make_ewt_examples):
    examples = make_ewt_examples(tagger_nlp, "train", 20)
    tagger_nlp.initialize(lambda: examples)
    doc = tagger_nlp.make_doc("keep my tag")
    doc[0].tag_ = "MINE"
    doc = tagger_nlp.get_pipe("tagger")(doc)
    assert doc[0].tag_ == "MINE" and doc[1].tag_ != ""


def test_tagger_negative_labels_only_push_down(make_ewt_examples):
    from plait_pipes._token_classifier import sequence_loss
    from thinc.api import NumpyOps

    scores = [np.full((2, 3), 1 / 3, dtype="f")]
    gold = np.array([1, 2])
    loss, d = sequence_loss(NumpyOps(), scores, gold, negative=np.array([False, True]))
    np.testing.assert_allclose(d[0][0], [1 / 3, -2 / 3, 1 / 3], rtol=1e-5)
    np.testing.assert_allclose(d[0][1], [0, 0, 1 / 3], rtol=1e-5)


def test_morphologizer_labels_and_annotation(make_ewt_examples):
    nlp = plait.blank("en")
    morph = nlp.add_pipe("morphologizer", config={"model": SMALL_MODEL})
    examples = make_ewt_examples(nlp, "train", 200)
    train(nlp, examples, 30)
    assert "Number=Sing|POS=NOUN" in morph.labels
    assert set(morph.label_data) == {"morph", "pos"}
    doc = nlp("The dogs were barking loudly .")
    assert doc[1].pos_ in {"NOUN", "PROPN", "VERB", "ADJ", "DET", "PUNCT", "ADP", "PRON", "AUX"}
    assert all(t.pos_ for t in doc)
    # Labels from label_data (the `init labels` output) give the same label set.
    nlp2 = plait.blank("en")
    m2 = nlp2.add_pipe("morphologizer", config={"model": SMALL_MODEL})
    m2.initialize(lambda: examples, labels=morph.label_data)
    assert m2.labels == morph.labels


def test_senter_sets_sentence_starts(make_paragraph_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("senter")
    examples = make_paragraph_examples(nlp, "train", 400)
    train(nlp, examples, 40, batch_size=8)
    doc = nlp("I went home . Then I slept .")
    assert doc[0].is_sent_start
    assert len(list(doc.sents)) >= 1
    assert nlp.get_pipe("senter").labels == ("I", "S")


@pytest.mark.slow
def test_tagger_learns_ewt_tags(make_ewt_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("tagger")
    examples = make_ewt_examples(nlp, "train", 1500)
    train(nlp, examples, 120)
    scores = nlp.evaluate(make_ewt_examples(nlp, "dev", 300))
    # Measured 0.877 (default model, 120 steps of 16 sentences).
    assert scores["tag_acc"] >= 0.84


@pytest.mark.slow
def test_morphologizer_learns_ewt_pos(make_ewt_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("morphologizer")
    examples = make_ewt_examples(nlp, "train", 1500)
    train(nlp, examples, 80)
    scores = nlp.evaluate(make_ewt_examples(nlp, "dev", 300))
    # Measured pos_acc 0.877, morph_acc 0.862 (80 steps of 16 sentences).
    assert scores["pos_acc"] >= 0.83
    assert scores["morph_acc"] >= 0.83


@pytest.mark.slow
def test_senter_learns_ewt_sentences(make_paragraph_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("senter")
    train(nlp, make_paragraph_examples(nlp, "train", 3000), 300, batch_size=8)
    scores = nlp.evaluate(make_paragraph_examples(nlp, "dev", 600))
    # Measured sents_f: see docs/pipes.md.
    assert scores["sents_f"] >= SENTS_F_MIN
