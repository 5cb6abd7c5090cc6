"""``plait.BILUOTagger.v1``: per-token BILUO scores for the ``ner``
component's CRF decoder (see ``graph/crf.py``).

    tok2vec -> Linear(nO) (zero-initialised) -> emissions (N, nO)

plus learned ``trans`` (nO, nO), ``start`` and ``end`` (nO,) scores that
the component reads and whose gradients it adds: the CRF's forward-backward
and Viterbi run over the batch on the host, the emissions come from
``model.ops``. ``nO = 1 + 4 * n_labels`` (O, then B, I, L, U per label).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from thinc.api import Linear, Model, chain, list2array, zero_init
from thinc.types import Floats2d


def build_biluo_tagger(tok2vec: Model[list[Any], list[Floats2d]], nO: int | None = None) -> Model:
    """The CRF tagger model.

    tok2vec (Model[List[Doc], List[Floats2d]]): the token-to-vector layer (or a listener).
    nO (int | None): number of tags; the component sets it from its labels.
    RETURNS (Model[List[Doc], Floats2d]): emissions of the batch's tokens, in order.
    """
    t2v_width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    output = Linear(nO, t2v_width, init_W=zero_init)
    return Model(
        "biluo_tagger",
        forward,
        init=init,
        layers=[chain(tok2vec, list2array(), output)],
        refs={"tok2vec": tok2vec, "output_layer": output},
        dims={"nO": nO},
        params={"trans": None, "start": None, "end": None},
        attrs={"crf_tagger": True},
    )


def init(model: Model, X: Any = None, Y: Any = None) -> Model:
    model.layers[0].initialize(X=X)
    set_n_tags(model, model.get_dim("nO"))
    return model


def set_n_tags(model: Model, nO: int) -> None:
    """Size the output layer and the transition scores for ``nO`` tags
    (zeros: the constraints alone shape an untrained model's output)."""
    model.set_dim("nO", nO, force=True)
    output = model.get_ref("output_layer")
    if not output.has_dim("nO"):
        output.set_dim("nO", nO)
    if not model.has_param("trans") or model.get_param("trans") is None or model.get_param("trans").shape[0] != nO:
        ops = model.ops
        model.set_param("trans", ops.alloc2f(nO, nO))
        model.set_param("start", ops.alloc1f(nO))
        model.set_param("end", ops.alloc1f(nO))


def forward(model: Model, docs: list[Any], is_train: bool) -> tuple[Floats2d, Callable]:
    return model.layers[0](docs, is_train)
