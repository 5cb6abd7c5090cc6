"""A window-CNN encoder whose windows stop at each document's edges, with no padding rows.

Why it exists: ``plait.MaxoutWindowEncoder.v2`` (spaCy's design) runs all
documents of a batch through one gemm by concatenating them with
``window_size * depth`` rows of zeros around each, so that no window reaches
into the next document. On one-sentence documents (an NER corpus: about 13
tokens each) those rows are about a third of the rows every CNN layer
multiplies, forward and backward. Here each layer builds its windows with
``ops.seq2col(..., lengths=...)``, which fills a window's positions past a
document's edge with zeros, so the gemms see the real tokens only.

The network is the same (same parameters, shapes and initialisation; a v2
model's weights fit), but the values at a document's edges differ from v2's
after the first layer: in v2 the padding rows go through every layer and
become non-zero, here what lies past the edge is zero at every layer (a
standard "same"-padded CNN). So it is a new version, not a faster v2:
pipelines trained with v2 keep v2's arithmetic.

- ``plait.MaxoutWindowEncoder.v3(width, window_size, maxout_pieces, depth)``:
  ``depth`` residual blocks of windows and ``Maxout``, on a ``Ragged`` of the
  documents' rows.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import NonNegativeInt, PositiveInt
from thinc.api import Maxout, Model, chain, clone, list2ragged, ragged2list, residual
from thinc.types import Floats2d, Ragged

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
    block = seq_window(
        Maxout(nO=width, nI=width * (window_size * 2 + 1), nP=maxout_pieces, dropout=0.0,
               normalize=True),
        window_size,
    )
    model: Model[list[Floats2d], list[Floats2d]] = chain(
        list2ragged(), clone(residual(block), depth), ragged2list()
    )
    model.set_dim("nO", width)
    model.attrs["width"] = width
    return model


def seq_window(layer: Model[Floats2d, Floats2d], window_size: int) -> Model[Ragged, Ragged]:
    """`layer` over each row's window of ``window_size`` rows each side, within its document.

    layer (Model[Floats2d, Floats2d]): takes (2 * window_size + 1) * width columns.
    window_size (int): rows on each side.
    RETURNS (Model[Ragged, Ragged]): the windowed layer, documents kept apart.
    """
    return Model(
        "seq_window",
        _seq_window_forward,
        layers=[layer],
        attrs={"window_size": window_size},
        init=_seq_window_init,
        dims={"nO": layer.maybe_get_dim("nO")},
    )


def _seq_window_init(model: Model[Ragged, Ragged], X: Ragged | None = None,
                     Y: Ragged | None = None) -> None:
    layer = model.layers[0]
    n_window = model.attrs["window_size"]
    sample_x = None
    if X is not None:
        sample_x = model.ops.seq2col(X.dataXd, n_window, lengths=X.lengths)
    layer.initialize(X=sample_x, Y=None if Y is None else Y.dataXd)
    model.set_dim("nO", layer.get_dim("nO"))


def _seq_window_forward(model: Model[Ragged, Ragged], X: Ragged,
                        is_train: bool) -> tuple[Ragged, Callable[[Ragged], Ragged]]:
    n_window = model.attrs["window_size"]
    lengths = X.lengths
    if X.dataXd.shape[0] == 0:  # only empty documents: thinc's maxout kernels need a row
        empty = model.ops.alloc2f(0, model.get_dim("nO"))
        return Ragged(empty, lengths), lambda dY: Ragged(model.ops.alloc2f(*X.dataXd.shape), lengths)
    cols = model.ops.seq2col(X.dataXd, n_window, lengths=lengths)
    Y, backprop_layer = model.layers[0](cols, is_train)

    def backprop(dY: Ragged) -> Ragged:
        d_cols = backprop_layer(dY.dataXd)
        return Ragged(model.ops.backprop_seq2col(d_cols, n_window, lengths=lengths), lengths)

    return Ragged(Y, lengths), backprop
