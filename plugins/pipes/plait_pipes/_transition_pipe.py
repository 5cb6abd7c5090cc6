"""What the ``parser`` and ``ner`` components share: a transition system
driven by a ``plait.TransitionBasedParser.v2`` model.

Every document of a batch is parsed at once: the states form one state
batch (numpy arrays, one row per state, see ``transition/_system.py``) and
a step is a handful of numpy calls over the live rows, whatever their
number: features -> scores -> mask invalid moves -> argmax -> apply.

Training follows spaCy's greedy recipe with a dynamic oracle: the states
move by the model's best valid move (exploration), and at each step the
gradient pushes probability towards the moves the oracle says cost nothing:
``d_scores = softmax(valid) - softmax(zero-cost)``, the gradient of
``-log P(zero-cost moves)``. Each step only records its gradient; the model
backpropagates the whole batch once at the end (see
``architectures/parser.py``). Long documents are cut into segments of about
``update_with_oracle_cut_size`` moves: the oracle's moves lead to each cut
point, and each segment trains from there.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from plait.errors import ConfigError, DataError, SerializationError, UsageError
from plait.pipe import TrainablePipe, validate_examples, validate_get_examples
from thinc.api import Model, Optimizer, set_dropout_rate

from ._malloc import keep_freed_memory
from .architectures.parser import ParserStepModel, set_n_moves


@dataclass
class ParseChunk:
    """The final parse states of some of the docs of a batch.

    docs (numpy.ndarray[int]): the positions of its docs in the batch.
    states (Any): the transition system's state batch.
    rows (numpy.ndarray[int]): ``rows[j]`` is the final state of doc ``docs[j]``.
    """

    docs: np.ndarray
    states: Any
    rows: np.ndarray


@dataclass
class Parses:
    """What ``predict`` returns: the final parse states of a batch, in chunks.

    n_docs (int): the number of docs in the batch.
    chunks (List[ParseChunk]): each doc of the batch is in exactly one chunk.
    """

    n_docs: int
    chunks: list[ParseChunk]


# Inference parses a batch in chunks of docs of about this many tokens. The
# precomputed lower layer of a chunk takes nF * nH * nP floats per token
# (parser: 8 * 128 * 3 * 4 bytes = 12 KiB: 48 MiB a chunk), so it stays bounded
# however large the nlp.pipe batch (a 256-doc EWT batch of ~20k tokens took
# 240 MiB in one table). Docs are sorted by length first, so a chunk's docs
# finish at about the same step. Smaller chunks mean more steps, each a fixed
# number of numpy calls: on EWT paragraphs 2048 tokens was ~10% slower overall,
# 4096 and 8192 the same as one table per batch.
PREDICT_CHUNK_TOKENS = 4096


def predict_chunks(lengths: np.ndarray, max_tokens: int) -> list[np.ndarray]:
    """Split a batch into chunks of docs of similar length, about
    ``max_tokens`` tokens each (a longer doc is a chunk of its own); empty
    docs form a chunk of their own first.

    lengths (numpy.ndarray[int]): the docs' lengths.
    max_tokens (int): the token budget of a chunk.
    RETURNS (List[numpy.ndarray[int]]): the doc positions of each chunk.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(lengths, kind="stable")
    n_empty = int((lengths == 0).sum())
    chunks = [order[:n_empty]] if n_empty else []
    rest = order[n_empty:]
    if not len(rest):
        return chunks
    # A chunk closes before the doc that would take it past the budget.
    ends = np.cumsum(lengths[rest])
    start, start_tokens = 0, 0
    while start < len(rest):
        stop = int(np.searchsorted(ends, start_tokens + max_tokens, side="right"))
        stop = max(stop, start + 1)
        chunks.append(rest[start:stop])
        start_tokens = int(ends[stop - 1])
        start = stop
    return chunks


def step_loss(
    scores: np.ndarray, valid: np.ndarray, costs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and loss of ``-log P(zero-cost moves)`` for one step.

    The distribution is the softmax of the scores over the valid moves; the
    "zero-cost" moves are the valid moves of lowest cost (zero whenever the
    oracle finds one), so a state where every move costs keeps a target.

    scores (numpy.ndarray): (n, n_moves) model scores.
    valid (numpy.ndarray[bool]): (n, n_moves) valid moves.
    costs (numpy.ndarray): (n, n_moves) oracle costs.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): d_scores (n, n_moves) and
        the loss of each state (n,).
    """
    masked = np.where(valid, scores, -np.inf)
    top = masked.max(axis=1, keepdims=True)
    e = np.exp(masked - top)
    Z = e.sum(axis=1, keepdims=True)
    best_cost = np.where(valid, costs, np.inf).min(axis=1, keepdims=True)
    gold = valid & (costs <= best_cost)
    ge = np.where(gold, e, 0.0)
    gZ = ge.sum(axis=1, keepdims=True)
    d_scores = (e / Z - ge / gZ).astype(np.float32)
    loss = np.log(Z[:, 0]) - np.log(np.maximum(gZ[:, 0], 1e-30))
    return d_scores, loss


def best_valid(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """RETURNS (numpy.ndarray[int64]): the highest-scoring valid move of each row."""
    return np.where(valid, scores, -np.inf).argmax(axis=1)


class TransitionPipe(TrainablePipe):
    """Base of ``parser`` and ``ner`` (greedy; beam search in ``_beam.py``).

    vocab (Vocab): the pipeline's vocab.
    model (Model): a ``plait.TransitionBasedParser.v2`` model.
    name (str): the component name.
    moves (Any | None): a transition system to use as is (its labels fix the
        moves); None builds one from the labels.
    scorer (Callable | None): the scoring function.
    **cfg: settings saved with the component (``labels``,
        ``update_with_oracle_cut_size``, ``beam_width``, ...).

    Subclasses define ``_make_system(labels)``, ``labels_from_examples``,
    ``moves_per_token`` (moves per token of a full parse) and ``state_type``.
    """

    moves_per_token = 1
    state_type = ""

    def __init__(
        self,
        vocab: Any,
        model: Model,
        name: str = "",
        *,
        moves: Any = None,
        scorer: Callable | None = None,
        **cfg: Any,
    ) -> None:
        cfg.setdefault("labels", [])
        cfg.setdefault("update_with_oracle_cut_size", 100)
        cfg.setdefault("beam_width", 1)
        cfg.setdefault("beam_density", 0.0)
        cfg.setdefault("beam_update_prob", 0.0)
        super().__init__(vocab, model, name, scorer=scorer, **cfg)
        if int(self.cfg["beam_width"]) < 1:
            raise ConfigError(
                f"[components.{name}] beam_width: must be at least 1, got {self.cfg['beam_width']}."
            )
        if not 0.0 <= float(self.cfg["beam_update_prob"]) <= 1.0:
            raise ConfigError(
                f"[components.{name}] beam_update_prob: must be between 0 and 1, "
                f"got {self.cfg['beam_update_prob']}."
            )
        self._check_model()
        if moves is not None:
            self.cfg["labels"] = list(moves.labels)
            self._moves = moves
        else:
            self._moves = None
        if self.cfg["labels"] or moves is not None:
            self._sync_output()

    # The transition system ------------------------------------------------
    def _make_system(self, labels: list[str]) -> Any:
        raise NotImplementedError

    @property
    def moves(self) -> Any:
        """RETURNS (TransitionSystem): the system for the current labels."""
        if self._moves is None or list(self._moves.labels) != list(self.cfg["labels"]):
            self._moves = self._make_system(list(self.cfg["labels"]))
        return self._moves

    @property
    def move_names(self) -> list[str]:
        """RETURNS (List[str]): the names of the moves, in model output order."""
        return self.moves.move_names

    def _check_model(self) -> None:
        model = self.model
        if not isinstance(model, Model) or "state_type" not in model.attrs:
            raise ConfigError(
                f"[components.{self.name}.model]: the {self.state_type} needs a "
                "plait.TransitionBasedParser.v2 model."
            )
        if model.attrs["state_type"] != self.state_type:
            raise ConfigError(
                f"[components.{self.name}.model] state_type: the {self.state_type} component needs "
                f"state_type = \"{self.state_type}\", got \"{model.attrs['state_type']}\"."
            )

    @property
    def n_features(self) -> int:
        return int(self.model.get_dim("nF"))

    def _sync_output(self, old_moves: list[str] | None = None) -> None:
        """Size the model's output layer for the system's moves. After a
        label change, ``old_moves`` (the previous move names) says which
        trained output row each surviving move keeps."""
        system = self.moves
        expected = system.n_features(bool(self.model.attrs["extra_state_tokens"]))
        if expected != self.n_features:
            raise ConfigError(
                f"[components.{self.name}.model]: the model reads {self.n_features} feature tokens "
                f"per state, the transition system gives {expected}."
            )
        source = None
        if old_moves is not None:
            where = {name: i for i, name in enumerate(old_moves)}
            source = [where.get(name, -1) for name in system.move_names]
        set_n_moves(self.model, system.n_moves, source)

    # Labels ---------------------------------------------------------------
    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def label_data(self) -> Any:
        return list(self.cfg["labels"])

    def add_label(self, label: str) -> int:
        """Add a label. Before initialization this sizes the output layer;
        afterwards it grows it (the new moves start with zero weights).

        RETURNS (int): 1 if the label is new, 0 if it was known.
        """
        if not isinstance(label, str) or not label:
            raise UsageError(f"component '{self.name}': labels must be non-empty strings, got {label!r}")
        if label in self.cfg["labels"]:
            return 0
        old_moves = self.moves.move_names if self.cfg["labels"] else None
        self.cfg["labels"] = [*self.cfg["labels"], label]
        self.vocab.strings.add(label)
        self._moves = None
        self._sync_output(old_moves)
        return 1

    def _set_labels(self, labels: Iterable[str]) -> None:
        labels = list(dict.fromkeys(labels))
        if labels == list(self.cfg["labels"]):
            if labels:
                self._sync_output()
            return
        for label in labels:
            self.vocab.strings.add(label)
        old_moves = self.moves.move_names if self.cfg["labels"] else None
        self.cfg["labels"] = labels
        self._moves = None
        self._sync_output(old_moves)

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        raise NotImplementedError

    def _labels_for_init(self, get_examples: Callable[[], Iterable[Any]], labels: Any) -> list[str]:
        """The labels to initialize with: ``labels`` (what ``label_data``
        returned) or those found in the data."""
        if labels is not None:
            return list(labels)
        return list(self.labels_from_examples(get_examples()))

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Any = None,
        labels: Any = None,
    ) -> None:
        """Set the labels (from ``labels`` or the data), size the output layer
        and initialize the model on a sample of the data.

        get_examples (Callable[[], Iterable[Example]]): the training data.
        nlp (Language | None): the pipeline (unused).
        labels (Any): what ``label_data`` returned, from
            ``[initialize.components.NAME.labels]``.
        """
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        found = self._labels_for_init(get_examples, labels)
        merged = list(self.cfg["labels"]) + [lab for lab in found if lab not in self.cfg["labels"]]
        if not merged:
            if next(iter(get_examples()), None) is None:
                # nlp.initialize() called without data (the spec's training
                # loop): "found in the training examples" pointed nowhere.
                raise DataError(
                    f"component '{self.name}': no labels and no training examples to read them "
                    f"from. Pass examples, nlp.initialize(lambda: examples), or add the labels "
                    f"first: nlp.get_pipe('{self.name}').add_label(\"ORG\")."
                )
            raise DataError(
                f"component '{self.name}': no labels found in the training examples. Check that the "
                f"training data has the annotation this component learns, or give "
                f"[initialize.components.{self.name}.labels]."
            )
        self._set_labels(merged)
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample or None)
        # Check the gold annotation of the sample now, so bad data fails at
        # initialization with the system's message, not mid-training.
        sample_egs = list(islice(get_examples(), 10))
        if sample_egs:
            offsets = np.concatenate(([0], np.cumsum([len(eg.predicted) for eg in sample_egs])[:-1]))
            self.moves.gold(sample_egs, offsets.astype(np.int64))

    # Prediction -------------------------------------------------------------
    def _require_labels(self) -> None:
        if not self.cfg["labels"]:
            raise UsageError(
                f"component '{self.name}' has no labels: call nlp.initialize() with training data, "
                f"or give [initialize.components.{self.name}.labels]."
            )

    def predict(self, docs: Iterable[Any]) -> Parses:
        """Parse a batch of docs, in chunks of about ``PREDICT_CHUNK_TOKENS``
        tokens of docs of similar length (see ``predict_chunks``), every doc
        of a chunk at once.

        docs (Iterable[Doc]): the docs (not changed).
        RETURNS (Parses): the final states of each chunk and each doc's row.
        """
        docs = list(docs)
        system = self.moves
        lengths = np.fromiter((len(doc) for doc in docs), dtype=np.int64, count=len(docs))
        if lengths.any():
            self._require_labels()
        keep_freed_memory()  # batch after batch reuses the same buffers (see _malloc.py)
        chunks = []
        for idx in predict_chunks(lengths, PREDICT_CHUNK_TOKENS):
            sub = [docs[i] for i in idx.tolist()]
            if not lengths[idx].any():
                states = system.init_states(sub, np.zeros(len(sub), dtype=np.int64))
                chunks.append(ParseChunk(idx, states, np.arange(len(sub))))
                continue
            step_model = self.model.predict(sub)
            if int(self.cfg["beam_width"]) > 1:
                from ._beam import beam_parse

                states, rows = beam_parse(self, step_model, sub)
            else:
                states = system.init_states(sub, step_model.offsets)
                self._greedy_parse(step_model, states)
                rows = np.arange(len(sub))
            # The step model (and its table) goes before the next chunk's.
            del step_model
            chunks.append(ParseChunk(idx, states, rows))
        return Parses(len(docs), chunks)

    def _greedy_parse(self, step_model: ParserStepModel, states: Any) -> None:
        system = self.moves
        nF = self.n_features
        live = np.flatnonzero(~system.is_final(states))
        while len(live):
            scores = step_model.predict_step(system.features(states, live, nF))
            system.apply(states, live, best_valid(scores, system.valid(states, live)))
            live = live[~system.is_final(states)[live]]

    def set_annotations(self, docs: Iterable[Any], parses: Parses) -> None:
        """Write the final states into the docs."""
        docs = list(docs)
        if not isinstance(parses, Parses) or parses.n_docs != len(docs):
            n = parses.n_docs if isinstance(parses, Parses) else type(parses).__name__
            raise UsageError(
                f"component '{self.name}': set_annotations got {n} parses for {len(docs)} docs; "
                "pass what predict(docs) returned for the same docs."
            )
        for chunk in parses.chunks:
            if len(chunk.docs):
                self.moves.set_annotations([docs[i] for i in chunk.docs.tolist()], chunk.states, chunk.rows)

    # Training ---------------------------------------------------------------
    def update(
        self,
        examples: Iterable[Any],
        *,
        drop: float = 0.0,
        sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        """Learn from a batch: one forward of the tok2vec and the lower layer,
        a parse with exploration scored against the oracle, one backward.

        examples (Iterable[Example]): the batch.
        drop (float): dropout rate.
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
        step_model, backprop = self.model.begin_update(docs)
        system = self.moves
        gold = system.gold(examples, step_model.offsets)
        states = system.init_states(docs, step_model.offsets)
        max_moves = self._max_moves()
        states = self.cut_states(states, gold, max_moves, step_model.lengths)
        beam_prob = float(self.cfg["beam_update_prob"])
        if int(self.cfg["beam_width"]) > 1 and beam_prob > 0 and random.random() < beam_prob:
            from ._beam import beam_train

            loss = beam_train(self, step_model, states, gold, max_moves)
        else:
            loss = self._greedy_train(step_model, states, gold, max_moves)
        backprop(step_model)
        if sgd not in (None, False):
            self.finish_update(sgd)
        losses[self.name] += float(loss)
        return losses

    def _max_moves(self) -> int:
        """This update's segment length in moves (spaCy draws it around the
        configured cut size so segment ends do not always fall in one place)."""
        cut = int(self.cfg.get("update_with_oracle_cut_size") or 0)
        if cut < 1:
            return 0
        return int(random.uniform(max(cut // 2, 1), cut * 2))

    def _greedy_train(self, step_model: ParserStepModel, states: Any, gold: Any, max_moves: int) -> float:
        system = self.moves
        nF = self.n_features
        live = np.flatnonzero(~system.is_final(states))
        total = 0.0
        n_steps = 0
        while len(live) and (max_moves < 1 or n_steps < max_moves):
            scores = step_model.predict_step(system.features(states, live, nF))
            valid = system.valid(states, live)
            d_scores, loss = step_loss(scores, valid, system.costs(states, live, gold))
            step_model.record(d_scores)
            total += float(loss.sum())
            system.apply(states, live, best_valid(scores, valid))
            live = live[~system.is_final(states)[live]]
            n_steps += 1
        return total

    def cut_states(self, states: Any, gold: Any, max_moves: int, lengths: np.ndarray) -> Any:
        """Split long parses into segments of ``max_moves`` moves.

        A doc whose full parse takes more than ``max_moves`` moves gets one
        state per segment: a copy of its initial state advanced along the
        oracle's zero-cost moves to the segment's start. All copies of a doc
        follow the same deterministic oracle path, so segment ``j`` starts
        exactly ``j * max_moves`` moves in.

        states (Any): one initial state per doc.
        gold (Any): the system's gold for the docs.
        max_moves (int): the segment length; < 1 for no cut.
        lengths (numpy.ndarray[int]): the docs' lengths.
        RETURNS (Any): the state batch to train from (``states`` when no doc is long).
        """
        if max_moves < 1:
            return states
        system = self.moves
        lengths = np.asarray(lengths, dtype=np.int64)
        n_segments = np.maximum(1, -(-lengths * self.moves_per_token // max_moves))
        if (n_segments <= 1).all():
            return states
        rows = np.repeat(np.arange(len(lengths)), n_segments)
        segment = np.concatenate([np.arange(k) for k in n_segments])
        cut = system.take(states, rows)
        self.advance_to_cuts(cut, rows, segment * max_moves, gold)
        keep = np.flatnonzero(~system.is_final(cut))
        return system.take(cut, keep) if len(keep) < len(rows) else cut

    def advance_to_cuts(self, cut: Any, rows: np.ndarray, to_go: np.ndarray, gold: Any) -> None:
        """Advance each state ``cut[r]`` (a copy of doc ``rows[r]``'s initial
        state) ``to_go[r]`` moves along the oracle's path (fewer if it ends),
        stepping all of them together with ``cut_moves``.

        cut (Any): the state copies, changed in place.
        rows (numpy.ndarray[int]): each copy's doc.
        to_go (numpy.ndarray[int]): moves to make per copy.
        gold (Any): the system's gold for the docs.
        """
        system = self.moves
        step = 0
        live = np.flatnonzero(to_go > 0)
        while len(live):
            costs = np.where(system.valid(cut, live), system.costs(cut, live, gold), np.inf)
            system.apply(cut, live, self.cut_moves(costs))
            step += 1
            final = system.is_final(cut)[live]
            live = live[(to_go[live] > step) & ~final]

    def cut_moves(self, costs: np.ndarray) -> np.ndarray:
        """The oracle's move for each state on the path to a segment's start:
        a cheapest move, the first in move order among equals (SHIFT first).

        costs (numpy.ndarray): (n_states, n_moves) costs, invalid moves inf.
        RETURNS (numpy.ndarray[int]): one move per state.
        """
        return costs.argmin(axis=1)

    def get_loss(self, examples: Iterable[Any], scores: Any = None) -> tuple[float, list[np.ndarray]]:
        """The loss the greedy update computes, without learning: parse the
        examples' docs with the model (dropout off) and score every step
        against the oracle.

        examples (Iterable[Example]): the examples.
        scores (Any): unused (the scores are computed step by step).
        RETURNS (Tuple[float, List[numpy.ndarray]]): the loss and each step's d_scores.
        """
        examples = validate_examples(examples, f"{type(self).__name__}.get_loss")
        docs = [eg.predicted for eg in examples]
        if not any(len(doc) for doc in docs):
            return 0.0, []
        self._require_labels()
        system = self.moves
        step_model = self.model.predict(docs)
        gold = system.gold(examples, step_model.offsets)
        states = system.init_states(docs, step_model.offsets)
        live = np.flatnonzero(~system.is_final(states))
        total, grads = 0.0, []
        while len(live):
            scores_ = step_model.predict_step(system.features(states, live, self.n_features))
            valid = system.valid(states, live)
            d_scores, loss = step_loss(scores_, valid, system.costs(states, live, gold))
            grads.append(d_scores)
            total += float(loss.sum())
            system.apply(states, live, best_valid(scores_, valid))
            live = live[~system.is_final(states)[live]]
        return total, grads

    # Serialization ----------------------------------------------------------
    def _after_cfg_loaded(self) -> None:
        self._moves = None
        saved = self.cfg.get("move_names")
        if self.cfg["labels"]:
            self._sync_output()
            if saved is not None and list(saved) != self.moves.move_names:
                raise SerializationError(
                    f"component '{self.name}': the saved moves ({len(saved)}) differ from the moves "
                    f"its transition system builds from the saved labels ({self.moves.n_moves}). "
                    "Was it saved by another version of the component?"
                )

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        self._store_moves()
        return super().to_bytes(exclude=exclude)

    def to_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> None:
        self._store_moves()
        super().to_disk(path, exclude=exclude)

    def _store_moves(self) -> None:
        if self.cfg["labels"]:
            self.cfg["move_names"] = self.moves.move_names

