"""Rebuilding an Example from edited token annotation, shared by the augmenters.

Augmenters edit ``example.to_dict()`` (the words, and sometimes the number
of tokens) and rebuild the example from a new text; this module holds that
round trip so every augmenter builds the predicted Doc the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def text_from(words: Sequence[str], spaces: Sequence[bool]) -> str:
    """The text that words and their trailing spaces spell out."""
    return "".join(w + (" " if s else "") for w, s in zip(words, spaces))


def rebuild(nlp: Any, example: Any, example_dict: dict[str, Any]) -> Any:
    """A new Example whose reference carries ``example_dict`` and whose
    predicted Doc is the pipeline's tokenization of the new text."""
    tokens = example_dict["token_annotation"]
    doc = nlp.make_doc(text_from(tokens["ORTH"], tokens["SPACY"]))
    return example.from_dict(doc, example_dict)
