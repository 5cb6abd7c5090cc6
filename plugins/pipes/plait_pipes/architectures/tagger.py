"""``plait.Tagger.v2``: a tok2vec followed by a per-token softmax.

Shared by the tagger, morphologizer, senter and trainable lemmatizer. The
output layer starts at zero, as spaCy's does, so an untrained tagger predicts
uniformly and early updates are stable.
"""

from __future__ import annotations

from typing import Any

from thinc.api import Model, Softmax_v2, chain, with_array, zero_init
from thinc.types import Floats2d


def build_tagger_model(
    tok2vec: Model[list[Any], list[Floats2d]], nO: int | None = None, normalize: bool = False
) -> Model[list[Any], list[Floats2d]]:
    """Per-token class scores.

    tok2vec (Model[List[Doc], List[Floats2d]]): the token-to-vector layer.
    nO (int | None): number of classes; set by the component from its labels.
    normalize (bool): normalize probabilities at inference time too.
    RETURNS (Model[List[Doc], List[Floats2d]]): the tagger model.
    """
    t2v_width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    output_layer = Softmax_v2(nO, t2v_width, init_W=zero_init, normalize_outputs=normalize)
    softmax = with_array(output_layer)
    model = chain(tok2vec, softmax)
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("softmax", output_layer)
    model.set_ref("output_layer", output_layer)
    return model
