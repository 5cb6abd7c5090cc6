"""A window-CNN encoder whose windows stop at each document's edges, with no padding rows.

Why it exists: ``plait.MaxoutWindowEncoder.v2`` (spaCy's design) runs all
documents of a batch through one gemm by concatenating them with
``window_size * depth`` rows of zeros around each, so that no window reaches
into the next document. On one-sentence documents (an NER corpus: about 13
tokens each) those rows are about a third of the rows every CNN layer
multiplies, forward and backward. Here each layer builds its windows with
``ops.seq2col(..., lengths=...)``, so the gemms see the real tokens only,
and a window position past a document's edge holds a learned edge vector
(one per layer, side and distance, starting at zero) instead of a zero
row: v2's padding rows, passed through the layers, gave the model a sense
of where a document starts and ends, and without one the edges suffer.

The network is v2's (the same layers, shapes and initialisation) plus the
edge vectors, but its values at a document's edges differ from v2's, so it
is a new version, not a faster v2: pipelines trained with v2 keep v2's
arithmetic.

- ``plait.MaxoutWindowEncoder.v3(width, window_size, maxout_pieces, depth)``:
  ``depth`` residual blocks of windows and ``Maxout``, on a ``Ragged`` of the
  documents' rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from pydantic import NonNegativeInt, PositiveInt
from thinc.api import Model, chain, clone, list2ragged, ragged2list, residual
from thinc.types import Floats2d, Ints1d, Ragged

from .tok2vec import window_maxout

__all__ = ["build_maxout_window_encoder_v3", "seq_window"]


def build_maxout_window_encoder_v3(
    width: PositiveInt, window_size: NonNegativeInt, maxout_pieces: PositiveInt, depth: PositiveInt
) -> Model[list[Floats2d], list[Floats2d]]:
    """Residual window CNN with maxout units; windows end at document edges, no padding rows.

    width (int): input and output width.
    window_size (int): tokens on each side each block sees.
    maxout_pieces (int): pieces per maxout unit.
    depth (int): number of residual blocks.
    RETURNS (Model[List[Floats2d], List[Floats2d]]): the encoder.
    """
    block = seq_window(window_maxout(width, window_size, maxout_pieces), window_size, width)
    model: Model[list[Floats2d], list[Floats2d]] = chain(
        list2ragged(), clone(residual(block), depth), ragged2list()
    )
    model.set_dim("nO", width)
    model.attrs["width"] = width
    return model


def seq_window(layer: Model[Floats2d, Floats2d], window_size: int, width: int) -> Model[Ragged, Ragged]:
    """`layer` over each row's window of ``window_size`` rows each side, within its document.

    A window position past the document's edge holds a learned edge vector
    (parameter ``E``, one per side and distance, starting at zero), so the
    layer knows where a document starts and ends: v2's padding rows, passed
    through the layers, gave it that signal, and without it the edges are
    worse (WNUT-17 test F -2.2 and EWT test LAS -0.5 over 4 and 2 seeds).

    layer (Model[Floats2d, Floats2d]): takes (2 * window_size + 1) * width columns.
    window_size (int): rows on each side.
    width (int): columns of a row.
    RETURNS (Model[Ragged, Ragged]): the windowed layer, documents kept apart.
    """
    return Model(
        "seq_window",
        _seq_window_forward,
        layers=[layer],
        attrs={"window_size": window_size},
        init=_seq_window_init,
        params={"E": None},
        dims={"nO": layer.maybe_get_dim("nO"), "nI": width},
    )


def _seq_window_init(model: Model[Ragged, Ragged], X: Ragged | None = None,
                     Y: Ragged | None = None) -> None:
    layer = model.layers[0]
    n_window = model.attrs["window_size"]
    model.set_param("E", model.ops.alloc2f(2 * n_window, model.get_dim("nI")))
    sample_x = None
    if X is not None:
        sample_x = model.ops.seq2col(cast(Floats2d, X.dataXd), n_window, lengths=X.lengths)
    layer.initialize(X=sample_x, Y=None if Y is None else Y.dataXd)
    model.set_dim("nO", layer.get_dim("nO"))


def _outside(model: Model[Ragged, Ragged], lengths: Ints1d) -> list[tuple[Any, int, int]]:
    """Where windows reach past a document's edge: (rows, window slot, edge vector) per slot."""
    xp = model.ops.xp
    n_window = model.attrs["window_size"]
    lengths = xp.asarray(lengths, dtype="int64")
    ends = xp.cumsum(lengths)
    doc_of_row = xp.repeat(xp.arange(lengths.shape[0]), lengths)
    row = xp.arange(int(ends[-1]))
    start, end = (ends - lengths)[doc_of_row], ends[doc_of_row]
    found = []
    for slot in range(2 * n_window + 1):
        if slot == n_window:  # the row itself
            continue
        position = row + (slot - n_window)
        rows = xp.flatnonzero(position < start if slot < n_window else position >= end)
        found.append((rows, slot, slot if slot < n_window else slot - 1))
    return found


def _seq_window_forward(model: Model[Ragged, Ragged], X: Ragged,
                        is_train: bool) -> tuple[Ragged, Callable[[Ragged], Ragged]]:
    n_window = model.attrs["window_size"]
    lengths = X.lengths
    data = cast(Floats2d, X.dataXd)
    if data.shape[0] == 0:  # only empty documents: thinc's maxout kernels need a row
        empty = model.ops.alloc2f(0, model.get_dim("nO"))
        return Ragged(empty, lengths), lambda dY: Ragged(model.ops.alloc2f(*data.shape), lengths)
    width = data.shape[1]
    cols: Any = model.ops.seq2col(data, n_window, lengths=lengths)
    outside = _outside(model, lengths) if n_window else []
    E: Any = model.get_param("E")
    for rows, slot, edge in outside:
        cols[rows, slot * width:(slot + 1) * width] = E[edge]
    Y, backprop_layer = model.layers[0](cols, is_train)

    def backprop(dY: Ragged) -> Ragged:
        d_cols: Any = backprop_layer(cast(Floats2d, dY.dataXd))
        dE: Any = model.ops.alloc2f(*E.shape)
        for rows, slot, edge in outside:
            dE[edge] = d_cols[rows, slot * width:(slot + 1) * width].sum(axis=0)
        model.inc_grad("E", dE)
        # seq2col's backward with lengths leaves the outside positions out
        return Ragged(model.ops.backprop_seq2col(d_cols, n_window, lengths=lengths), lengths)

    return Ragged(Y, lengths), backprop
