"""Language.from_config on the base Language class with `[nlp] lang` set
builds that language's class (it built a lang-less Language whose saved
pipeline could not be loaded)."""

from __future__ import annotations

import plait
from plait.config import load_config_from_str
from plait.language import Language

CONFIG = """
[nlp]
lang = "en"
pipeline = ["sentencizer"]

[components]

[components.sentencizer]
factory = "sentencizer"
"""


def test_base_class_builds_the_config_language(tmp_path):
    nlp = Language.from_config(load_config_from_str(CONFIG))
    assert nlp.lang == "en"
    assert type(nlp) is type(plait.blank("en"))
    assert nlp.config["nlp"]["lang"] == "en"
    # English tokenization, not the base class's.
    assert [t.text for t in nlp("Don't stop.")] == [t.text for t in plait.blank("en")("Don't stop.")]
    nlp.to_disk(tmp_path / "p")
    loaded = plait.load(tmp_path / "p")
    assert loaded.lang == "en" and loaded.pipe_names == ["sentencizer"]
