"""Evaluation: the ``Scorer`` and the registered per-component score functions.

``Scorer.score(examples)`` asks every pipe with a ``score`` method for its
scores and adds tokenization scores. The ``make_*_scorer`` functions are
registered as ``plait.<component>_scorer.vN`` (through entry points) and
return ``score(examples, **kwargs) -> dict`` with spaCy's score names
(``tag_acc``, ``ents_f``, ``dep_las``, ``cats_score``…), so
``[training.score_weights]`` in a spaCy-style config keeps working. The
arithmetic lives in the private ``_scoring_*`` modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ._scoring_cats import score_cats
from ._scoring_prf import PRFScore, ROCAUCScore, roc_auc
from ._scoring_spans import score_spans
from ._scoring_tokens import (
    MISSING_VALUES,
    score_deps,
    score_token_attr,
    score_token_attr_per_feat,
    score_tokenization,
)

__all__ = ["Scorer", "PRFScore", "ROCAUCScore", "roc_auc", "MISSING_VALUES"]

DEFAULT_PIPELINE = ("senter", "tagger", "morphologizer", "parser", "ner", "textcat")


class Scorer:
    """Compute evaluation scores for a pipeline over Examples.

    nlp (Optional[Language]): the pipeline whose pipes are scored; a blank
        ``default_lang`` pipeline with ``default_pipeline`` is built if None.
    default_lang (str): language of the default pipeline.
    default_pipeline (Iterable[str]): components of the default pipeline.
    **cfg: passed to every score function.
    """

    def __init__(
        self,
        nlp: Any = None,
        default_lang: str = "xx",
        default_pipeline: Iterable[str] = DEFAULT_PIPELINE,
        **cfg: Any,
    ) -> None:
        self.cfg = cfg
        if nlp is None:
            from .language import blank

            nlp = blank(default_lang)
            for name in default_pipeline:
                try:
                    nlp.add_pipe(name)
                except Exception:  # a component whose plugin is not installed
                    continue
        self.nlp = nlp

    def score(self, examples: Iterable[Any], *, per_component: bool = False) -> dict[str, Any]:
        """Score the examples with every pipe that has a ``score`` method.

        examples (Iterable[Example]): predicted + reference docs.
        per_component (bool): nest the scores under each component's name.
        RETURNS (Dict[str, Any]): the scores.
        """
        examples = list(examples)
        scores: dict[str, Any] = {}
        if hasattr(self.nlp, "tokenizer"):
            tok = self.score_tokenization(examples)
            if per_component:
                scores["tokenizer"] = tok
            else:
                scores.update(tok)
        for name, component in getattr(self.nlp, "pipeline", []):
            if hasattr(component, "score"):
                comp_scores = component.score(examples, **self.cfg)
                if per_component:
                    scores[name] = comp_scores
                else:
                    scores.update(comp_scores)
        return scores

    score_tokenization = staticmethod(score_tokenization)
    score_token_attr = staticmethod(score_token_attr)
    score_token_attr_per_feat = staticmethod(score_token_attr_per_feat)
    score_spans = staticmethod(score_spans)
    score_cats = staticmethod(score_cats)
    score_deps = staticmethod(score_deps)


ScoreFunc = Callable[..., dict[str, Any]]


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
