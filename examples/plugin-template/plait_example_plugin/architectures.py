"""``plait_example.WindowTagger.v1``: a small tagger model made of thinc layers.

It reuses plait's registered tok2vec architecture (through the registry, so
the plugin depends on names, not on plait's internal modules) and adds a
softmax. A tagger component needs the output layer under the ref
``output_layer`` (it sets its width from the labels).
"""

from __future__ import annotations

from typing import Any

import plait
from thinc.api import Model, Softmax_v2, chain, with_array, zero_init


def build_window_tagger(width: int = 64, embed_size: int = 2000, window_size: int = 1,
                        nO: int | None = None) -> Model:
    """A hash-embedding CNN tok2vec of ``width`` and a per-token softmax.

    width (int): the token vector width.
    embed_size (int): rows of each hash embedding table.
    window_size (int): tokens on each side the encoder sees.
    nO (int | None): number of tags; set by the component from its labels.
    RETURNS (Model[List[Doc], List[Floats2d]]): the model.
    """
    make_tok2vec = plait.registry.architectures.get("plait.HashEmbedCNN.v2")
    tok2vec: Any = make_tok2vec(width=width, depth=2, embed_size=embed_size, window_size=window_size,
                                maxout_pieces=3, subword_features=True, pretrained_vectors=None)
    output_layer = Softmax_v2(nO, width, init_W=zero_init)
    model: Model = chain(tok2vec, with_array(output_layer))
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output_layer", output_layer)
    return model
