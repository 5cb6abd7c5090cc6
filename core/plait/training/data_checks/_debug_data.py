"""The checks behind `plait debug data`: statistics and problems of a corpus.

Pure functions over reference Docs (and the pipeline's tokenization of the
same texts), so they are tested without a config. Each problem is a
:class:`Problem` with a severity ("error" makes the command exit 1), a
message and a few examples shown with ``--verbose``.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy

from ._trees import interleaved_root

LOW_DATA = {"ner": 50, "textcat": 20, "tagger": 10, "parser": 10}
MAX_SENT_LENGTH = 200
MAX_EXAMPLES = 20
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


@dataclass
class ParseStats:
    """The gold trees of a corpus, as the parser sees them.

    n_trees (int): sentences with at least one annotated head.
    n_arcs (int): annotated arcs (roots excluded).
    missing_heads (int): tokens without a head in docs that have trees.
    nonproj_trees (int), nonproj_arcs (int): trees with a non-projective arc, and those arcs.
    labels (Counter): arc labels after pseudo-projective lifting (``nsubj||obj``),
        roots excluded: what the parser counts against ``min_action_freq``.
    bad_heads (list[str]), n_bad_heads (int): heads outside their sentence (or document).
    cycles (list[str]), n_cycles (int): tokens whose head chain never reaches a root.
    nonproj (list[str]): a few non-projective arcs.
    """

    n_trees: int = 0
    n_arcs: int = 0
    missing_heads: int = 0
    nonproj_trees: int = 0
    nonproj_arcs: int = 0
    labels: Counter = field(default_factory=Counter)
    bad_heads: list[str] = field(default_factory=list)
    n_bad_heads: int = 0
    cycles: list[str] = field(default_factory=list)
    n_cycles: int = 0
    nonproj: list[str] = field(default_factory=list)


def _token(doc: Any, i: int) -> str:
    return f"token {i} ({doc[i].text!r})" if 0 <= i < len(doc) else f"token {i}"


def parse_stats(docs: Sequence[Any], max_examples: int = MAX_EXAMPLES) -> ParseStats:
    """Trees, non-projective arcs, bad heads and lifted labels of the docs with a parse.

    Vectorised over the whole corpus: the heads of all docs are concatenated
    (shifted by each doc's offset), which is the batch form of
    ``plait.training.nonproj``. Sentences with a head outside them or a cycle
    are reported and left out of the projectivity counts and the labels.

    docs (Sequence[Doc]): reference docs (docs without DEP annotation are skipped).
    max_examples (int): how many located examples to keep per problem.
    RETURNS (ParseStats): the counts and located examples.
    """
    from ... import attrs as A
    from .. import nonproj

    out = ParseStats()
    which = [k for k, doc in enumerate(docs) if len(doc) and doc.has_annotation("DEP")]
    if not which:
        return out
    arrays = [docs[k].to_array([A.HEAD, A.DEP, A.SENT_START]) for k in which]
    lengths = numpy.fromiter((len(a) for a in arrays), dtype=numpy.int64, count=len(arrays))
    raw = numpy.concatenate(arrays)
    data = raw.view(numpy.int64)  # HEAD offsets and SENT_START are signed
    n = len(data)
    starts = numpy.cumsum(lengths) - lengths
    doc_of = numpy.repeat(numpy.arange(len(which)), lengths)
    first = numpy.zeros(n, dtype=bool)
    first[starts] = True
    idx = numpy.arange(n, dtype=numpy.int64)
    has_dep = data[:, 1] != 0
    heads = idx + data[:, 0]

    def where(pos: int) -> tuple[Any, int, int]:
        d = int(doc_of[pos])
        return docs[which[d]], which[d], int(starts[d])

    # Sentence ids over the corpus: a new one at every doc and SENT_START.
    sent_id = numpy.cumsum(first | (data[:, 2] == 1))
    doc_start = starts[doc_of]
    outside_doc = (heads < doc_start) | (heads >= doc_start + lengths[doc_of])
    # Cycles first (follow the heads by pointer jumping; a chain that has not
    # reached a fixed point after log2(n) rounds is in a cycle): a cycle also
    # breaks the sentence starts derived from the tree, and is not reported
    # again as a head outside its sentence.
    par = numpy.where(has_dep & ~outside_doc, heads, idx)
    term = par
    for _ in range(max(1, int(n).bit_length() + 1)):
        nxt = term[term]
        if numpy.array_equal(nxt, term):
            break
        term = nxt
    cyclic = par[term] != term
    for pos in numpy.flatnonzero(cyclic)[:max_examples].tolist():
        doc, k, s = where(pos)
        out.cycles.append(f"doc {k}, {_token(doc, pos - s)}: its heads lead into a cycle through "
                          f"{_token(doc, int(par[pos]) - s)} and never reach a root")
    out.n_cycles = int(cyclic.sum())
    safe = numpy.where(outside_doc, idx, heads)
    bad_head = has_dep & ~cyclic & (outside_doc | (sent_id[safe] != sent_id))
    for pos in numpy.flatnonzero(bad_head)[:max_examples].tolist():
        doc, k, s = where(pos)
        h = int(heads[pos]) - s
        other = None if outside_doc[pos] else interleaved_root(term, has_dep, pos, s, s + len(doc))
        if other is not None:
            out.bad_heads.append(f"doc {k}, {_token(doc, pos - s)}: its arc to {_token(doc, h)} "
                                 f"crosses another tree: the sentence has two roots whose trees "
                                 f"interleave, {_token(doc, int(term[pos]) - s)} and "
                                 f"{_token(doc, other - s)}")
        else:
            out.bad_heads.append(f"doc {k}, {_token(doc, pos - s)}: its head is {_token(doc, h)}, "
                                 f"outside the token's sentence")
    out.n_bad_heads = int(bad_head.sum())
    # Whole sentences with a bad head or a cycle are left out from here on.
    bad_sents = numpy.unique(sent_id[bad_head | cyclic])
    good = ~numpy.isin(sent_id, bad_sents)
    clean = numpy.where(has_dep & good, heads, -1)
    is_arc = (clean >= 0) & (clean != idx)
    out.n_trees = int(len(numpy.unique(sent_id[has_dep & good])))
    out.n_arcs = int(is_arc.sum())
    out.missing_heads = int((~has_dep).sum())
    crossing = nonproj.nonproj_arcs(clean)
    out.nonproj_arcs = int(crossing.sum())
    out.nonproj_trees = int(len(numpy.unique(sent_id[crossing])))
    for pos in numpy.flatnonzero(crossing)[:max_examples].tolist():
        doc, k, s = where(pos)
        out.nonproj.append(f"doc {k}, {_token(doc, pos - s)} <- {_token(doc, int(clean[pos]) - s)}: "
                           f"the arc crosses another")
    # Labels after lifting, as the parser counts them (by unique label, not per token).
    uniq, inverse = numpy.unique(raw[:, 1], return_inverse=True)
    strings = docs[which[0]].vocab.strings
    names = numpy.array([strings[int(h)] if h else None for h in uniq.tolist()], dtype=object)
    lifted_heads, lifted = nonproj.projectivize(clean, names[inverse.reshape(-1)])
    keep = (lifted_heads >= 0) & (lifted_heads != idx)
    labels, counts = numpy.unique(numpy.asarray(lifted[keep], dtype=str), return_counts=True)
    out.labels = Counter(dict(zip(labels.tolist(), counts.tolist(), strict=True)))
    return out


def tree_problems(docs: Sequence[Any], where: str, stats: ParseStats | None = None) -> list[Problem]:
    """Gold trees with a head outside their sentence or a cycle (errors, naming
    doc and token), and non-projective trees (a warning with the counts).

    docs (Sequence[Doc]): reference docs.
    where (str): the corpus, for the messages ("train").
    stats (ParseStats | None): ``parse_stats(docs)`` when already computed.
    RETURNS (list[Problem]): the problems found.
    """
    st = stats if stats is not None else parse_stats(docs)
    out = []
    if st.n_bad_heads:
        out.append(Problem("error", f"{st.n_bad_heads} heads in {where} are outside their sentence or "
                           f"their tree, first: {st.bad_heads[0]} (a sentence has one root: fix the "
                           "head, or the sentence starts)", st.bad_heads))
    if st.n_cycles:
        out.append(Problem("error", f"{st.n_cycles} tokens in {where} are in or lead into a cycle of "
                           f"heads, first: {st.cycles[0]} (every sentence needs one root whose head "
                           "is itself)", st.cycles))
    if st.nonproj_arcs:
        out.append(Problem("warning", f"{st.nonproj_trees} of {st.n_trees} dependency trees in {where} are "
                           f"non-projective ({st.nonproj_arcs} arcs): the parser learns them through "
                           "pseudo-projective lifting (decorated labels such as 'nsubj||obj')", st.nonproj))
    return out


@dataclass
class NerStats:
    """Entity annotation of a corpus, as the ner sees it.

    n_ents (int): entities. types (Counter): entities per label.
    annotated_docs (int), unannotated_docs (int): docs with / without any entity annotation.
    missing_tokens (int), partial_docs (int): tokens with missing annotation ("-")
        inside annotated docs, and the docs holding them.
    n_misaligned (int), misaligned (list[str]): entities whose edges fall inside
        a token of the pipeline's tokenization.
    """

    n_ents: int = 0
    types: Counter = field(default_factory=Counter)
    annotated_docs: int = 0
    unannotated_docs: int = 0
    missing_tokens: int = 0
    partial_docs: int = 0
    partial: list[str] = field(default_factory=list)
    n_misaligned: int = 0
    misaligned: list[str] = field(default_factory=list)


def ner_stats(examples: Sequence[Any], max_examples: int = MAX_EXAMPLES) -> NerStats:
    """Entities, missing annotation and entities the pipeline's tokens cannot carry.

    examples (Sequence[Example]): reference docs with the pipeline's tokenization.
    max_examples (int): how many located examples to keep per problem.
    RETURNS (NerStats): the counts and located examples.
    """
    from ... import attrs as A

    out = NerStats()
    for k, eg in enumerate(examples):
        ref = eg.reference
        if not ref.has_annotation("ENT_IOB"):
            out.unannotated_docs += 1
            continue
        out.annotated_docs += 1
        ents = list(ref.ents)
        out.n_ents += len(ents)
        out.types.update(e.label_ for e in ents)
        missing = numpy.flatnonzero(ref.to_array(A.ENT_IOB) == 0)
        if len(missing):
            out.missing_tokens += len(missing)
            out.partial_docs += 1
            if len(out.partial) < max_examples:
                out.partial.append(f"doc {k}: {len(missing)} tokens from {_token(ref, int(missing[0]))}")
        if not ents or eg.predicted.words == ref.words:
            continue
        kept = {(s.start_char, s.end_char) for s in eg.get_aligned_spans_y2x(ents)}
        for ent in ents:
            if (ent.start_char, ent.end_char) in kept:
                continue
            out.n_misaligned += 1
            if len(out.misaligned) < max_examples:
                pred = [t.text for t in eg.predicted.char_span(
                    ent.start_char, ent.end_char, alignment_mode="expand") or []]
                out.misaligned.append(f"doc {k}: {ent.text!r} ({ent.label_}, tokens {ent.start}..{ent.end - 1}) "
                                      f"-> the pipeline's tokens {pred}")
    return out


def ner_problems(stats: NerStats, where: str) -> list[Problem]:
    """Entities the pipeline's tokenization cannot carry and partially annotated docs (warnings).

    stats (NerStats): ``ner_stats`` of the corpus.
    where (str): the corpus, for the messages ("train").
    RETURNS (list[Problem]): the problems found.
    """
    out = []
    if stats.n_misaligned:
        out.append(Problem("warning", f"{stats.n_misaligned} of {stats.n_ents} entities in {where} cross the "
                           "pipeline's token boundaries (an edge falls inside a token): the ner is not "
                           "trained on them and they are left out of the scores; use the same "
                           "tokenization or gold_preproc", stats.misaligned))
    if stats.missing_tokens:
        out.append(Problem("warning", f"{stats.missing_tokens} tokens in {stats.partial_docs} docs of {where} have "
                           "missing entity annotation ('-'): the ner treats them as unknown (partial "
                           "annotation, or entity offsets that did not fall on token boundaries when the "
                           "corpus was made)", stats.partial))
    return out


def parser_label_problems(stats: ParseStats, min_action_freq: int, component: str) -> list[Problem]:
    """Arc labels (after lifting) seen fewer than ``min_action_freq`` times: the parser learns them as "dep".

    stats (ParseStats): ``parse_stats`` of the train corpus.
    min_action_freq (int): the parser's setting.
    component (str): the parser's name, for the message.
    RETURNS (list[Problem]): one warning, or none.
    """
    rare = [f"{label}: {n}" for label, n in sorted(stats.labels.items()) if n < min_action_freq]
    if not rare:
        return []
    return [Problem("warning", f"{len(rare)} of {len(stats.labels)} arc labels in train (after "
                    f"pseudo-projective lifting) have fewer than {min_action_freq} examples "
                    f"([components.{component}] min_action_freq): the parser learns them as 'dep'", rare)]


def ner_label_problems(stats: NerStats, threshold: int, component: str) -> list[Problem]:
    """Entity types with fewer than ``threshold`` examples in train (a warning).

    stats (NerStats): ``ner_stats`` of the train corpus.
    threshold (int): the fewest examples a type should have.
    component (str): the ner's name, for the message.
    RETURNS (list[Problem]): one warning, or none.
    """
    rare = [f"{label}: {n}" for label, n in sorted(stats.types.items()) if n < threshold]
    if not rare:
        return []
    return [Problem("warning", f"{len(rare)} of {len(stats.types)} entity types in train have fewer than "
                    f"{threshold} examples: '{component}' will hardly learn them", rare)]


def label_problems(train: CorpusStats, dev: CorpusStats, skip_low_data: Collection[str] = ()) -> list[Problem]:
    """Low-data labels and labels in dev that train never shows.

    train (CorpusStats), dev (CorpusStats): the corpora's stats.
    skip_low_data (Collection[str]): layers ("dep", "ner") whose low-data
        check a component-specific one does (``parser_label_problems``,
        ``ner_label_problems``).
    RETURNS (list[Problem]): the problems found.
    """
    out = []
    for layer, counts in train.labels.items():
        threshold = 0 if layer in skip_low_data else \
            LOW_DATA.get({"tag": "tagger", "dep": "parser"}.get(layer, layer), 0)
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
