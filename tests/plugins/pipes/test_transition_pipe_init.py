"""nlp.initialize() without data on a parser/ner that has no labels says so
(the spec's training loop calls nlp.initialize() with no examples; the error
spoke of labels "found in the training examples" that were never given)."""

from __future__ import annotations

import plait
import pytest
from plait.errors import DataError
from plait.tokens import Doc
from plait.training import Example


@pytest.mark.parametrize("factory", ["ner", "parser"])
def test_initialize_without_examples_or_labels(factory):
    nlp = plait.blank("en")
    nlp.add_pipe(factory)
    with pytest.raises(DataError, match=rf"'{factory}': no labels and no training examples.*"
                                        r"nlp.initialize\(lambda: examples\).*add_label"):
        nlp.initialize()


def test_initialize_without_examples_after_add_label():
    nlp = plait.blank("en")
    ner = nlp.add_pipe("ner")
    ner.add_label("ORG")
    nlp.initialize()
    doc = Doc(nlp.vocab, words=["Facebook", "released", "React"])
    eg = Example.from_dict(doc, {"entities": ["U-ORG", "O", "O"]})
    losses = nlp.update([eg])
    assert "ner" in losses


def test_examples_without_the_annotation_keep_the_data_message():
    nlp = plait.blank("en")
    nlp.add_pipe("ner")
    eg = Example.from_dict(Doc(nlp.vocab, words=["no", "entities"]), {})
    with pytest.raises(DataError, match="no labels found in the training examples"):
        nlp.initialize(lambda: [eg])
