"""The ``Scorer``: asks every pipe with a ``score`` method for its scores and
adds the tokenization scores.

It knows pipelines only through their interface (``tokenizer``,
``pipeline``): a default pipeline is built from the ``languages`` and
``factories`` registries, so this package never imports ``plait.language``
(which imports it to evaluate).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._cats import score_cats
from ._spans import score_spans
from ._tokens import score_deps, score_token_attr, score_token_attr_per_feat, score_tokenization

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
            nlp = _default_pipeline(default_lang, default_pipeline)
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


def _default_pipeline(lang: str, names: Iterable[str]) -> Any:
    """A blank ``lang`` pipeline (as ``plait.blank``) with those of ``names``
    whose factory is registered: a component whose plugin is not installed is
    left out; any other error (a broken plugin, a bad config) is raised."""
    from ..errors import ConfigError, UsageError
    from ..plugins._registry import registry

    if not isinstance(lang, str) or not lang:
        raise UsageError(f"a language code must be a non-empty string like 'en', not {lang!r}")
    try:
        lang_cls = registry.languages.get(lang)
    except ConfigError as err:
        raise UsageError(f"no language '{lang}': {err}") from None
    nlp = lang_cls.from_config(lang_cls.default_config)
    for name in names:
        if name in registry.factories:
            nlp.add_pipe(name)
    return nlp
