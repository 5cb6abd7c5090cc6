"""The ``textcat`` component: one label per text, out of exclusive classes.

Scores go into ``doc.cats`` ({label: probability}); the loss is the mean
squared error against ``example.reference.cats`` with missing labels masked,
as in spaCy. ``textcat_multilabel`` (its own module) subclasses this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

import numpy as np
from plait.errors import DataError, UsageError
from plait.language import Language
from plait.pipe import TrainablePipe, validate_get_examples
from thinc.api import Model
from thinc.types import Floats2d

from ._default_models import model_config, textcat_ensemble

TEXTCAT_SCORE_WEIGHTS: dict[str, float | None] = {
    "cats_score": 1.0, "cats_score_desc": None, "cats_micro_p": None, "cats_micro_r": None,
    "cats_micro_f": None, "cats_macro_p": None, "cats_macro_r": None, "cats_macro_f": None,
    "cats_macro_auc": None, "cats_f_per_type": None,
}  # fmt: skip


@Language.factory(
    "textcat",
    assigns=["doc.cats"],
    default_config={
        "threshold": 0.0,
        "model": model_config(textcat_ensemble(True)),
        "scorer": {"@scorers": "plait.textcat_scorer.v2"},
    },
    default_score_weights=TEXTCAT_SCORE_WEIGHTS,
)
def make_textcat(
    nlp: Any, name: str, model: Model[list[Any], Floats2d], threshold: float, scorer: Callable | None
) -> TextCategorizer:
    """Create a single-label text classifier (see :class:`TextCategorizer`)."""
    return TextCategorizer(nlp.vocab, model, name, threshold=threshold, scorer=scorer)


class TextCategorizer(TrainablePipe):
    """Classify whole texts into mutually exclusive labels.

    vocab (Vocab): the pipeline's vocab.
    model (Model[List[Doc], Floats2d]): e.g. ``plait.TextCatEnsemble.v2``.
    name (str): the component name.
    threshold (float): score threshold the scorer uses for P/R/F.
    scorer (Callable | None): ``scorer(examples) -> {"cats_score": ...}``.
    """

    multilabel = False

    def __init__(
        self, vocab: Any, model: Model, name: str = "textcat", *, threshold: float = 0.0,
        scorer: Callable | None = None,
    ) -> None:
        super().__init__(
            vocab, model, name, scorer=scorer, labels=[], threshold=float(threshold),
            positive_label=None,
        )

    def score(self, examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
        """Score ``doc.cats`` with the configured scorer, passing labels and threshold."""
        if self.scorer is None:
            return {}
        kwargs.setdefault("labels", list(self.labels))
        kwargs.setdefault("threshold", self.cfg["threshold"])
        kwargs.setdefault("positive_label", self.cfg.get("positive_label"))
        kwargs.setdefault("multi_label", self.multilabel)
        return self.scorer(examples, **kwargs)

    # Prediction ---------------------------------------------------------
    def predict(self, docs: list[Any]) -> Floats2d:
        """RETURNS (Floats2d): (n_docs, n_labels) scores."""
        if not any(len(doc) for doc in docs):
            return self.model.ops.alloc2f(len(docs), len(self.labels))
        self._require_labels()
        return self.model.predict(docs)

    def set_annotations(self, docs: list[Any], scores: Floats2d) -> None:
        """Set ``doc.cats[label]`` to the label's score."""
        scores = self.model.ops.to_numpy(scores) if hasattr(self.model.ops, "to_numpy") else scores
        labels = self.labels
        for doc, row in zip(docs, np.asarray(scores).tolist(), strict=True):
            doc.cats.update(zip(labels, row, strict=True))

    # Training -----------------------------------------------------------
    def _truths(self, examples: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """RETURNS (Tuple[ndarray, ndarray]): gold scores and a 0/1 mask of
        the labels each example annotates (missing ones give no gradient)."""
        labels = self.labels
        truths = np.zeros((len(examples), len(labels)), dtype="float32")
        present = np.zeros_like(truths)
        for i, eg in enumerate(examples):
            cats = eg.reference.cats
            for j, label in enumerate(labels):
                if label in cats:
                    truths[i, j] = cats[label]
                    present[i, j] = 1.0
        return truths, present

    def get_loss(self, examples: Iterable[Any], scores: Floats2d) -> tuple[float, Floats2d]:
        """RETURNS (Tuple[float, Floats2d]): mean squared error and its gradient."""
        examples = list(examples)
        self._validate_categories(examples)
        truths, present = self._truths(examples)
        ops = self.model.ops
        d_scores = (scores - ops.asarray2f(truths)) * ops.asarray2f(present)
        return float((d_scores**2).mean()), d_scores

    def _validate_categories(self, examples: list[Any]) -> None:
        for i, eg in enumerate(examples):
            cats = eg.reference.cats
            values = [v for v in cats.values() if v is not None]
            if any(v not in (0, 1, 0.0, 1.0, True, False) for v in values):
                raise DataError(
                    f"{self.name}: example {i} has cats {cats}; textcat values must be 0 or 1"
                )
            if values and sum(values) != 1:
                raise DataError(
                    f"{self.name}: example {i} has {sum(values)} positive labels in {cats}, but "
                    "'textcat' needs exactly one per text (exclusive classes). Use "
                    "'textcat_multilabel' for texts with zero or several labels."
                )

    def _require_labels(self) -> None:
        if not self.labels:
            raise UsageError(
                f"component '{self.name}' has no labels: call nlp.initialize() with training "
                f"data whose docs have cats, or give [initialize.components.{self.name}.labels]."
            )

    # Labels and initialization ------------------------------------------
    def add_label(self, label: str) -> int:
        if label not in self.labels and self._model_sized():
            raise UsageError(
                f"component '{self.name}': cannot add label {label!r} after the model was "
                "initialized. Add every label before nlp.initialize(), or list them in "
                f"[initialize.components.{self.name}.labels]."
            )
        return super().add_label(label)

    def _model_sized(self) -> bool:
        return bool(self.model.has_dim("nO") and self.model.get_dim("nO"))

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Any = None,
        labels: Iterable[str] | None = None,
        positive_label: str | None = None,
    ) -> None:
        """Read the labels (from ``labels`` or the examples' cats) and
        initialize the model on a sample.

        get_examples (Callable[[], Iterable[Example]]): the training data.
        nlp (Language | None): the pipeline (unused).
        labels (Iterable[str] | None): labels from ``[initialize.components.X.labels]``.
        positive_label (str | None): the positive label of a binary task.
        """
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        examples = list(get_examples())
        self._validate_categories(examples)
        if labels is None:
            found: dict[str, None] = {}
            for eg in examples:
                found.update(dict.fromkeys(eg.reference.cats))
            labels = sorted(found)
        for label in labels:
            self.add_label(label)
        if len(self.labels) < 2 and not self.multilabel:
            raise DataError(
                f"component '{self.name}': found {len(self.labels)} label(s) {list(self.labels)}; "
                "'textcat' needs at least two exclusive labels. For one yes/no label use "
                "'textcat_multilabel', or add the negative class to the data."
            )
        if not self.labels:
            raise DataError(
                f"component '{self.name}': no labels found in the examples' doc.cats; give "
                f"[initialize.components.{self.name}.labels] or annotate cats."
            )
        if positive_label is not None:
            if positive_label not in self.labels:
                raise UsageError(
                    f"component '{self.name}': positive_label {positive_label!r} is not one of "
                    f"the labels {list(self.labels)}"
                )
            if len(self.labels) != 2:
                raise UsageError(
                    f"component '{self.name}': positive_label needs exactly two labels, "
                    f"found {list(self.labels)}"
                )
        self.cfg["positive_label"] = positive_label
        if self.model.has_dim("nO") is None:
            self.model.set_dim("nO", len(self.labels))
        sample = list(islice(examples, 10))
        truths, _ = self._truths(sample)
        docs = [eg.predicted for eg in sample]
        self.model.initialize(X=docs or None, Y=self.model.ops.asarray2f(truths) if sample else None)

    def _after_cfg_loaded(self) -> None:
        if self.labels and self.model.has_dim("nO") is None:
            self.model.set_dim("nO", len(self.labels))
