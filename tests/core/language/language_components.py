"""A tiny real trainable component and EWT data for the Language tests.

``test_cap_tagger`` predicts whether a token is capitalised (TAG "CAP" or
"low") with a thinc softmax over hashed embeddings of NORM and SHAPE. It is
a genuine TrainablePipe: it learns, saves and loads like a built-in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from plait import attrs as A
from plait import registry
from plait.language import Language
from plait.pipe import Pipe, TrainablePipe
from thinc.api import HashEmbed, Model, Softmax, chain, concatenate


def _doc_features(column: int) -> Model:
    def forward(model: Model, docs: list[Any], is_train: bool):
        arrays = [doc.to_array([column]) for doc in docs]
        ids = model.ops.xp.concatenate(arrays) if arrays else model.ops.alloc2i(0, 1).astype("uint64")
        return ids, lambda d: []

    return Model(f"doc_features_{column}", forward)


def _embed(column: int, width: int, rows: int, seed: int) -> Model:
    return chain(_doc_features(column), HashEmbed(width, rows, column=0, seed=seed))


@registry.architectures("test.CapModel.v1")
def build_cap_model(width: int = 16, rows: int = 500) -> Model:
    softmax = Softmax(nI=2 * width)
    model = chain(concatenate(_embed(A.NORM, width, rows, 1), _embed(A.SHAPE, width, rows, 2)), softmax)
    model.set_ref("softmax", softmax)
    return model


class CapTagger(TrainablePipe):
    """Sets TAG to "CAP" or "low"; labels come from the reference TAGs."""

    def predict(self, docs: list[Any]) -> Any:
        if not any(len(d) for d in docs):
            return self.model.ops.alloc2f(0, len(self.labels))
        return self.model.predict(docs)

    def set_annotations(self, docs: list[Any], scores: Any) -> None:
        guesses = scores.argmax(axis=1)
        hashes = np.array([self.vocab.strings.add(label) for label in self.labels], dtype=np.uint64)
        start = 0
        for doc in docs:
            doc.from_array([A.TAG], hashes[guesses[start:start + len(doc)]].reshape(-1, 1))
            start += len(doc)

    def _gold(self, examples: list[Any]) -> np.ndarray:
        index = {label: i for i, label in enumerate(self.labels)}
        return np.array([index[t] for eg in examples for t in eg.get_aligned("TAG", as_string=True)])

    def get_loss(self, examples: list[Any], scores: Any) -> tuple[float, Any]:
        truth = self.model.ops.alloc2f(*scores.shape)
        truth[np.arange(len(scores)), self._gold(examples)] = 1.0
        d_scores = scores - truth
        return float((d_scores**2).sum()), d_scores

    def labels_from_examples(self, examples: Any) -> list[str]:
        return sorted({t for eg in examples for t in eg.get_aligned("TAG", as_string=True)})

    def initialize(self, get_examples: Any = None, *, nlp: Any = None, labels: Any = None) -> None:
        # The softmax needs its output size before thinc initializes it.
        for label in labels if labels is not None else self.labels_from_examples(get_examples()):
            self.add_label(label)
        self.model.get_ref("softmax").set_dim("nO", len(self.labels))
        super().initialize(get_examples, nlp=nlp, labels=[])


def cap_scorer(examples: Any, **kwargs: Any) -> dict[str, float]:
    right = total = 0
    for eg in examples:
        pred = eg.predicted.to_array(A.TAG)
        gold = eg.reference.to_array(A.TAG)
        right += int((pred == gold).sum())
        total += len(gold)
    return {"cap_acc": right / total if total else 0.0}


@Language.factory(
    "test_cap_tagger",
    default_config={"model": {"@architectures": "test.CapModel.v1", "width": 16}},
    assigns=["token.tag"],
    default_score_weights={"cap_acc": 1.0},
)
def make_cap_tagger(nlp: Language, name: str, model: Model) -> CapTagger:
    return CapTagger(nlp.vocab, model, name, scorer=cap_scorer)


class Exclaimer(Pipe):
    """A stateless component that counts calls (to check it runs)."""

    def __init__(self, name: str, suffix: str) -> None:
        self.name = name
        self.suffix = suffix
        self.calls = 0

    def __call__(self, doc: Any) -> Any:
        self.calls += 1
        doc.user_data.setdefault("seen", []).append(self.name + self.suffix)
        return doc


@Language.factory("test_exclaimer", default_config={"suffix": "!"})
def make_exclaimer(nlp: Language, name: str, suffix: str) -> Exclaimer:
    return Exclaimer(name, suffix)


@Language.component("test_count_tokens")
def count_tokens(doc: Any) -> Any:
    doc.user_data["n_tokens"] = len(doc)
    return doc


def read_ewt_words(path: Path, limit: int) -> list[list[str]]:
    """The FORM column of the first ``limit`` sentences of a CoNLL-U file."""
    sents: list[list[str]] = []
    words: list[str] = []
    with open(path, encoding="utf8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                if words:
                    sents.append(words)
                    words = []
                    if len(sents) >= limit:
                        break
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0].isdigit():
                words.append(cols[1])
    return sents


def cap_examples(nlp: Language, sentences: list[list[str]]) -> list[Any]:
    from plait.tokens.doc import Doc
    from plait.training.example import Example

    out = []
    for words in sentences:
        tags = ["CAP" if w[:1].isupper() else "low" for w in words]
        out.append(Example.from_dict(Doc(nlp.vocab, words=words), {"words": words, "tags": tags}))
    return out


