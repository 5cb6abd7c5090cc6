"""Augmented examples that no longer match their annotation are re-aligned
when they can be and otherwise skipped with one warning (on EWT)."""

from __future__ import annotations

import random
import warnings
from itertools import islice
from pathlib import Path

import plait
import pytest
from plait.errors import DataWarning
from plait.tokens import DocBin
from plait.training.augmentation import GuardedAugmenter
from plait.training.corpus import Corpus


def spongebob(randomize: bool = False):
    """The spec's "SpOnGeBoB" augmenter, ported verbatim (spacy -> plait)."""

    def augment(nlp, example):
        text = example.text
        if randomize:
            # Randomly uppercase/lowercase characters
            chars = [c.lower() if random.random() < 0.5 else c.upper() for c in text]
        else:
            # Uppercase followed by lowercase
            chars = [c.lower() if i % 2 else c.upper() for i, c in enumerate(text)]
        # Create augmented training example
        example_dict = example.to_dict()
        doc = nlp.make_doc("".join(chars))
        example_dict["token_annotation"]["ORTH"] = [t.text for t in doc]
        # Original example followed by augmented example
        yield example
        yield example.from_dict(doc, example_dict)

    return augment


def um_prefix():
    """Adds a word in front of the text but keeps the old annotation: can't be repaired."""

    def augment(nlp, example):
        example_dict = example.to_dict()
        doc = nlp.make_doc("Um " + example.text)
        example_dict["token_annotation"]["ORTH"] = [t.text for t in doc]
        yield example
        yield example.from_dict(doc, example_dict)

    return augment


@pytest.fixture(scope="module")
def ewt_corpus(ewt_dir: Path, tmp_path_factory) -> Path:
    from plait_readers.conllu import conllu_to_docs

    nlp = plait.blank("en")
    # 10 sentences per document, as `plait convert -n 10`: long mixed-case
    # texts where the tokenizer splits differently ("213 spaces for 208 words")
    docs = list(islice(conllu_to_docs(ewt_dir / "en_ewt-ud-dev.conllu", n_sents=10, vocab=nlp.vocab), 30))
    path = tmp_path_factory.mktemp("aug") / "dev.plait"
    DocBin(docs=docs).to_disk(path)
    return path


def _read(path: Path, augmenter) -> tuple[list, list[warnings.WarningMessage], Corpus]:
    corpus = Corpus(path, augmenter=augmenter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        egs = list(corpus(plait.blank("en")))
    return egs, [w for w in caught if issubclass(w.category, DataWarning)], corpus


@pytest.mark.parametrize("randomize", [False, True])
def test_spongebob_on_ewt_is_realigned(ewt_corpus: Path, randomize: bool) -> None:
    random.seed(0)
    egs, caught, corpus = _read(ewt_corpus, spongebob(randomize))
    assert len(egs) == 60  # every original and every augmented example
    assert isinstance(corpus.augmenter, GuardedAugmenter)
    assert corpus.augmenter.n_realigned > 5  # the ones spaCy (and plait before) crashed on
    assert corpus.augmenter.n_skipped == 0 and caught == []
    for orig, aug in zip(egs[::2], egs[1::2], strict=True):
        assert aug.reference.text.lower().split() == orig.reference.text.lower().split()
        assert aug.reference.text != orig.reference.text
        assert len(aug.reference) == len(orig.reference)
        assert [t.tag_ for t in aug.reference] == [t.tag_ for t in orig.reference]
        assert [t.head.i for t in aug.reference] == [t.head.i for t in orig.reference]
        assert aug.doc_index == orig.doc_index
        aug.alignment  # noqa: B018 - trainable: the alignment exists


def test_unrepairable_examples_skipped_with_one_warning(ewt_corpus: Path) -> None:
    egs, caught, corpus = _read(ewt_corpus, um_prefix())
    n_skipped = corpus.augmenter.n_skipped
    assert n_skipped > 0
    assert len(egs) == 30 + (30 - n_skipped)
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert f"skipped {n_skipped} augmented example(s) whose tokens no longer match" in msg
    assert "um_prefix" in msg  # names the augmenter
    assert "First: document 0 " in msg
    # a second pass over the same corpus does not warn again
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        list(corpus(plait.blank("en")))
    assert not [w for w in again if issubclass(w.category, DataWarning)]
