"""``plait.Tok2VecListener.v1``: a layer that receives a shared tok2vec's output.

A downstream component's model contains a listener instead of its own
tok2vec. The upstream ``tok2vec`` component runs first in ``nlp.update``,
broadcasts its output (and a backprop callback) to its listeners under a
batch id, and the listener returns it; the downstream gradient flows back
into the shared tok2vec through that callback. At inference the listener
reads ``doc.tensor``, which the tok2vec component set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plait.errors import UsageError
from thinc.api import Model
from thinc.types import Floats2d


class Tok2VecListener(Model):
    """Receive the output of an upstream ``tok2vec`` component.

    upstream_name (str): the upstream component's name, or "*" for any.
    width (int): the upstream output width.
    """

    name = "tok2vec-listener"

    def __init__(self, upstream_name: str, width: int) -> None:
        Model.__init__(self, name=self.name, forward=forward, dims={"nO": width})
        self.upstream_name = upstream_name
        self._batch_id: int | None = None
        self._outputs: Any = None
        self._backprop: Callable | None = None

    @classmethod
    def get_batch_id(cls, inputs: list[Any]) -> int:
        """A cheap id for a batch: the identities and lengths of its docs.

        The upstream tok2vec and its listeners see the same Doc objects within
        one ``nlp.update``, so identity is enough, and it costs no token loop.

        inputs (List[Doc]): the batch.
        RETURNS (int): the id.
        """
        return hash(tuple((id(doc), len(doc)) for doc in inputs))

    def receive(self, batch_id: int, outputs: Any, backprop: Callable) -> None:
        """Store the upstream output for the batch with this id."""
        self._batch_id = batch_id
        self._outputs = outputs
        self._backprop = backprop

    def verify_inputs(self, inputs: list[Any]) -> bool:
        """Check that the stored output belongs to this batch.

        RETURNS (bool): True when it does.
        """
        if self._batch_id is None and self._outputs is None:
            raise UsageError(
                f"Tok2VecListener (upstream '{self.upstream_name}') was called in training "
                "before its tok2vec component ran on the batch. Put the tok2vec component "
                "before the components that listen to it in [nlp] pipeline, or use "
                "replace_listeners to give the component its own copy."
            )
        batch_id = self.get_batch_id(inputs)
        if batch_id != self._batch_id:
            raise UsageError(
                f"Tok2VecListener (upstream '{self.upstream_name}') received a batch that its "
                "tok2vec component did not process. Make sure the tok2vec component runs on "
                "the same docs first (it must not be frozen while its listeners train "
                "unless it is also in [training] annotating_components)."
            )
        return True


def forward(model: Tok2VecListener, inputs: list[Any], is_train: bool) -> tuple[list[Floats2d], Callable]:
    if is_train:
        if model._batch_id is not None or model._outputs is not None:
            model.verify_inputs(inputs)
            return model._outputs, model._backprop
        # No upstream in training (e.g. the tok2vec is frozen and not annotating):
        # fall back to the docs' tensors.
    width = model.get_dim("nO")
    outputs = []
    for doc in inputs:
        tensor = getattr(doc, "tensor", None)
        if tensor is None or getattr(tensor, "size", 0) == 0 or tensor.shape[0] != len(doc):
            if is_train and len(doc):
                # Training on zeros would learn nothing, silently.
                raise UsageError(
                    f"Tok2VecListener (upstream '{model.upstream_name}'): no tok2vec ran on "
                    "this batch and its docs carry no tensors. Add the tok2vec component to "
                    "[nlp] pipeline before the components that listen to it (or list a frozen "
                    "tok2vec in [training] annotating_components)."
                )
            outputs.append(model.ops.alloc2f(len(doc), width))
        else:
            outputs.append(model.ops.asarray2f(tensor))
    return outputs, lambda d: []


def build_tok2vec_listener(width: int, upstream: str = "*") -> Tok2VecListener:
    """A listener layer for a shared tok2vec component.

    width (int): the upstream tok2vec's output width.
    upstream (str): the upstream component's name, or "*" for any tok2vec.
    RETURNS (Tok2VecListener): the layer.
    """
    return Tok2VecListener(upstream_name=upstream, width=width)
