"""The component contract: ``Pipe`` and ``TrainablePipe`` base classes.

A pipeline component is anything callable ``doc -> doc``; these base
classes give the rest of what ``Language`` and the training loop use
(batched ``pipe``, ``initialize``, ``update``, ``score``, serialization), so a
plugin author only writes the model-specific parts. docs/components.md
documents the contract. Spelled as in spaCy v3 (``spacy.pipeline.Pipe`` /
``TrainablePipe``), so ported components keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import srsly
from thinc.api import Model, Optimizer, set_dropout_rate

from . import fs
from .errors import SerializationError, UsageError


def _json_safe(cfg: dict[str, Any]) -> dict[str, Any]:
    # cfg is saved with msgpack; functions or objects placed in it at
    # construction time (rare) are runtime-only and not saved.
    return {k: v for k, v in cfg.items() if srsly.is_json_serializable(v)}


def _batches(stream: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(stream)
    while batch := list(islice(items, size)):
        yield batch


def validate_examples(examples: Any, method: str) -> list[Any]:
    """Check that ``examples`` is a sequence of Example-like objects.

    RETURNS (list): the examples as a list.
    """
    if isinstance(examples, (str, bytes)) or not isinstance(examples, Iterable):
        raise UsageError(f"{method}: expected a list of Example objects, got {type(examples).__name__}")
    examples = list(examples)
    for i, eg in enumerate(examples):
        if not (hasattr(eg, "predicted") and hasattr(eg, "reference")):
            raise UsageError(
                f"{method}: item {i} is a {type(eg).__name__}, not an Example. Build one with "
                "Example(predicted_doc, reference_doc) or Example.from_dict(doc, annotations)."
            )
    return examples


def validate_get_examples(get_examples: Any, method: str) -> None:
    """Check that ``get_examples`` is a callable returning Examples."""
    if get_examples is None or not callable(get_examples):
        raise UsageError(
            f"{method}: get_examples must be a function returning a list of Example objects, "
            f"got {type(get_examples).__name__}"
        )


class Pipe:
    """A pipeline component that is not trained (rule-based or stateless).

    Subclasses implement ``__call__``; the rest has sensible defaults.
    ``name`` is the component's name in the pipeline; ``scorer`` an optional
    callable ``scorer(examples, **kwargs) -> dict`` used by ``score``.
    """

    name: str = ""
    scorer: Callable[..., dict[str, Any]] | None = None

    def __call__(self, doc: Any) -> Any:
        """Annotate one Doc in place. RETURNS (Doc): the same Doc."""
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(doc) -> doc")

    def pipe(self, stream: Iterable[Any], *, batch_size: int = 128) -> Iterator[Any]:
        """Annotate a stream of Docs. YIELDS (Doc): each Doc, in order."""
        for doc in stream:
            yield self(doc)

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Any = None) -> None:
        """Set up the component before training or use (default: nothing)."""

    def score(self, examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
        """Score the component's annotations with ``self.scorer``.

        RETURNS (dict[str, Any]): scores, ``{}`` without a scorer.
        """
        if self.scorer is None:
            return {}
        return self.scorer(examples, **kwargs)

    @property
    def is_trainable(self) -> bool:
        """RETURNS (bool): whether ``update`` learns anything."""
        return False

    @property
    def labels(self) -> tuple[str, ...]:
        """RETURNS (tuple[str, ...]): the labels the component predicts."""
        return ()

    @property
    def label_data(self) -> Any:
        """RETURNS: what ``initialize(labels=...)`` accepts (``plait init labels``)."""
        return None

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps({})

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> Pipe:
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Pipe:
        return self


class TrainablePipe(Pipe):
    """A component with a thinc model that learns from Examples.

    vocab (Vocab): the pipeline's vocab.
    model (Model): the thinc model; ``predict`` runs it.
    name (str): the component's name in the pipeline (keys its loss).
    scorer (Callable | None): ``scorer(examples, **kwargs) -> dict``.
    **cfg: settings saved with the component (must be msgpack-serializable);
        ``cfg["labels"]`` holds the label list of the default ``add_label``.

    Subclasses implement ``predict``, ``set_annotations`` and ``get_loss``;
    usually ``initialize`` (to size the model from the labels) and
    ``add_label`` when labels need more than a list.
    """

    def __init__(
        self,
        vocab: Any,
        model: Model,
        name: str = "",
        *,
        scorer: Callable[..., dict[str, Any]] | None = None,
        **cfg: Any,
    ) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: dict[str, Any] = dict(cfg)

    # Prediction ---------------------------------------------------------
    def __call__(self, doc: Any) -> Any:
        scores = self.predict([doc])
        self.set_annotations([doc], scores)
        return doc

    def pipe(self, stream: Iterable[Any], *, batch_size: int = 128) -> Iterator[Any]:
        # One predict call per batch: the model sees many docs at once.
        for docs in _batches(stream, batch_size):
            scores = self.predict(docs)
            self.set_annotations(docs, scores)
            yield from docs

    def predict(self, docs: list[Any]) -> Any:
        """Run the model on ``docs`` without changing them. RETURNS: the scores."""
        raise NotImplementedError(f"{type(self).__name__} must implement predict(docs)")

    def set_annotations(self, docs: list[Any], scores: Any) -> None:
        """Write the predictions ``scores`` into ``docs``."""
        raise NotImplementedError(f"{type(self).__name__} must implement set_annotations(docs, scores)")

    # Training -----------------------------------------------------------
    @property
    def is_trainable(self) -> bool:
        return isinstance(self.model, Model)

    def update(
        self,
        examples: Iterable[Any],
        *,
        drop: float = 0.0,
        sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        """Learn from a batch of Examples: forward, loss, backprop.

        examples (Iterable[Example]): the batch.
        drop (float): dropout rate.
        sgd (Optimizer | None): if given, the weights are updated right away
            (``Language.update`` passes None and calls ``finish_update``).
        losses (dict | None): accumulates the loss under ``self.name``.
        RETURNS (dict[str, float]): ``losses``.
        """
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = validate_examples(examples, f"{type(self).__name__}.update")
        docs = [eg.predicted for eg in examples]
        if not any(len(doc) for doc in docs):
            return losses
        set_dropout_rate(self.model, drop)
        scores, backprop = self.model.begin_update(docs)
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if sgd not in (None, False):
            self.finish_update(sgd)
        losses[self.name] += float(loss)
        return losses

    def rehearse(
        self, examples: Iterable[Any], *, drop: float = 0.0, sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        """Pseudo-rehearsal against the initial model (optional; default: no-op)."""
        return {} if losses is None else losses

    def get_loss(self, examples: list[Any], scores: Any) -> tuple[float, Any]:
        """RETURNS (tuple[float, Any]): the loss and the gradient of the scores."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_loss(examples, scores)")

    def finish_update(self, sgd: Optimizer) -> None:
        """Apply the accumulated gradients with the optimizer ``sgd``."""
        self.model.finish_update(sgd)

    def create_optimizer(self) -> Optimizer:
        """RETURNS (Optimizer): thinc's default Adam."""
        from thinc.api import Adam

        return Adam(0.001)

    @contextmanager
    def use_params(self, params: dict) -> Iterator[None]:
        """Temporarily use ``params`` (e.g. the optimizer's averages)."""
        with self.model.use_params(params):
            yield

    # Labels and initialization -----------------------------------------
    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.cfg.get("labels", ()))

    @property
    def label_data(self) -> Any:
        return list(self.labels)

    def add_label(self, label: str) -> int:
        """Add a label. RETURNS (int): 1 if it was new, 0 if already known."""
        if not isinstance(label, str):
            raise UsageError(f"{self.name}: labels must be strings, got {label!r}")
        labels = self.cfg.setdefault("labels", [])
        if label in labels:
            return 0
        labels.append(label)
        self.vocab.strings.add(label)
        return 1

    def labels_from_examples(self, examples: Iterable[Any]) -> Iterable[str]:
        """The labels found in the training data (default: none).
        Override it, or ``initialize``, in a labelled component."""
        return ()

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Any = None,
        labels: Iterable[str] | None = None,
    ) -> None:
        """Set the labels (given, or read off the data) and initialize the model
        on a sample of the data so thinc infers the missing dimensions.

        get_examples (Callable[[], Iterable[Example]]): the training data.
        nlp (Language | None): the pipeline.
        labels (Iterable[str] | None): labels from ``[initialize.components.X]``.
        """
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        for label in (labels if labels is not None else self.labels_from_examples(get_examples())):
            self.add_label(label)
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample or None)

    # Serialization ------------------------------------------------------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """RETURNS (bytes): msgpack of cfg and the model's weights (and the
        vocab unless excluded; a Language excludes it)."""
        exclude = set(exclude)
        msg: dict[str, Any] = {"cfg": _json_safe(self.cfg)}
        if "model" not in exclude:
            msg["model"] = self.model.to_bytes()
        if "vocab" not in exclude:
            msg["vocab"] = self.vocab.to_bytes()
        return srsly.msgpack_dumps(msg)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> TrainablePipe:
        exclude = set(exclude)
        try:
            msg = srsly.msgpack_loads(bytes_data)
        except Exception as err:  # msgpack raises several unrelated types
            raise SerializationError(f"component '{self.name}': not plait component data ({err})") from err
        if not isinstance(msg, dict) or "cfg" not in msg:
            raise SerializationError(f"component '{self.name}': not plait component data (no cfg)")
        self._load_state(msg["cfg"], msg.get("model") if "model" not in exclude else None,
                         msg.get("vocab") if "vocab" not in exclude else None)
        return self

    def _load_state(self, cfg: dict[str, Any], model_bytes: bytes | None, vocab_bytes: bytes | None,
                    source: Path | None = None) -> None:
        if vocab_bytes is not None:
            self.vocab.from_bytes(vocab_bytes)
        self.cfg.update(cfg)
        # The label set decides output sizes; let subclasses rebuild first.
        self._after_cfg_loaded()
        if model_bytes is not None:
            try:
                self.model.from_bytes(model_bytes)
            except (ValueError, KeyError, TypeError) as err:
                where = f"{source}: " if source is not None else ""
                if "unpack" in str(err).lower() or isinstance(err, TypeError):
                    # msgpack could not read the bytes: the file, not the config, is wrong.
                    raise SerializationError(
                        f"{where}the weights of component '{self.name}' are damaged (truncated or "
                        f"corrupt: {err}). Save the pipeline again or restore this file."
                    ) from err
                raise SerializationError(
                    f"{where}component '{self.name}': saved weights do not fit the model built from "
                    f"the config ({err}). Was the component saved with a different architecture?"
                ) from err

    def _after_cfg_loaded(self) -> None:
        """Hook: called after ``cfg`` is restored, before the weights are loaded."""

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write ``cfg`` (msgpack), ``model`` (thinc bytes) and ``vocab`` into folder ``path``."""
        exclude = set(exclude)
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        fs.write_msgpack(path / "cfg", _json_safe(self.cfg))
        if "model" not in exclude:
            fs.write_bytes(path / "model", self.model.to_bytes())
        if "vocab" not in exclude:
            self.vocab.to_disk(path / "vocab")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TrainablePipe:
        exclude = set(exclude)
        path = Path(path)
        try:
            cfg = srsly.read_msgpack(path / "cfg")
            model_bytes = (path / "model").read_bytes() if "model" not in exclude else None
        except OSError as err:
            raise SerializationError(f"{path}: cannot read component '{self.name}' ({err})") from err
        except Exception as err:
            raise SerializationError(f"{path / 'cfg'}: not plait component data ({err})") from err
        vocab_bytes = None
        if "vocab" not in exclude and (path / "vocab").exists():
            self.vocab.from_disk(path / "vocab")
        self._load_state(cfg, model_bytes, vocab_bytes, source=path / "model")
        return self
