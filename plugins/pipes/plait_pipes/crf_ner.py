"""The ``ner`` component over a ``plait.BILUOTagger.v1`` model: per-token
BILUO scores decoded by a linear-chain CRF (``graph/crf.py``).

The ``ner`` factory builds this class instead of the transition-based
``EntityRecognizer`` when its model says ``attrs["crf_tagger"]``: a config
switches by changing ``[components.ner.model]`` only. Labels, ``label_data``,
``[initialize.components.ner.labels]``, the scorer and serialization follow
the transition NER.

- Decoding: constrained Viterbi per doc (batched, padded): illegal BILUO
  transitions, first and last tags are masked, so no illegal sequence is
  ever produced.
- Entities set before this component (an ``entity_ruler``) are kept: their
  tokens may only take their preset tags (an unknown preset label counts as
  "O" for the neighbours), and only unset tokens are written.
- Training: the CRF negative log-likelihood over the batch. A token whose
  gold is missing (unannotated, misaligned, unknown label) allows every tag,
  so it is marginalised, not penalised. ``incorrect_spans_key`` and ``moves``
  have no meaning here and are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

import numpy as np
from plait import attrs as A
from plait.errors import ConfigError, DataError, UsageError
from plait.pipe import TrainablePipe, validate_examples, validate_get_examples
from plait.tokens import docs_from_array, docs_to_array
from thinc.api import Model, Optimizer, set_dropout_rate

from .graph.crf import crf_loss, tag_names, viterbi

_IOB_I, _IOB_O, _IOB_B = 1, 2, 3


def _padded(E: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    B, T = len(lengths), int(lengths.max()) if len(lengths) else 0
    out = np.zeros((B, T, E.shape[1]), dtype=np.float64)
    mask = np.arange(T)[None, :] < lengths[:, None]
    out[mask] = E
    return out


class CRFEntityRecognizer(TrainablePipe):
    """Named entities with a BILUO CRF.

    vocab (Vocab): the pipeline's vocab.
    model (Model): a ``plait.BILUOTagger.v1`` model.
    name (str): the component name.
    scorer (Callable | None): ``scorer(examples) -> {"ents_f": ...}``.
    """

    def __init__(self, vocab: Any, model: Model, name: str = "ner", *, scorer: Callable | None = None) -> None:
        if not isinstance(model, Model) or not model.attrs.get("crf_tagger"):
            raise ConfigError(f"[components.{name}.model]: the CRF ner needs a plait.BILUOTagger.v1 model.")
        super().__init__(vocab, model, name, scorer=scorer, labels=[])

    # Labels -----------------------------------------------------------------
    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def label_data(self) -> list[str]:
        return list(self.cfg["labels"])

    @property
    def tag_names(self) -> list[str]:
        """RETURNS (List[str]): the tags in output order ("O", B-/I-/L-/U- per label)."""
        return tag_names(list(self.cfg["labels"]))

    def _initialized(self) -> bool:
        return self.model.has_param("trans") and self.model.get_param("trans") is not None

    def add_label(self, label: str) -> int:
        """Add a label before initialization. RETURNS (int): 1 if new."""
        if not isinstance(label, str) or not label:
            raise UsageError(f"component '{self.name}': labels must be non-empty strings, got {label!r}")
        if label in self.cfg["labels"]:
            return 0
        if self._initialized():
            raise UsageError(
                f"component '{self.name}': cannot add label {label!r} after initialization (the CRF's "
                f"output is sized by the labels); list it in [initialize.components.{self.name}.labels]."
            )
        self.cfg["labels"] = [*self.cfg["labels"], label]
        self.vocab.strings.add(label)
        return 1

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        """RETURNS (List[str]): the entity labels of the references, sorted."""
        found = set()
        for eg in examples:
            found.update(ent.label_ for ent in eg.reference.ents)
        return sorted(found)

    def initialize(
        self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Any = None, labels: Any = None
    ) -> None:
        """Set the labels (from ``labels`` or the data) and initialize the model.

        get_examples (Callable[[], Iterable[Example]]): the training data.
        nlp (Language | None): the pipeline (unused).
        labels (Any): what ``label_data`` returned.
        """
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        for label in (list(labels) if labels is not None else self.labels_from_examples(get_examples())):
            if label not in self.cfg["labels"]:
                self.cfg["labels"] = [*self.cfg["labels"], label]
                self.vocab.strings.add(label)
        if not self.cfg["labels"]:
            raise DataError(
                f"component '{self.name}': no entity labels found in the training examples. Check that the "
                f"training data has entities, or give [initialize.components.{self.name}.labels]."
            )
        self.model.set_dim("nO", len(self.tag_names), force=True)
        self.model.get_ref("output_layer").set_dim("nO", len(self.tag_names), force=True)
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample or None)

    def _after_cfg_loaded(self) -> None:
        if self.cfg["labels"]:
            n = len(self.tag_names)
            output = self.model.get_ref("output_layer")
            if not output.has_dim("nO"):
                output.set_dim("nO", n)
            self.model.set_dim("nO", n, force=True)

    def _require_labels(self) -> None:
        if not self.cfg["labels"]:
            raise UsageError(
                f"component '{self.name}' has no labels: call nlp.initialize() with training data, "
                f"or give [initialize.components.{self.name}.labels]."
            )

    def _params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        to_np = self.model.ops.to_numpy
        return tuple(np.asarray(to_np(self.model.get_param(n)), dtype=np.float64) for n in ("trans", "start", "end"))

    # Prediction -------------------------------------------------------------
    def _preset(self, docs: list[Any], K: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Per token of the batch: its preset tag (-1: none) and whether it is preset."""
        cols = docs_to_array(docs, [A.ENT_IOB, A.ENT_TYPE]).astype(np.uint64)
        iob = cols[:, 0].astype(np.int64)
        if not (iob != 0).any():
            return None
        n = len(iob)
        index = {self.vocab.strings.add(label): i for i, label in enumerate(self.cfg["labels"])}
        label = np.array([index.get(int(h), -1) for h in cols[:, 1].tolist()], dtype=np.int64)
        # The next token continues this entity (an I after a B or an I).
        doc_end = np.zeros(n, dtype=bool)
        doc_end[np.cumsum([len(d) for d in docs]) - 1] = True
        nxt_i = np.append(iob[1:] == _IOB_I, False) & ~doc_end
        kind = np.where(iob == _IOB_B, np.where(nxt_i, 1, 4), np.where(iob == _IOB_I, np.where(nxt_i, 2, 3), 0))
        tag = np.where((iob == _IOB_O) | (label < 0) | (iob == 0), 0, 1 + 4 * np.maximum(label, 0) + kind - 1)
        return np.where(iob == 0, -1, tag), iob != 0

    def predict(self, docs: Iterable[Any]) -> list[np.ndarray]:
        """RETURNS (List[numpy.ndarray[int64]]): the tag indices of each doc's tokens."""
        docs = list(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        if not lengths.any():
            return [np.zeros(0, dtype=np.int64) for _ in docs]
        self._require_labels()
        E = np.asarray(self.model.ops.to_numpy(self.model.predict(docs)), dtype=np.float64)
        K = E.shape[1]
        allowed = None
        preset = self._preset(docs, K)
        if preset is not None:
            tag, is_set = preset
            flat = np.ones((len(tag), K), dtype=bool)
            flat[is_set] = False
            flat[np.flatnonzero(is_set), tag[is_set]] = True
            allowed = _padded(flat.astype(np.float64), lengths) > 0.5
        tags = viterbi(_padded(E, lengths), lengths, *self._params(), allowed_tags=allowed)
        return [tags[k, : lengths[k]].copy() for k in range(len(docs))]

    def set_annotations(self, docs: Iterable[Any], tags: list[np.ndarray]) -> None:
        """Write ENT_IOB and ENT_TYPE on the tokens no earlier component set."""
        docs = list(docs)
        if len(tags) != len(docs):
            raise UsageError(
                f"component '{self.name}': set_annotations got {len(tags)} predictions for {len(docs)} docs; "
                "pass what predict(docs) returned for the same docs."
            )
        if not docs or not any(len(d) for d in docs):
            return
        flat = np.concatenate(tags).astype(np.int64)
        kind = np.where(flat == 0, 0, (flat - 1) % 4 + 1)  # 0 O, 1 B, 2 I, 3 L, 4 U
        label = np.where(flat == 0, -1, (flat - 1) // 4)
        hashes = np.array([self.vocab.strings.add(lab) for lab in self.cfg["labels"]], dtype=np.uint64)
        iob = np.where(kind == 0, _IOB_O, np.where((kind == 1) | (kind == 4), _IOB_B, _IOB_I)).astype(np.uint64)
        ent_type = np.where(label >= 0, hashes[np.maximum(label, 0)], 0).astype(np.uint64)
        old = docs_to_array(docs, [A.ENT_IOB, A.ENT_TYPE]).astype(np.uint64)
        keep = old[:, 0] != 0
        iob = np.where(keep, old[:, 0], iob)
        ent_type = np.where(keep, old[:, 1], ent_type)
        docs_from_array(docs, [A.ENT_IOB, A.ENT_TYPE], np.stack([iob, ent_type], axis=1))

    # Training ---------------------------------------------------------------
    def _gold(self, examples: list[Any], K: int) -> np.ndarray:
        index = {name: i for i, name in enumerate(self.tag_names)}
        rows = []
        for eg in examples:
            for tag in eg.get_aligned_ner():
                rows.append(index.get(tag, -1) if tag not in (None, "-", "") else -1)
        gold = np.array(rows, dtype=np.int64)
        allowed = np.ones((len(gold), K), dtype=bool)
        known = np.flatnonzero(gold >= 0)
        allowed[known] = False
        allowed[known, gold[known]] = True
        return allowed

    def _loss(self, examples: list[Any], E: Any) -> tuple[float, Any, np.ndarray]:
        lengths = np.array([len(eg.predicted) for eg in examples], dtype=np.int64)
        E_np = np.asarray(self.model.ops.to_numpy(E), dtype=np.float64)
        K = E_np.shape[1]
        gold = _padded(self._gold(examples, K).astype(np.float64), lengths) > 0.5
        loss, dE, d_trans, d_start, d_end = crf_loss(_padded(E_np, lengths), lengths, *self._params(), gold=gold)
        mask = np.arange(dE.shape[1])[None, :] < lengths[:, None]
        dE_flat = self.model.ops.asarray2f(dE[mask].astype(np.float32))
        return loss, dE_flat, (d_trans, d_start, d_end)

    def update(
        self, examples: Iterable[Any], *, drop: float = 0.0, sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        """Learn from a batch: CRF negative log-likelihood, one backward.

        RETURNS (dict[str, float]): ``losses`` with the loss added under ``self.name``.
        """
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = validate_examples(examples, f"{type(self).__name__}.update")
        if not any(len(eg.predicted) for eg in examples):
            return losses
        self._require_labels()
        set_dropout_rate(self.model, drop)
        E, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, dE, (d_trans, d_start, d_end) = self._loss(examples, E)
        ops = self.model.ops
        self.model.inc_grad("trans", ops.asarray2f(d_trans.astype(np.float32)))
        self.model.inc_grad("start", ops.asarray1f(d_start.astype(np.float32)))
        self.model.inc_grad("end", ops.asarray1f(d_end.astype(np.float32)))
        backprop(dE)
        if sgd not in (None, False):
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Any], scores: Any) -> tuple[float, Any]:
        """RETURNS (Tuple[float, Floats2d]): the CRF loss of ``scores`` (the
        model's emissions for the examples' docs) and its gradient."""
        examples = validate_examples(examples, f"{type(self).__name__}.get_loss")
        loss, dE, _ = self._loss(examples, scores)
        return loss, dE
