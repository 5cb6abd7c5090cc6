"""``plait.orth_variants.v1``: replace punctuation by its variants (``…`` / ``...``,
straight / curly quotes) so a model sees both spellings; optionally lower-case.

Rules are keyed by the token's tag, as in spaCy's ``orth_variants.json``::

    {"single": [{"tags": ["NFP"], "variants": ["…", "..."]}],
     "paired": [{"tags": ["``", "''"], "variants": [["'", "'"], ["“", "”"]]}]}

A token is replaced only when its tag is listed and its text is one of the
rule's variants. For a paired rule one variant pair is drawn per example, so
every opening quote gets the pair's opening form and every closing quote its
closing form (open/close stay consistent); which side a token is on comes
from its tag when the rule lists two tags, else from its position in a pair.
Only token texts change, never the number of tokens, so every token-level
annotation (tags, heads, entities) still lines up.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plait.errors import ConfigError

from ._example_dict import rebuild
from .lower_case import check_level

if TYPE_CHECKING:
    from plait.plugins.protocols import Augmenter

OrthVariants = dict[str, list[dict[str, Any]]]


def create_orth_variants_augmenter(
    level: float, lower: float, orth_variants: OrthVariants | None = None
) -> Augmenter:
    """Augment ``level`` of the examples with orth variants.

    level (float): the share (0..1) of examples to augment.
    lower (float): the share of augmented examples that are also lower-cased.
    orth_variants (dict | None): {"single": [...], "paired": [...]} rules.
    RETURNS (Augmenter): the augmenter, ``(nlp, example) -> Iterator[Example]``.
    """
    check_level("plait.orth_variants.v1", level)
    check_level("plait.orth_variants.v1", lower, "lower")
    rules = _check_rules(orth_variants or {})

    def augment(nlp: Any, example: Any) -> Iterator[Any]:
        if random.random() >= level:
            yield example
            return
        yield orth_variant_example(nlp, example, rules, lower=random.random() < lower)

    return augment


def _check_rules(rules: Any) -> OrthVariants:
    where = "[corpora.train.augmenter] orth_variants"
    if not isinstance(rules, dict) or set(rules) - {"single", "paired"}:
        raise ConfigError(f"{where}: expected an object with 'single' and/or 'paired' lists")
    for kind in ("single", "paired"):
        for i, rule in enumerate(rules.get(kind, [])):
            if not isinstance(rule, dict) or "tags" not in rule or "variants" not in rule:
                raise ConfigError(f"{where}: {kind}[{i}] needs 'tags' and 'variants'")
            if kind == "paired" and not all(
                isinstance(p, (list, tuple)) and len(p) == 2 for p in rule["variants"]
            ):
                raise ConfigError(f"{where}: paired[{i}] variants must be [open, close] pairs")
            if not rule["variants"]:
                raise ConfigError(f"{where}: {kind}[{i}] has no variants")
    return rules


def make_orth_variants(
    words: list[str], tags: list[str], rules: OrthVariants, *, lower: bool = False
) -> list[str]:
    """The words with one variant drawn per rule applied (and lower-cased).

    words (list[str]): the token texts.
    tags (list[str]): the fine-grained tags the rules are keyed by.
    RETURNS (list[str]): the new token texts, one per word.
    """
    words = [w.lower() for w in words] if lower else list(words)
    if not tags:
        return words
    for rule in rules.get("single", []):
        choice = random.choice(rule["variants"])
        rule_tags, variants = set(rule["tags"]), set(rule["variants"])
        for i, (w, t) in enumerate(zip(words, tags)):
            if t in rule_tags and w in variants:
                words[i] = choice
    for rule in rules.get("paired", []):
        pair = random.choice(rule["variants"])
        rule_tags = list(rule["tags"])
        side_of = {}
        for p in rule["variants"]:
            side_of.setdefault(p[0], 0)
            side_of.setdefault(p[1], 1)
        for i, (w, t) in enumerate(zip(words, tags)):
            if t not in rule_tags or w not in side_of:
                continue
            if len(rule_tags) == 2:
                side = rule_tags.index(t)
            else:
                side = side_of[w]
            words[i] = pair[side]
    return words


def orth_variant_example(nlp: Any, example: Any, rules: OrthVariants, *, lower: bool = False) -> Any:
    """The example with orth variants applied to its reference tokens."""
    example_dict = example.to_dict()
    tokens = example_dict["token_annotation"]
    tags = tokens.get("TAG") or []
    tokens["ORTH"] = make_orth_variants(tokens["ORTH"], list(tags), rules, lower=lower)
    return rebuild(nlp, example, example_dict)
