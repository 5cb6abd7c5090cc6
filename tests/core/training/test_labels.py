"""plait.read_labels.v1: a missing label file is said aloud (the spec's own
example path lacks its closing quote, and the fallback used to be silent)."""

from __future__ import annotations

import warnings

import plait
import pytest
from plait.errors import DataWarning, UsageError


def _read_labels():
    return plait.registry.readers.get("plait.read_labels.v1")


def test_existing_file_is_read_without_warning(tmp_path):
    path = tmp_path / "ner.json"
    path.write_text('["LOC", "ORG", "PER"]', encoding="utf8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _read_labels()(path) == ["LOC", "ORG", "PER"]


def test_missing_file_warns_and_returns_none(tmp_path):
    # What the spec's `path = "corpus/labels/ner.json` reads as: a leading quote.
    path = tmp_path / '"corpus' / "labels" / "ner.json"
    with pytest.warns(DataWarning, match=r"ner.json: label file not found.*plait init labels"):
        assert _read_labels()(path) is None


def test_missing_required_file_raises(tmp_path):
    with pytest.raises(UsageError, match="label file not found"):
        _read_labels()(tmp_path / "ner.json", require=True)
