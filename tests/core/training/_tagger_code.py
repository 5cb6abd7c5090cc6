"""A small trainable tagger with a real thinc model, loaded with --code (or
imported) by the training tests until the plait-pipes plugin provides one."""

from __future__ import annotations

from typing import Any

import numpy
from plait import Language
from plait.attrs import NORM, PREFIX, SHAPE, SUFFIX, TAG
from plait.pipe import TrainablePipe
from plait.scorer import tagger_score
from thinc.api import (
    HashEmbed,
    Maxout,
    Model,
    Softmax,
    chain,
    concatenate,
    expand_window,
    with_array,
)


def _features(name: str = "doc_features") -> Model:
    attrs = [NORM, PREFIX, SUFFIX, SHAPE]

    def forward(model: Model, docs: list[Any], is_train: bool):
        ids = [model.ops.asarray(doc.to_array(attrs), dtype="uint64") for doc in docs]
        return ids, lambda d: []

    return Model(name, forward)


def build_model(width: int = 64) -> Model:
    embed = concatenate(
        HashEmbed(width, 5000, column=0, seed=1), HashEmbed(width // 2, 1000, column=1, seed=2),
        HashEmbed(width // 2, 2000, column=2, seed=3), HashEmbed(width // 2, 500, column=3, seed=4),
    )
    return chain(_features(), with_array(chain(
        embed, Maxout(width, nP=2, normalize=True), expand_window(1),
        Maxout(width, nP=2, normalize=True), Softmax())))


class TestTagger(TrainablePipe):
    def predict(self, docs: list[Any]) -> list[Any]:
        return [self.model.ops.to_numpy(s).argmax(axis=1) for s in self.model.predict(docs)]

    def set_annotations(self, docs: list[Any], guesses: list[Any]) -> None:
        labels = numpy.asarray([self.vocab.strings.add(lab) for lab in self.labels], dtype="uint64")
        for doc, guess in zip(docs, guesses, strict=True):
            if len(doc):
                doc.from_array([TAG], labels[guess].reshape(-1, 1))

    def _truth(self, examples: list[Any]) -> Any:
        index = {lab: i for i, lab in enumerate(self.labels)}
        rows = []
        for eg in examples:
            gold = eg.get_aligned("TAG", as_string=True)
            rows.append(numpy.asarray([index.get(t, -1) if t else -1 for t in gold], dtype="i"))
        return numpy.concatenate(rows) if rows else numpy.zeros((0,), dtype="i")

    def get_loss(self, examples: list[Any], scores: list[Any]) -> tuple[float, Any]:
        truth = self._truth(examples)
        flat = self.model.ops.flatten(scores)
        d = flat.copy()
        known = truth >= 0
        d[numpy.arange(len(truth))[known], truth[known]] -= 1.0
        d[~known] = 0.0
        n = max(1, len(examples))
        loss = float((d ** 2).sum())
        return loss, self.model.ops.unflatten(d / n, [len(s) for s in scores])

    def labels_from_examples(self, examples: Any) -> Any:
        seen: dict[str, None] = {}
        for eg in examples:
            for tag in eg.reference.to_array([TAG]).ravel():
                if tag:
                    seen.setdefault(self.vocab.strings[int(tag)], None)
        return sorted(seen)

    def initialize(self, get_examples: Any, *, nlp: Any = None, labels: Any = None) -> None:
        for label in (labels if labels is not None else self.labels_from_examples(get_examples())):
            self.add_label(label)
        docs = [eg.predicted for eg, _ in zip(get_examples(), range(10), strict=False)]
        Y = numpy.zeros((1, len(self.labels)), dtype="f")
        self.model.initialize(X=docs, Y=[Y])

    def score(self, examples: Any, **kwargs: Any) -> dict[str, Any]:
        return tagger_score(examples, **kwargs)


if not Language.has_factory("test_tagger"):
    @Language.factory("test_tagger", default_config={"width": 64},
                      default_score_weights={"tag_acc": 1.0})
    def make_test_tagger(nlp: Any, name: str, width: int) -> TestTagger:
        return TestTagger(nlp.vocab, build_model(width), name)
