"""The jsonl / json converters: raw-text and pre-tokenized records, and bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plait.errors import DataError
from plait_readers.jsonl import json_to_docs, jsonl_to_docs

TOKENS = {"tokens": ["Apple", "is", "in", "Cupertino", "."], "spaces": [True, True, True, False, False],
          "tags": ["NNP", "VBZ", "IN", "NNP", "."], "heads": [1, 1, 1, 2, 1],
          "deps": ["nsubj", "ROOT", "prep", "pobj", "punct"],
          "entities": [[0, 5, "ORG"], [12, 21, "GPE"]], "cats": {"TECH": 1.0, "FOOD": 0.0}}


def test_tokens_records() -> None:
    doc = next(iter(jsonl_to_docs(json.dumps(TOKENS) + "\n")))
    assert doc.text == "Apple is in Cupertino."
    assert [(e.text, e.label_) for e in doc.ents] == [("Apple", "ORG"), ("Cupertino", "GPE")]
    assert doc[3].head.i == 2 and doc[3].dep_ == "pobj" and doc[0].tag_ == "NNP"
    assert doc.cats == {"TECH": 1.0, "FOOD": 0.0}


def test_prodigy_style_tokens_and_spans() -> None:
    rec = {"text": "Hi Bob", "tokens": [{"text": "Hi", "ws": True}, {"text": "Bob", "ws": False}],
           "spans": [{"start": 3, "end": 6, "label": "PER"}]}
    doc = next(iter(jsonl_to_docs(json.dumps(rec))))
    assert [(e.text, e.label_) for e in doc.ents] == [("Bob", "PER")]


def test_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(TOKENS) + "\n{not json\n" + json.dumps(TOKENS) + "\n", encoding="utf8")
    with pytest.raises(DataError, match=r"line 2 of .*d\.jsonl: not valid JSON"):
        list(jsonl_to_docs(path))
    seen: list[DataError] = []
    docs = list(jsonl_to_docs(path, skip_invalid=True, on_invalid=seen.append))
    assert len(docs) == 2 and len(seen) == 1


def test_entity_crossing_token_boundary() -> None:
    rec = dict(TOKENS, entities=[[0, 3, "ORG"]])
    with pytest.raises(DataError, match=r"line 1 of <text>: entity \[0, 3, 'ORG'\].*crosses a token boundary"):
        list(jsonl_to_docs(json.dumps(rec)))


def test_record_errors() -> None:
    with pytest.raises(DataError, match="needs 'text' or 'tokens'"):
        list(jsonl_to_docs('{"words": []}'))
    with pytest.raises(DataError, match=r"'tags' must be a list of one value per token \(5\), got 2"):
        list(jsonl_to_docs(json.dumps(dict(TOKENS, tags=["A", "B"]))))
    with pytest.raises(DataError, match=r"heads\[0\] = 9 points outside"):
        list(jsonl_to_docs(json.dumps(dict(TOKENS, heads=[9, 1, 1, 2, 1]))))
    with pytest.raises(DataError, match="overlaps another entity"):
        list(jsonl_to_docs(json.dumps(dict(TOKENS, entities=[[0, 5, "A"], [0, 8, "B"]]))))


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps([TOKENS, {"oops": 1}]), encoding="utf8")
    with pytest.raises(DataError, match=r"record 1 of .*d\.json: a record needs"):
        list(json_to_docs(path))
    path.write_text("{", encoding="utf8")
    with pytest.raises(DataError, match="not valid JSON"):
        list(json_to_docs(path))
