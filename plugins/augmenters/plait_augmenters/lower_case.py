"""``plait.lower_case.v1``: lower-case a share of the training examples, so a
model does not learn that capitalisation always carries the signal."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plait.errors import ConfigError

from ._example_dict import rebuild

if TYPE_CHECKING:
    from plait.plugins.protocols import Augmenter


def check_level(name: str, value: float, key: str = "level") -> None:
    """Raise a ConfigError naming the key unless 0 <= value <= 1."""
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"[corpora.train.augmenter] {key}: {name} needs a share between 0 and 1, got {value}")


def create_lower_casing_augmenter(level: float) -> Augmenter:
    """Lower-case ``level`` (0..1) of the examples; the others pass through.

    level (float): the share of examples to lower-case.
    RETURNS (Augmenter): the augmenter, ``(nlp, example) -> Iterator[Example]``.
    """
    check_level("plait.lower_case.v1", level)

    def augment(nlp: Any, example: Any) -> Iterator[Any]:
        if random.random() >= level:
            yield example
            return
        yield lower_case(nlp, example)

    return augment


def lower_case(nlp: Any, example: Any) -> Any:
    """The example with its text and every token lower-cased."""
    example_dict = example.to_dict()
    tokens = example_dict["token_annotation"]
    tokens["ORTH"] = [w.lower() for w in tokens["ORTH"]]
    return rebuild(nlp, example, example_dict)
