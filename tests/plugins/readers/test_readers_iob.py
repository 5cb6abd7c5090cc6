"""The iob / ner converters on the real UNER file and on small and broken inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from plait.errors import DataError
from plait_readers.iob import detect_scheme, iob_to_docs, ner_to_docs


def test_uner_dev_round_trip(uner_dir: Path) -> None:
    path = uner_dir / "en_ewt-ud-dev.iob2"
    n_words = n_ents = n_sents = 0
    labels: dict[str, int] = {}
    texts = []
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith("# text = "):
            texts.append(line[9:])
        elif line and not line.startswith("#"):
            cols = line.split("\t")
            n_words += 1
            if cols[2].startswith("B-"):
                n_ents += 1
                labels[cols[2][2:]] = labels.get(cols[2][2:], 0) + 1
        elif line.startswith("# sent_id"):
            n_sents += 1
    docs = list(iob_to_docs(path, n_sents=1))
    assert len(docs) == n_sents == 2001
    assert sum(len(d) for d in docs) == n_words
    ents = [e for d in docs for e in d.ents]
    assert len(ents) == n_ents
    got: dict[str, int] = {}
    for e in ents:
        got[e.label_] = got.get(e.label_, 0) + 1
    assert got == labels
    # spaces recovered from "# text" wherever the words spell it out
    matched = sum(d.text == t for d, t in zip(docs, texts))
    assert matched > 0.95 * len(docs)


CONLL = """-DOCSTART- -X- O O

EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC
call NN I-NP O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- O O

BRUSSELS NNP B-NP I-LOC
"""


def test_conll_iob1_docstart_and_pos_column() -> None:
    assert detect_scheme(CONLL) == "iob1"
    docs = list(ner_to_docs(CONLL, n_sents=0))
    assert len(docs) == 2  # grouped up to each -DOCSTART-
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER")
    ]
    assert [len(list(s)) for s in docs[0].sents] == [4, 2]
    assert docs[0][0].tag_ == "NNP"


def test_iob2_i_after_o_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.iob"
    path.write_text("John B-PER\nlives O\nin O\nParis I-LOC\n", encoding="utf8")
    with pytest.raises(DataError, match=r"line 4 of .*bad\.iob: 'I-LOC' follows 'O'.*IOB2"):
        list(iob_to_docs(path))


def test_iob2_extension_forces_iob2(tmp_path: Path) -> None:
    path = tmp_path / "x.iob2"
    path.write_text("1\tParis\tI-LOC\t-\t-\n", encoding="utf8")
    with pytest.raises(DataError, match=r"line 1 of .*x\.iob2"):
        list(iob_to_docs(path))
    assert list(iob_to_docs(path, scheme="iob1"))[0].ents[0].label_ == "LOC"


def test_bad_tag_and_skip_invalid(tmp_path: Path) -> None:
    path = tmp_path / "t.iob"
    path.write_text("a O\nb B-X\n\nc WHAT\n\nd O\n", encoding="utf8")
    with pytest.raises(DataError, match=r"line 4 of .*t\.iob: 'WHAT' is not an IOB tag"):
        list(iob_to_docs(path))
    seen: list[DataError] = []
    docs = list(iob_to_docs(path, skip_invalid=True, on_invalid=seen.append))
    assert [d.text for d in docs] == ["a b", "d"]
    assert len(seen) == 1


def test_sentence_per_line_formats() -> None:
    docs = list(iob_to_docs("I|PRP|O like|VBP|O London|NNP|B-GPE .|.|O\nBob|B-PER ran|O\n"))
    assert [d.text for d in docs] == ["I like London .", "Bob ran"]
    assert [(e.text, e.label_) for e in docs[0].ents] == [("London", "GPE")]
    assert docs[0][2].tag_ == "NNP"
    docs = list(iob_to_docs("hi###O Bob###B-PER Smith###I-PER\n"))
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Bob Smith", "PER")]
    with pytest.raises(DataError, match=r"line 2 of <text>: token 'oops' is not 'word\|TAG'"):
        list(iob_to_docs("a|O\noops b|O\n"))


def test_seg_sents_splits_at_final_punctuation() -> None:
    docs = list(iob_to_docs("I O\nsaw O\nBob B-PER\n. O\nHe O\nleft O\n. O\n", seg_sents=True, n_sents=0))
    assert len(docs) == 1
    assert [s.text for s in docs[0].sents] == ["I saw Bob .", "He left ."]


def test_bad_scheme_name() -> None:
    with pytest.raises(DataError, match="unknown IOB scheme 'bio'"):
        list(iob_to_docs("a O\n", scheme="bio"))


def test_hashtag_tokens_are_not_comments() -> None:
    """Social-media columns (WNUT-17): '#word<TAB>TAG' is a token; '# key = value'
    lines and '# newdoc' stay comments, also when they come before the first token."""
    data = "# newdoc\n# text = O\n#NFL\tB-group\nfans\tO\n#fail\tO\n\t\n#\tO\nok\tO\n"
    docs = list(iob_to_docs(data))
    assert [[t.text for t in d] for d in docs] == [["#NFL", "fans", "#fail"], ["#", "ok"]]
    assert [(e.text, e.label_) for e in docs[0].ents] == [("#NFL", "group")]
    # UNER layout: '#' lines are always comments, and the sent_id is kept
    uner = "# sent_id = s-1\n# text = Hi Bob\n1\tHi\tO\t-\t-\n2\tBob\tB-PER\t-\t-\n"
    (doc,) = list(iob_to_docs(uner))
    assert doc.text == "Hi Bob" and doc.ents[0].label_ == "PER"


def test_tab_columns_keep_words_with_other_whitespace() -> None:
    # a no-break space inside a word does not split it into columns
    (doc,) = list(iob_to_docs("New\u00a0York\tB-LOC\nrocks\tO\n"))
    assert [t.text for t in doc] == ["New\u00a0York", "rocks"]
    assert doc.ents[0].label_ == "LOC"
