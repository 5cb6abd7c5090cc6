"""thinc's HashEmbed layer with a leaner training step (same outputs, same gradients).

Why it exists: every update, thinc's HashEmbed backward allocates a zeroed
copy of the whole table (5000 x 96 floats for NORM), scatters the batch's
rows into it and adds that copy to the stored gradient: two full passes over
the table for the few hundred rows a batch touches. With a dropout rate of 0
(what ``plait.MultiHashEmbed.v2`` builds) it also multiplies the output and
the gradient by a mask of ones. Here the rows are scattered straight into
the stored gradient (which the optimizer zeroes after each update) and a zero
rate draws no mask. The parameter, its initialisation, the hashing and the
random numbers drawn are thinc's (only the layer's forward function is
replaced), so saved weights are interchangeable; the gradients are the same
sums, bit for bit when the gradient is zero at the backward
(tests/plugins/pipes/test_hash_embed.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from thinc.api import HashEmbed, Model

__all__ = ["lean_hash_embed"]


def lean_hash_embed(nO: int, nV: int, *, column: int, seed: int) -> Model:
    """thinc's ``HashEmbed(nO, nV, column=column, seed=seed, dropout=0.0)`` with the lean step.

    nO (int): the width. nV (int): the number of rows.
    column (int): the column of the feature array it reads.
    seed (int): the hash seed.
    RETURNS (Model[Ints2d, Floats2d]): ``ints_getitem >> hashembed``, as thinc builds it.
    """
    model: Model = HashEmbed(nO, nV, column=column, seed=seed, dropout=0.0)
    for node in model.walk():
        if node.name == "hashembed":
            node._func = _forward
    return model


def _forward(model: Model, ids: Any, is_train: bool) -> tuple[Any, Callable]:
    vectors: Any = model.get_param("E")  # Floats2d (thinc types it as any FloatsXd)
    nV, nO = vectors.shape
    ops = model.ops
    if len(ids) == 0:
        return ops.alloc2f(0, nO, dtype=vectors.dtype), lambda d_vectors: ops.alloc1i(0)
    ids = ops.as_contig(ids, dtype="uint64")
    n = ids.shape[0]
    keys = ops.hash(ids, model.attrs["seed"]) % nV
    output = ops.gather_add(vectors, keys)
    rate = model.attrs.get("dropout_rate")
    # thinc draws a mask of ones for a zero rate (no random numbers): same output
    drop_mask: Any = ops.get_dropout_mask((nO,), rate) if is_train and rate else None
    if drop_mask is not None:
        output *= drop_mask

    def backprop(d_vectors: Any) -> Any:
        if drop_mask is not None:
            d_vectors *= drop_mask
        keys_t = ops.as_contig(keys.T, dtype="i")
        if model.has_grad("E"):
            d_table = model.get_grad("E")  # accumulate where the optimizer will read it
            for i in range(keys_t.shape[0]):
                ops.scatter_add(d_table, keys_t[i], d_vectors)
        else:
            d_table = ops.alloc2f(nV, nO, dtype=vectors.dtype)
            for i in range(keys_t.shape[0]):
                ops.scatter_add(d_table, keys_t[i], d_vectors)
            model.inc_grad("E", d_table)
        return ops.alloc1i(n)

    return output, backprop
