"""Checks of training data, in one place: the ones every training run makes
and the ones behind ``plait debug data``.

- ``_training.py``: errors naming the corpus, document and token, raised when
  a corpus is read (``located``, ``where``, ``read_corpus``,
  ``checked_stream``) and vectorised scans of the materialised corpus
  (``check_examples``: BILUO/IOB sequences, heads; ``check_frozen_labels``).
  Used by ``plait.training`` (corpus, initialize, loop).
- ``_debug_data.py``: statistics and a list of :class:`Problem` s (entities,
  trees: bad heads, cycles, non-projective arcs; entities crossing the
  pipeline's tokens, missing entity annotation; labels the parser learns as
  "dep" and rare entity types; lengths, labels missing from train, train/dev
  overlap, tokenization mismatches) for ``plait debug data``, which reports
  instead of raising.
"""

from __future__ import annotations

from ._debug_data import (
    LOW_DATA,
    MAX_SENT_LENGTH,
    CorpusStats,
    NerStats,
    ParseStats,
    Problem,
    alignment_problems,
    corpus_stats,
    entity_problems,
    label_problems,
    length_problems,
    ner_label_problems,
    ner_problems,
    ner_stats,
    overlap_problems,
    parse_stats,
    parser_label_problems,
    tree_problems,
)
from ._training import (
    check_examples,
    check_frozen_labels,
    checked_stream,
    located,
    read_corpus,
    text_prefix,
    where,
)

__all__ = [
    "LOW_DATA", "MAX_SENT_LENGTH", "CorpusStats", "NerStats", "ParseStats", "Problem", "alignment_problems",
    "check_examples", "check_frozen_labels", "checked_stream", "corpus_stats", "entity_problems",
    "label_problems", "length_problems", "located", "ner_label_problems", "ner_problems", "ner_stats",
    "overlap_problems", "parse_stats", "parser_label_problems", "read_corpus", "text_prefix",
    "tree_problems", "where",
]
