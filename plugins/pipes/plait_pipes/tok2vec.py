"""The ``tok2vec`` component: one token-to-vector model shared by others.

Downstream components whose model contains a ``plait.Tok2VecListener.v1``
layer reuse this component's output instead of computing their own. In
``nlp.update`` this component runs first, hands its output to every
listener (``listener_map``: component name -> listener layers), sums the gradients
they send back and backpropagates once, when every listener has reported;
the next ``finish_update`` applies them (spaCy's timing). At inference it stores its output in
``doc.tensor``, which the listeners read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from plait.errors import UsageError
from plait.language import Language
from plait.pipe import TrainablePipe, validate_examples, validate_get_examples
from thinc.api import Model, Optimizer, set_dropout_rate

from ._default_models import TOK2VEC, model_config
from .architectures.listener import Tok2VecListener


@Language.factory(
    "tok2vec",
    assigns=["doc.tensor"],
    default_config={"model": model_config(TOK2VEC)},
)
def make_tok2vec(nlp: Any, name: str, model: Model) -> Tok2Vec:
    """Create a tok2vec component (see :class:`Tok2Vec`)."""
    return Tok2Vec(nlp.vocab, model, name)


class Tok2Vec(TrainablePipe):
    """Compute token vectors once and share them with listening components.

    vocab (Vocab): the pipeline's vocab.
    model (Model[List[Doc], List[Floats2d]]): e.g. ``plait.Tok2Vec.v2``.
    name (str): the component name; listeners with ``upstream`` equal to it
        (or "*") listen to it.
    """

    def __init__(self, vocab: Any, model: Model, name: str = "tok2vec") -> None:
        super().__init__(vocab, model, name)
        self.listener_map: dict[str, list[Tok2VecListener]] = {}
        self._pending: list[Any] | None = None

    # Listeners ----------------------------------------------------------
    @property
    def listeners(self) -> list[Tok2VecListener]:
        """RETURNS (List[Tok2VecListener]): every registered listener layer."""
        return [m for name in self.listening_components for m in self.listener_map[name]]

    @property
    def listening_components(self) -> list[str]:
        """RETURNS (List[str]): names of the components that listen to this one."""
        return list(self.listener_map)

    def add_listener(self, listener: Tok2VecListener, component_name: str) -> None:
        """Register a listener layer of component ``component_name``."""
        layers = self.listener_map.setdefault(component_name, [])
        if listener not in layers:
            layers.append(listener)

    def remove_listener(self, listener: Tok2VecListener, component_name: str) -> bool:
        """Unregister a listener (e.g. after ``replace_listeners``).

        RETURNS (bool): whether it was registered.
        """
        layers = self.listener_map.get(component_name, [])
        if listener in layers:
            layers.remove(listener)
            if not layers:
                del self.listener_map[component_name]
            return True
        return False

    def find_listeners(self, component: Any) -> None:
        """Register the listener layers in ``component``'s model that point at
        this component (``upstream`` equal to its name, or "*")."""
        names = ("*", self.name)
        model = getattr(component, "model", None)
        if isinstance(model, Model):
            for node in model.walk():
                if isinstance(node, Tok2VecListener) and node.upstream_name in names:
                    self.add_listener(node, component.name)

    # Prediction ---------------------------------------------------------
    def predict(self, docs: list[Any]) -> list[Any]:
        """RETURNS (List[Floats2d]): one (n_tokens, width) array per doc."""
        if not any(len(doc) for doc in docs):
            width = self.model.get_dim("nO")
            return [self.model.ops.alloc2f(len(doc), width) for doc in docs]
        return self.model.predict(docs)

    def set_annotations(self, docs: list[Any], tokvecses: list[Any]) -> None:
        """Store each doc's vectors in ``doc.tensor``."""
        for doc, tokvecs in zip(docs, tokvecses, strict=True):
            doc.tensor = tokvecs

    # Training -----------------------------------------------------------
    def update(
        self,
        examples: Iterable[Any],
        *,
        drop: float = 0.0,
        sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        """Run the model on the batch and hand the output to the listeners.

        The loss (sum of squared gradients from the listeners) is added to
        ``losses[self.name]`` as they report.
        RETURNS (dict[str, float]): ``losses``.
        """
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = validate_examples(examples, "Tok2Vec.update")
        docs = [eg.predicted for eg in examples]
        # Gradients of the previous batch that were not backpropagated yet
        # (some listener never reported, e.g. it is frozen) go in now.
        self._backprop_pending()
        set_dropout_rate(self.model, drop)
        tokvecs, bp_tokvecs = self.model.begin_update(docs)
        ops = self.model.ops
        d_tokvecs = [ops.alloc2f(*t2v.shape) for t2v in tokvecs]
        reported = [0]
        n_listeners = len(self.listeners)
        self._pending = [bp_tokvecs, d_tokvecs, reported]

        def accumulate_gradient(one_d_tokvecs: list[Any]) -> list[Any]:
            for i, d in enumerate(one_d_tokvecs):
                d_tokvecs[i] += d
                losses[self.name] += float((d**2).sum())
            reported[0] += 1
            if reported[0] >= n_listeners:
                # Every listener reported: backprop once into the model's
                # gradients; they are applied by the next finish_update
                # (nlp.update steps each component right after its update,
                # before the listeners run, as spaCy does).
                self._backprop_pending()
                if sgd is not None:
                    self.model.finish_update(sgd)
            return []

        batch_id = Tok2VecListener.get_batch_id(docs)
        for listener in self.listeners:
            listener.receive(batch_id, tokvecs, accumulate_gradient)
        return losses

    def _backprop_pending(self) -> None:
        if self._pending is not None:
            bp_tokvecs, d_tokvecs, reported = self._pending
            self._pending = None
            # Nothing to learn when no listener trained on this batch.
            if reported[0]:
                bp_tokvecs(d_tokvecs)

    def finish_update(self, sgd: Optimizer) -> None:
        """Apply the gradients the listeners sent back (backpropagated once all
        of them reported) with the optimizer."""
        self.model.finish_update(sgd)

    def get_loss(self, examples: Any, scores: Any) -> tuple[float, Any]:
        """A tok2vec has no loss of its own; its listeners' gradients are its loss."""
        return 0.0, None

    def initialize(
        self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Any = None,
        labels: Any = None,
    ) -> None:
        """Initialize the model on a sample of the training docs."""
        validate_get_examples(get_examples, "Tok2Vec.initialize")
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample or None)

    def add_label(self, label: str) -> int:
        raise UsageError(f"component '{self.name}' (tok2vec) has no labels; cannot add {label!r}")

    @property
    def label_data(self) -> None:
        return None
