"""Text classification scores: per-label P/R/F, micro/macro averages, ROC AUC.

The predicted and gold ``doc.cats`` of all examples are gathered into two
(examples x labels) matrices once, then every count is a numpy reduction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy

from ._prf import PRFScore, roc_auc


def score_cats(
    examples: Iterable[Any],
    attr: str,
    *,
    getter: Callable[[Any, str], Any] = getattr,
    labels: Iterable[str] = (),
    multi_label: bool = True,
    positive_label: str | None = None,
    threshold: float | None = None,
    **cfg: Any,
) -> dict[str, Any]:
    """Score text categories like spaCy's ``Scorer.score_cats``.

    examples (Iterable[Example]): the examples.
    attr (str): the attribute holding the category dict, usually ``cats``.
    getter (Callable[[Doc, str], Dict[str, float]]): reads the dict from a Doc.
    labels (Iterable[str]): the labels; read from the data when empty.
    multi_label (bool): labels are independent (else mutually exclusive).
    positive_label (Optional[str]): for binary exclusive tasks, the label
        whose F is the main score.
    threshold (Optional[float]): the cutoff for a positive prediction
        (0.5 multi-label, 0.0 exclusive by default).
    RETURNS (Dict[str, Any]): ``{attr}_score``, ``{attr}_score_desc``,
        micro/macro P/R/F, ``{attr}_macro_auc``, ``{attr}_f_per_type``,
        ``{attr}_auc_per_type``.
    """
    if threshold is None:
        threshold = 0.5 if multi_label else 0.0
    examples = list(examples)
    preds = [dict(getter(eg.predicted, attr) or {}) for eg in examples]
    golds = [dict(getter(eg.reference, attr) or {}) for eg in examples]
    label_list = list(dict.fromkeys(labels))
    if not label_list:
        seen = dict.fromkeys(k for d in golds + preds for k in d)
        label_list = list(seen)
    index = {label: i for i, label in enumerate(label_list)}
    n, m = len(examples), len(label_list)
    pred = numpy.zeros((n, m), dtype="float64")
    gold = numpy.full((n, m), numpy.nan, dtype="float64")
    for row, (p, g) in enumerate(zip(preds, golds, strict=False)):
        for k, v in p.items():
            if k in index:
                pred[row, index[k]] = v
        for k, v in g.items():
            if k in index and v is not None:
                gold[row, index[k]] = v
    has_gold = ~numpy.isnan(gold)
    if not multi_label:
        # Exclusive classes: a label absent from an annotated doc is negative.
        annotated = has_gold.any(axis=1, keepdims=True)
        gold = numpy.where(annotated & ~has_gold, 0.0, gold)
        has_gold = ~numpy.isnan(gold)
    gold_pos = numpy.nan_to_num(gold) > 0
    tp = numpy.zeros(m, dtype="int64")
    fp = numpy.zeros(m, dtype="int64")
    fn = numpy.zeros(m, dtype="int64")
    if multi_label:
        above = pred >= threshold
        tp = (above & gold_pos & has_gold).sum(axis=0)
        fp = (above & ~gold_pos & has_gold).sum(axis=0)
        fn = (~above & gold_pos & has_gold).sum(axis=0)
    elif m:
        rows = has_gold.any(axis=1)
        p_best = pred.argmax(axis=1)
        p_score = pred[numpy.arange(n), p_best]
        g_best = numpy.nan_to_num(gold, nan=-numpy.inf).argmax(axis=1)
        g_score = numpy.nan_to_num(gold)[numpy.arange(n), g_best]
        has_pred = numpy.array([bool(set(p) & set(index)) for p in preds], dtype=bool)
        both = rows & has_pred
        correct = both & (p_best == g_best) & (p_score >= threshold)
        numpy.add.at(tp, p_best[correct], 1)
        wrong = both & ~correct
        numpy.add.at(fn, g_best[wrong], 1)
        numpy.add.at(fp, p_best[wrong & (p_score >= threshold)], 1)
        only_gold = rows & ~has_pred & (g_score > 0)
        numpy.add.at(fn, g_best[only_gold], 1)
        only_pred = ~rows & has_pred & (p_score >= threshold)
        numpy.add.at(fp, p_best[only_pred], 1)
    per_type = {
        label: PRFScore(tp=int(tp[i]), fp=int(fp[i]), fn=int(fn[i]))
        for i, label in enumerate(label_list)
    }
    micro = PRFScore(tp=int(tp.sum()), fp=int(fp.sum()), fn=int(fn.sum()))
    n_cats = m + 1e-100
    auc_per_type: dict[str, float | None] = {}
    for i, label in enumerate(label_list):
        g = gold_pos[has_gold[:, i], i]
        binary = bool(g.any() and not g.all())
        auc_per_type[label] = roc_auc(g, pred[has_gold[:, i], i]) if binary else None
    # Labels without both classes count as 0 but still divide, so missing
    # labels do not inflate the average (as in spaCy).
    macro_auc = sum(v for v in auc_per_type.values() if v is not None) / n_cats
    results: dict[str, Any] = {
        f"{attr}_score": None,
        f"{attr}_score_desc": None,
        f"{attr}_micro_p": micro.precision,
        f"{attr}_micro_r": micro.recall,
        f"{attr}_micro_f": micro.fscore,
        f"{attr}_macro_p": sum(s.precision for s in per_type.values()) / n_cats,
        f"{attr}_macro_r": sum(s.recall for s in per_type.values()) / n_cats,
        f"{attr}_macro_f": sum(s.fscore for s in per_type.values()) / n_cats,
        f"{attr}_macro_auc": macro_auc,
        f"{attr}_f_per_type": {k: v.to_dict() for k, v in per_type.items()},
        f"{attr}_auc_per_type": auc_per_type,
    }
    if m == 2 and not multi_label and positive_label:
        if positive_label not in per_type:
            from ..errors import UsageError

            raise UsageError(
                f"positive_label '{positive_label}' is not one of the labels {label_list}"
            )
        results[f"{attr}_score"] = per_type[positive_label].fscore
        results[f"{attr}_score_desc"] = f"F ({positive_label})"
    elif not multi_label:
        results[f"{attr}_score"] = results[f"{attr}_macro_f"]
        results[f"{attr}_score_desc"] = "macro F"
    else:
        results[f"{attr}_score"] = macro_auc
        results[f"{attr}_score_desc"] = "macro AUC"
    return results
