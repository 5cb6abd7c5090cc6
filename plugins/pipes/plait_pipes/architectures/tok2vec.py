"""Token-to-vector architectures: hash embeddings plus a CNN encoder.

Same names, arguments and layer structure as spaCy's architectures of the
same version, so configs port and dims line up:

- ``plait.Tok2Vec.v2(embed, encode)``: ``embed >> encode``;
- ``plait.MultiHashEmbed.v2(width, attrs, rows, include_static_vectors)``:
  one ``HashEmbed`` per attribute, concatenated, mixed by a ``Maxout``;
- ``plait.MaxoutWindowEncoder.v2`` / ``plait.MishWindowEncoder.v2``:
  ``depth`` residual window-CNN blocks;
- ``plait.HashEmbedCNN.v2``: the two above with the usual defaults.
"""

from __future__ import annotations

from typing import Any

from plait.errors import ConfigError
from pydantic import NonNegativeInt, PositiveInt
from thinc.api import (
    Maxout,
    Mish,
    Model,
    chain,
    clone,
    concatenate,
    expand_window,
    list2ragged,
    ragged2list,
    residual,
    with_array,
)
from thinc.types import Floats2d

from ._hash_embed import lean_hash_embed
from .featurize import FeatureExtractor, attr_ids
from .static_vectors import StaticVectors

# The first hash-embedding seed; each further attribute takes the next one,
# as in spaCy, so trained tables are laid out the same way.
_FIRST_SEED = 8


def build_hash_embed_cnn_tok2vec(
    *,
    width: PositiveInt,
    depth: PositiveInt,
    embed_size: PositiveInt,
    window_size: NonNegativeInt,
    maxout_pieces: PositiveInt,
    subword_features: bool,
    pretrained_vectors: bool | None,
) -> Model[list[Any], list[Floats2d]]:
    """Hash embeddings of NORM (and PREFIX, SUFFIX, SHAPE) and a maxout CNN.

    width (int): output width, and the width of every hidden layer.
    depth (int): number of residual CNN blocks.
    embed_size (int): rows of the NORM table; subword tables get half.
    window_size (int): tokens on each side each CNN block sees.
    maxout_pieces (int): pieces per maxout unit.
    subword_features (bool): also embed PREFIX, SUFFIX and SHAPE.
    pretrained_vectors (bool | None): also use the vocab's static vectors.
    RETURNS (Model[List[Doc], List[Floats2d]]): the tok2vec model.
    """
    if subword_features:
        attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
        rows = [embed_size, embed_size // 2, embed_size // 2, embed_size // 2]
    else:
        attrs = ["NORM"]
        rows = [embed_size]
    return build_tok2vec_model(
        embed=build_multi_hash_embed(
            width=width, attrs=attrs, rows=rows, include_static_vectors=bool(pretrained_vectors)
        ),
        encode=build_maxout_window_encoder(
            width=width, depth=depth, window_size=window_size, maxout_pieces=maxout_pieces
        ),
    )


def build_tok2vec_model(
    embed: Model[list[Any], list[Floats2d]], encode: Model[list[Floats2d], list[Floats2d]]
) -> Model[list[Any], list[Floats2d]]:
    """Chain an embedding layer and an encoder.

    embed (Model[List[Doc], List[Floats2d]]): context-independent vectors.
    encode (Model[List[Floats2d], List[Floats2d]]): contextual encoder.
    RETURNS (Model[List[Doc], List[Floats2d]]): the tok2vec model.
    """
    tok2vec = chain(embed, encode)
    if encode.has_dim("nO"):
        tok2vec.set_dim("nO", encode.get_dim("nO"))
    tok2vec.set_ref("embed", embed)
    tok2vec.set_ref("encode", encode)
    return tok2vec


def build_multi_hash_embed(
    width: PositiveInt,
    attrs: list[str | int],
    rows: list[PositiveInt],
    include_static_vectors: bool,
) -> Model[list[Any], list[Floats2d]]:
    """One hash embedding table per token attribute, mixed by a maxout layer.

    width (int): output width (and the width of each table).
    attrs (List[str | int]): token attributes, e.g. ["NORM", "PREFIX"].
    rows (List[int]): rows of each table, one per attribute.
    include_static_vectors (bool): concatenate the vocab's static vectors
        (projected to `width`) before the maxout layer.
    RETURNS (Model[List[Doc], List[Floats2d]]): the embedding model.
    """
    if len(rows) != len(attrs):
        raise ConfigError(
            f"[plait.MultiHashEmbed.v2] rows: {len(rows)} values for {len(attrs)} attrs "
            f"({attrs}); give one row count per attribute."
        )
    columns = attr_ids(attrs, where="[plait.MultiHashEmbed.v2] ")
    embeddings = [
        lean_hash_embed(width, n_rows, column=i, seed=_FIRST_SEED + i)
        for i, n_rows in enumerate(rows)
    ]
    concat_size = width * (len(embeddings) + int(include_static_vectors))
    max_out = with_array(Maxout(width, concat_size, nP=3, dropout=0.0, normalize=True))
    hashed = chain(FeatureExtractor(columns), list2ragged(), with_array(concatenate(*embeddings)))
    if include_static_vectors:
        model = chain(
            concatenate(hashed, StaticVectors(width, dropout=0.0)), max_out, ragged2list()
        )
    else:
        model = chain(hashed, max_out, ragged2list())
    model.set_dim("nO", width)
    return model


def build_maxout_window_encoder(
    width: PositiveInt, window_size: NonNegativeInt, maxout_pieces: PositiveInt, depth: PositiveInt
) -> Model[list[Floats2d], list[Floats2d]]:
    """Residual window CNN with maxout units.

    width (int): input and output width.
    window_size (int): tokens on each side each block sees.
    maxout_pieces (int): pieces per maxout unit.
    depth (int): number of residual blocks.
    RETURNS (Model[List[Floats2d], List[Floats2d]]): the encoder.
    """
    cnn = chain(expand_window(window_size=window_size), window_maxout(width, window_size, maxout_pieces))
    model = clone(residual(cnn), depth)
    model.set_dim("nO", width)
    # Padding by the receptive field lets with_array run all docs in one gemm.
    wrapped = with_array(model, pad=window_size * depth)
    wrapped.set_dim("nO", width)
    wrapped.attrs["width"] = width
    return wrapped


def window_maxout(width: int, window_size: int, maxout_pieces: int) -> Model[Floats2d, Floats2d]:
    """The layer of one window-CNN block: a normalised Maxout over a row's window.

    width (int): input and output width.
    window_size (int): rows on each side of the window.
    maxout_pieces (int): pieces per maxout unit.
    RETURNS (Model[Floats2d, Floats2d]): (2 * window_size + 1) * width columns -> width.
    """
    return Maxout(nO=width, nI=width * (window_size * 2 + 1), nP=maxout_pieces, dropout=0.0,
                  normalize=True)


def build_mish_window_encoder(
    width: PositiveInt, window_size: NonNegativeInt, depth: PositiveInt
) -> Model[list[Floats2d], list[Floats2d]]:
    """Residual window CNN with Mish activations.

    width (int): input and output width.
    window_size (int): tokens on each side each block sees.
    depth (int): number of residual blocks.
    RETURNS (Model[List[Floats2d], List[Floats2d]]): the encoder.
    """
    cnn = chain(
        expand_window(window_size=window_size),
        Mish(nO=width, nI=width * (window_size * 2 + 1), dropout=0.0, normalize=True),
    )
    model = clone(residual(cnn), depth)
    model.set_dim("nO", width)
    wrapped = with_array(model, pad=window_size * depth)
    wrapped.set_dim("nO", width)
    return wrapped
