"""Counters behind every score: precision/recall/F and ROC AUC.

Kept apart so the per-task score functions (tokens, spans, cats) and the
``Scorer`` class share one definition of the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy


class PRFScore:
    """True/false positive and false negative counts with P, R and F."""

    __slots__ = ("tp", "fp", "fn")

    def __init__(self, *, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.tp = tp
        self.fp = fp
        self.fn = fn

    def __len__(self) -> int:
        return self.tp + self.fp + self.fn

    def __iadd__(self, other: PRFScore) -> PRFScore:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    def __add__(self, other: PRFScore) -> PRFScore:
        return PRFScore(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)

    def score_set(self, cand: Iterable[Any], gold: Iterable[Any]) -> None:
        """Count a set of predicted items against a set of gold items."""
        cand = set(cand)
        gold = set(gold)
        n_tp = len(cand & gold)
        self.tp += n_tp
        self.fp += len(cand) - n_tp
        self.fn += len(gold) - n_tp

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp + 1e-100)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn + 1e-100)

    @property
    def fscore(self) -> float:
        p, r = self.precision, self.recall
        return 2 * ((p * r) / (p + r + 1e-100))

    def to_dict(self) -> dict[str, float]:
        return {"p": self.precision, "r": self.recall, "f": self.fscore}

    def __repr__(self) -> str:
        return f"PRFScore(tp={self.tp}, fp={self.fp}, fn={self.fn})"


class ROCAUCScore:
    """Area under the ROC curve of one binary label, from (score, gold) pairs."""

    def __init__(self) -> None:
        self.golds: list[float] = []
        self.cands: list[float] = []

    def score_set(self, cand: float, gold: float) -> None:
        self.cands.append(float(cand))
        self.golds.append(float(gold))

    def is_binary(self) -> bool:
        """RETURNS (bool): both classes occur, so the AUC is defined."""
        return len(set(g > 0 for g in self.golds)) == 2

    @property
    def score(self) -> float:
        """RETURNS (float): the AUC. RAISES (ValueError): only one class seen."""
        if not self.is_binary():
            raise ValueError("ROC AUC is undefined when only one class is present in the gold data")
        return roc_auc(numpy.asarray(self.golds) > 0, numpy.asarray(self.cands))


def roc_auc(gold: numpy.ndarray, scores: numpy.ndarray) -> float:
    """The ROC AUC as the Mann-Whitney U statistic, with ties counted half.

    gold (numpy.ndarray): booleans, True for positives.
    scores (numpy.ndarray): the predicted scores.
    RETURNS (float): the area under the ROC curve (nan if a class is absent).
    """
    gold = numpy.asarray(gold, dtype=bool)
    n_pos = int(gold.sum())
    n_neg = len(gold) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = numpy.argsort(scores, kind="mergesort")
    sorted_scores = numpy.asarray(scores)[order]
    ranks = numpy.empty(len(scores), dtype="float64")
    # Average ranks over runs of equal scores (1-based).
    _, first, counts = numpy.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = numpy.repeat(avg, counts)
    u = ranks[gold].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))
