"""Example.get_aligned_ner's fast path (same tokenization on both sides) gives
exactly what the general path (span mapping through the alignment) gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from plait.tokens import Doc
from plait.training import Example
from plait.training.alignment import Alignment
from plait.vocab import Vocab


def general(eg: Example) -> list[str | None]:
    """get_aligned_ner through the span-mapping path."""
    eg.alignment._identity = False
    try:
        return eg.get_aligned_ner()
    finally:
        eg.alignment._identity = None


def uner_refs(uner_dir: Path, split: str) -> list[Doc]:
    from plait_readers.iob import iob_to_docs

    path = uner_dir / f"en_ewt-ud-{split}.iob2"
    if not path.exists():
        pytest.skip(f"UNER corpus absent at {path}")
    return list(iob_to_docs(path, n_sents=1))


def test_fast_path_equals_general_path_on_uner_dev(uner_dir: Path) -> None:
    refs = uner_refs(uner_dir, "dev")
    n_ents = 0
    for ref in refs:
        eg = Example(Doc(ref.vocab, ref.words, [bool(t.whitespace_) for t in ref]), ref)
        assert eg.alignment.is_identity
        fast = eg.get_aligned_ner()
        assert fast == general(eg)
        n_ents += sum(tag is not None and tag[0] in "UB" for tag in fast)
    assert len(refs) > 1900 and n_ents > 900


def test_missing_annotation_and_whitespace_tokens() -> None:
    vocab = Vocab()
    words = ["Anna", "lives", " ", "in", "New", "York", "\n", "now"]
    ents = ["U-PER", "O", None, None, "B-LOC", "L-LOC", None, "-"]
    ref = Doc(vocab, words, ents=[e if e is not None else "-" for e in ents])
    eg = Example(Doc(vocab, words), ref)
    fast = eg.get_aligned_ner()
    assert fast == general(eg)
    # whitespace tokens with missing annotation read as O, other missing tokens as None
    assert fast == ["U-PER", "O", "O", None, "B-LOC", "L-LOC", "O", None]


def test_no_entity_annotation_is_all_missing() -> None:
    vocab = Vocab()
    eg = Example(Doc(vocab, ["a", "b"]), Doc(vocab, ["a", "b"]))
    assert eg.get_aligned_ner() == [None, None] == general(eg)


@pytest.mark.parametrize("seed", range(5))
def test_misaligned_tokenizations_take_the_general_path(uner_dir: Path, seed: int) -> None:
    """Predicted tokens merged or split at random: not the identity, so the
    span mapping decides; entities cut by a boundary are missing (None)."""
    rng = random.Random(seed)
    refs = uner_refs(uner_dir, "dev")[seed * 300 : seed * 300 + 300]
    changed = 0
    for ref in refs:
        words, spaces = [], []
        for tok in ref:
            w, sp = tok.text, bool(tok.whitespace_)
            r = rng.random()
            if r < 0.15 and words and not spaces[-1]:
                words[-1] += w  # glued to the previous token
                spaces[-1] = sp
            elif r < 0.3 and len(w) > 1:
                words += [w[:1], w[1:]]
                spaces += [False, sp]
            else:
                words.append(w)
                spaces.append(sp)
        eg = Example(Doc(ref.vocab, words, spaces), ref)
        tags = eg.get_aligned_ner()
        assert len(tags) == len(words)
        if words != ref.words:
            changed += 1
            assert not eg.alignment.is_identity
        assert tags == general(eg)
        # every entity on the predicted side is a reference entity with its text
        pred = Doc(ref.vocab, words, spaces, ents=[t if t is not None else "-" for t in tags])
        gold = {(e.start_char, e.end_char, e.label_) for e in ref.ents}
        assert {(e.start_char, e.end_char, e.label_) for e in pred.ents} <= gold
    assert changed > 100


def test_one_to_one_but_not_in_order_is_not_the_identity() -> None:
    vocab = Vocab()
    ref = Doc(vocab, ["a", "b"], ents=["U-X", "O"])
    eg = Example(Doc(vocab, ["a", "b"]), ref, alignment=Alignment.from_indices([[1], [0]], [[1], [0]]))
    assert not eg.alignment.is_identity
    assert eg.get_aligned_ner() == ["O", "U-X"]
    assert Alignment.from_indices([[0], [1]], [[0], [1]]).is_identity
    assert Alignment.identity(3).is_identity
