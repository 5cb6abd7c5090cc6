"""The registered score functions: ``plait.<component>_scorer.vN``.

Each ``make_*_scorer`` (an entry point of the ``plait_scorers`` group)
returns ``score(examples, **kwargs) -> dict`` with spaCy's score names
(``tag_acc``, ``ents_f``, ``dep_las``, ``cats_score``…), so
``[training.score_weights]`` in a spaCy-style config keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..plugins.protocols import ScoreFunc
from ._cats import score_cats
from ._spans import score_spans
from ._tokens import score_deps, score_token_attr, score_token_attr_per_feat


def _has_sents(doc: Any) -> bool:
    return bool(doc.has_annotation("SENT_START"))


def _has_ents(doc: Any) -> bool:
    return bool(doc.has_annotation("ENT_IOB"))


def tagger_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``tag_acc``."""
    return score_token_attr(examples, "tag", **kwargs)


def morphologizer_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``pos_acc``, ``morph_acc``, ``morph_micro_p/r/f``, ``morph_per_feat``."""
    examples = list(examples)
    results = {}
    results.update(score_token_attr(examples, "pos", **kwargs))
    results.update(score_token_attr(examples, "morph", **kwargs))
    results.update(score_token_attr_per_feat(examples, "morph", **kwargs))
    return results


def senter_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``sents_p``, ``sents_r``, ``sents_f``."""
    results = score_spans(examples, "sents", has_annotation=_has_sents, **kwargs)
    results.pop("sents_per_type", None)
    return results


def lemmatizer_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``lemma_acc``."""
    return score_token_attr(examples, "lemma", **kwargs)


def textcat_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``cats_*`` for mutually exclusive classes."""
    kwargs.pop("multi_label", None)
    return score_cats(examples, "cats", multi_label=False, **kwargs)


def textcat_multilabel_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``cats_*`` for independent labels."""
    kwargs.pop("multi_label", None)
    return score_cats(examples, "cats", multi_label=True, **kwargs)


def ner_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``ents_p``, ``ents_r``, ``ents_f``, ``ents_per_type``."""
    return score_spans(examples, "ents", has_annotation=_has_ents, **kwargs)


def _dep_getter(token: Any, attr: str) -> str:
    return str(getattr(token, f"{attr}_")).lower()


def parser_score(examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
    """``dep_uas``, ``dep_las``, ``dep_las_per_type`` and ``sents_p/r/f``."""
    examples = list(examples)
    results = {}
    results.update(score_spans(examples, "sents", has_annotation=_has_sents, **kwargs))
    results.pop("sents_per_type", None)
    kwargs.setdefault("getter", _dep_getter)
    kwargs.setdefault("ignore_labels", ("p", "punct"))
    results.update(score_deps(examples, "dep", **kwargs))
    return results


def make_tagger_scorer() -> ScoreFunc:
    """``plait.tagger_scorer.v1``. RETURNS (Callable): the score function."""
    return tagger_score


def make_morphologizer_scorer() -> ScoreFunc:
    """``plait.morphologizer_scorer.v1``. RETURNS (Callable): the score function."""
    return morphologizer_score


def make_senter_scorer() -> ScoreFunc:
    """``plait.senter_scorer.v1``. RETURNS (Callable): the score function."""
    return senter_score


def make_lemmatizer_scorer() -> ScoreFunc:
    """``plait.lemmatizer_scorer.v1``. RETURNS (Callable): the score function."""
    return lemmatizer_score


def make_textcat_scorer() -> ScoreFunc:
    """``plait.textcat_scorer.v2``. RETURNS (Callable): the score function."""
    return textcat_score


def make_textcat_multilabel_scorer() -> ScoreFunc:
    """``plait.textcat_multilabel_scorer.v2``. RETURNS (Callable): the score function."""
    return textcat_multilabel_score


def make_ner_scorer() -> ScoreFunc:
    """``plait.ner_scorer.v1``. RETURNS (Callable): the score function."""
    return ner_score


def make_parser_scorer() -> ScoreFunc:
    """``plait.parser_scorer.v1``. RETURNS (Callable): the score function."""
    return parser_score


def make_entity_ruler_scorer() -> ScoreFunc:
    """``plait.entity_ruler_scorer.v1``. RETURNS (Callable): the score function."""
    return ner_score
