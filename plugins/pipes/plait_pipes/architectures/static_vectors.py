"""Static word vectors from the vocab, projected to the model width.

Used by ``plait.MultiHashEmbed.v2(include_static_vectors=true)``. The
vectors table is read from ``vocab.vectors`` (spaCy's ``Vectors`` API:
``.data``, ``.shape``, ``.find(keys=...)``); a vocab without vectors is a
config mistake and raises a ConfigError that says how to fix it.
"""

from __future__ import annotations

from typing import Any

from plait.errors import ConfigError
from thinc.api import Model, glorot_uniform_init
from thinc.types import Ragged

_NO_VECTORS = (
    "[components.*.model.embed] include_static_vectors: true, but the pipeline's vocab "
    "has no word vectors. Add vectors with `[initialize] vectors = \"path/to/vectors\"` "
    "(or `--paths.vectors`), or set include_static_vectors = false."
)


def StaticVectors(nO: int | None = None, *, dropout: float | None = None) -> Model[list[Any], Ragged]:
    """Look up each token's ORTH in ``vocab.vectors`` and project it to nO.

    nO (int | None): output width.
    dropout (float | None): row dropout on the vectors during training.
    RETURNS (Model[List[Doc], Ragged]): the layer.
    """
    return Model(
        "static_vectors",
        forward,
        init=init,
        params={"W": None},
        dims={"nM": None, "nO": nO},
        attrs={"dropout_rate": dropout},
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
    model.set_dim("nM", vectors.shape[1])
    if not model.has_dim("nO") and Y is not None:
        model.set_dim("nO", Y.dataXd.shape[1])
    model.set_param("W", glorot_uniform_init(model.ops, (model.get_dim("nO"), model.get_dim("nM"))))


def forward(model: Model, docs: list[Any], is_train: bool) -> tuple[Ragged, Any]:
    ops = model.ops
    xp = ops.xp
    from plait.attrs import ORTH

    lengths = ops.asarray1i([len(doc) for doc in docs])
    if not docs or int(lengths.sum()) == 0:
        out = Ragged(ops.alloc2f(0, model.get_dim("nO")), lengths)
        return out, lambda d: []
    vectors = _vectors_of(docs)
    keys = xp.concatenate([ops.asarray(doc.to_array(ORTH), dtype="uint64").ravel() for doc in docs])
    rows = ops.asarray(vectors.find(keys=keys), dtype="int64")
    table = ops.asarray(vectors.data, dtype="float32")
    V = table[xp.maximum(rows, 0)]
    # Tokens without a vector get zeros, not the vector of row 0.
    V[rows < 0] = 0
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
