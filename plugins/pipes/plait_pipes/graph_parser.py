"""The ``parser`` component over a ``plait.BiaffineParser.v1`` model: a
graph-based dependency parser (see ``architectures/biaffine.py``).

The ``parser`` factory builds this class instead of the transition-based
``DependencyParser`` when its model says ``attrs["graph_parser"]``, so a
config switches parsers by changing ``[components.parser.model]`` only.
Labels, ``label_data``, ``[initialize.components.parser.labels]``, the
scorer and serialization follow the transition parser; ``moves`` and
``update_with_oracle_cut_size`` have no meaning here and are ignored.

Sentences: each sentence gets its own tree (decoded by Chu-Liu-Edmonds, or
Eisner with ``mst = false``). A doc that arrives with sentence boundaries
(a senter or sentencizer ran first) keeps them; otherwise the model's
per-token "sentence start" score (a logistic output trained on the gold
sentence starts) cuts the doc. Training uses the gold sentences.

Differences from the transition parser: non-projective trees are predicted
directly (no pseudo-projective labels), and the root token's label is
predicted like any other (the label of root arcs in the data, e.g. EWT's
"root", is one of the labels).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from plait import attrs as A
from plait.errors import ConfigError, DataError, SerializationError, UsageError
from plait.pipe import TrainablePipe, validate_examples, validate_get_examples
from plait.tokens import docs_from_array
from thinc.api import Model, Optimizer, set_dropout_rate

from .architectures.biaffine import MASKED, set_n_labels
from .graph.mst import decode_tree

FALLBACK_LABEL = "dep"
# The layout of the model's weights, saved in cfg: 2 added the distance
# scores and the nonlinear sentence-start score, 3 the label MLP. Weights of another layout do
# not fit and are refused with a message (not thinc's shape error).
WEIGHTS_LAYOUT = 3
_GOLD_ATTR = "_plait_graph_gold"
# Cut a doc where the sentence-start logit exceeds this (probability 0.18,
# not 0.5): a missed boundary forces one tree over two sentences and costs
# about one arc; a false one costs little (EWT dev, 600 steps: adding every
# missed gold boundary gives LAS +1.0, removing every false one +0.1). With
# the weight below, -1.5 against -1: LAS +0.1 (dev and test, 2 seeds),
# sents_f -1.
START_THRESHOLD = -1.5
# Weight of the sentence-start cross-entropy against the arc and label ones:
# starts are rare (1 token in 17) and their loss was a small share of the
# total. EWT, 600 steps, 2 seeds, threshold -1: 2 against 1 gives sents_f +1.6
# (dev and test), LAS +0.24 dev, +0.06 test; 3: sents_f +2.7, LAS -0.1; 6:
# LAS -0.5 (the shared features serve the arcs less).
START_LOSS_WEIGHT = 2.0


@dataclass
class GraphParses:
    """What ``predict`` returns: per doc, each token's head (doc index) and label index.

    heads (List[numpy.ndarray[int64]]): head token of each token (itself for roots).
    labels (List[numpy.ndarray[int64]]): label index of each token.
    """

    heads: list[np.ndarray]
    labels: list[np.ndarray]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    top = x.max(axis=-1, keepdims=True)
    e = np.exp(x - top)
    return x - top - np.log(e.sum(axis=-1, keepdims=True))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _join_labels(out: Any, scores: np.ndarray, starts: np.ndarray, lengths: np.ndarray, k: int,
                 weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Let the labels join the head choice, in place: each token's ``k``
    best heads (by ``scores``) gain ``weight`` times their best label's
    log-probability, less the lowest such gain among the token's candidates
    (a constant per token leaves the tree search unchanged, and a head
    outside the candidates keeps its arc score alone).

    out (GraphParserOutput): the batch's scores.
    scores (numpy.ndarray): (S, L, L + 1) arc log-probabilities of the
        sentences (``GraphParserOutput.arc_scores`` layout), changed in place.
    starts (numpy.ndarray[int]): (S,) first token row of each sentence.
    lengths (numpy.ndarray[int]): (S,) their lengths.
    RETURNS (Tuple[numpy.ndarray, ...]): the tokens' rows (T,), their
        candidate heads (T, K; global rows, -1 the root, -2 none) and each
        candidate's best label (T, K), so the labels of the chosen heads need
        no second pass.
    """
    S, L, C = scores.shape
    kk = min(k, C)
    sent, tok = np.nonzero(np.arange(L)[None, :] < lengths[:, None])
    col = np.argpartition(-scores[sent, tok], kk - 1, axis=1)[:, :kk]  # (T, kk) columns
    # Only real heads: the root (column 0) or another token of the sentence.
    real = (col == 0) | ((col - 1 < lengths[sent][:, None]) & (col - 1 != tok[:, None]))
    dep_rows = starts[sent] + tok
    head_rows = np.where(col == 0, -1, starts[sent][:, None] + col - 1)
    label_scores = out.ops.to_numpy(out.candidate_label_scores(dep_rows, np.where(real, head_rows, -1)))
    log_p = _log_softmax(label_scores.astype(np.float64))
    gain = weight * log_p.max(axis=2)
    floor = np.where(real, gain, np.inf).min(axis=1, keepdims=True)
    rows = np.broadcast_to(sent[:, None], col.shape)[real]
    toks = np.broadcast_to(tok[:, None], col.shape)[real]
    scores[rows, toks, col[real]] += (gain - floor)[real]
    return dep_rows, np.where(real, head_rows, -2), log_p.argmax(axis=2)


def _segments(starts_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RETURNS: (first token, length) of each sentence of one doc."""
    n = len(starts_mask)
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    mask = np.asarray(starts_mask, dtype=bool).copy()
    mask[0] = True
    first = np.flatnonzero(mask).astype(np.int64)
    return first, np.diff(np.append(first, n)).astype(np.int64)


class GraphDependencyParser(TrainablePipe):
    """Predict dependency trees with a biaffine arc scorer and maximum spanning trees.

    vocab (Vocab): the pipeline's vocab.
    model (Model): a ``plait.BiaffineParser.v1`` model.
    name (str): the component name.
    min_action_freq (int): labels seen fewer times in the training data are
        learned as "dep" (as the transition parser does).
    scorer (Callable | None): ``scorer(examples) -> {"dep_uas": ...}``.
    """

    def __init__(
        self, vocab: Any, model: Model, name: str = "parser", *, min_action_freq: int = 30,
        scorer: Callable | None = None,
    ) -> None:
        if not isinstance(model, Model) or not model.attrs.get("graph_parser"):
            raise ConfigError(f"[components.{name}.model]: the graph parser needs a plait.BiaffineParser.v1 model.")
        super().__init__(vocab, model, name, scorer=scorer, labels=[], min_action_freq=int(min_action_freq),
                         rare_labels=[], weights_layout=WEIGHTS_LAYOUT)

    # Labels -----------------------------------------------------------------
    @property
    def labels(self) -> tuple[str, ...]:
        """RETURNS (Tuple[str, ...]): the dependency labels, sorted."""
        return tuple(sorted(self.cfg["labels"]))

    @property
    def label_data(self) -> list[str]:
        """RETURNS (List[str]): the labels in output order (what
        ``[initialize.components.NAME.labels]`` takes back)."""
        return list(self.cfg["labels"])

    def add_label(self, label: str) -> int:
        """Add a label (a new output row, zero weights). RETURNS (int): 1 if new."""
        if not isinstance(label, str) or not label:
            raise UsageError(f"component '{self.name}': labels must be non-empty strings, got {label!r}")
        if label in self.cfg["labels"]:
            return 0
        self.cfg["labels"] = [*self.cfg["labels"], label]
        self.vocab.strings.add(label)
        set_n_labels(self.model, len(self.cfg["labels"]), list(range(len(self.cfg["labels"]) - 1)) + [-1])
        return 1

    @staticmethod
    def _label_counts(examples: Iterable[Any]) -> Counter:
        counts: Counter = Counter()
        for eg in examples:
            _, labels = eg.get_aligned_parse(projectivize=False)
            counts.update(lab for lab in labels if lab)
        return counts

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        """RETURNS (List[str]): the arc labels of the reference trees; labels
        this parser learned as "dep" read "dep"."""
        rare = set(self.cfg.get("rare_labels") or ())
        found = self._label_counts(examples)
        return sorted({FALLBACK_LABEL if label in rare else label for label in found})

    def initialize(
        self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Any = None, labels: Any = None
    ) -> None:
        """Set the labels (from ``labels`` or the data: those seen at least
        ``min_action_freq`` times, the rest as "dep") and initialize the model.

        get_examples (Callable[[], Iterable[Example]]): the training data.
        nlp (Language | None): the pipeline (unused).
        labels (Any): what ``label_data`` returned.
        """
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        if labels is not None:
            found = list(labels)
        else:
            counts = self._label_counts(get_examples())
            min_freq = int(self.cfg.get("min_action_freq") or 0)
            found = [label for label, n in counts.most_common() if n >= min_freq]
            rare = sorted(label for label, n in counts.items() if n < min_freq)
            if rare and FALLBACK_LABEL not in found:
                found.append(FALLBACK_LABEL)
            self.cfg["rare_labels"] = sorted(set(rare) - set(found))
        merged = list(self.cfg["labels"]) + [lab for lab in found if lab not in self.cfg["labels"]]
        if not merged:
            raise DataError(
                f"component '{self.name}': no labels found in the training examples. Check that the "
                f"training data has dependency annotation, or give [initialize.components.{self.name}.labels]."
            )
        for label in merged:
            self.vocab.strings.add(label)
        self.cfg["labels"] = merged
        set_n_labels(self.model, len(merged))
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample or None)

    def _load_state(self, cfg: dict[str, Any], model_bytes: bytes | None, vocab_bytes: bytes | None,
                    source: Any = None) -> None:
        layout = cfg.get("weights_layout", 1) if isinstance(cfg, dict) else None
        if model_bytes is not None and layout != WEIGHTS_LAYOUT:
            where = f"{source}: " if source is not None else ""
            raise SerializationError(
                f"{where}component '{self.name}' was saved by an older plait.BiaffineParser.v1 (weights "
                f"layout {layout}; this plait reads layout {WEIGHTS_LAYOUT}, which added the label "
                f"MLP). Train the parser again with this version (plait train), or load the "
                f"pipeline with the plait version that saved it."
            )
        super()._load_state(cfg, model_bytes, vocab_bytes, source)

    def _after_cfg_loaded(self) -> None:
        if self.cfg["labels"]:
            set_n_labels(self.model, len(self.cfg["labels"]))

    def _require_labels(self) -> None:
        if not self.cfg["labels"]:
            raise UsageError(
                f"component '{self.name}' has no labels: call nlp.initialize() with training data, "
                f"or give [initialize.components.{self.name}.labels]."
            )

    # Prediction -------------------------------------------------------------
    def _doc_sentences(self, docs: list[Any], start_logits: Any) -> tuple[np.ndarray, np.ndarray]:
        starts, lengths = [], []
        offset = 0
        logits = None
        for doc in docs:
            n = len(doc)
            if doc.has_annotation("SENT_START"):
                mask = np.asarray(doc.to_array("SENT_START")).astype(np.int64) == 1
            else:
                if logits is None:
                    logits = self.model.ops.to_numpy(start_logits)
                mask = logits[offset : offset + n] > START_THRESHOLD
            first, length = _segments(mask)
            starts.append(first + offset)
            lengths.append(length)
            offset += n
        return np.concatenate(starts or [np.zeros(0, np.int64)]), np.concatenate(lengths or [np.zeros(0, np.int64)])

    def predict(self, docs: Iterable[Any]) -> GraphParses:
        """Decode one tree per sentence of each doc, then label its arcs.

        docs (Iterable[Doc]): the docs (not changed).
        RETURNS (GraphParses): heads and label indices per doc.
        """
        docs = list(docs)
        lengths = [len(doc) for doc in docs]
        if not any(lengths):
            return GraphParses([np.zeros(0, np.int64) for _ in docs], [np.zeros(0, np.int64) for _ in docs])
        self._require_labels()
        out = self.model.predict(docs)
        starts, sent_lengths = self._doc_sentences(docs, out.start_scores())
        heads = np.empty(out.n_tokens, dtype=np.int64)  # global rows, -1 root
        ops = self.model.ops
        projective = not bool(self.model.attrs.get("mst", True))
        candidates: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        joint_heads = int(self.model.attrs.get("joint_heads", 0))
        joint_weight = float(self.model.attrs.get("joint_weight", 0.0))
        # Sentences in chunks of similar length keep the padded tables small.
        order = np.argsort(sent_lengths, kind="stable")
        for chunk in np.array_split(order, max(1, len(order) // 64)):
            if not len(chunk):
                continue
            scores = _log_softmax(ops.to_numpy(out.arc_scores(starts[chunk], sent_lengths[chunk])).astype(np.float64))
            if joint_heads and joint_weight:
                candidates.append(
                    _join_labels(out, scores, starts[chunk], sent_lengths[chunk], joint_heads, joint_weight))
            for k, s in enumerate(chunk.tolist()):
                n, first = int(sent_lengths[s]), int(starts[s])
                full = np.full((n + 1, n + 1), MASKED, dtype=np.float64)
                full[1:] = scores[k, :n, : n + 1]
                local = decode_tree(full, projective=projective)[1:]
                heads[first : first + n] = np.where(local == 0, -1, first + local - 1)
        rows = np.arange(out.n_tokens, dtype=np.int64)
        labels = np.full(out.n_tokens, -1, dtype=np.int64)
        for dep_rows, cand_heads, cand_labels in candidates:
            # The chosen head is almost always a candidate: its label is known.
            hit = cand_heads == heads[dep_rows][:, None]
            found = hit.any(axis=1)
            labels[dep_rows[found]] = cand_labels[found, hit[found].argmax(axis=1)]
        todo = np.flatnonzero(labels < 0)
        if len(todo):
            labels[todo] = ops.to_numpy(out.label_scores(todo, heads[todo])).argmax(axis=1)
        heads = np.where(heads < 0, rows, heads)
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        return GraphParses(
            [heads[a:b] - a for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)],
            [labels[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)],
        )

    def set_annotations(self, docs: Iterable[Any], parses: GraphParses) -> None:
        """Write HEAD and DEP (sentence starts follow from the trees)."""
        docs = list(docs)
        if not isinstance(parses, GraphParses) or len(parses.heads) != len(docs):
            raise UsageError(
                f"component '{self.name}': set_annotations needs what predict(docs) returned for the same docs."
            )
        if not docs or not any(len(d) for d in docs):
            return
        strings = self.vocab.strings
        hashes = np.array([strings.add(label) for label in self.cfg["labels"]], dtype=np.uint64)
        heads = np.concatenate(parses.heads)
        pos = np.concatenate([np.arange(len(d), dtype=np.int64) for d in docs])
        rel = (heads - pos).astype(np.int64)
        dep = hashes[np.concatenate(parses.labels)]
        docs_from_array(docs, [A.HEAD, A.DEP], np.stack([rel.view(np.uint64), dep], axis=1))

    # Training -----------------------------------------------------------------
    def _example_gold(self, eg: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Gold of one example on its predicted tokens, cached on the example:
        (heads: doc index, -1 root, -2 missing, labels: index or -1 missing or
        unknown, sentence starts (bool), sentence-start gold (1/0/-1 missing))."""
        key = tuple(self.cfg["labels"])
        hit = eg.__dict__.get(_GOLD_ATTR)
        if hit is not None and hit[0] is eg.predicted and hit[1] is eg.reference and hit[2] == key:
            return hit[3]
        n = len(eg.predicted)
        try:
            heads_l, labels_l = eg.get_aligned_parse(projectivize=False)
        except DataError as err:
            raise DataError(f"example {k} ({eg.predicted.text[:40]!r}): invalid gold tree: {err}") from err
        heads = np.array([-2 if h is None else int(h) for h in heads_l], dtype=np.int64)
        heads[heads == np.arange(n)] = -1  # a root: its own head in the Doc, the root column here
        index = {label: i for i, label in enumerate(self.cfg["labels"])}
        rare = set(self.cfg.get("rare_labels") or ())
        fallback = index.get(FALLBACK_LABEL, -1)
        labels = np.array(
            [-1 if not lab else index.get(lab, fallback if lab in rare else -1) for lab in labels_l], dtype=np.int64
        )
        gold_starts = eg.get_aligned_sent_starts()
        sent_gold = np.array([-1 if s is None else int(bool(s)) for s in gold_starts], dtype=np.int64)
        if (sent_gold >= 0).any():
            starts = sent_gold == 1
        elif eg.predicted.has_annotation("SENT_START"):
            starts = np.asarray(eg.predicted.to_array("SENT_START")).astype(np.int64) == 1
        else:
            starts = np.zeros(n, dtype=bool)
        if n:
            starts[0] = True
        # A gold head outside its (training) sentence cannot be scored: missing.
        sent_id = np.cumsum(starts) - 1
        outside = (heads >= 0) & (sent_id[np.clip(heads, 0, max(n - 1, 0))] != sent_id)
        heads[outside] = -2
        value = (heads, labels, starts, sent_gold)
        eg.__dict__[_GOLD_ATTR] = (eg.predicted, eg.reference, key, value)
        return value

    def _losses(self, examples: list[Any], out: Any) -> tuple[float, list[Any]]:
        """Score the batch against the gold and hand the gradients to ``out``.

        RETURNS (Tuple[float, List]): the loss and the gradients given.
        """
        ops = self.model.ops
        parts = [self._example_gold(eg, k) for k, eg in enumerate(examples)]
        offsets = np.concatenate(([0], np.cumsum([len(eg.predicted) for eg in examples])))
        heads = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        starts_mask = np.concatenate([p[2] for p in parts])
        sent_gold = np.concatenate([p[3] for p in parts])
        n_tokens = len(heads)
        doc_of = np.repeat(np.arange(len(examples)), np.diff(offsets))
        glob_heads = np.where(heads >= 0, heads + offsets[doc_of], heads)
        first = np.flatnonzero(starts_mask)
        sent_len = np.diff(np.append(first, n_tokens))
        sent_of = np.cumsum(starts_mask) - 1
        pos = np.arange(n_tokens) - first[sent_of]
        total = 0.0
        grads: list[Any] = []
        # Arcs: softmax over the sentence's tokens and the root.
        scores = ops.to_numpy(out.arc_scores(first, sent_len)).astype(np.float64)
        S, L, _ = scores.shape
        has = heads != -2
        gold_col = np.where(glob_heads == -1, 0, glob_heads - first[sent_of] + 1)
        probs = _softmax(scores)
        d = probs.copy()
        tok_s, tok_i = sent_of[has], pos[has]
        # Smoothed targets: 1 - eps on the gold head, eps spread over the
        # token's possible heads (the sentence's other tokens and the root).
        eps = float(self.model.attrs.get("label_smoothing", 0.0))
        d[tok_s, tok_i, gold_col[has]] -= 1.0 - eps
        if eps:
            possible = scores > MASKED / 2
            d -= eps * possible / np.maximum(possible.sum(axis=2, keepdims=True), 1)
        live = np.zeros((S, L), dtype=bool)
        live[tok_s, tok_i] = True
        d *= live[:, :, None]
        total += float(-np.log(np.maximum(probs[tok_s, tok_i, gold_col[has]], 1e-30)).sum())
        d32 = d.astype(np.float32)
        out.add_arc_grad(ops.asarray3f(d32))
        grads.append(d32)
        # Labels on the gold arcs.
        lab_rows = np.flatnonzero(has & (labels >= 0))
        if len(lab_rows):
            y = ops.to_numpy(out.label_scores(lab_rows, glob_heads[lab_rows])).astype(np.float64)
            p = _softmax(y)
            dy = p.copy()
            dy[np.arange(len(lab_rows)), labels[lab_rows]] -= 1.0 - eps
            dy -= eps / dy.shape[1]
            total += float(-np.log(np.maximum(p[np.arange(len(lab_rows)), labels[lab_rows]], 1e-30)).sum())
            dy32 = dy.astype(np.float32)
            out.add_label_grad(ops.asarray2f(dy32))
            grads.append(dy32)
        # Sentence starts (not the first token of a doc: always a start).
        known = sent_gold >= 0
        known[offsets[:-1][np.diff(offsets) > 0]] = False
        logits = ops.to_numpy(out.start_scores()).astype(np.float64)
        p_start = 1.0 / (1.0 + np.exp(-logits))
        ds = (START_LOSS_WEIGHT * np.where(known, p_start - (sent_gold == 1), 0.0)).astype(np.float32)
        total += START_LOSS_WEIGHT * float(
            -np.log(np.maximum(np.where(sent_gold == 1, p_start, 1 - p_start)[known], 1e-30)).sum()
        )
        out.add_start_grad(ds)
        grads.append(ds)
        return total, grads

    def update(
        self, examples: Iterable[Any], *, drop: float = 0.0, sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        """Learn from a batch: one forward, the arc, label and sentence-start
        cross-entropies (missing annotation skipped), one backward.

        examples (Iterable[Example]): the batch.
        drop (float): dropout of the tok2vec (the model's own dropout is its ``dropout`` setting).
        sgd (Optimizer | None): update the weights right away if given.
        losses (dict | None): the loss is added under ``self.name``.
        RETURNS (dict[str, float]): ``losses``.
        """
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = validate_examples(examples, f"{type(self).__name__}.update")
        docs = [eg.predicted for eg in examples]
        if not any(len(doc) for doc in docs):
            return losses
        self._require_labels()
        set_dropout_rate(self.model, drop)
        out, backprop = self.model.begin_update(docs)
        loss, _ = self._losses(examples, out)
        backprop(out)
        if sgd not in (None, False):
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Any], scores: Any = None) -> tuple[float, list[Any]]:
        """The training loss of the examples (dropout off), without learning.

        RETURNS (Tuple[float, List]): the loss and the gradients of the arc,
            label and sentence-start scores.
        """
        examples = validate_examples(examples, f"{type(self).__name__}.get_loss")
        if not any(len(eg.predicted) for eg in examples):
            return 0.0, []
        self._require_labels()
        # The training forward (it records what the loss needs), dropout off.
        drop = self.model.attrs["mlp_dropout"]
        self.model.attrs["mlp_dropout"] = 0.0
        set_dropout_rate(self.model, 0.0)
        try:
            out, _ = self.model.begin_update([eg.predicted for eg in examples])
            return self._losses(examples, out)
        finally:
            self.model.attrs["mlp_dropout"] = drop
