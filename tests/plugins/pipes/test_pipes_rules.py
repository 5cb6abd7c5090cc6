"""sentencizer and entity_ruler: rule-based components on real EWT text."""

from __future__ import annotations

import numpy as np
import plait
import pytest
from plait.errors import DataError, UsageError
from plait_pipes.sentencizer import sentence_starts


def test_sentence_starts_vectorised_rule():
    # "Hi ! " she said . Ok
    is_punct = np.array([0, 1, 1, 0, 0, 1, 0], dtype=bool)
    stop = np.array([0, 1, 0, 0, 0, 1, 0], dtype=bool)
    out = sentence_starts(np.zeros(7), is_punct, stop)
    assert out.tolist() == [1, -1, -1, 1, -1, -1, 1]


def test_sentencizer_on_ewt_text(make_paragraph_examples, tmp_path):
    nlp = plait.blank("en")
    nlp.add_pipe("sentencizer")
    examples = make_paragraph_examples(nlp, "dev", 400)
    scores = nlp.evaluate(examples)
    # Measured sents_f 0.724 on EWT dev (web text often lacks final punctuation).
    assert scores["sents_f"] >= 0.69
    doc = nlp('He said "Hi!" Then he left. Fine?')
    assert [s.text for s in doc.sents][0].endswith("!\"") or len(list(doc.sents)) >= 2
    nlp.to_disk(tmp_path / "s")
    assert plait.load(tmp_path / "s").get_pipe("sentencizer").punct_chars == nlp.get_pipe("sentencizer").punct_chars


def test_sentencizer_custom_punct_chars():
    nlp = plait.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": [";"]})
    doc = nlp("one ; two . three")
    assert [s.text for s in doc.sents] == ["one ;", "two . three"]


def test_sentencizer_rejects_string_punct_chars():
    from plait_pipes.sentencizer import Sentencizer

    with pytest.raises(UsageError, match="list of strings"):
        Sentencizer(punct_chars=".!?")


def test_entity_ruler_on_ewt_sentences(load_ewt, tmp_path):
    nlp = plait.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PER", "pattern": [{"LOWER": "bush"}]},
        {"label": "LOC", "pattern": "Washington", "id": "dc"},
        {"label": "ORG", "pattern": [{"LOWER": "al"}, {"ORTH": "-"}, {"LOWER": "qaeda"}]},
    ])
    texts = [d.text for d in load_ewt(nlp.vocab, "dev", 60, annotate=False)]
    docs = list(nlp.pipe(texts))
    found = {(e.text, e.label_) for d in docs for e in d.ents}
    assert ("Bush", "PER") in found and ("Washington", "LOC") in found
    assert ruler.labels == ("LOC", "ORG", "PER")
    nlp.to_disk(tmp_path / "er")
    loaded = plait.load(tmp_path / "er")
    assert loaded.get_pipe("entity_ruler").patterns == ruler.patterns
    again = list(loaded.pipe(texts))
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in again] == \
        [[(e.start, e.end, e.label_) for e in d.ents] for d in docs]


def test_entity_ruler_longest_match_and_overwrite():
    nlp = plait.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "GPE", "pattern": "New York"}, {"label": "GPE", "pattern": "New York City"}])
    doc = nlp("I love New York City .")
    assert [(e.text, e.label_) for e in doc.ents] == [("New York City", "GPE")]
    nlp2 = plait.blank("en")
    r2 = nlp2.add_pipe("entity_ruler", config={"overwrite_ents": False})
    r2.add_patterns([{"label": "B", "pattern": "York"}])
    doc = nlp2.make_doc("New York")
    doc.ents = [plait.tokens.Span(doc, 0, 2, label="A")]
    assert [e.label_ for e in r2(doc).ents] == ["A"]


def test_entity_ruler_initialize_from_patterns():
    nlp = plait.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.initialize(lambda: [], nlp=nlp, patterns=[{"label": "X", "pattern": "foo"}])
    assert [e.label_ for e in nlp("a foo b").ents] == ["X"]


def test_entity_ruler_bad_pattern_is_explained():
    nlp = plait.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    with pytest.raises(DataError, match="pattern 0 is .*'label' and 'pattern'"):
        ruler.add_patterns([{"pattern": "x"}])
