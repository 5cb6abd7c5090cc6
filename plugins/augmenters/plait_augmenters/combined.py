"""``plait.combined_augmenter.v1``: lower-casing, orth variants and whitespace
variants in one augmenter, each applied to its own share of the examples
(spaCy's combined augmenter). One example may receive several of them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._example_dict import rebuild
from .lower_case import check_level
from .orth_variants import OrthVariants, _check_rules, make_orth_variants
from .whitespace import DEFAULT_WHITESPACE, insert_whitespace

if TYPE_CHECKING:
    from plait.plugins.protocols import Augmenter


def create_combined_augmenter(
    lower_level: float = 0.0,
    orth_level: float = 0.0,
    orth_variants: OrthVariants | None = None,
    whitespace_level: float = 0.0,
    whitespace_per_token: float = 0.05,
    whitespace_variants: list[str] | None = None,
) -> Augmenter:
    """Combine lower-casing, orth variants and whitespace insertion.

    lower_level (float): share of examples lower-cased.
    orth_level (float): share of examples given orth variants.
    orth_variants (dict | None): the orth variant rules.
    whitespace_level (float): share of examples given extra whitespace tokens.
    whitespace_per_token (float): chance of a whitespace token after each token.
    whitespace_variants (list[str] | None): the whitespace strings to insert.
    RETURNS (Augmenter): the augmenter, ``(nlp, example) -> Iterator[Example]``.
    """
    for key, value in (("lower_level", lower_level), ("orth_level", orth_level),
                       ("whitespace_level", whitespace_level),
                       ("whitespace_per_token", whitespace_per_token)):
        check_level("plait.combined_augmenter.v1", value, key)
    rules = _check_rules(orth_variants or {})
    spaces = list(whitespace_variants or DEFAULT_WHITESPACE)

    def augment(nlp: Any, example: Any) -> Iterator[Any]:
        do_lower = random.random() < lower_level
        do_orth = bool(rules) and random.random() < orth_level
        do_ws = random.random() < whitespace_level
        if not (do_lower or do_orth or do_ws):
            yield example
            return
        example_dict = example.to_dict()
        tokens = example_dict["token_annotation"]
        if do_orth:
            tokens["ORTH"] = make_orth_variants(tokens["ORTH"], list(tokens.get("TAG") or []), rules)
        if do_lower:
            tokens["ORTH"] = [w.lower() for w in tokens["ORTH"]]
        if do_ws:
            insert_whitespace(example_dict, whitespace_per_token, spaces)
        yield rebuild(nlp, example, example_dict)

    return augment
