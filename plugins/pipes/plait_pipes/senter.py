"""The ``senter`` component: trainable sentence boundaries.

Two classes per token, "I" (inside) and "S" (starts a sentence), predicted
by a small ``plait.Tagger.v2``; predictions go into the SENT_START column
(1 / -1) with one array assignment per doc.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from plait.attrs import SENT_START
from plait.language import Language
from plait.tokens import docs_from_array, docs_to_array
from thinc.api import Model

from ._default_models import SENTER, model_config
from ._token_classifier import TokenClassifier, aligned_ids

LABELS = ["I", "S"]


@Language.factory(
    "senter",
    assigns=["token.is_sent_start"],
    default_config={
        "model": model_config(SENTER),
        "overwrite": False,
        "scorer": {"@scorers": "plait.senter_scorer.v1"},
    },
    default_score_weights={"sents_f": 1.0, "sents_p": 0.0, "sents_r": 0.0},
)
def make_senter(nlp: Any, name: str, model: Model, overwrite: bool, scorer: Callable | None) -> SentenceRecognizer:
    """Create a senter (see :class:`SentenceRecognizer`)."""
    return SentenceRecognizer(nlp.vocab, model, name, overwrite=overwrite, scorer=scorer)


class SentenceRecognizer(TokenClassifier):
    """Predict ``token.is_sent_start``.

    vocab (Vocab): the pipeline's vocab.
    model (Model[List[Doc], List[Floats2d]]): e.g. ``plait.Tagger.v2``.
    name (str): the component name.
    overwrite (bool): replace sentence boundaries that are already set.
    scorer (Callable | None): ``scorer(examples) -> {"sents_f": ...}``.
    """

    def __init__(
        self, vocab: Any, model: Model, name: str = "senter", *, overwrite: bool = False,
        scorer: Callable | None = None,
    ) -> None:
        super().__init__(vocab, model, name, scorer=scorer, overwrite=overwrite)
        self.cfg["labels"] = list(LABELS)

    @property
    def label_data(self) -> None:
        return None

    def add_label(self, label: str) -> int:
        return 0 if label in LABELS else super().add_label(label)

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        return list(LABELS)

    def _labels_from_data(self, labels: Any) -> list[str]:
        return list(LABELS)

    def _write(self, docs: list[Any], classes: np.ndarray) -> None:
        starts = np.where(classes == 1, 1, -1).astype(np.int64)
        sizes = np.array([len(doc) for doc in docs], dtype=np.int64)
        firsts = np.cumsum(sizes) - sizes
        starts[firsts[sizes > 0]] = 1  # each doc's first token starts a sentence
        if not self.cfg.get("overwrite"):
            current = docs_to_array(docs, [SENT_START])[:, 0].astype(np.int64)
            starts = np.where(current != 0, current, starts)
        docs_from_array(docs, [SENT_START], starts.reshape(-1, 1))

    def _gold(self, examples: list[Any]) -> tuple[np.ndarray, None]:
        if not examples:
            return np.zeros(0, dtype=np.int64), None
        columns = []
        for eg in examples:
            values = aligned_ids(eg, "SENT_START").astype(np.int64)
            if len(values) and eg.reference.has_annotation(SENT_START):
                # Token 0 always starts a sentence; docs often leave it unset.
                values[0] = 1
            columns.append(values)
        starts = np.concatenate(columns)
        # 1 = starts a sentence ("S"), -1 = inside ("I"), 0 = missing.
        return np.select([starts == 1, starts == -1], [1, 0], default=-1), None
