"""Shared fixtures: where the real corpora are, and a clean plugin state."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()


def _corpus_dir(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared corpus {path} is absent (it lives beside the checkout in ../shared/data)")
    return path


@pytest.fixture(scope="session")
def ewt_dir() -> Path:
    """UD English EWT (CoNLL-U): en_ewt-ud-{train,dev,test}.conllu."""
    return _corpus_dir("ud-english-ewt")


@pytest.fixture(scope="session")
def uner_dir() -> Path:
    """UNER English EWT (IOB2): en_ewt-ud-{dev,test}.iob2."""
    return _corpus_dir("uner-english-ewt")
