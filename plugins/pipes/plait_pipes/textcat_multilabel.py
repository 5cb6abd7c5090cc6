"""The ``textcat_multilabel`` component: independent yes/no labels per text.

The same model and loss as ``textcat`` with ``exclusive_classes = false``
(logistic outputs), any number of positive labels per text, and a
``threshold`` above which a label counts as predicted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plait.errors import DataError
from plait.language import Language
from thinc.api import Model
from thinc.types import Floats2d

from ._default_models import model_config, textcat_ensemble
from .textcat import TEXTCAT_SCORE_WEIGHTS, TextCategorizer


@Language.factory(
    "textcat_multilabel",
    assigns=["doc.cats"],
    default_config={
        "threshold": 0.5,
        "model": model_config(textcat_ensemble(False)),
        "scorer": {"@scorers": "plait.textcat_multilabel_scorer.v2"},
    },
    default_score_weights=TEXTCAT_SCORE_WEIGHTS,
)
def make_multilabel_textcat(
    nlp: Any, name: str, model: Model[list[Any], Floats2d], threshold: float, scorer: Callable | None
) -> MultiLabel_TextCategorizer:
    """Create a multi-label text classifier (see :class:`MultiLabel_TextCategorizer`)."""
    return MultiLabel_TextCategorizer(nlp.vocab, model, name, threshold=threshold, scorer=scorer)


class MultiLabel_TextCategorizer(TextCategorizer):  # noqa: N801 - spaCy's name
    """Classify texts into any number of independent labels.

    vocab (Vocab): the pipeline's vocab.
    model (Model[List[Doc], Floats2d]): a textcat model with exclusive_classes = false.
    name (str): the component name.
    threshold (float): a label is predicted when its score is >= threshold.
    scorer (Callable | None): ``scorer(examples) -> {"cats_score": ...}``.
    """

    multilabel = True

    def __init__(
        self, vocab: Any, model: Model, name: str = "textcat_multilabel", *,
        threshold: float = 0.5, scorer: Callable | None = None,
    ) -> None:
        super().__init__(vocab, model, name, threshold=threshold, scorer=scorer)

    def _validate_categories(self, examples: list[Any]) -> None:
        for i, eg in enumerate(examples):
            for label, value in eg.reference.cats.items():
                if value is not None and value not in (0, 1, 0.0, 1.0, True, False):
                    raise DataError(
                        f"{self.name}: example {i} has cats[{label!r}] = {value!r}; "
                        "textcat_multilabel values must be 0 or 1"
                    )
