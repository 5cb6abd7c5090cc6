"""plait.MaxoutWindowEncoder.v3: windows end at document edges, with no padding rows.

Over a batch, v3 must give each document what it gives it alone, forward
and backward, and its parameter gradients must be the sum of the
per-document ones. With its edge vectors at zero (their initial value) it
is thinc's own window CNN run on one document at a time (``expand_window``
zero-fills past a lone array's ends), with the very same Maxout layers; the
edge vectors' gradient is checked by finite differences.
"""

from __future__ import annotations

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plait_pipes.architectures.seq_window import build_maxout_window_encoder_v3
from plait_pipes.architectures.tok2vec import build_maxout_window_encoder
from thinc.api import Model, chain, expand_window, residual

WIDTH = 8


def _encoder(window_size: int, depth: int, seed: int = 0, edges: bool = False) -> Model:
    model = build_maxout_window_encoder_v3(WIDTH, window_size, 2, depth)
    rng = numpy.random.default_rng(seed)
    model.initialize(X=[rng.normal(size=(3, WIDTH)).astype("f")])
    # non-trivial biases and layer-norm parameters, so edges matter at every layer
    for node in model.walk():
        for name in node.param_names:
            if name != "E" or edges:
                node.set_param(name, rng.normal(size=node.get_param(name).shape).astype("f"))
    return model


def _edge_nodes(model: Model) -> list[Model]:
    return [node for node in model.walk() if node.name == "seq_window"]


def _maxouts(model: Model) -> list[Model]:
    """The windowed layers (Maxout >> LayerNorm), in order; v2 puts them after expand_window."""
    found = []
    for node in model.walk():
        if node.name == "seq_window":
            found.append(node.layers[0])
        elif node.name.startswith("expand_window>>"):
            found.append(node.layers[1])
    return found


def _reference(model: Model, window_size: int) -> Model:
    """thinc's window CNN over one Floats2d, sharing v3's Maxout layers."""
    blocks = [residual(chain(expand_window(window_size=window_size), maxout))
              for maxout in _maxouts(model)]
    return chain(*blocks) if len(blocks) > 1 else blocks[0]


def _params(model: Model):
    return [(node, name) for layer in _maxouts(model) for node in layer.walk()
            for name in node.param_names] + [(node, "E") for node in _edge_nodes(model)]


def _grads(model: Model, edges: bool = True) -> list[numpy.ndarray]:
    return [node.get_grad(name).copy() for node, name in _params(model)
            if node.has_grad(name) and (edges or name != "E")]


def _zero_grads(model: Model) -> None:
    for node, name in _params(model):
        if node.has_grad(name):
            node.set_grad(name, numpy.zeros_like(node.get_grad(name)))


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=6),
    window_size=st.integers(min_value=1, max_value=2),
    depth=st.integers(min_value=1, max_value=3),
)
def test_a_batch_gives_each_document_what_it_gives_it_alone(lengths, window_size, depth) -> None:
    model = _encoder(window_size, depth)
    reference = _reference(model, window_size)
    rng = numpy.random.default_rng(sum(lengths))
    docs = [rng.normal(size=(n, WIDTH)).astype("f") for n in lengths]
    d_out = [rng.normal(size=(n, WIDTH)).astype("f") for n in lengths]

    _zero_grads(model)
    outputs, backprop = model(docs, is_train=True)
    d_inputs = backprop(d_out)
    batch_grads = _grads(model, edges=False)

    _zero_grads(model)
    for doc, d_doc, out, d_in in zip(docs, d_out, outputs, d_inputs):
        if not len(doc):
            assert len(out) == 0 and len(d_in) == 0
            continue
        assert out.shape == doc.shape and d_in.shape == doc.shape
        alone, backprop_alone = reference(doc, is_train=True)
        numpy.testing.assert_allclose(out, alone, rtol=1e-5, atol=1e-5)
        numpy.testing.assert_allclose(d_in, backprop_alone(d_doc), rtol=1e-4, atol=1e-4)
    for batch_grad, summed in zip(batch_grads, _grads(model, edges=False), strict=True):
        numpy.testing.assert_allclose(batch_grad, summed, rtol=1e-4, atol=1e-4)


@settings(max_examples=15, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=5),
    window_size=st.integers(min_value=1, max_value=2),
)
def test_with_learned_edges_a_batch_still_keeps_documents_apart(lengths, window_size) -> None:
    model = _encoder(window_size, 2, edges=True)
    rng = numpy.random.default_rng(len(lengths))
    docs = [rng.normal(size=(n, WIDTH)).astype("f") for n in lengths]
    d_out = [rng.normal(size=(n, WIDTH)).astype("f") for n in lengths]
    _zero_grads(model)
    outputs, backprop = model(docs, is_train=True)
    d_inputs = backprop(d_out)
    batch_grads = _grads(model)
    _zero_grads(model)
    for doc, d_doc, out, d_in in zip(docs, d_out, outputs, d_inputs):
        if not len(doc):
            assert len(out) == 0 and len(d_in) == 0
            continue
        alone, backprop_alone = model([doc], is_train=True)
        numpy.testing.assert_allclose(out, alone[0], rtol=1e-5, atol=1e-5)
        numpy.testing.assert_allclose(d_in, backprop_alone([d_doc])[0], rtol=1e-4, atol=1e-4)
    for batch_grad, summed in zip(batch_grads, _grads(model)):
        numpy.testing.assert_allclose(batch_grad, summed, rtol=1e-4, atol=1e-4)


def test_edge_vectors_get_their_gradient_and_matter() -> None:
    model = _encoder(1, 2, seed=4, edges=True)
    rng = numpy.random.default_rng(5)
    docs = [rng.normal(size=(n, WIDTH)).astype("f") for n in (1, 3, 5)]
    d_out = [rng.normal(size=(n, WIDTH)).astype("f") for n in (1, 3, 5)]

    def loss() -> float:
        return float(sum((y.astype("f8") * d).sum() for y, d in zip(model.predict(docs), d_out)))

    _zero_grads(model)
    _, backprop = model(docs, is_train=True)
    backprop(d_out)
    for node in _edge_nodes(model):
        E = node.get_param("E")
        grad = node.get_grad("E")
        assert grad.shape == (2, WIDTH) and numpy.abs(grad).max() > 0
        for index in [(0, 0), (1, 3), (0, 7)]:
            step = 1e-2
            E[index] += step
            up = loss()
            E[index] -= 2 * step
            down = loss()
            E[index] += step
            numpy.testing.assert_allclose((up - down) / (2 * step), grad[index], rtol=2e-2, atol=2e-3)


def test_edges_differ_from_v2_only_after_the_first_layer() -> None:
    """One block: v2's padding rows are plain zeros, so v2 and v3 agree exactly;
    more blocks: v2's padding rows turn non-zero and its edge tokens see them."""
    rng = numpy.random.default_rng(1)
    docs = [rng.normal(size=(n, WIDTH)).astype("f") for n in (4, 1, 6)]
    for depth, equal in ((1, True), (2, False)):
        v3 = _encoder(1, depth)
        v2 = build_maxout_window_encoder(WIDTH, 1, 2, depth)
        v2.initialize(X=docs[:1])
        mine_params = [(node, name) for node, name in _params(v3) if name != "E"]
        for (mine, name), (theirs, their_name) in zip(mine_params, _params(v2), strict=True):
            assert name == their_name
            theirs.set_param(name, mine.get_param(name).copy())
        same = all(numpy.allclose(a, b, atol=1e-5) for a, b in zip(v3.predict(docs), v2.predict(docs)))
        assert same is equal


def test_the_padding_rows_are_gone_from_the_gemms() -> None:
    model = _encoder(1, 2)
    rows = []
    for maxout in _maxouts(model):
        maxout = maxout.layers[0]  # the Maxout itself, before its LayerNorm
        forward = maxout._func

        def counting(layer, X, is_train, forward=forward):
            rows.append(X.shape[0])
            return forward(layer, X, is_train)

        maxout._func = counting
    docs = [numpy.ones((n, WIDTH), dtype="f") for n in (3, 5, 2)]
    model.predict(docs)
    assert rows == [10, 10]


@pytest.mark.parametrize("window_size", [0, 1, 3])
def test_window_sizes_and_an_empty_batch(window_size) -> None:
    model = _encoder(window_size, 2)
    assert model.predict([]) == []
    out = model.predict([numpy.ones((2, WIDTH), dtype="f")])
    assert out[0].shape == (2, WIDTH)
