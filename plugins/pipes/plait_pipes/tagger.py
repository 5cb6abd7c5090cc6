"""The ``tagger`` component: fine-grained part-of-speech tags (``token.tag_``).

A ``plait.Tagger.v2`` model scores every tag for every token; the best is
written into the Doc's TAG column with one array assignment per doc.
Gold tags starting with ``neg_prefix`` ("!NN") mean "anything but NN".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

import numpy as np
from plait.attrs import TAG
from plait.language import Language
from plait.tokens import docs_from_array, docs_to_array
from pydantic import Field
from thinc.api import Model

from ._default_models import TAGGER, model_config
from ._token_classifier import LabelIndex, TokenClassifier, aligned_ids

# Label smoothing takes this share of the gold mass: 1 would leave none.
UnitFloat = Annotated[float, Field(ge=0, lt=1)]


@Language.factory(
    "tagger",
    assigns=["token.tag"],
    default_config={
        "model": model_config(TAGGER),
        "overwrite": False,
        "scorer": {"@scorers": "plait.tagger_scorer.v1"},
        "neg_prefix": "!",
        "label_smoothing": 0.0,
    },
    default_score_weights={"tag_acc": 1.0},
)
def make_tagger(
    nlp: Any,
    name: str,
    model: Model,
    overwrite: bool,
    scorer: Callable | None,
    neg_prefix: str,
    label_smoothing: UnitFloat,
) -> Tagger:
    """Create a tagger (see :class:`Tagger`)."""
    return Tagger(
        nlp.vocab, model, name, overwrite=overwrite, scorer=scorer,
        neg_prefix=neg_prefix, label_smoothing=label_smoothing,
    )


class Tagger(TokenClassifier):
    """Predict ``token.tag_``.

    vocab (Vocab): the pipeline's vocab.
    model (Model[List[Doc], List[Floats2d]]): e.g. ``plait.Tagger.v2``.
    name (str): the component name.
    overwrite (bool): replace tags that are already set.
    scorer (Callable | None): ``scorer(examples) -> {"tag_acc": ...}``.
    neg_prefix (str): prefix of negative gold tags.
    label_smoothing (float): label smoothing of the loss.
    """

    def __init__(
        self, vocab: Any, model: Model, name: str = "tagger", *, overwrite: bool = False,
        scorer: Callable | None = None, neg_prefix: str = "!", label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(
            vocab, model, name, scorer=scorer, overwrite=overwrite,
            neg_prefix=neg_prefix, label_smoothing=label_smoothing,
        )
        self._cache: tuple[np.ndarray, LabelIndex] | None = None

    def _labels_changed(self) -> None:
        self._cache = None

    def _tables(self) -> tuple[np.ndarray, LabelIndex]:
        if self._cache is None:
            strings = self.vocab.strings
            hashes = np.array([strings.add(label) for label in self.labels], dtype=np.uint64)
            prefix = self.cfg.get("neg_prefix") or ""
            neg = [strings.add(prefix + label) for label in self.labels] if prefix else []
            self._cache = (hashes, LabelIndex(list(hashes) + neg))
        return self._cache

    def _write(self, docs: list[Any], classes: np.ndarray) -> None:
        hashes, _ = self._tables()
        tags = hashes[classes]
        if not self.cfg.get("overwrite"):
            current = docs_to_array(docs, [TAG])[:, 0]
            tags = np.where(current != 0, current, tags)
        docs_from_array(docs, [TAG], tags.reshape(-1, 1))

    def _gold(self, examples: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
        hashes, index = self._tables()
        if not examples:
            return np.zeros(0, dtype=np.int64), None
        gold = index.lookup(np.concatenate([aligned_ids(eg, "TAG") for eg in examples]))
        n = len(hashes)
        negative = gold >= n
        # Negative labels were appended after the positive ones in the index.
        gold = np.where(negative, gold - n, gold)
        return gold, negative

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        prefix = self.cfg.get("neg_prefix") or None
        columns = [eg.reference.to_array(TAG) for eg in examples]
        found = np.unique(np.concatenate(columns)) if columns else []
        texts = [self.vocab.strings[int(tag)] for tag in found if tag]
        return sorted(t for t in texts if not (prefix and t.startswith(prefix)))
