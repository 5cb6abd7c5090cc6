"""The shared machinery of per-token classifiers: tagger, morphologizer,
senter and trainable lemmatizer.

Each one runs a ``plait.Tagger.v2`` model (one softmax row per token) and
differs only in how gold labels are read from an Example and how predicted
labels are written into a Doc. The loss is computed on the whole batch at
once: gold labels are read as hash columns, mapped to class indices with one
``searchsorted`` (no Python loop per token), and the gradient is
``softmax - target`` with missing labels masked out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

import numpy as np
from plait.errors import ConfigError, DataError, UsageError
from plait.pipe import TrainablePipe, validate_get_examples
from thinc.api import Model
from thinc.types import Floats2d


def aligned_ids(example: Any, attr: str) -> np.ndarray:
    """The reference's ``attr`` values aligned to the predicted tokens, as uint64
    hashes with 0 for missing or misaligned tokens.

    example (Example): the example.
    attr (str): e.g. "TAG", "POS", "MORPH", "LEMMA", "SENT_START".
    RETURNS (numpy.ndarray): shape (len(example.predicted),).
    """
    # Fast path: same tokenization on both sides, one fancy-index per column.
    alignment = getattr(example, "alignment", None)
    x2y = getattr(alignment, "x2y", None)
    if x2y is not None and hasattr(x2y, "is_one_to_one") and x2y.is_one_to_one():
        gold = example.reference.to_array(attr)
        if len(x2y) == len(gold):
            return gold[np.asarray(x2y.data)].astype(np.uint64, copy=False)
    values = example.get_aligned(attr)
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(np.uint64, copy=False).ravel()
    # spaCy's contract returns a list with None for misaligned tokens.
    return np.array([0 if v is None else int(v) % (1 << 64) for v in values], dtype=np.uint64)


class LabelIndex:
    """Map label hashes to class indices in one vectorised lookup.

    keys (Sequence[int]): the hash of each class, in class order.
    """

    def __init__(self, keys: Iterable[int]) -> None:
        keys = np.asarray(list(keys), dtype=np.uint64)
        self.order = np.argsort(keys, kind="stable")
        self.sorted = keys[self.order]

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """RETURNS (numpy.ndarray[int64]): the class of each hash, -1 if unknown."""
        if not len(self.sorted):
            return np.full(len(hashes), -1, dtype=np.int64)
        pos = np.searchsorted(self.sorted, hashes)
        pos = np.minimum(pos, len(self.sorted) - 1)
        found = self.sorted[pos] == hashes
        return np.where(found, self.order[pos], -1).astype(np.int64)


def sequence_loss(
    ops: Any, scores: list[Floats2d], gold: np.ndarray, *, label_smoothing: float = 0.0,
    negative: np.ndarray | None = None,
) -> tuple[float, list[Floats2d]]:
    """Cross-entropy of per-token softmax scores against class indices.

    ops (Ops): the model's ops.
    scores (List[Floats2d]): softmax outputs, one array per doc.
    gold (numpy.ndarray[int64]): class per token of the whole batch, -1 for
        missing (no gradient).
    label_smoothing (float): share of the target mass spread over other classes.
    negative (numpy.ndarray[bool] | None): tokens whose gold class is a
        negative label ("!NOUN": anything but NOUN): only that class is pushed down.
    RETURNS (Tuple[float, List[Floats2d]]): the summed loss and the gradients.
    """
    xp = ops.xp
    lengths = [s.shape[0] for s in scores]
    guesses = xp.concatenate(scores) if scores else ops.alloc2f(0, 0)
    n_tokens, n_classes = guesses.shape
    if len(gold) != n_tokens:
        raise DataError(
            f"{len(gold)} gold labels for {n_tokens} predicted tokens; the examples' "
            "predicted docs changed between prediction and loss"
        )
    gold_dev = xp.asarray(gold)
    present = gold_dev >= 0
    target = xp.zeros_like(guesses)
    rows = xp.arange(n_tokens)[present]
    cols = gold_dev[present]
    if label_smoothing and n_classes > 1:
        target[present] = label_smoothing / (n_classes - 1)
        target[rows, cols] = 1.0 - label_smoothing
    else:
        target[rows, cols] = 1.0
    d_scores = guesses - target
    if negative is not None and negative.any():
        neg = xp.asarray(negative) & present
        # A negative label says only "not this class": push that class down.
        d_scores[neg] = 0.0
        neg_rows = xp.arange(n_tokens)[neg]
        d_scores[neg_rows, gold_dev[neg]] = guesses[neg_rows, gold_dev[neg]]
    d_scores[~present] = 0.0
    probs = guesses[rows, cols]
    loss = float(-xp.log(xp.maximum(probs, 1e-9)).sum()) if len(rows) else 0.0
    return loss, ops.unflatten(d_scores, ops.asarray1i(lengths)) if n_tokens else [
        ops.alloc2f(n, n_classes) for n in lengths
    ]


def check_output_layer(model: Model, name: str, kind: str) -> None:
    """Refuse a model that breaks the token classifiers' architecture contract.

    The component sizes the layer that scores the labels from the label
    count (known only at ``initialize``), and finds it through the model's
    ``"output_layer"`` reference; without it a custom architecture would fail
    much later with thinc's bare ``KeyError: Cannot get reference``.

    model (Model): the component's model. name (str): the component name.
    kind (str): the component class, for the message.
    RAISES (ConfigError): naming the component, its model section and the fix.
    """
    if not isinstance(model, Model):
        raise ConfigError(
            f"component '{name}' ({kind}): [components.{name}.model] must build a thinc Model, "
            f"got {type(model).__name__}"
        )
    section = f"[components.{name}.model]"
    fix = (
        "A token classifier's model (Model[List[Doc], List[Floats2d]]: one row of label scores per "
        "token) must name the layer that outputs the label scores: in the architecture function, "
        'call model.set_ref("output_layer", layer) on the returned model, with layer the Softmax '
        "(or Linear) whose nO is left unset so the component can size it from the labels. See "
        "'Custom architectures' in docs/pipes.md."
    )
    if not model.has_ref("output_layer"):
        raise ConfigError(
            f"component '{name}' ({kind}): the model built by {section} (thinc model "
            f"{model.name!r}) has no 'output_layer' reference. {fix}"
        )
    output = model.get_ref("output_layer")
    if output.has_dim("nO") is False:
        raise ConfigError(
            f"component '{name}' ({kind}): the 'output_layer' of the model built by {section} is "
            f"thinc layer {output.name!r}, which has no nO dimension to size from the labels. {fix}"
        )


class TokenClassifier(TrainablePipe):
    """Base for components that predict one label per token with a softmax.

    Subclasses define ``_gold(examples) -> (classes, negative)`` and
    ``_write(docs, classes)`` (the classes of the whole batch, concatenated); labels live in ``cfg["labels"]``.
    """

    def __init__(
        self, vocab: Any, model: Model, name: str = "", *, scorer: Callable | None = None, **cfg: Any
    ) -> None:
        check_output_layer(model, name, type(self).__name__)
        cfg.setdefault("labels", [])
        super().__init__(vocab, model, name, scorer=scorer, **cfg)

    # Prediction ---------------------------------------------------------
    def predict(self, docs: list[Any]) -> list[np.ndarray]:
        """RETURNS (List[numpy.ndarray]): the best class index of each token, per doc."""
        if not any(len(doc) for doc in docs):
            return [np.zeros((len(doc),), dtype=np.int64) for doc in docs]
        self._require_labels()
        scores = self.model.predict(docs)
        xp = self.model.ops.xp
        lengths = [len(doc) for doc in docs]
        if not scores:
            return []
        best = xp.concatenate(scores).argmax(axis=1)
        best = self.model.ops.to_numpy(best) if hasattr(self.model.ops, "to_numpy") else np.asarray(best)
        best = np.asarray(best, dtype=np.int64)
        # Slices, not np.split: that costs a few numpy calls per (short) doc.
        out = []
        start = 0
        for length in lengths:
            out.append(best[start : start + length])
            start += length
        return out

    def set_annotations(self, docs: list[Any], classes: list[np.ndarray]) -> None:
        """Write the predicted classes into the docs."""
        docs = list(docs)
        classes = list(classes)
        if len(classes) != len(docs):
            raise UsageError(
                f"component '{self.name}': set_annotations got {len(classes)} predictions for "
                f"{len(docs)} docs; pass what predict(docs) returned for the same docs"
            )
        if not docs:
            return
        # One array for the batch: the subclass maps and writes it in a few
        # numpy calls instead of a dozen per (usually short) doc.
        self._write(docs, np.concatenate(classes).astype(np.int64, copy=False))

    def _write(self, docs: list[Any], classes: np.ndarray) -> None:
        """Write the classes of every token of ``docs`` (concatenated in order)."""
        raise NotImplementedError

    # Training -----------------------------------------------------------
    def get_loss(self, examples: Iterable[Any], scores: list[Floats2d]) -> tuple[float, list[Floats2d]]:
        """RETURNS (Tuple[float, List[Floats2d]]): the loss and d_scores for the batch."""
        gold, negative = self._gold(list(examples))
        return sequence_loss(
            self.model.ops, scores, gold,
            label_smoothing=float(self.cfg.get("label_smoothing", 0.0) or 0.0),
            negative=negative,
        )

    def _gold(self, examples: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def _require_labels(self) -> None:
        if not self.labels:
            raise UsageError(
                f"component '{self.name}' has no labels: call nlp.initialize() with training "
                f"data, or give [initialize.components.{self.name}.labels]."
            )

    # Labels and initialization ------------------------------------------
    def add_label(self, label: str) -> int:
        if self._model_initialized():
            if label in self.labels:
                return 0
            raise UsageError(
                f"component '{self.name}': cannot add label {label!r} after the model was "
                "initialized (its output layer is sized by the labels). Add labels before "
                "nlp.initialize(), or list them in [initialize.components."
                f"{self.name}.labels]."
            )
        added = super().add_label(label)
        if added:
            self._labels_changed()
        return added

    def _labels_changed(self) -> None:
        """Hook: drop caches derived from the label list."""

    def _model_initialized(self) -> bool:
        out = self.model.get_ref("output_layer") if self.model.has_ref("output_layer") else None
        return bool(out is not None and out.has_param("W") and out.get_param("W") is not None
                    and out.has_dim("nO") and out.get_dim("nO"))

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        raise NotImplementedError

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Any = None,
        labels: Any = None,
    ) -> None:
        """Read the labels (from ``labels`` or the examples), size the output
        layer and initialize the model on a sample of the data.

        get_examples (Callable[[], Iterable[Example]]): the training data.
        nlp (Language | None): the pipeline (unused).
        labels (list | None): labels from ``[initialize.components.X.labels]``.
        """
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        for label in self._labels_from_data(labels) if labels is not None else self.labels_from_examples(get_examples()):
            self.add_label(label)
        if not self.labels:
            raise DataError(
                f"component '{self.name}': no labels found in the training examples. Check that "
                "the training data has the annotation this component learns, or give "
                f"[initialize.components.{self.name}.labels]."
            )
        self._size_output(len(self.labels))
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample or None)

    def _labels_from_data(self, labels: Any) -> list[str]:
        """Turn what ``label_data`` returned back into a label list."""
        return list(labels)

    def _size_output(self, n_labels: int) -> None:
        output = self.model.get_ref("output_layer")
        if output.has_dim("nO") is None:
            output.set_dim("nO", n_labels)
        elif output.get_dim("nO") != n_labels:
            raise UsageError(
                f"component '{self.name}': its model has nO = {output.get_dim('nO')} outputs but "
                f"{n_labels} labels. Remove nO from [components.{self.name}.model] to size it "
                "from the labels."
            )

    def _after_cfg_loaded(self) -> None:
        self._labels_changed()
        if self.labels and self.model.get_ref("output_layer").has_dim("nO") is None:
            self.model.get_ref("output_layer").set_dim("nO", len(self.labels))
