"""The streaming JSONL readers and raw-text JSONL records."""

from __future__ import annotations

import json
from pathlib import Path

import plait
import pytest
from plait import registry
from plait.errors import DataError
from plait_readers.jsonl import jsonl_to_docs


@pytest.fixture(scope="module")
def nlp():
    return plait.blank("en")


def test_text_records_tokenized(nlp) -> None:
    rec = {"text": "Apple is in Cupertino.", "entities": [[12, 21, "GPE"]], "cats": {"TECH": 1.0}}
    doc = next(iter(jsonl_to_docs(json.dumps(rec), nlp=nlp)))
    assert doc.text == rec["text"]
    assert [(e.text, e.label_) for e in doc.ents] == [("Cupertino", "GPE")]
    with pytest.raises(DataError, match=r"entity \[12, 20, 'GPE'\] \('Cupertin'\) crosses a token boundary"):
        list(jsonl_to_docs(json.dumps(dict(rec, entities=[[12, 20, "GPE"]])), nlp=nlp))


def test_jsonl_corpus_filters(nlp, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    texts = ["one", "one two three", "a b c d e f g", "x y"]
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf8")
    make = registry.readers.get("plait.JsonlCorpus.v1")
    assert [eg.text for eg in make(path, min_length=2, max_length=5, limit=0)(nlp)] == ["one two three", "x y"]
    assert len(list(make(path, limit=1)(nlp))) == 1
    with pytest.raises(DataError, match="does not exist"):
        make(tmp_path / "missing.jsonl")


def test_jsonl_examples(nlp, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"text": "Bob ran", "entities": [[0, 3, "PER"]]}) + "\n{bad\n", encoding="utf8")
    read = registry.readers.get("plait.JsonlExamples.v1")(path)
    it = read(nlp)
    eg = next(it)
    assert [(e.text, e.label_) for e in eg.reference.ents] == [("Bob", "PER")]
    with pytest.raises(DataError, match=r"line 2 of .*t\.jsonl: not valid JSON"):
        next(it)
