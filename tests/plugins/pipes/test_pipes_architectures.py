"""The thinc architectures alone, on synthetic docs: shapes, gradients,
registry names, and the errors a config can cause."""

from __future__ import annotations

import numpy as np
import pytest
from plait import registry
from plait.errors import ConfigError
from plait_pipes.architectures.tagger import build_tagger_model
from plait_pipes.architectures.textcat import (
    build_bow_text_classifier_v3,
    build_simple_cnn_text_classifier,
    build_text_classifier_v2,
)
from plait_pipes.architectures.tok2vec import (
    build_hash_embed_cnn_tok2vec,
    build_maxout_window_encoder,
    build_mish_window_encoder,
    build_multi_hash_embed,
    build_tok2vec_model,
)
from thinc.api import Config

ARCHITECTURES = [
    "plait.Tok2Vec.v2", "plait.HashEmbedCNN.v2", "plait.MultiHashEmbed.v2",
    "plait.MaxoutWindowEncoder.v2", "plait.MaxoutWindowEncoder.v3", "plait.MishWindowEncoder.v2",
    "plait.Tok2VecListener.v1",
    "plait.Tagger.v2", "plait.TextCatEnsemble.v2", "plait.TextCatBOW.v3", "plait.TextCatCNN.v2",
]  # fmt: skip


class FakeDoc:
    """Just enough of a Doc for the feature extractor: random id columns."""

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.cols = rng.integers(1, 2**63, size=(n, 100), dtype=np.uint64)
        self.vocab = None

    def __len__(self) -> int:
        return len(self.cols)

    def to_array(self, attrs):
        return self.cols[:, [a % 100 for a in attrs]]


DOCS = [FakeDoc(n, i) for i, n in enumerate((5, 9, 1, 3))]


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_architectures_registered(name):
    assert callable(registry.architectures.get(name))


def small_tok2vec(width=16, encoder="maxout"):
    embed = build_multi_hash_embed(width=width, attrs=["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                                   rows=[200, 100, 100, 100], include_static_vectors=False)
    if encoder == "maxout":
        encode = build_maxout_window_encoder(width=width, window_size=1, maxout_pieces=3, depth=2)
    else:
        encode = build_mish_window_encoder(width=width, window_size=1, depth=2)
    return build_tok2vec_model(embed, encode)


@pytest.mark.parametrize("encoder", ["maxout", "mish"])
def test_tok2vec_shapes_and_backprop(encoder):
    model = small_tok2vec(encoder=encoder)
    model.initialize(X=DOCS)
    Y, backprop = model.begin_update(DOCS)
    assert [y.shape for y in Y] == [(5, 16), (9, 16), (1, 16), (3, 16)]
    backprop([np.ones_like(y) for y in Y])
    # Gradients reached the embedding tables.
    grads = [node.get_grad("E") for node in model.walk() if node.name == "hashembed"]
    assert len(grads) == 4 and all(np.abs(g).sum() > 0 for g in grads)


def test_tok2vec_is_contextual_and_deterministic():
    model = small_tok2vec()
    model.initialize(X=DOCS)
    a = model.predict(DOCS)[1]
    b = model.predict(DOCS)[1]
    np.testing.assert_array_equal(a, b)
    # Identical features at positions 0 and 4 of different contexts differ.
    doc = FakeDoc(6, 7)
    doc.cols[4] = doc.cols[0]
    out = model.predict([doc])[0]
    assert not np.allclose(out[0], out[4])


def test_hash_embed_cnn_and_tagger():
    t2v = build_hash_embed_cnn_tok2vec(width=24, depth=2, embed_size=300, window_size=1,
                                       maxout_pieces=3, subword_features=True, pretrained_vectors=None)
    tagger = build_tagger_model(t2v, nO=7)
    tagger.initialize(X=DOCS)
    Y, _ = tagger.begin_update(DOCS)
    assert Y[1].shape == (9, 7)
    # Zero-initialised output layer: uniform distribution before training
    # (normalize=False skips the softmax only at inference, like spaCy).
    np.testing.assert_allclose(Y[1], 1 / 7, rtol=1e-5)
    np.testing.assert_allclose(Y[0].sum(axis=1), 1.0, rtol=1e-5)


def test_hash_embed_cnn_without_subwords_uses_one_table():
    t2v = build_hash_embed_cnn_tok2vec(width=8, depth=1, embed_size=50, window_size=1,
                                       maxout_pieces=2, subword_features=False, pretrained_vectors=None)
    assert sum(1 for node in t2v.walk() if node.name == "hashembed") == 1


@pytest.mark.parametrize("exclusive", [True, False])
def test_textcat_models(exclusive):
    Y0 = np.zeros((4, 3), dtype="f")
    models = [
        build_bow_text_classifier_v3(exclusive_classes=exclusive, ngram_size=2, no_output_layer=False),
        build_text_classifier_v2(small_tok2vec(), build_bow_text_classifier_v3(
            exclusive_classes=exclusive, ngram_size=1, no_output_layer=False)),
        build_simple_cnn_text_classifier(small_tok2vec(), exclusive_classes=exclusive),
    ]
    for model in models:
        model.initialize(X=DOCS, Y=Y0)
        Y, backprop = model.begin_update(DOCS)
        assert Y.shape == (4, 3)
        if exclusive:
            np.testing.assert_allclose(Y.sum(axis=1), 1.0, rtol=1e-5)
        else:
            assert ((Y > 0) & (Y < 1)).all()
        backprop(Y - 0.5)
        assert model.attrs["multi_label"] is (not exclusive)


def test_multi_hash_embed_rows_must_match_attrs():
    with pytest.raises(ConfigError, match="rows: 2 values for 3 attrs"):
        build_multi_hash_embed(width=8, attrs=["NORM", "PREFIX", "SUFFIX"], rows=[10, 10],
                               include_static_vectors=False)


def test_multi_hash_embed_unknown_attr_suggests():
    with pytest.raises(ConfigError, match="unknown token attribute 'NROM'.*NORM"):
        build_multi_hash_embed(width=8, attrs=["NROM"], rows=[10], include_static_vectors=False)


def test_static_vectors_without_vectors_is_a_clear_error():
    import plait

    nlp = plait.blank("en")
    model = build_multi_hash_embed(width=8, attrs=["NORM"], rows=[10], include_static_vectors=True)
    with pytest.raises(ConfigError, match="include_static_vectors.*no word vectors"):
        model.initialize(X=[nlp("no vectors here")])


def test_config_resolves_default_tagger_block():
    from plait_pipes._default_models import TAGGER

    model = registry.resolve(Config().from_str(TAGGER))["model"]
    assert model.get_ref("tok2vec").get_dim("nO") == 96
