"""Example: from_dict/to_dict, aligned annotation, on hand cases and EWT dev."""

from __future__ import annotations

import random

import numpy
import plait
import pytest
from _ewt_sentences import read_ewt
from plait.errors import DataError, DataWarning, UsageError
from plait.tokens import Doc
from plait.training import Example
from plait.training.nonproj import is_nonproj_tree, nonproj_arcs, projectivize
from plait.vocab import Vocab


@pytest.fixture(scope="module")
def vocab():
    return Vocab()


@pytest.fixture(scope="module")
def ewt_examples(ewt_dir, vocab):
    """EWT dev sentences: reference = gold words, predicted = whitespace split."""
    out = []
    for sent in read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", limit=300):
        pred = Doc(vocab, words=sent["text"].split())
        annots = {k: sent[k] for k in ("words", "spaces", "tags", "pos", "morphs", "lemmas", "heads", "deps")}
        out.append((sent, Example.from_dict(pred, annots)))
    return out


def test_from_dict_tags_and_entities(vocab):
    doc = Doc(vocab, words=["Apple", "buys", "U.K.", "startup"])
    eg = Example.from_dict(doc, {"tags": ["NNP", "VBZ", "NNP", "NN"], "entities": ["U-ORG", "O", "U-GPE", "O"]})
    assert eg.get_aligned("TAG", as_string=True) == ["NNP", "VBZ", "NNP", "NN"]
    assert [(e.text, e.label_) for e in eg.reference.ents] == [("Apple", "ORG"), ("U.K.", "GPE")]
    assert eg.x is eg.predicted and eg.y is eg.reference
    assert eg.text == "Apple buys U.K. startup "  # Doc spaces default to True
    assert len(eg) == 4


def test_from_dict_iob_and_offsets(vocab):
    doc = Doc(vocab, words=["I", "saw", "New", "York", "City"])
    eg = Example.from_dict(doc, {"entities": ["O", "O", "B-GPE", "I-GPE", "I-GPE"]})
    assert eg.get_aligned_ner() == ["O", "O", "B-GPE", "I-GPE", "L-GPE"]
    eg2 = Example.from_dict(doc, {"entities": [(6, 14, "GPE")]})
    assert eg2.get_aligned_ner() == ["O", "O", "B-GPE", "L-GPE", "O"]
    # An entity ending inside a token cannot be represented: missing.
    with pytest.warns(DataWarning, match="GPE"):
        eg3 = Example.from_dict(doc, {"entities": [(6, 12, "GPE")]})
    assert eg3.get_aligned_ner() == ["O", "O", None, None, "O"]


def test_get_aligned_ner_across_tokenizations(vocab):
    pred = Doc(vocab, words=["I", "live", "in", "NewYork-City", "now"], spaces=[True, True, True, True, False])
    text = pred.text
    # Reference splits the middle token; "NewYork" is the entity, which the
    # predicted tokenization cannot represent; "now" can.
    eg = Example.from_dict(pred, {
        "words": ["I", "live", "in", "NewYork", "-", "City", "now"],
        "entities": [(text.index("NewYork"), text.index("NewYork") + 7, "GPE"), (len(text) - 3, len(text), "DATE")],
    })
    assert eg.get_aligned_ner() == ["O", "O", "O", None, "U-DATE"]
    x_spans = eg.get_aligned_spans_y2x(eg.reference.ents)
    assert [(s.start, s.end, s.label_) for s in x_spans] == [(4, 5, "DATE")]


def test_spongebob_augmenter_roundtrip(vocab):
    from plait.lang.en import English

    nlp = English()
    doc = nlp.make_doc("Apple is looking at buying Acme startup for $1 billion")
    eg = Example.from_dict(doc, {
        "tags": [t.text.upper()[:3] for t in doc],
        "entities": [(0, 5, "ORG"), (27, 31, "ORG")],
        "cats": {"TECH": 1.0},
        "spans": {"sc": [(0, 5, "ORG", "")]},
    })
    d = eg.to_dict()
    assert d["doc_annotation"]["entities"][:6] == ["U-ORG", "O", "O", "O", "O", "U-ORG"]
    text = eg.text
    chars = [c.lower() if i % 2 else c.upper() for i, c in enumerate(text)]
    new_doc = nlp.make_doc("".join(chars))
    d["token_annotation"]["ORTH"] = [t.text for t in new_doc]
    aug = Example.from_dict(new_doc, d)
    assert aug.reference.text == "".join(chars)
    assert [(e.text, e.label_) for e in aug.reference.ents] == [("ApPlE", "ORG"), ("aCmE", "ORG")]
    assert aug.get_aligned("TAG", as_string=True) == eg.get_aligned("TAG", as_string=True)
    assert aug.reference.cats == {"TECH": 1.0}
    assert [(s.text, s.label_) for s in aug.reference.spans["sc"]] == [("ApPlE", "ORG")]
    assert aug.to_dict()["token_annotation"]["TAG"] == d["token_annotation"]["TAG"]


def test_to_dict_from_dict_roundtrip_ewt(ewt_examples):
    for sent, eg in ewt_examples[:50]:
        d = eg.to_dict()
        tok = d["token_annotation"]
        assert tok["ORTH"] == sent["words"]
        assert tok["TAG"] == sent["tags"] and tok["POS"] == sent["pos"]
        assert tok["HEAD"] == sent["heads"] and tok["DEP"] == sent["deps"]
        again = Example.from_dict(eg.predicted, d)
        assert again.to_dict() == d


def test_alignment_cached_and_shared_by_copy(ewt_examples):
    _, eg = next((s, e) for s, e in ewt_examples if not e.alignment.x2y.is_one_to_one())
    assert eg.alignment is eg.alignment
    assert eg.copy().alignment is eg.alignment


def test_get_aligned_on_ewt(ewt_examples):
    n_multi = 0
    for sent, eg in ewt_examples:
        tags = eg.get_aligned("TAG", as_string=True)
        x2y = eg.alignment.x2y
        for i, tag in enumerate(tags):
            golds = {sent["tags"][j] for j in x2y[i].tolist()}
            if len(golds) == 1:
                assert tag == golds.pop()
            else:
                assert tag is None
                n_multi += 1
    assert n_multi > 50


def test_get_aligned_parse_on_ewt(ewt_examples):
    checked = 0
    for sent, eg in ewt_examples:
        heads, deps = eg.get_aligned_parse(projectivize=False)
        assert len(heads) == len(eg.predicted)
        y2x = eg.alignment.y2x
        x2y = eg.alignment.x2y
        for i, (head, dep) in enumerate(zip(heads, deps, strict=False)):
            ys = x2y[i].tolist()
            if len(ys) == 1 and y2x.lengths[ys[0]] == 1:
                gold_head = sent["heads"][ys[0]]
                assert dep == sent["deps"][ys[0]]
                if y2x.lengths[gold_head] == 1:
                    assert head == y2x[gold_head][0]
                    checked += 1
            if head is not None:
                assert 0 <= head < len(eg.predicted)
    assert checked > 2000


def test_get_aligned_parse_projectivizes_on_ewt(ewt_examples):
    n_lifted = 0
    for _, eg in ewt_examples:
        heads, deps = eg.get_aligned_parse(projectivize=False)
        proj_heads, proj_deps = eg.get_aligned_parse()
        # Arcs left non-projective hang from a token whose own head is
        # missing (the alignment lost it): they cannot be lifted.
        for i in numpy.flatnonzero(nonproj_arcs(proj_heads)).tolist():
            assert proj_heads[proj_heads[i]] is None
        assert (proj_heads, proj_deps) == projectivize(heads, deps)
        lifted = [i for i, (a, b) in enumerate(zip(heads, proj_heads, strict=True)) if a != b]
        if lifted:
            assert is_nonproj_tree(heads)
            assert all(proj_deps[i] == f"{deps[i]}||{deps[heads[i]]}" for i in lifted)
            n_lifted += 1
        else:
            assert (proj_heads, proj_deps) == (heads, deps)
    assert n_lifted >= 3


def test_get_aligned_parse_lifts_nonprojective_arc(vocab):
    # "A hearing is scheduled on the issue today": "on the issue" belongs to
    # "hearing" but sits after "scheduled"; lifted to "scheduled" and
    # decorated with the label of its original head.
    words = ["A", "hearing", "is", "scheduled", "on", "the", "issue", "today"]
    heads = [1, 3, 3, 3, 6, 6, 1, 3]
    deps = ["det", "nsubj", "aux", "ROOT", "case", "det", "nmod", "obl"]
    eg = Example.from_dict(Doc(vocab, words=words), {"heads": heads, "deps": deps})
    assert eg.get_aligned_parse(projectivize=False) == (heads, deps)
    proj_heads, proj_deps = eg.get_aligned_parse(projectivize=True)
    assert proj_heads == [1, 3, 3, 3, 6, 6, 3, 3]
    assert proj_deps == ["det", "nsubj", "aux", "ROOT", "case", "det", "nmod||nsubj", "obl"]


def test_get_aligned_parse_identity(vocab):
    doc = Doc(vocab, words=["She", "runs", "fast"])
    eg = Example.from_dict(doc, {"heads": [1, 1, 1], "deps": ["nsubj", "ROOT", "advmod"]})
    assert eg.get_aligned_parse() == ([1, 1, 1], ["nsubj", "ROOT", "advmod"])


def test_get_aligned_parse_many_to_one(vocab):
    # "New York" as one predicted token: the subtree root's arc is used.
    pred = Doc(vocab, words=["I", "love", "New York"], spaces=[True, True, False])
    eg = Example.from_dict(pred, {
        "words": ["I", "love", "New", "York"],
        "heads": [1, 1, 3, 1], "deps": ["nsubj", "ROOT", "compound", "obj"],
    })
    assert eg.get_aligned_parse() == ([1, 1, 1], ["nsubj", "ROOT", "obj"])


def test_sent_starts_and_split_sents(vocab):
    pred = Doc(vocab, words=["Hi", "there.", "Bye", "now."])
    eg = Example.from_dict(pred, {
        "words": ["Hi", "there", ".", "Bye", "now", "."],
        "sent_starts": [True, False, False, True, False, False],
    })
    assert eg.get_aligned_sent_starts() == [True, False, True, False]
    parts = eg.split_sents()
    assert [p.text for p in parts] == ["Hi there. ", "Bye now. "]
    assert [p.reference.words for p in parts] == [["Hi", "there", "."], ["Bye", "now", "."]]
    no_sents = Example.from_dict(pred, {})
    assert no_sents.get_aligned_sent_starts() == [None] * 4
    assert no_sents.split_sents() == [no_sents]


def test_get_matching_ents(vocab):
    pred = Doc(vocab, words=["Mr", "Smith", "met", "Anna"], ents=["B-PER", "L-PER", "O", "U-ORG"])
    eg = Example.from_dict(pred, {"entities": ["B-PER", "L-PER", "O", "U-PER"]})
    assert [e.text for e in eg.get_matching_ents()] == ["Mr Smith"]
    assert [e.text for e in eg.get_matching_ents(check_label=False)] == ["Mr Smith", "Anna"]


def test_words_without_spaces_are_inferred(vocab):
    pred = Doc(vocab, words=["Hello", "world!"], spaces=[True, False])
    eg = Example.from_dict(pred, {"words": ["Hello", "world", "!"]})
    assert eg.reference.text == "Hello world!"
    assert eg.reference.words == ["Hello", "world", "!"]


# Errors -----------------------------------------------------------------------


def test_error_not_a_doc(vocab):
    with pytest.raises(UsageError, match="predicted Doc must be a plait Doc, got str"):
        Example("text", Doc(vocab, words=["text"]))
    with pytest.raises(UsageError, match="annotations must be a dict, got list"):
        Example.from_dict(Doc(vocab, words=["a"]), ["NN"])


def test_error_unknown_key(vocab):
    with pytest.raises(DataError, match=r"unknown annotation key 'tag'\. Did you mean 'tags'"):
        Example.from_dict(Doc(vocab, words=["a"]), {"tag": ["NN"]})
    with pytest.raises(DataError, match="unknown token_annotation key 'ORTHO'"):
        Example.from_dict(Doc(vocab, words=["a"]), {"token_annotation": {"ORTHO": ["a"]}})


def test_error_wrong_length(vocab):
    with pytest.raises(DataError, match=r"Example.from_dict \('a b '\).*1 tags for 2 words"):
        Example.from_dict(Doc(vocab, words=["a", "b"]), {"tags": ["NN"]})
    with pytest.raises(DataError, match="1 entity tags for 2 tokens"):
        Example.from_dict(Doc(vocab, words=["a", "b"]), {"entities": ["O"]})


def test_error_invalid_entities(vocab):
    with pytest.raises(DataError, match="invalid BILUO tag sequence at token 1: 'L-X' does not follow"):
        Example.from_dict(Doc(vocab, words=["a", "b"]), {"entities": ["U-X", "L-X"]})
    with pytest.raises(DataError, match=r"entity \(0, 'x'\) is not a \(start_char, end_char, label\)"):
        Example.from_dict(Doc(vocab, words=["a", "b"]), {"entities": [(0, "x")]})
    with pytest.raises(DataError, match="'entities' must be a list"):
        Example.from_dict(Doc(vocab, words=["a", "b"]), {"entities": "B-X"})


def test_error_words_not_in_text(vocab):
    with pytest.raises(DataError, match=r"words\[1\] = 'c' is not found in the predicted text"):
        Example.from_dict(Doc(vocab, words=["a", "b"]), {"words": ["a", "c"]})


def test_error_misaligned_span(vocab):
    with pytest.raises(DataError, match=r"span \(0, 3, 'X'\) in spans\['sc'\] does not fall on token"):
        Example.from_dict(Doc(vocab, words=["abcd"]), {"spans": {"sc": [(0, 3, "X")]}})


def test_error_text_mismatch_names_doc(vocab):
    eg = Example(Doc(vocab, words=["Hello", "world"]), Doc(vocab, words=["Hello", "word"]), doc_index=3)
    with pytest.raises(DataError, match=r"document 3 \('Hello word"):
        eg.alignment  # noqa: B018


def test_heads_without_deps(vocab):
    with pytest.raises(DataError, match="'heads' given without 'deps'"):
        Example.from_dict(Doc(vocab, words=["a"]), {"heads": [0]})


def test_random_resplits_keep_annotation(ewt_examples, vocab):
    # Predicted tokens = gold words randomly merged with their neighbour:
    # every predicted token covering one gold word keeps its tag.
    rng = random.Random(0)
    for sent, _ in ewt_examples[:100]:
        words, spaces = sent["words"], sent["spaces"]
        merged, merged_spaces = [], []
        for w, sp in zip(words, spaces, strict=False):
            if merged and not merged_spaces[-1] and rng.random() < 0.5:
                merged[-1] += w
                merged_spaces[-1] = sp
            else:
                merged.append(w)
                merged_spaces.append(sp)
        pred = Doc(vocab, words=merged, spaces=merged_spaces)
        eg = Example.from_dict(pred, {"words": words, "spaces": spaces, "tags": sent["tags"]})
        for i, tag in enumerate(eg.get_aligned("TAG", as_string=True)):
            ys = eg.alignment.x2y[i].tolist()
            if len(ys) == 1:
                assert tag == sent["tags"][ys[0]]


@pytest.mark.parametrize(
    "tags,fragment",
    [
        (["O", "I-PER", "O"], "token 1 ('b'): 'I-PER' follows 'O'"),
        (["B-PER", "I-LOC", "O"], "token 1 ('b'): 'I-LOC' follows 'B-PER'"),
        (["O", "B-", "O"], "token 1 ('b'): 'B-' has no entity label"),
        (["O", "O", "X"], "token 2 ('c'): 'X' is not an IOB tag"),
    ],
)
def test_from_dict_refuses_invalid_iob_naming_doc_and_token(tags, fragment):
    nlp = plait.blank("en")
    with pytest.raises(DataError) as info:
        Example.from_dict(nlp.make_doc("a b c"), {"entities": tags})
    msg = str(info.value)
    assert msg.startswith("Example.from_dict ('a b c'): invalid entity tag at ")
    assert fragment in msg


def test_from_dict_iob1_through_iob_to_biluo():
    from plait.training import iob_to_biluo

    nlp = plait.blank("en")
    eg = Example.from_dict(nlp.make_doc("a b c"), {"entities": iob_to_biluo(["O", "I-PER", "I-PER"])})
    assert [(e.text, e.label_) for e in eg.reference.ents] == [("b c", "PER")]
