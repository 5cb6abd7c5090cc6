"""Token classifiers write a whole batch at once (one concatenated array, one
slice per doc): the result must be what one-doc-at-a-time processing gives,
with overwrite / extend honoured per token, on real EWT text."""

from __future__ import annotations

import numpy as np
import plait
import pytest

SMALL_MODEL = {
    "@architectures": "plait.Tagger.v2",
    "tok2vec": {
        "@architectures": "plait.HashEmbedCNN.v2", "width": 32, "depth": 1, "embed_size": 500,
        "window_size": 1, "maxout_pieces": 2, "subword_features": True, "pretrained_vectors": None,
    },
}  # fmt: skip
COLUMNS = ["TAG", "POS", "MORPH", "SENT_START"]


@pytest.fixture(scope="module")
def trained(make_ewt_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("tagger", config={"model": SMALL_MODEL})
    nlp.add_pipe("morphologizer", config={"model": SMALL_MODEL})
    nlp.add_pipe("senter", config={"model": SMALL_MODEL})
    examples = make_ewt_examples(nlp, "train", 120)
    optimizer = nlp.initialize(lambda: examples)
    for start in range(0, 120, 12):
        nlp.update(examples[start : start + 12], sgd=optimizer)
    texts = [eg.reference.text for eg in make_ewt_examples(nlp, "dev", 150)] + ["", "One"]
    return nlp, texts


def test_batched_writes_equal_one_doc_at_a_time(trained):
    nlp, texts = trained
    batched = list(nlp.pipe(texts, batch_size=64))
    single = [nlp(text) for text in texts]
    for a, b in zip(batched, single, strict=True):
        assert np.array_equal(a.to_array(COLUMNS), b.to_array(COLUMNS))
    assert any(t.tag_ for t in batched[0]) and batched[0][0].is_sent_start


def test_overwrite_false_and_extend_keep_existing_values_per_token(trained):
    """Existing tags and sentence starts survive (overwrite=False); existing
    features win over predicted ones (extend=True); nothing else changes."""
    nlp, texts = trained
    texts = texts[:40]
    expected = list(nlp.pipe(texts))
    docs = [nlp.make_doc(text) for text in texts]
    a, b = [i for i, doc in enumerate(docs) if len(doc) >= 4][1:3]  # two docs inside the batch
    docs[a][1].tag_ = "MINE"
    docs[a][2].pos_ = "X"
    docs[b][0].set_morph("Mine=Yes")
    docs[b][1].is_sent_start = True
    morph = nlp.get_pipe("morphologizer")
    morph.cfg["extend"] = True  # overwrite stays True: POS is replaced, features merged
    try:
        out = list(nlp.pipe(docs, batch_size=16))
    finally:
        morph.cfg["extend"] = False
    # The tagger and senter do not overwrite by default.
    assert out[a][1].tag_ == "MINE" and out[a][2].pos_ == expected[a][2].pos_
    assert out[b][1].is_sent_start
    # extend: the predicted features are merged under the existing one.
    predicted = expected[b][0].morph.to_dict()
    assert out[b][0].morph.to_dict() == {**predicted, "Mine": "Yes"}
    for i in range(len(docs)):
        if i not in (a, b):
            assert np.array_equal(out[i].to_array(COLUMNS), expected[i].to_array(COLUMNS))
    assert [t.tag_ for t in out[a]][2:] == [t.tag_ for t in expected[a]][2:]
