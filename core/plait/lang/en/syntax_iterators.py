"""English noun chunks: base noun phrases read off a dependency parse.

A chunk is a NOUN, PROPN or PRON whose dependency label marks a nominal
argument (subject, object, oblique/prepositional object, appositive,
attribute, root — spaCy's labels plus the UD names ``obj``, ``obl`` and
``nmod``), or that is conjoined to one; the chunk runs from the leftmost
token of its subtree (past a leading case marker or conjunction) to the word
itself. Nested chunks are skipped.
The columns are read with numpy; only candidate nouns are visited in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ...attrs import DEP, HEAD, POS, pos_id
from ...errors import UsageError

NP_LABELS = ("oprd", "nsubj", "dobj", "obj", "iobj", "nsubjpass", "nsubj:pass", "pcomp", "pobj",
             "dative", "appos", "attr", "ROOT", "root", "obl", "nmod", "nmod:poss")  # fmt: skip
# In UD trees a noun's case marker and conjunction are its children ("in the
# garden", "and a mouse"); they open the subtree but not the noun phrase.
_LEADING_SKIP = ("case", "cc", "punct", "mark")
_NOMINAL_POS = (pos_id("NOUN"), pos_id("PROPN"), pos_id("PRON"))


def _left_edges(heads: np.ndarray) -> np.ndarray:
    """Leftmost token of each token's subtree, by propagating minima to heads."""
    edges = np.arange(len(heads))
    while True:
        before = edges.copy()
        np.minimum.at(edges, heads, edges)
        if np.array_equal(before, edges):
            return edges


def noun_chunks(doclike: Any) -> Iterator[tuple[int, int, int]]:
    """Yield ``(start, end, label)`` of the base noun phrases of a parsed Doc or Span.

    doclike (Doc | Span): a dependency-parsed Doc or a Span of one.
    YIELDS (tuple[int, int, int]): token offsets into the Doc and the "NP" label id.
    """
    doc = getattr(doclike, "doc", doclike)
    if not doc.has_annotation("DEP"):
        raise UsageError(
            "noun_chunks needs a dependency parse: this Doc has no DEP annotation. "
            "Add a parser to the pipeline (or build the Doc with heads= and deps=)."
        )
    offset = getattr(doclike, "start", 0)
    end = getattr(doclike, "end", len(doc))
    strings = doc.vocab.strings
    np_deps = np.array([strings.add(label) for label in NP_LABELS], dtype=np.uint64)
    conj = np.uint64(strings.add("conj"))
    np_label = strings.add("NP")
    skip = np.array([strings.add(label) for label in _LEADING_SKIP], dtype=np.uint64)
    columns = doc.to_array([POS, DEP, HEAD]).astype(np.int64)
    n = len(doc)
    pos = columns[:, 0]
    deps = doc.to_array([DEP]).reshape(-1).astype(np.uint64)
    heads = np.arange(n) + columns[:, 2]
    edges = _left_edges(heads)
    # Move each start past leading case/cc/punct children of its own head word.
    skippable = np.isin(deps, skip)
    is_np_dep = np.isin(deps, np_deps)
    candidates = np.flatnonzero(np.isin(pos, _NOMINAL_POS) & (is_np_dep | (deps == conj)))
    prev_end = -1
    for i in candidates.tolist():
        if i < offset or i >= end or edges[i] <= prev_end:
            continue
        start = int(edges[i])
        while start < i and skippable[start] and heads[start] == i:
            start += 1
        if is_np_dep[i]:
            prev_end = i
            yield start, i + 1, np_label
            continue
        # A conjunct is a chunk when its first conjunct is an argument.
        head = int(heads[i])
        while deps[head] == conj and heads[head] < head:
            head = int(heads[head])
        if is_np_dep[head]:
            prev_end = i
            yield start, i + 1, np_label


SYNTAX_ITERATORS = {"noun_chunks": noun_chunks}
