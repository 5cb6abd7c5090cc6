"""Default model configs of the components, as config strings.

Kept in one place so the factories' ``default_config`` and the
``init config`` recommendations agree; the structure and values are
spaCy's defaults, so trained pipelines are comparable.
"""

from __future__ import annotations

from typing import Any

from thinc.api import Config


def hash_embed_cnn(width: int, depth: int, embed_size: int, maxout_pieces: int) -> str:
    return f"""
[model]
@architectures = "plait.Tagger.v2"
nO = null
normalize = false

[model.tok2vec]
@architectures = "plait.HashEmbedCNN.v2"
pretrained_vectors = null
width = {width}
depth = {depth}
embed_size = {embed_size}
window_size = 1
maxout_pieces = {maxout_pieces}
subword_features = true
"""


TOK2VEC = """
[model]
@architectures = "plait.Tok2Vec.v2"

[model.embed]
@architectures = "plait.MultiHashEmbed.v2"
width = ${model.encode.width}
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [5000, 1000, 2500, 2500]
include_static_vectors = false

[model.encode]
@architectures = "plait.MaxoutWindowEncoder.v2"
width = 96
depth = 4
window_size = 1
maxout_pieces = 3
"""

TAGGER = hash_embed_cnn(96, 4, 2000, 3)
MORPHOLOGIZER = hash_embed_cnn(128, 4, 7000, 3)
SENTER = hash_embed_cnn(12, 1, 2000, 2)
LEMMATIZER = hash_embed_cnn(96, 4, 2000, 3)


def transition_model(state_type: str, hidden_width: int, maxout_pieces: int) -> str:
    return f"""
[model]
@architectures = "plait.TransitionBasedParser.v2"
state_type = "{state_type}"
extra_state_tokens = false
hidden_width = {hidden_width}
maxout_pieces = {maxout_pieces}
use_upper = true
nO = null

[model.tok2vec]
@architectures = "plait.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 4
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true
"""


PARSER = transition_model("parser", 128, 3)
NER = transition_model("ner", 64, 2)


def textcat_ensemble(exclusive: bool) -> str:
    return f"""
[model]
@architectures = "plait.TextCatEnsemble.v2"
nO = null

[model.linear_model]
@architectures = "plait.TextCatBOW.v3"
exclusive_classes = {str(exclusive).lower()}
length = 262144
ngram_size = 1
no_output_layer = false
nO = null

[model.tok2vec]
@architectures = "plait.Tok2Vec.v2"

[model.tok2vec.embed]
@architectures = "plait.MultiHashEmbed.v2"
width = 64
rows = [2000, 2000, 500, 1000, 500]
attrs = ["NORM", "LOWER", "PREFIX", "SUFFIX", "SHAPE"]
include_static_vectors = false

[model.tok2vec.encode]
@architectures = "plait.MaxoutWindowEncoder.v2"
width = ${{model.tok2vec.embed.width}}
window_size = 1
maxout_pieces = 3
depth = 2
"""


def model_config(text: str) -> dict[str, Any]:
    """Parse one of the strings above into the ``model`` dict of a default_config.

    text (str): a config string with a [model] section.
    RETURNS (dict): the model block (interpolated).
    """
    return Config().from_str(text)["model"]
