"""A tiny stand-in for a Language with one real thinc model, for loop tests
that must not depend on the rest of the pipeline machinery."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import numpy
from thinc.api import Dropout, Linear, chain


class Item:
    """An 'Example': a feature row and a target row; len() counts as words."""

    def __init__(self, x: numpy.ndarray, y: numpy.ndarray) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return 3


class Regressor:
    is_trainable = True

    def __init__(self) -> None:
        self.model = chain(Linear(2, 4), Dropout(0.1))
        self.model.initialize(X=numpy.zeros((1, 4), dtype="f"), Y=numpy.zeros((1, 2), dtype="f"))
        self.labels = ("a", "b")

    def finish_update(self, sgd: Any) -> None:
        self.model.finish_update(sgd)


class FakeNLP:
    def __init__(self) -> None:
        self.pipeline = [("reg", Regressor())]
        self.pipe_names = ["reg"]
        self.meta: dict[str, Any] = {}
        self.updates = 0

    def get_pipe(self, name: str) -> Any:
        return dict(self.pipeline)[name]

    def update(self, examples, *, drop=0.0, losses=None, sgd=None, exclude=(), annotates=()):
        self.updates += 1
        model = self.pipeline[0][1].model
        model.layers[1].attrs["dropout_rate"] = drop
        X = numpy.stack([eg.x for eg in examples])
        Y = numpy.stack([eg.y for eg in examples])
        out, backprop = model.begin_update(X)
        d = (out - Y) / len(examples)
        backprop(d)
        losses.setdefault("reg", 0.0)
        losses["reg"] += float((d ** 2).sum())
        return losses

    @contextmanager
    def use_params(self, params):
        with self.pipeline[0][1].model.use_params(params):
            yield

    def evaluate(self, examples) -> dict[str, float]:
        model = self.pipeline[0][1].model
        X = numpy.stack([eg.x for eg in examples])
        Y = numpy.stack([eg.y for eg in examples])
        out = model.predict(X)
        return {"neg_mse": -float(((out - Y) ** 2).mean()), "speed": 1000.0}


def make_data(n: int, seed: int = 0) -> list[Item]:
    W = numpy.random.default_rng(42).standard_normal((4, 2)).astype("f")
    rng = numpy.random.default_rng(seed)
    xs = rng.standard_normal((n, 4)).astype("f")
    return [Item(x, x @ W) for x in xs]
