"""Span scores (entities, sentences, span groups): P/R/F overall and per label.

Predicted spans are mapped onto the reference tokenization through the
alignment (those that do not match reference token boundaries are dropped, as
in spaCy). Reference spans whose boundaries do not fall on predicted token
boundaries are left out of the evaluation: no model could predict them with
this tokenizer (the behaviour the product spec documents for NER).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy

from ._prf import PRFScore


def spans_x2y(example: Any, spans: Iterable[Any], allow_overlap: bool = False) -> list[tuple[str, int, int]]:
    """Map predicted spans to ``(label, start, end)`` in reference tokens.

    Spans whose boundaries do not fall on reference token boundaries are
    dropped, as are spans overlapping an earlier one unless ``allow_overlap``.
    """
    from ..training.alignment import map_span

    align = example.alignment
    out = []
    used = None if allow_overlap else numpy.zeros(len(example.reference), dtype=bool)
    for span in spans:
        mapped = map_span(align.x2y, align.y2x, span.start, span.end)
        if mapped is None:
            continue
        s, e = mapped
        if used is not None:
            if used[s:e].any():
                continue
            used[s:e] = True
        out.append((span.label_, s, e))
    return out


def gold_aligns(example: Any, start: int, end: int) -> bool:
    """Whether reference tokens [start, end) match whole predicted tokens."""
    from ..training.alignment import map_span

    align = example.alignment
    return map_span(align.y2x, align.x2y, start, end) is not None


def score_spans(
    examples: Iterable[Any],
    attr: str,
    *,
    getter: Callable[[Any, str], Iterable[Any]] = getattr,
    has_annotation: Callable[[Any], bool] | None = None,
    labeled: bool = True,
    allow_overlap: bool = False,
    **cfg: Any,
) -> dict[str, Any]:
    """P/R/F of spans and, when ``labeled``, per label.

    examples (Iterable[Example]): the examples.
    attr (str): the attribute, e.g. ``ents`` or ``sents``.
    getter (Callable[[Doc, str], Iterable[Span]]): reads the spans of a Doc.
    has_annotation (Optional[Callable[[Doc], bool]]): skips reference docs
        without this annotation.
    labeled (bool): whether labels must match.
    allow_overlap (bool): whether predicted spans may overlap.
    RETURNS (Dict[str, Any]): ``{attr}_p/r/f`` and ``{attr}_per_type``.
    """
    score = PRFScore()
    per_type: dict[str, PRFScore] = {}
    for example in examples:
        gold_doc, pred_doc = example.reference, example.predicted
        if has_annotation is not None and not has_annotation(gold_doc):
            continue
        gold_spans = list(getter(gold_doc, attr))
        # A prediction without the annotation (no sentence boundaries set)
        # predicts no spans rather than failing the evaluation.
        predicted = has_annotation is None or has_annotation(pred_doc)
        pred_spans = spans_x2y(example, getter(pred_doc, attr), allow_overlap) if predicted else []
        labels = {s.label_ for s in gold_spans} | {p[0] for p in pred_spans}
        for label in labels:
            per_type.setdefault(label, PRFScore())
        identity = len(pred_doc) == len(gold_doc) and example.alignment.x2y.is_one_to_one()
        gold_set: set = set()
        gold_per: dict[str, set] = {label: set() for label in labels}
        for span in gold_spans:
            if not identity and not gold_aligns(example, span.start, span.end):
                continue
            key = (span.label_, span.start, span.end - 1) if labeled else (span.start, span.end - 1)
            gold_set.add(key)
            gold_per[span.label_].add(key)
        pred_set: set = set()
        pred_per: dict[str, set] = {label: set() for label in labels}
        for label, s, e in pred_spans:
            key = (label, s, e - 1) if labeled else (s, e - 1)
            pred_set.add(key)
            pred_per[label].add(key)
        if labeled:
            for label in labels:
                per_type[label].score_set(pred_per[label], gold_per[label])
        score.score_set(pred_set, gold_set)
    result: dict[str, Any] = {f"{attr}_p": None, f"{attr}_r": None, f"{attr}_f": None}
    if labeled:
        result[f"{attr}_per_type"] = None
    if len(score) > 0:
        result[f"{attr}_p"] = score.precision
        result[f"{attr}_r"] = score.recall
        result[f"{attr}_f"] = score.fscore
        if labeled:
            result[f"{attr}_per_type"] = {k: v.to_dict() for k, v in per_type.items()}
    return result
