"""Language.from_config: `replace_listeners` on a sourced component whose
tok2vec is sourced from the same pipeline first (the spec's recipe with the
tok2vec kept as well)."""

from __future__ import annotations

from pathlib import Path

import plait
from plait.config import load_config_from_str
from plait.language import get_lang_class
from plait.tokens import Doc
from plait.training import Example

SOURCE = """
[nlp]
lang = "en"
pipeline = ["tok2vec", "tagger"]

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "plait.HashEmbedCNN.v2"
width = 16
depth = 1
embed_size = 100
window_size = 1
maxout_pieces = 2
subword_features = false
pretrained_vectors = null

[components.tagger]
factory = "tagger"

[components.tagger.model]
@architectures = "plait.Tagger.v2"

[components.tagger.model.tok2vec]
@architectures = "plait.Tok2VecListener.v1"
width = 16
upstream = "*"
"""

TARGET = """
[nlp]
lang = "en"
pipeline = ["tok2vec", "tagger"]

[components]

[components.tok2vec]
source = "{source}"

[components.tagger]
source = "{source}"
replace_listeners = ["model.tok2vec"]
"""


def _source_pipeline(path: Path) -> Path:
    nlp = get_lang_class("en").from_config(load_config_from_str(SOURCE))
    words = ["I", "like", "green", "eggs"]
    examples = [Example.from_dict(Doc(nlp.vocab, words=words), {"tags": ["PRP", "VBP", "JJ", "NNS"]})]
    nlp.initialize(lambda: examples)
    nlp.to_disk(path)
    return path


def _listener_names(model) -> list[str]:
    return [node.name for node in model.walk() if node.name == "tok2vec-listener"]


def test_replace_listeners_when_tok2vec_is_sourced_too(tmp_path):
    source = _source_pipeline(tmp_path / "a")
    nlp = get_lang_class("en").from_config(load_config_from_str(TARGET.format(source=source)))
    tagger = nlp.get_pipe("tagger")
    # The tagger embeds its own copy of the tok2vec: no listener is left, the
    # tok2vec serves nobody, and the config records the copied model.
    assert _listener_names(tagger.model) == []
    assert "hashembed" in {node.name for node in tagger.model.walk()}
    assert nlp.get_pipe("tok2vec").listener_map == {}
    t2v_cfg = nlp.config["components"]["tagger"]["model"]["tok2vec"]
    assert t2v_cfg["@architectures"] == "plait.HashEmbedCNN.v2"
    # It still tags as the source did.
    nlp_a = plait.load(source)
    text = "I like green eggs"
    assert [t.tag_ for t in nlp(text)] == [t.tag_ for t in nlp_a(text)]
