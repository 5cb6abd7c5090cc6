"""[training] frozen_components naming a trainable component built from its
factory is refused before training: frozen components are neither
initialized nor updated, so it ran with no labels and failed at the first
evaluation with advice to call nlp.initialize()."""

from __future__ import annotations

import pytest
from plait.config import load_config_from_str
from plait.errors import ConfigError
from plait.tokens import Doc, DocBin
from plait.training.initialize import initialize_pipeline
from plait.vocab import Vocab

CONFIG = """
[paths]
train = "{train}"
dev = "{train}"

[nlp]
lang = "en"
pipeline = ["tagger", "sentencizer"]

[components]

[components.tagger]
factory = "tagger"

[components.tagger.model]
@architectures = "plait.Tagger.v2"

[components.tagger.model.tok2vec]
@architectures = "plait.HashEmbedCNN.v2"
width = 16
depth = 1
embed_size = 100
window_size = 1
maxout_pieces = 2
subword_features = false
pretrained_vectors = null

[components.sentencizer]
factory = "sentencizer"

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${{paths.train}}

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${{paths.dev}}

[training]
frozen_components = {frozen}
max_steps = 1
"""


def _config(tmp_path, frozen: str):
    vocab = Vocab()
    doc = Doc(vocab, words=["I", "like", "eggs"], tags=["PRP", "VBP", "NNS"])
    path = tmp_path / "train.plait"
    DocBin(docs=[doc], attrs=["ORTH", "TAG"]).to_disk(path)
    return load_config_from_str(CONFIG.format(train=path, frozen=frozen))


def test_frozen_factory_component_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"\[training\] frozen_components: 'tagger' is created from its "
                                          r"factory .*remove 'tagger' from frozen_components"):
        initialize_pipeline(_config(tmp_path, '["tagger"]'))


def test_frozen_rule_based_component_allowed(tmp_path):
    # Nothing to initialize or train: freezing it is harmless.
    nlp = initialize_pipeline(_config(tmp_path, '["sentencizer"]')).nlp
    assert nlp.get_pipe("tagger").labels == ("NNS", "PRP", "VBP")
