"""The lean HashEmbed step gives thinc's HashEmbed results, bit for bit."""

from __future__ import annotations

import numpy as np
from plait.training.optimizer import fuse_optimizer
from plait_pipes.architectures._hash_embed import lean_hash_embed
from thinc.api import Adam, HashEmbed, fix_random_seed


def _pair():
    fix_random_seed(0)
    thinc_model = HashEmbed(16, 50, column=1, seed=7, dropout=0.0)
    fix_random_seed(0)
    lean = lean_hash_embed(16, 50, column=1, seed=7)
    assert [n.name for n in lean.walk()] == [n.name for n in thinc_model.walk()]
    return thinc_model, lean


def _train(model, batches, grads):
    optimizer = fuse_optimizer(Adam(0.01, L2=0.01, L2_is_weight_decay=True, grad_clip=1.0))
    outputs = []
    for ids, d_out in zip(batches, grads):
        out, backprop = model(ids, is_train=True)
        outputs.append(out.copy())
        backprop(d_out.copy())
        model.finish_update(optimizer)
    return outputs


def test_same_outputs_gradients_and_weights_over_updates() -> None:
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, 10**12, size=(n, 3), dtype=np.uint64) for n in (5, 40, 1, 17, 40)]
    d_outs = [rng.normal(size=(len(b), 16)).astype("f") for b in batches]
    thinc_model, lean = _pair()
    fix_random_seed(0)
    thinc_model.initialize(X=batches[0])
    fix_random_seed(0)
    lean.initialize(X=batches[0])
    table = [n for n in lean.walk() if n.name == "hashembed"][0]
    ref_table = [n for n in thinc_model.walk() if n.name == "hashembed"][0]
    assert np.array_equal(table.get_param("E"), ref_table.get_param("E"))
    expected = _train(thinc_model, batches, d_outs)
    got = _train(lean, batches, d_outs)
    for a, b in zip(expected, got):
        assert np.array_equal(a, b)
    assert np.array_equal(table.get_param("E"), ref_table.get_param("E"))
    # one more backward without an update: the gradient is the same sum
    out, backprop = lean(batches[1], is_train=True)
    ref_out, ref_backprop = thinc_model(batches[1], is_train=True)
    backprop(d_outs[1].copy())
    ref_backprop(d_outs[1].copy())
    assert np.array_equal(table.get_grad("E"), ref_table.get_grad("E"))
    assert np.abs(table.get_grad("E")).sum() > 0


def test_empty_batch() -> None:
    _, lean = _pair()
    lean.initialize(X=np.zeros((2, 3), dtype=np.uint64))
    out, backprop = lean(np.zeros((0, 3), dtype=np.uint64), is_train=True)
    assert out.shape == (0, 16)
    assert len(backprop(out)) == 0
