"""Token and Span views: attributes, setters, tree navigation, span groups."""

from __future__ import annotations

import pytest
from plait.errors import DataError, UsageError
from plait.morphology import MorphAnalysis
from plait.tokens import Doc, Span, SpanGroup
from plait.vocab import Vocab


def tree(vocab: Vocab) -> Doc:
    # "The quick fox jumped over dogs ." heads: fox<-The, fox<-quick, jumped<-fox, ...
    return Doc(vocab, ["The", "quick", "fox", "jumped", "over", "dogs", "."],
               heads=[2, 2, 3, 3, 3, 4, 3], deps=["det", "amod", "nsubj", "ROOT", "prep", "pobj", "punct"])  # fmt: skip


def test_lexical_attributes(vocab: Vocab) -> None:
    doc = Doc(vocab, ["Apples", "cost", "$", "3.50", "!"], [True, True, False, False, False])
    t = doc[0]
    assert (t.text, t.text_with_ws, t.whitespace_, t.idx, t.i, len(t)) == (
        "Apples",
        "Apples ",
        " ",
        0,
        0,
        6,
    )
    assert (t.lower_, t.norm_, t.shape_, t.prefix_, t.suffix_) == (
        "apples",
        "apples",
        "Xxxxx",
        "A",
        "les",
    )
    assert t.is_alpha and t.is_title and not t.is_punct and not t.is_stop
    assert doc[2].is_currency and doc[3].like_num and doc[4].is_punct
    assert t.orth == vocab.strings["Apples"] and t.orth_ == "Apples"
    assert t.nbor().text == "cost" and doc[1].nbor(-1).text == "Apples"
    with pytest.raises(IndexError):
        doc[4].nbor()
    assert t.vocab is vocab and t.doc is doc


def test_setters_write_into_doc_columns(vocab: Vocab) -> None:
    doc = Doc(vocab, ["dogs", "bark"])
    doc[0].tag_ = "NNS"
    doc[0].pos_ = "NOUN"
    doc[0].lemma_ = "dog"
    doc[0].dep_ = "nsubj"
    doc[0].morph = "Number=Plur"
    doc[1].norm_ = "BARK"
    assert doc.to_array("TAG")[0] == vocab.strings["NNS"]
    assert doc.to_json()["tokens"][0]["lemma"] == "dog"
    assert doc[0].pos_ == "NOUN" and str(doc[0].morph) == "Number=Plur"
    assert doc[1].norm_ == "BARK" and doc.to_array("NORM")[1] == vocab.strings["BARK"]
    assert vocab["bark"].norm_ == "bark"  # the lexeme keeps its own norm
    with pytest.raises(UsageError, match="unknown POS tag 'NOPE'"):
        doc[0].pos_ = "NOPE"


def test_morph_analysis(vocab: Vocab) -> None:
    doc = Doc(vocab, ["they", "x"], morphs=["Person=3|Number=Plur|PronType=Prs,Dem", None])
    morph = doc[0].morph
    assert isinstance(morph, MorphAnalysis)
    assert str(morph) == "Number=Plur|Person=3|PronType=Dem,Prs"
    assert morph.get("PronType") == ["Dem", "Prs"] and morph.get("Case") == []
    assert morph.to_dict() == {"Number": "Plur", "Person": "3", "PronType": "Dem,Prs"}
    assert "Number=Plur" in morph and morph == "PronType=Prs,Dem|Number=Plur|Person=3"
    assert str(doc[1].morph) == "" and not doc[1].has_morph()
    with pytest.raises(DataError, match="invalid morphological feature 'Bad'"):
        doc[1].morph = "Bad"


def test_tree_navigation(vocab: Vocab) -> None:
    doc = tree(vocab)
    jumped, fox = doc[3], doc[2]
    assert [t.text for t in jumped.children] == ["fox", "over", "."]
    assert [t.text for t in jumped.lefts] == ["fox"] and [t.text for t in jumped.rights] == [
        "over",
        ".",
    ]
    assert (jumped.n_lefts, jumped.n_rights) == (1, 2)
    assert [t.text for t in fox.subtree] == ["The", "quick", "fox"]
    assert [t.text for t in doc[5].ancestors] == ["over", "jumped"]
    assert fox.left_edge.text == "The" and doc[4].right_edge.text == "dogs"
    assert jumped.is_ancestor(doc[5]) and not fox.is_ancestor(doc[5])
    assert doc[1:3].root.text == "fox" and doc[:].root.text == "jumped"


def test_head_setter(vocab: Vocab) -> None:
    doc = tree(vocab)
    doc[6].head = doc[5]
    assert doc[6].head.i == 5 and [t.i for t in doc[4].subtree] == [4, 5, 6]
    with pytest.raises(DataError, match="inside its own subtree"):
        doc[3].head = doc[5]
    with pytest.raises(UsageError, match="same doc"):
        doc[0].head = Doc(vocab, ["x"])[0]


def test_is_sent_start_cannot_contradict_a_parse(vocab: Vocab) -> None:
    with pytest.raises(UsageError, match="parsed doc"):
        tree(vocab)[2].is_sent_start = True


def test_span_properties(vocab: Vocab) -> None:
    doc = tree(vocab)
    span = Span(doc, 1, 3, label="NP", kb_id="Q1")
    assert (span.text, span.label_, span.kb_id_, len(span)) == ("quick fox", "NP", "Q1", 2)
    assert (span.start_char, span.end_char) == (4, 13)
    assert (
        [t.text for t in span] == ["quick", "fox"]
        and span[-1].text == "fox"
        and span[0:1].text == "quick"
    )
    assert span.sent.text == doc.text.strip()
    sub = span.as_doc()
    assert sub.text == "quick fox " and sub[0].head.i == 1 and sub[1].head.i == 1
    assert span.char_span(6, 9).text == "fox"
    with pytest.raises(UsageError, match="0 <= start <= end <= 7"):
        Span(doc, 3, 9)


def test_span_groups(vocab: Vocab) -> None:
    doc = tree(vocab)
    doc.spans["sc"] = [doc[0:3], doc[2:4]]
    group = doc.spans["sc"]
    assert isinstance(group, SpanGroup) and group.name == "sc" and len(group) == 2
    assert group.has_overlap
    group.append(doc[5:6])
    assert [s.text for s in group] == ["The quick fox", "fox jumped", "dogs"]
    with pytest.raises(UsageError, match="another Doc"):
        group.append(tree(Vocab())[0:1])


def test_span_ent_id_is_an_alias_of_id():
    import plait
    from plait.tokens import Span

    nlp = plait.blank("en")
    doc = nlp.make_doc("I like New York a lot")
    span = Span(doc, 2, 4, label="GPE", span_id="nyc")
    assert span.ent_id_ == span.id_ == "nyc"
    assert span.ent_id == span.id == doc.vocab.strings["nyc"]
    span.ent_id_ = "new-york"
    assert span.id_ == "new-york"
    doc.ents = [span]
    (ent,) = doc.ents
    assert (ent.label_, ent.ent_id_) == ("GPE", "new-york")
    assert [t.ent_id_ for t in doc] == ["", "", "new-york", "new-york", "", ""]
    doc.ents = []  # cleared entities clear their ids
    assert not any(t.ent_id for t in doc)
