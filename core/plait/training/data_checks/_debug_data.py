"""The checks behind `plait debug data`: statistics and problems of a corpus.

Pure functions over reference Docs (and the pipeline's tokenization of the
same texts), so they are tested without a config. Each problem is a
:class:`Problem` with a severity ("error" makes the command exit 1), a
message and a few examples shown with ``--verbose``.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

LOW_DATA = {"ner": 50, "textcat": 20, "tagger": 10, "parser": 10}
MAX_SENT_LENGTH = 200
_PUNCT = set(string.punctuation) | {"“", "”", "‘", "’", "…", "–", "—"}


@dataclass
class Problem:
    severity: str  # "error" or "warning"
    message: str
    examples: list[str] = field(default_factory=list)


@dataclass
class CorpusStats:
    n_docs: int = 0
    n_words: int = 0
    sent_lengths: list[int] = field(default_factory=list)
    labels: dict[str, Counter] = field(default_factory=dict)
    texts: set[str] = field(default_factory=set)


def corpus_stats(docs: Iterable[Any]) -> CorpusStats:
    """Docs, words, sentence lengths and label counts per annotation layer."""
    stats = CorpusStats(labels={k: Counter() for k in ("ner", "tag", "pos", "morph", "dep", "textcat")})
    for doc in docs:
        stats.n_docs += 1
        stats.n_words += len(doc)
        stats.texts.add(doc.text)
        if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
            stats.sent_lengths.extend(len(s) for s in doc.sents)
        else:
            stats.sent_lengths.append(len(doc))
        stats.labels["ner"].update(e.label_ for e in doc.ents)
        if doc.has_annotation("TAG"):
            stats.labels["tag"].update(t.tag_ for t in doc if t.tag_)
        if doc.has_annotation("POS"):
            stats.labels["pos"].update(t.pos_ for t in doc if t.pos_)
        if doc.has_annotation("MORPH"):
            stats.labels["morph"].update(str(t.morph) for t in doc if str(t.morph))
        if doc.has_annotation("DEP"):
            stats.labels["dep"].update(t.dep_ for t in doc if t.dep_)
        stats.labels["textcat"].update(k for k, v in (doc.cats or {}).items() if v)
    return stats


def entity_problems(docs: Sequence[Any], where: str) -> list[Problem]:
    """Entities starting or ending in whitespace (error) or punctuation (warning)."""
    ws, punct = [], []
    for i, doc in enumerate(docs):
        for ent in doc.ents:
            first, last = ent[0].text, ent[-1].text
            if not first.strip() or not last.strip() or ent.text != ent.text.strip():
                ws.append(f"doc {i}: {ent.text!r} ({ent.label_})")
            elif (first in _PUNCT or last in _PUNCT) and len(ent) > 1:
                punct.append(f"doc {i}: {ent.text!r} ({ent.label_})")
    out = []
    if ws:
        out.append(Problem("error", f"{len(ws)} entities in {where} start or end with whitespace", ws))
    if punct:
        out.append(Problem("warning", f"{len(punct)} entities in {where} start or end with punctuation", punct))
    return out


def _sentence_heads(doc: Any) -> Iterable[tuple[int, list[int]]]:
    for sent in doc.sents:
        yield sent.start, [t.head.i - sent.start for t in sent]


def tree_problems(docs: Sequence[Any], where: str) -> list[Problem]:
    """Cyclic (error) and non-projective (warning) dependency trees."""
    cyclic, nonproj = [], []
    for i, doc in enumerate(docs):
        if not doc.has_annotation("DEP"):
            continue
        for start, heads in _sentence_heads(doc):
            n = len(heads)
            if any(not 0 <= h < n for h in heads):
                cyclic.append(f"doc {i}, token {start}: a head leaves its sentence")
                continue
            if _has_cycle(heads):
                cyclic.append(f"doc {i}, sentence at token {start}")
            elif not _is_projective(heads):
                nonproj.append(f"doc {i}, sentence at token {start}")
    out = []
    if cyclic:
        out.append(Problem("error", f"{len(cyclic)} cyclic dependency trees in {where}", cyclic))
    if nonproj:
        out.append(Problem("warning", f"{len(nonproj)} non-projective dependency trees in {where} "
                           "(the parser learns projective trees)", nonproj))
    return out


def _has_cycle(heads: list[int]) -> bool:
    for i in range(len(heads)):
        seen = set()
        j = i
        while heads[j] != j:
            if j in seen:
                return True
            seen.add(j)
            j = heads[j]
    return False


def _is_projective(heads: list[int]) -> bool:
    arcs = [(min(i, h), max(i, h)) for i, h in enumerate(heads) if h != i]
    for a, b in arcs:
        for c, d in arcs:
            if a < c < b < d:
                return False
    return True


def label_problems(train: CorpusStats, dev: CorpusStats) -> list[Problem]:
    """Low-data labels and labels in dev that train never shows."""
    out = []
    for layer, counts in train.labels.items():
        threshold = LOW_DATA.get({"tag": "tagger", "dep": "parser"}.get(layer, layer), 0)
        low = [f"{label}: {n}" for label, n in sorted(counts.items()) if n < threshold]
        if low:
            out.append(Problem("warning", f"{len(low)} {layer} labels have fewer than {threshold} "
                               "training examples", low))
        unseen = sorted(set(dev.labels.get(layer, {})) - set(counts))
        if unseen and counts:
            out.append(Problem("error" if layer in ("ner", "textcat") else "warning",
                               f"{len(unseen)} {layer} labels in dev are not in train", unseen))
    return out


def length_problems(stats: CorpusStats, where: str, max_length: int = MAX_SENT_LENGTH) -> list[Problem]:
    long = [n for n in stats.sent_lengths if n > max_length]
    if not long:
        return []
    return [Problem("warning", f"{len(long)} sentences in {where} are longer than {max_length} tokens "
                    f"(longest: {max(long)})", [str(n) for n in long])]


def overlap_problems(train: CorpusStats, dev: CorpusStats) -> list[Problem]:
    both = sorted(train.texts & dev.texts)
    if not both:
        return []
    return [Problem("warning", f"{len(both)} texts occur in both train and dev", both)]


def alignment_problems(pairs: Iterable[tuple[Sequence[str], Sequence[str]]], where: str) -> list[Problem]:
    """Reference tokens the pipeline's tokenizer splits differently."""
    n_bad = n_total = 0
    examples: list[str] = []
    for ref, pred in pairs:
        n_total += len(ref)
        if list(ref) == list(pred):
            continue
        pred_set = set(_spans(pred))
        bad = [w for w, span in zip(ref, _spans(ref)) if span not in pred_set]
        n_bad += len(bad)
        if bad and len(examples) < 20:
            examples.append(", ".join(repr(w) for w in bad[:5]))
    if not n_bad:
        return []
    return [Problem("warning", f"{n_bad} of {n_total} tokens in {where} are tokenized differently by "
                    "the pipeline's tokenizer (annotation is projected through the alignment)", examples)]


def _spans(words: Sequence[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for w in words:
        w = w.strip()
        out.append((pos, pos + len(w)))
        pos += len(w)
    return out
