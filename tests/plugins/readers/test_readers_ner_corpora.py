"""The NER corpora (WNUT-17, UNER English EWT) through `plait convert`, checked
against counts taken straight from the raw lines, and the joint EWT corpus
(UD EWT CoNLL-U + UNER entities merged by `sent_id`)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from plait.cli.convert import convert
from plait.errors import DataError
from plait.tokens import DocBin
from plait.vocab import Vocab
from plait_readers.conllu import conllu_to_docs
from plait_readers.merge import align_entity_tags, conllu_with_entities, read_entities_by_sent_id

SHARED_DATA = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data").resolve()
WNUT_FILES = ("wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated")
WORD_LINE = re.compile(r"^\d+\t")


@pytest.fixture(scope="module")
def wnut_dir() -> Path:
    """WNUT-17 (word<TAB>tag): wnut17train.conll, emerging.dev.conll, emerging.test.annotated."""
    path = SHARED_DATA / "wnut17"
    if not path.exists():
        pytest.skip(f"shared corpus {path} is absent (it lives beside the checkout in ../shared/data)")
    return path


def _entities(tags: list[str]) -> Counter[str]:
    return Counter(t[2:] for t in tags if t.startswith("B-"))


def _raw_wnut(path: Path) -> dict[str, Any]:
    """Sentences, tokens and entities per type, from the raw lines: a line that
    is empty or only whitespace (the train file's lone TAB) ends a sentence."""
    sents: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    tab_only = 0
    for line in path.read_text(encoding="utf8").split("\n"):
        if not line.strip(" \t"):
            tab_only += line == "\t"
            if cur:
                sents.append(cur)
                cur = []
            continue
        word, tag = line.split("\t")
        cur.append((word, tag))
    if cur:
        sents.append(cur)
    return {
        "sents": len(sents), "tokens": sum(len(s) for s in sents), "tab_only": tab_only,
        "words": [[w for w, _ in s] for s in sents],
        "ents": _entities([t for s in sents for _, t in s]),
    }


def _convert(path: Path, out: Path, converter: str = "auto") -> list[Any]:
    result = convert(path, out, converter=converter, progress=False)
    assert result.n_skipped == 0
    (output,) = result.outputs
    return list(DocBin().from_disk(output).get_docs(Vocab()))


@pytest.mark.parametrize("name", WNUT_FILES)
def test_wnut17_convert_matches_raw_counts(wnut_dir: Path, tmp_path: Path, name: str) -> None:
    path = wnut_dir / name
    raw = _raw_wnut(path)
    docs = _convert(path, tmp_path, converter="ner")
    assert len(docs) == raw["sents"]
    assert sum(len(d) for d in docs) == raw["tokens"]
    assert [[t.text for t in d] for d in docs] == raw["words"]
    assert Counter(e.label_ for d in docs for e in d.ents) == raw["ents"]
    assert all(d.has_annotation("ENT_IOB") for d in docs)


def test_wnut17_known_counts_and_quirks(wnut_dir: Path, tmp_path: Path) -> None:
    """The README's sentence counts; TAB-only separators, hashtags and split
    HTML entities survive conversion."""
    train = _raw_wnut(wnut_dir / "wnut17train.conll")
    assert train["tab_only"] > 2000  # most separators are a lone TAB, not an empty line
    assert (train["sents"], train["tokens"]) == (3394, 62730)
    assert sum(train["ents"].values()) == 1975
    assert _raw_wnut(wnut_dir / "emerging.dev.conll")["sents"] == 1009
    assert _raw_wnut(wnut_dir / "emerging.test.annotated")["sents"] == 1287
    docs = _convert(wnut_dir / "wnut17train.conll", tmp_path, converter="ner")
    words = [t.text for d in docs for t in d]
    hashtags = [w for w in words if w.startswith("#")]
    assert len(hashtags) == 828  # lines starting with '#' are tokens here, not comments
    assert "#Bangkok" in {e.text for d in docs for e in d.ents}
    test_docs = _convert(wnut_dir / "emerging.test.annotated", tmp_path, converter="ner")
    assert test_docs[0].text.startswith("& gt ; * The soldier")  # HTML entity split into 3 tokens
    assert sum(d.text.count("& gt ;") for d in test_docs) == 21


def _raw_uner(path: Path) -> dict[str, Any]:
    ids: list[str] = []
    words: list[list[str]] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith("# sent_id = "):
            ids.append(line[len("# sent_id = "):])
            words.append([])
        elif line and not line.startswith("#"):
            cols = line.split("\t")
            words[-1].append(cols[1])
            tags.append(cols[2])
    return {"ids": ids, "words": words, "tokens": len(tags), "ents": _entities(tags)}


@pytest.mark.parametrize("split", ["dev", "test"])
def test_uner_convert_matches_raw_counts(uner_dir: Path, tmp_path: Path, split: str) -> None:
    path = uner_dir / f"en_ewt-ud-{split}.iob2"
    raw = _raw_uner(path)
    docs = _convert(path, tmp_path)
    assert len(docs) == len(raw["ids"]) == {"dev": 2001, "test": 2077}[split]
    assert sum(len(d) for d in docs) == raw["tokens"]
    assert [[t.text for t in d] for d in docs] == raw["words"]
    assert Counter(e.label_ for d in docs for e in d.ents) == raw["ents"]
    assert set(raw["ents"]) == {"PER", "ORG", "LOC"}


def _raw_conllu(path: Path) -> dict[str, list[Any]]:
    ids: list[str] = []
    words: list[list[str]] = []
    heads: list[int] = []
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith("# sent_id = "):
            ids.append(line[len("# sent_id = "):])
            words.append([])
        elif WORD_LINE.match(line):
            cols = line.split("\t")
            words[-1].append(cols[1])
            heads.append(int(cols[6]))
    return {"ids": ids, "words": words, "heads": heads}


@pytest.mark.parametrize("split", ["dev", "test"])
def test_joint_ewt_corpus(ewt_dir: Path, uner_dir: Path, split: str) -> None:
    conllu = ewt_dir / f"en_ewt-ud-{split}.conllu"
    iob = uner_dir / f"en_ewt-ud-{split}.iob2"
    ud, uner = _raw_conllu(conllu), _raw_uner(iob)
    uner_words = dict(zip(uner["ids"], uner["words"]))
    assert sorted(ud["ids"]) == sorted(uner["ids"])  # the same sentences ...
    differ = [i for i, w in zip(ud["ids"], ud["words"]) if uner_words[i] != w]
    assert len(differ) == 3  # ... and the same words but in 3 sentences (UNER predates EWT fixes)
    for sid, w in zip(ud["ids"], ud["words"]):
        assert "".join(uner_words[sid]) == "".join(w)  # the characters always match
    docs = list(conllu_with_entities(conllu, iob))
    assert len(docs) == len(ud["ids"])
    assert [[t.text for t in d] for d in docs] == ud["words"]
    assert [0 if t.head.i == t.i else t.head.i + 1 for d in docs for t in d] == ud["heads"]
    assert all(d.has_annotation(a) for d in docs for a in ("TAG", "POS", "MORPH", "DEP", "ENT_IOB"))
    assert Counter(e.label_ for d in docs for e in d.ents) == uner["ents"]
    # the entities cover the same characters as in the UNER file, realigned sentences included
    spans = _uner_entity_strings(iob)
    got = [("".join(e.text.split()), e.label_) for d in docs for e in d.ents]
    assert got == [s for sid in ud["ids"] for s in spans[sid]]
    # in test, entities of the differing sentences had to move: "Fudrucker s" -> "Fudruckers"
    moved = [(e.text, e.label_) for d, sid in zip(docs, ud["ids"]) if sid in differ for e in d.ents]
    assert sorted(moved) == ([] if split == "dev" else [
        ("Burger King", "ORG"), ("Fudruckers", "ORG"), ("Mc.Donalds", "ORG"), ("Taco Bell", "ORG")
    ])
    # the DocBin round trip keeps all of it
    back = list(DocBin(docs=docs).from_bytes(DocBin(docs=docs).to_bytes()).get_docs(Vocab()))
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in back] == [
        [(e.start, e.end, e.label_) for e in d.ents] for d in docs
    ]
    assert [t.dep_ for d in back for t in d] == [t.dep_ for d in docs for t in d]


def _uner_entity_strings(path: Path) -> dict[str, list[tuple[str, str]]]:
    """sent_id -> [(entity characters without spaces, label)] from the raw lines."""
    out: dict[str, list[tuple[str, str]]] = {}
    sid = ""
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith("# sent_id = "):
            sid = line[len("# sent_id = "):]
            out[sid] = []
        elif line and not line.startswith("#"):
            _, word, tag = line.split("\t")[:3]
            if tag.startswith("B-"):
                out[sid].append((word, tag[2:]))
            elif tag.startswith("I-"):
                out[sid][-1] = (out[sid][-1][0] + word, tag[2:])
    return out


CONLLU = """# sent_id = a-1
# text = I can't see Mc.Donalds
1\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\t_
2-3\tcan't\t_\t_\t_\t_\t_\t_\t_\t_
2\tca\tcan\tAUX\tMD\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tsee\tsee\tVERB\tVB\t_\t0\troot\t_\t_
5\tMc.Donalds\tMc.Donalds\tPROPN\tNNP\t_\t4\tobj\t_\t_

# sent_id = a-2
# text = Bob left
1\tBob\tBob\tPROPN\tNNP\t_\t2\tnsubj\t_\t_
2\tleft\tleave\tVERB\tVBD\t_\t0\troot\t_\t_
"""

IOB = """# sent_id = a-2
1\tBob\tB-PER\t-\t-
2\tleft\tO\t-\t-

# sent_id = a-1
1\tI\tO\t-\t-
2\tcan\tO\t-\t-
3\t't\tO\t-\t-
4\tsee\tO\t-\t-
5\tMc.\tB-ORG\t-\t-
6\tDonalds\tI-ORG\t-\t-
"""


def test_merge_by_sent_id_and_realign() -> None:
    docs = list(conllu_with_entities(CONLLU, IOB))
    assert [d.text for d in docs] == ["I can't see Mc.Donalds", "Bob left"]
    assert [[(e.text, e.label_) for e in d.ents] for d in docs] == [[("Mc.Donalds", "ORG")], [("Bob", "PER")]]
    assert docs[0][1].tag_ == "MD" and docs[0][4].dep_ == "obj"
    # several sentences per doc, and the IOB file read once for several corpora
    ents = read_entities_by_sent_id(IOB)
    (doc,) = list(conllu_with_entities(CONLLU, ents, n_sents=0))
    assert [(e.text, e.label_) for e in doc.ents] == [("Mc.Donalds", "ORG"), ("Bob", "PER")]
    assert len(list(doc.sents)) == 2


def test_align_entity_tags() -> None:
    assert align_entity_tags(["a", "b"], ["a", "b"], ["B-X", "O"]) == ["B-X", "O"]
    assert align_entity_tags(["#audiobooks", "ok"], ["#", "audiobooks", "ok"], ["B-X", "I-X", "O"]) == [
        "B-X", "O"
    ]
    assert align_entity_tags(["New", "York"], ["NewYork"], ["B-LOC"]) == ["B-LOC", "I-LOC"]
    with pytest.raises(DataError, match=r"entity 'audiobooks' \(X\) does not start and end at word"):
        align_entity_tags(["#audiobooks"], ["#", "audiobooks"], ["O", "B-X"])
    with pytest.raises(DataError, match="the words differ"):
        align_entity_tags(["cannot"], ["can", "t"], ["O", "O"])


def test_merge_errors_name_the_sentence(tmp_path: Path) -> None:
    conllu = tmp_path / "c.conllu"
    conllu.write_text(CONLLU, encoding="utf8")
    only_a2 = IOB.split("\n\n")[0] + "\n"
    with pytest.raises(DataError, match=r"line 1 of .*c\.conllu: sent_id 'a-1' is not in the entity file"):
        list(conllu_with_entities(conllu, only_a2))
    docs = list(conllu_with_entities(conllu, only_a2, require_all=False))
    assert not docs[0].has_annotation("ENT_IOB")  # missing, not "O"
    assert [e.text for e in docs[1].ents] == ["Bob"]
    extra = IOB + "\n# sent_id = a-3\n1\tHi\tO\t-\t-\n"
    with pytest.raises(DataError, match="1 sentence.*not in .*c\\.conllu, e.g. sent_id 'a-3'"):
        list(conllu_with_entities(conllu, extra))
    bad = IOB.replace("5\tMc.\tB-ORG", "5\tMc.\tO").replace("6\tDonalds\tI-ORG", "6\tDonalds\tB-ORG")
    with pytest.raises(DataError, match=r"line 1 of .*\(sent_id 'a-1', entity file line 6\): entity 'Donalds'"):
        list(conllu_with_entities(conllu, bad))
    seen: list[DataError] = []
    docs = list(conllu_with_entities(conllu, bad, skip_invalid=True, on_invalid=seen.append))
    assert len(seen) == 1 and len(docs) == 2 and not docs[0].has_annotation("ENT_IOB")
    with pytest.raises(DataError, match="without a '# sent_id = ...' line"):
        read_entities_by_sent_id("Bob\tB-PER\n")
    with pytest.raises(DataError, match="sent_id 'a-2' occurs twice"):
        read_entities_by_sent_id(IOB + "\n" + IOB.split("\n\n")[0] + "\n")


def test_conllu_spaces_after_other_whitespace() -> None:
    """`SpacesAfter=\\u00A0` (EWT test): one plain space in the Doc, not an error."""
    data = "# text = have\u00a0been\n1\thave\thave\tAUX\tVBP\t_\t2\taux\t_\tSpacesAfter=\\u00A0\n" \
           "2\tbeen\tbe\tAUX\tVBN\t_\t0\troot\t_\t_\n"
    (doc,) = list(conllu_to_docs(data))
    assert doc.text == "have been"
    with pytest.raises(DataError, match="do not reproduce '# text'"):
        list(conllu_to_docs(data.replace("have\u00a0been", "have\u00a0seen")))
