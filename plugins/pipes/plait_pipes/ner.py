"""The ``ner`` and ``beam_ner`` components: named entities (``doc.ents``).

A BILUO transition system (``transition/biluo.py``) driven by a
``plait.TransitionBasedParser.v2`` model (see ``_transition_pipe.py``).
Entities set by an earlier component (an ``entity_ruler``) are kept: the
system only allows the moves that reproduce them. Tokens whose gold entity
annotation is missing are not penalised; the ``incorrect_spans_key`` spans
of the reference are known to be wrong and are penalised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from plait.language import Language
from thinc.api import Model

from ._default_models import NER, model_config
from ._transition_pipe import TransitionPipe
from .transition.biluo import BiluoNer

ASSIGNS = ["doc.ents", "token.ent_iob", "token.ent_type"]
SCORE_WEIGHTS = {"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None}


# Settings of `ner`; `beam_ner` adds its beam settings.
def default_config(**beam: Any) -> dict[str, Any]:
    """A fresh copy of the factory settings, plus the beam ones if given."""
    return {
        "model": model_config(NER),
        "moves": None,
        "update_with_oracle_cut_size": 100,
        "incorrect_spans_key": None,
        "scorer": {"@scorers": "plait.ner_scorer.v1"},
        **beam,
    }


@Language.factory(
    "ner",
    assigns=ASSIGNS,
    default_config=default_config(),
    default_score_weights=SCORE_WEIGHTS,
)
def make_ner(
    nlp: Any,
    name: str,
    model: Model,
    moves: Any | None,
    update_with_oracle_cut_size: int,
    incorrect_spans_key: str | None,
    scorer: Callable | None,
) -> EntityRecognizer:
    """Create a greedy entity recognizer (see :class:`EntityRecognizer`)."""
    return EntityRecognizer(
        nlp.vocab, model, name, moves=moves,
        update_with_oracle_cut_size=update_with_oracle_cut_size,
        incorrect_spans_key=incorrect_spans_key, scorer=scorer,
    )


@Language.factory(
    "beam_ner",
    assigns=ASSIGNS,
    default_config=default_config(beam_width=8, beam_density=0.01, beam_update_prob=0.5),
    default_score_weights=SCORE_WEIGHTS,
)
def make_beam_ner(
    nlp: Any,
    name: str,
    model: Model,
    moves: Any | None,
    update_with_oracle_cut_size: int,
    beam_width: int,
    beam_density: float,
    beam_update_prob: float,
    incorrect_spans_key: str | None,
    scorer: Callable | None,
) -> EntityRecognizer:
    """Create an entity recognizer with beam search (see :class:`EntityRecognizer`)."""
    return EntityRecognizer(
        nlp.vocab, model, name, moves=moves,
        update_with_oracle_cut_size=update_with_oracle_cut_size,
        beam_width=beam_width, beam_density=beam_density, beam_update_prob=beam_update_prob,
        incorrect_spans_key=incorrect_spans_key, scorer=scorer,
    )


class EntityRecognizer(TransitionPipe):
    """Predict named entities with a BILUO transition system.

    vocab (Vocab): the pipeline's vocab.
    model (Model): a ``plait.TransitionBasedParser.v2`` with state_type "ner".
    name (str): the component name.
    moves (BiluoNer | None): a transition system to use as is.
    update_with_oracle_cut_size (int): segment length (moves) in training.
    beam_width (int): 1 for greedy decoding, more for beam search.
    beam_density (float): beam pruning threshold, relative to the best candidate.
    beam_update_prob (float): share of updates with the beam objective.
    incorrect_spans_key (str | None): ``doc.spans`` key of known-wrong spans.
    scorer (Callable | None): ``scorer(examples) -> {"ents_f": ...}``.
    """

    moves_per_token = 1
    state_type = "ner"

    def __init__(
        self, vocab: Any, model: Model, name: str = "ner", *, moves: Any = None,
        update_with_oracle_cut_size: int = 100, beam_width: int = 1, beam_density: float = 0.0,
        beam_update_prob: float = 0.0, incorrect_spans_key: str | None = None,
        scorer: Callable | None = None,
    ) -> None:
        super().__init__(
            vocab, model, name, moves=moves, scorer=scorer,
            update_with_oracle_cut_size=update_with_oracle_cut_size, beam_width=beam_width,
            beam_density=beam_density, beam_update_prob=beam_update_prob,
            incorrect_spans_key=incorrect_spans_key,
        )

    def _make_system(self, labels: list[str]) -> BiluoNer:
        return BiluoNer(labels, incorrect_spans_key=self.cfg.get("incorrect_spans_key"))

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        """RETURNS (List[str]): the entity labels of the reference docs, sorted."""
        return list(BiluoNer.collect_labels(list(examples)))
