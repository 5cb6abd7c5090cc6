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

import numpy as np
from plait.language import Language
from thinc.api import Model

from ._default_models import NER, model_config
from ._transition_pipe import TransitionPipe, best_valid
from .architectures.parser import ParserStepModel
from .transition._biluo_walk import INVALID, BiluoWalk
from .transition.biluo import BiluoGold, BiluoNer, BiluoStates

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
) -> EntityRecognizer | Any:
    """Create a greedy entity recognizer (see :class:`EntityRecognizer`), or a
    CRF one when the model is a ``plait.BILUOTagger.v1`` (see ``crf_ner.py``;
    ``moves``, the cut size and ``incorrect_spans_key`` do not apply)."""
    if isinstance(model, Model) and model.attrs.get("crf_tagger"):
        from .crf_ner import CRFEntityRecognizer

        return CRFEntityRecognizer(nlp.vocab, model, name, scorer=scorer)
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

    # The greedy loops of TransitionPipe, on a BiluoWalk: the same moves,
    # costs and gradients, in about a third of the numpy calls per step.
    def _greedy_parse(self, step_model: ParserStepModel, states: BiluoStates) -> None:
        walk = BiluoWalk(self.moves, states, self.n_features, step_model.slot_base, step_model.n_tokens)
        while walk.n_live:
            scores = step_model.predict_rows(walk.rows())
            walk.apply(best_valid(scores, walk.valid()))
        walk.finish()

    def _greedy_train(
        self, step_model: ParserStepModel, states: BiluoStates, gold: BiluoGold, max_moves: int
    ) -> float:
        walk = BiluoWalk(
            self.moves, states, self.n_features, step_model.slot_base, step_model.n_tokens, gold,
            max_steps=max_moves,
        )
        total = 0.0
        while walk.n_live and (max_moves < 1 or walk.step < max_moves):
            scores = step_model.predict_rows(walk.rows())
            d_scores, loss, best = step_loss_and_best(scores, walk.costs())
            step_model.record(d_scores)
            total += float(loss.sum())
            walk.apply(best)
        walk.finish()
        return total


def step_loss_and_best(scores: np.ndarray, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``step_loss`` and ``best_valid`` of ``_transition_pipe`` in one pass,
    reading the valid moves off the costs (invalid moves cost ``INVALID``,
    valid ones far less, and every live state has a valid move, so the
    lowest cost of a row is the lowest valid cost).

    scores (numpy.ndarray): (n, n_moves) model scores.
    costs (numpy.ndarray): (n, n_moves) oracle costs.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]): d_scores,
        the loss of each state and its best valid move.
    """
    e = np.where(costs < INVALID, scores, -np.inf).astype(np.float32, copy=False)
    best = e.argmax(axis=1)
    e -= e.max(axis=1, keepdims=True)
    np.exp(e, out=e)
    Z = e.sum(axis=1, keepdims=True)
    ge = np.where(costs <= costs.min(axis=1, keepdims=True), e, np.float32(0.0))
    gZ = ge.sum(axis=1, keepdims=True)
    d_scores = e / Z
    d_scores -= ge / gZ
    loss = np.log(Z[:, 0]) - np.log(np.maximum(gZ[:, 0], 1e-30))
    return d_scores, loss, best
