"""Static word vectors from the vocab, projected to the model width.

``plait.StaticVectors.v2`` (spaCy's signature), also used by
``plait.MultiHashEmbed.v2(include_static_vectors=true)``. The table is read
from ``vocab.vectors`` (``plait.vocab`` ``Vectors``: ``.data``, ``.shape``,
``.find(keys=...)``); a vocab without vectors is a config mistake and raises
a ConfigError that says how to fix it.

Rows are looked up on the host and only the batch's rows go to the device,
so a large (memory-mapped) table is never copied to the GPU as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from plait.errors import ConfigError
from thinc.api import Model, glorot_uniform_init
from thinc.types import Ragged

_NO_VECTORS = (
    "[components.*.model.embed] include_static_vectors: true (or plait.StaticVectors.v2), but the "
    "pipeline's vocab has no word vectors. Add vectors with `[initialize] vectors = \"path/to/vectors\"` "
    "(or `--paths.vectors`; create the folder with `plait init vectors`), or set include_static_vectors = false."
)


def StaticVectors(
    nO: int | None = None,
    nM: int | None = None,
    *,
    dropout: float | None = None,
    init_W: Callable = glorot_uniform_init,
    key_attr: str = "ORTH",
) -> Model[list[Any], Ragged]:
    """Look up each token's key_attr in ``vocab.vectors`` and project it to nO.

    nO (int | None): output width.
    nM (int | None): the vectors' width (taken from the table if None).
    dropout (float | None): row dropout on the vectors during training.
    init_W (Callable): initializer of the projection.
    key_attr (str): the token attribute whose hash is the key ("ORTH", "LOWER", "NORM").
    RETURNS (Model[List[Doc], Ragged]): the layer.
    """
    from plait.attrs import IDS

    attr = IDS.get(str(key_attr).upper())
    if attr is None:
        raise ConfigError(f"[plait.StaticVectors.v2] key_attr: unknown token attribute {key_attr!r}; "
                          f"use ORTH, LOWER or NORM.")
    return Model(
        "static_vectors",
        forward,
        init=init,
        params={"W": None},
        dims={"nM": nM, "nO": nO},
        attrs={"dropout_rate": dropout, "key_attr": attr, "init_W": init_W},
    )


def _vectors_of(docs: list[Any]) -> Any:
    vectors = getattr(docs[0].vocab, "vectors", None) if docs else None
    shape = getattr(vectors, "shape", (0, 0))
    if vectors is None or shape[0] == 0 or shape[1] == 0:
        raise ConfigError(_NO_VECTORS)
    return vectors


def init(model: Model, X: list[Any] | None = None, Y: Any = None) -> None:
    if X is None or not X:
        raise ConfigError(_NO_VECTORS)
    vectors = _vectors_of(X)
    if model.has_dim("nM") and model.get_dim("nM") != vectors.shape[1]:
        raise ConfigError(
            f"[plait.StaticVectors.v2] nM: {model.get_dim('nM')}, but the vocab's vectors are "
            f"{vectors.shape[1]} wide; set nM = null (or {vectors.shape[1]})."
        )
    model.set_dim("nM", vectors.shape[1])
    if not model.has_dim("nO") and Y is not None:
        model.set_dim("nO", Y.dataXd.shape[1])
    init_W = model.attrs["init_W"]
    model.set_param("W", init_W(model.ops, (model.get_dim("nO"), model.get_dim("nM"))))


def forward(model: Model, docs: list[Any], is_train: bool) -> tuple[Ragged, Any]:
    ops = model.ops
    lengths = ops.asarray1i([len(doc) for doc in docs])
    if not docs or int(lengths.sum()) == 0:
        out = Ragged(ops.alloc2f(0, model.get_dim("nO")), lengths)
        return out, lambda d: []
    vectors = _vectors_of(docs)
    if vectors.shape[1] != model.get_dim("nM"):
        raise ConfigError(
            f"[plait.StaticVectors.v2]: the layer was initialized with {model.get_dim('nM')}-wide vectors, "
            f"but the vocab's vectors are {vectors.shape[1]} wide; use the vectors the pipeline was trained with."
        )
    attr = model.attrs["key_attr"]
    # Keys and rows stay host-side integers; get_batch gives zeros for
    # tokens without a vector (not the vector of row 0).
    keys = np.concatenate([np.asarray(doc.to_array(attr), dtype=np.uint64).ravel() for doc in docs])
    V = ops.asarray2f(vectors.get_batch(keys))
    W = model.get_param("W")
    rate = model.attrs.get("dropout_rate")
    if is_train and rate:
        mask = ops.get_dropout_mask((V.shape[0], 1), rate)
        V = V * mask
    output = ops.gemm(V, W, trans2=True)

    def backprop(d_output: Ragged) -> list[Any]:
        model.inc_grad("W", ops.gemm(d_output.dataXd, V, trans1=True))
        return []

    return Ragged(output, lengths), backprop
