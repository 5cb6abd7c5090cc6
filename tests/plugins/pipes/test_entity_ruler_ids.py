"""Entity-ruler pattern ids reach doc.ents (Span.ent_id_ / id_, Token.ent_id_)
and survive saving the pipeline and DocBin files."""

from __future__ import annotations

from pathlib import Path

import plait
from plait.tokens import DocBin

PATTERNS = [
    {"label": "GPE", "pattern": "New York", "id": "nyc"},
    {"label": "ORG", "pattern": [{"LOWER": "apple"}], "id": "apple-inc"},
    {"label": "PER", "pattern": "Bob"},
]
TEXT = "Apple moved to New York with Bob"
EXPECTED = [("Apple", "ORG", "apple-inc"), ("New York", "GPE", "nyc"), ("Bob", "PER", "")]


def _ents(doc) -> list[tuple[str, str, str]]:
    return [(e.text, e.label_, e.ent_id_) for e in doc.ents]


def test_pattern_ids_on_entities_and_tokens() -> None:
    nlp = plait.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(PATTERNS)
    doc = nlp(TEXT)
    assert _ents(doc) == EXPECTED
    assert [e.id_ for e in doc.ents] == ["apple-inc", "nyc", ""]
    assert [t.ent_id_ for t in doc] == ["apple-inc", "", "", "nyc", "nyc", "", ""]
    assert nlp.get_pipe("entity_ruler").ent_ids == ("apple-inc", "nyc")


def test_ids_survive_saving_and_docbin(tmp_path: Path) -> None:
    nlp = plait.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(PATTERNS)
    nlp.to_disk(tmp_path / "pipe")
    loaded = plait.load(tmp_path / "pipe")
    assert loaded.get_pipe("entity_ruler").patterns == PATTERNS
    doc = loaded(TEXT)
    assert _ents(doc) == EXPECTED
    ruler_bytes = loaded.get_pipe("entity_ruler").to_bytes()
    again = plait.blank("en").add_pipe("entity_ruler").from_bytes(ruler_bytes)
    assert again.patterns == PATTERNS
    back = list(DocBin().from_bytes(DocBin(docs=[doc]).to_bytes()).get_docs(plait.blank("en").vocab))
    assert _ents(back[0]) == EXPECTED


def test_existing_entities_keep_their_ids() -> None:
    nlp = plait.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(PATTERNS)
    doc = nlp.make_doc(TEXT)
    from plait.tokens import Span

    doc.ents = [Span(doc, 6, 7, label="PERSON", span_id="bob-1")]
    doc = nlp.get_pipe("entity_ruler")(doc)
    assert _ents(doc)[-1] == ("Bob", "PERSON", "bob-1")


def test_a_loaded_ruler_with_a_backtracking_regex_is_refused(tmp_path):
    """A hostile patterns.jsonl (a regex that backtracks exponentially on
    'aaaa…!') is refused when the pipeline loads, before it matches anything."""
    import pytest
    import srsly
    from plait.errors import PlaitError

    nlp = plait.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": [{"TEXT": {"REGEX": "^[A-Z][a-z]+$"}}]}])
    nlp.to_disk(tmp_path / "model")
    path = tmp_path / "model" / "entity_ruler" / "patterns.jsonl"
    srsly.write_jsonl(path, [{"label": "ORG", "pattern": [{"TEXT": {"REGEX": "^(a+)+$"}}]}])
    # whoever plants the pattern can drop (or rewrite) the checksum file too
    (tmp_path / "model" / "checksums.sha256").unlink()
    with pytest.raises(PlaitError, match="REGEX"):
        plait.load(tmp_path / "model")
