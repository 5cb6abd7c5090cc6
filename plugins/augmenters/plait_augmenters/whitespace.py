"""``plait.whitespace_variants.v1``: insert whitespace tokens (``\\n``, double
spaces) between tokens, so a model copes with the stray whitespace of real
text. Unlike orth variants this changes the number of tokens, so every
token-level annotation is shifted here: heads are renumbered, the new token
attaches to the token before it (tag ``_SP``, POS ``SPACE``), and it is
never placed inside an entity."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._example_dict import rebuild
from .lower_case import check_level

if TYPE_CHECKING:
    from plait.plugins.protocols import Augmenter

DEFAULT_WHITESPACE = ["\n", "  ", "\n\n", "\t"]

# What the inserted token gets in each token-level column.
_FILL = {"TAG": "_SP", "POS": "SPACE", "MORPH": "", "DEP": "dep", "SENT_START": 0, "SPACY": False}


def create_whitespace_variant_augmenter(
    level: float, per_token: float = 0.05, whitespace_variants: list[str] | None = None
) -> Augmenter:
    """Insert whitespace tokens into ``level`` of the examples.

    level (float): the share (0..1) of examples augmented.
    per_token (float): the chance of a whitespace token after each token.
    whitespace_variants (list[str] | None): the strings to insert.
    RETURNS (Augmenter): the augmenter, ``(nlp, example) -> Iterator[Example]``.
    """
    check_level("plait.whitespace_variants.v1", level)
    check_level("plait.whitespace_variants.v1", per_token, "per_token")
    variants = list(whitespace_variants or DEFAULT_WHITESPACE)

    def augment(nlp: Any, example: Any) -> Iterator[Any]:
        if random.random() >= level:
            yield example
            return
        example_dict = example.to_dict()
        if not insert_whitespace(example_dict, per_token, variants):
            yield example
            return
        yield rebuild(nlp, example, example_dict)

    return augment


def insert_whitespace(example_dict: dict[str, Any], per_token: float, variants: list[str]) -> bool:
    """Insert whitespace tokens into an ``Example.to_dict()`` in place.

    RETURNS (bool): whether anything was inserted.
    """
    doc_annot = example_dict.get("doc_annotation", {})
    if doc_annot.get("spans"):
        return False  # span groups are character offsets we would have to shift
    tokens = example_dict["token_annotation"]
    words = tokens["ORTH"]
    n = len(words)
    ents = doc_annot.get("entities") or []
    after = [
        i for i in range(n - 1)
        if random.random() < per_token
        and (not ents or (ents[i] or "O")[:2] not in ("B-", "I-"))
    ]
    if not after:
        return False
    # new index of old token i = i + number of insertions before it
    shift = [0] * n
    k = 0
    insert_at = set(after)
    for i in range(n):
        shift[i] = i + k
        if i in insert_at:
            k += 1
    columns = {key: vals for key, vals in tokens.items() if isinstance(vals, list) and len(vals) == n}
    if ents and len(ents) == n:
        columns["__ENTS__"] = ents
    new: dict[str, list[Any]] = {key: [] for key in columns}
    for i in range(n):
        for key, vals in columns.items():
            v = vals[i]
            if key == "HEAD" and v is not None:
                v = shift[v]
            new[key].append(v)
        if i in insert_at:
            ws = random.choice(variants)
            for key in columns:
                if key == "ORTH":
                    new[key].append(ws)
                elif key == "LEMMA":
                    new[key].append(ws)
                elif key == "HEAD":
                    new[key].append(shift[i])
                elif key == "__ENTS__":
                    new[key].append("O")
                else:
                    new[key].append(_FILL.get(key, None))
    if "__ENTS__" in new:
        doc_annot["entities"] = new.pop("__ENTS__")
    tokens.update(new)
    return True
