"""Token-level scores: tokenization, token attributes, morph features, dependencies.

Each predicted token is compared with the reference token it aligns to
one-to-one (``example.alignment.x2y``); tokens without a one-to-one
alignment count as wrong, reference tokens whose value is missing are not
scored. Values come from ``doc.to_array`` columns when the default getter is
used, so comparing a corpus is numpy work, not a Python loop per token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy

from ._prf import PRFScore

MISSING_VALUES = frozenset([None, 0, ""])
_ATTR_COLUMNS = {"tag": "TAG", "pos": "POS", "lemma": "LEMMA", "dep": "DEP", "morph": "MORPH",
                 "tag_": "TAG", "pos_": "POS", "lemma_": "LEMMA", "dep_": "DEP",
                 "ent_type": "ENT_TYPE", "norm": "NORM"}  # fmt: skip


def column(doc: Any, name: str) -> numpy.ndarray:
    """One ``doc.to_array`` column as a flat array."""
    from .. import attrs

    return numpy.asarray(doc.to_array([attrs.IDS[name]])).reshape(-1)


def token_values(doc: Any, attr: str, getter: Callable[[Any, str], Any] | None) -> tuple[list[Any], bool]:
    """The values of ``attr`` for every token, and whether they are hashes.

    With the default getter and a known attribute, the values are the uint64
    string ids from ``doc.to_array``; otherwise ``getter(token, attr)`` is
    called per token.
    """
    if (getter is None or getter is getattr) and attr in _ATTR_COLUMNS:
        return column(doc, _ATTR_COLUMNS[attr]).tolist(), True
    get = getter or getattr
    return [get(token, attr) for token in doc], False


def one_to_one_gold(example: Any) -> numpy.ndarray:
    """For each predicted token, its reference token if aligned one-to-one, else -1."""
    x2y = example.alignment.x2y
    gold_i = numpy.full(len(x2y), -1, dtype="int64")
    single = x2y.lengths == 1
    gold_i[single] = x2y.data[x2y.starts[:-1][single]]
    return gold_i


def score_tokenization(examples: Iterable[Any], **cfg: Any) -> dict[str, Any]:
    """token_acc, token_p, token_r, token_f over character spans of tokens.

    RETURNS (Dict[str, Any]): the scores (None without data).
    """
    from ..training.iob_utils import token_offsets

    acc = PRFScore()
    prf = PRFScore()
    for example in examples:
        gold_doc, pred_doc = example.reference, example.predicted
        if getattr(gold_doc, "has_unknown_spaces", False):
            continue
        g_starts, g_ends = token_offsets(gold_doc)
        p_starts, p_ends = token_offsets(pred_doc)
        g_keep = numpy.array([not t.isspace() for t in _words(gold_doc)], dtype=bool)
        p_keep = numpy.array([not t.isspace() for t in _words(pred_doc)], dtype=bool)
        lengths = example.alignment.x2y.lengths
        n_single = int(((lengths == 1) & p_keep).sum())
        acc.tp += n_single
        acc.fp += int(p_keep.sum()) - n_single
        prf.score_set(
            zip(p_starts[p_keep].tolist(), p_ends[p_keep].tolist(), strict=False),
            zip(g_starts[g_keep].tolist(), g_ends[g_keep].tolist(), strict=False),
        )
    if len(acc) == 0:
        return {"token_acc": None, "token_p": None, "token_r": None, "token_f": None}
    return {"token_acc": acc.precision, "token_p": prf.precision, "token_r": prf.recall,
            "token_f": prf.fscore}  # fmt: skip


def _words(doc: Any) -> list[str]:
    return [t.text for t in doc]


def score_token_attr(
    examples: Iterable[Any],
    attr: str,
    *,
    getter: Callable[[Any, str], Any] = getattr,
    missing_values: frozenset = MISSING_VALUES,
    **cfg: Any,
) -> dict[str, Any]:
    """Accuracy of one token attribute: ``{attr}_acc``.

    examples (Iterable[Example]): the examples.
    attr (str): the attribute (``tag``, ``pos``, ``lemma``, ``morph``…).
    getter (Callable[[Token, str], Any]): reads the value from a token.
    missing_values (Set[Any]): reference values that mean "not annotated".
    RETURNS (Dict[str, Any]): ``{attr}_acc`` (None without data).
    """
    score = PRFScore()
    for example in examples:
        gold_vals, _ = token_values(example.reference, attr, getter)
        pred_vals, _ = token_values(example.predicted, attr, getter)
        gold_missing = numpy.fromiter((v in missing_values for v in gold_vals), dtype=bool,
                                      count=len(gold_vals))
        gold_i = one_to_one_gold(example)
        pred_ok = gold_i >= 0
        pred_ok[pred_ok] = ~gold_missing[gold_i[pred_ok]]
        gold_set = {(i, v) for i, v in enumerate(gold_vals) if not gold_missing[i]}
        pred_set = {(int(gold_i[i]), pred_vals[i]) for i in numpy.flatnonzero(pred_ok)}
        score.score_set(pred_set, gold_set)
    key = f"{attr}_acc"
    return {key: None} if len(score) == 0 else {key: score.fscore}


def score_token_attr_per_feat(
    examples: Iterable[Any],
    attr: str,
    *,
    getter: Callable[[Any, str], Any] = getattr,
    missing_values: frozenset = MISSING_VALUES,
    **cfg: Any,
) -> dict[str, Any]:
    """Micro P/R/F over "Field=Value" features and per-field scores.

    RETURNS (Dict[str, Any]): ``{attr}_micro_p/r/f`` and ``{attr}_per_feat``.
    """
    micro = PRFScore()
    per_feat: dict[str, PRFScore] = {}
    feats_cache: dict[Any, list[tuple[str, str]]] = {}

    def feats_of(value: Any, strings: Any) -> list[tuple[str, str]]:
        if value not in feats_cache:
            text = strings[value] if isinstance(value, int) else str(value)
            feats_cache[value] = (
                [] if text in ("", "_") else [(f.split("=", 1)[0], f) for f in text.split("|")]
            )
        return feats_cache[value]

    for example in examples:
        gold_doc, pred_doc = example.reference, example.predicted
        strings = gold_doc.vocab.strings
        gold_vals, _ = token_values(gold_doc, attr, getter)
        pred_vals, _ = token_values(pred_doc, attr, getter)
        gold_feats: dict[str, set] = {}
        missing = set()
        for i, value in enumerate(gold_vals):
            feats = [] if value in missing_values else feats_of(value, strings)
            if not feats:
                missing.add(i)
            for field, feat in feats:
                per_feat.setdefault(field, PRFScore())
                gold_feats.setdefault(field, set()).add((i, feat))
        pred_feats: dict[str, set] = {}
        gold_i = one_to_one_gold(example)
        for x in numpy.flatnonzero(gold_i >= 0).tolist():
            g = int(gold_i[x])
            if g in missing or pred_vals[x] in missing_values:
                continue
            for field, feat in feats_of(pred_vals[x], pred_doc.vocab.strings):
                per_feat.setdefault(field, PRFScore())
                pred_feats.setdefault(field, set()).add((g, feat))
        for field, prf in per_feat.items():
            cand, gold = pred_feats.get(field, set()), gold_feats.get(field, set())
            micro.score_set(cand, gold)
            prf.score_set(cand, gold)
    if len(micro) == 0:
        return {f"{attr}_micro_p": None, f"{attr}_micro_r": None, f"{attr}_micro_f": None,
                f"{attr}_per_feat": None}  # fmt: skip
    return {
        f"{attr}_micro_p": micro.precision,
        f"{attr}_micro_r": micro.recall,
        f"{attr}_micro_f": micro.fscore,
        f"{attr}_per_feat": {k: v.to_dict() for k, v in per_feat.items()},
    }


def score_deps(
    examples: Iterable[Any],
    attr: str,
    *,
    getter: Callable[[Any, str], Any] = getattr,
    head_attr: str = "head",
    head_getter: Callable[[Any, str], Any] = getattr,
    ignore_labels: Iterable[str] = (),
    missing_values: frozenset = MISSING_VALUES,
    **cfg: Any,
) -> dict[str, Any]:
    """Unlabelled and labelled attachment scores: ``{attr}_uas/_las/_las_per_type``.

    examples (Iterable[Example]): the examples.
    attr (str): the label attribute, usually ``dep``.
    getter (Callable[[Token, str], Any]): reads a token's label.
    head_attr (str): the head attribute, usually ``head``.
    head_getter (Callable[[Token, str], Token]): reads a token's head.
    ignore_labels (Iterable[str]): labels left out (punctuation).
    missing_values (Set[Any]): reference labels that mean "not annotated".
    RETURNS (Dict[str, Any]): the scores (None without data).
    """
    ignore = set(ignore_labels)
    unlabelled = PRFScore()
    labelled = PRFScore()
    per_dep: dict[Any, PRFScore] = {}
    for example in examples:
        gold_doc, pred_doc = example.reference, example.predicted
        gold_labels = _labels(gold_doc, attr, getter)
        pred_labels = _labels(pred_doc, attr, getter)
        gold_heads = _heads(gold_doc, head_attr, head_getter)
        pred_heads = _heads(pred_doc, head_attr, head_getter)
        gold_deps: set = set()
        gold_per: dict[Any, set] = {}
        missing = set()
        for i, (dep, head) in enumerate(zip(gold_labels, gold_heads.tolist(), strict=False)):
            if dep in missing_values:
                missing.add(i)
            elif dep not in ignore:
                gold_deps.add((i, head, dep))
                per_dep.setdefault(dep, PRFScore())
                gold_per.setdefault(dep, set()).add((i, head, dep))
        gold_i = one_to_one_gold(example)
        pred_deps: set = set()
        pred_per: dict[Any, set] = {}
        words = _words(pred_doc)
        for x, dep in enumerate(pred_labels):
            if not words[x].strip():
                continue
            g = int(gold_i[x])
            if g in missing or dep in ignore:
                continue
            gh = int(gold_i[pred_heads[x]])
            if g < 0 or gh < 0:
                unlabelled.fp += 1
                labelled.fp += 1
                continue
            pred_deps.add((g, gh, dep))
            per_dep.setdefault(dep, PRFScore())
            pred_per.setdefault(dep, set()).add((g, gh, dep))
        labelled.score_set(pred_deps, gold_deps)
        for dep, prf in per_dep.items():
            prf.score_set(pred_per.get(dep, set()), gold_per.get(dep, set()))
        unlabelled.score_set({d[:2] for d in pred_deps}, {d[:2] for d in gold_deps})
    if len(unlabelled) == 0:
        return {f"{attr}_uas": None, f"{attr}_las": None, f"{attr}_las_per_type": None}
    return {
        f"{attr}_uas": unlabelled.fscore,
        f"{attr}_las": labelled.fscore,
        f"{attr}_las_per_type": {k: v.to_dict() for k, v in per_dep.items()},
    }


def _labels(doc: Any, attr: str, getter: Callable[[Any, str], Any] | None) -> list[Any]:
    values, hashed = token_values(doc, attr, getter)
    if hashed:
        strings = doc.vocab.strings
        cache: dict[int, str] = {0: ""}
        out = []
        for v in values:
            if v not in cache:
                cache[v] = strings[v]
            out.append(cache[v])
        return out
    return values


def _heads(doc: Any, head_attr: str, head_getter: Callable[[Any, str], Any] | None) -> numpy.ndarray:
    if (head_getter is None or head_getter is getattr) and head_attr == "head":
        rel = column(doc, "HEAD").astype("int64")
        return rel + numpy.arange(len(rel), dtype="int64")
    get = head_getter or getattr
    return numpy.array([get(t, head_attr).i for t in doc], dtype="int64")
