"""Evaluation: the ``Scorer``, the P/R/F counters and the per-task scores.

- ``_prf``: ``PRFScore``, ``ROCAUCScore``, ``roc_auc`` (the arithmetic);
- ``_tokens``: tokenization, token attributes, morph features, dependencies;
- ``_spans``: entities, sentences, span groups; ``_cats``: text categories;
- ``_scorer``: the ``Scorer`` that asks each pipe for its scores;
- ``_registered``: the ``plait.<component>_scorer.vN`` functions.

``plait.scorer`` re-exports the same names for spaCy-style imports.
"""

from __future__ import annotations

from ._cats import score_cats
from ._prf import PRFScore, ROCAUCScore, roc_auc
from ._registered import (
    ScoreFunc,
    lemmatizer_score,
    make_entity_ruler_scorer,
    make_lemmatizer_scorer,
    make_morphologizer_scorer,
    make_ner_scorer,
    make_parser_scorer,
    make_senter_scorer,
    make_tagger_scorer,
    make_textcat_multilabel_scorer,
    make_textcat_scorer,
    morphologizer_score,
    ner_score,
    parser_score,
    senter_score,
    tagger_score,
    textcat_multilabel_score,
    textcat_score,
)
from ._scorer import DEFAULT_PIPELINE, Scorer
from ._spans import score_spans
from ._tokens import (
    MISSING_VALUES,
    score_deps,
    score_token_attr,
    score_token_attr_per_feat,
    score_tokenization,
)

__all__ = [
    "DEFAULT_PIPELINE", "MISSING_VALUES", "PRFScore", "ROCAUCScore", "ScoreFunc", "Scorer",
    "lemmatizer_score", "make_entity_ruler_scorer", "make_lemmatizer_scorer",
    "make_morphologizer_scorer", "make_ner_scorer", "make_parser_scorer", "make_senter_scorer",
    "make_tagger_scorer", "make_textcat_multilabel_scorer", "make_textcat_scorer",
    "morphologizer_score", "ner_score", "parser_score", "roc_auc", "score_cats", "score_deps",
    "score_spans", "score_token_attr", "score_token_attr_per_feat", "score_tokenization",
    "senter_score", "tagger_score", "textcat_multilabel_score", "textcat_score",
]
