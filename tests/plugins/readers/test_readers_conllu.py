"""The conllu converter on real EWT data and on deliberately broken files."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from plait.errors import DataError
from plait.vocab import Vocab
from plait_readers.conllu import conllu_to_docs

WORD_LINE = re.compile(r"^\d+\t")

SAMPLE = """# newdoc id = d1
# sent_id = s1
# text = I don't know.
1\tI\tI\tPRON\tPRP\tCase=Nom|Number=Sing|Person=1|PronType=Prs\t4\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\tMood=Ind\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\tVB\tVerbForm=Inf\t0\troot\t_\tSpaceAfter=No
4.1\tknew\t_\t_\t_\t_\t_\t_\t_\t_
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# sent_id = s2
# text = Bob left
1\tBob\tBob\tPROPN\tNNP\tNumber=Sing\t2\tnsubj\t_\tNE=B-PER
2\tleft\tleave\tVERB\tVBD\t_\t0\troot\t_\tNE=O

# newdoc id = d2
# sent_id = s3
# text = Hi
1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_
"""


def _raw_counts(path: Path) -> dict[str, object]:
    """Count what the file holds, straight from its lines."""
    n_words = 0
    tags: Counter[str] = Counter()
    heads: list[int] = []
    texts: list[str] = []
    roots = 0
    with path.open(encoding="utf8") as f:
        for line in f:
            if line.startswith("# text = "):
                texts.append(line[len("# text = "):].rstrip("\n"))
            elif WORD_LINE.match(line):
                cols = line.rstrip("\n").split("\t")
                n_words += 1
                tags[cols[4]] += 1
                heads.append(int(cols[6]))
                roots += cols[6] == "0"
    return {"words": n_words, "tags": tags, "heads": heads, "texts": texts, "roots": roots}


def test_ewt_dev_round_trip(ewt_dir: Path) -> None:
    path = ewt_dir / "en_ewt-ud-dev.conllu"
    raw = _raw_counts(path)
    docs = list(conllu_to_docs(path, n_sents=1))
    assert len(docs) == len(raw["texts"]) == 2001
    assert sum(len(d) for d in docs) == raw["words"]
    assert Counter(t.tag_ for d in docs for t in d) == raw["tags"]
    # heads: back to CoNLL-U numbering (1-based within the sentence, 0 = root)
    heads = [0 if t.head.i == t.i else t.head.i + 1 for d in docs for t in d]
    assert heads == raw["heads"]
    assert sum(1 for d in docs for t in d if t.dep_ == "root") == raw["roots"]
    # words + spaces reproduce every "# text" line exactly
    assert [d.text.rstrip(" ") for d in docs] == raw["texts"]


def test_ewt_train_mwt_merge(ewt_dir: Path) -> None:
    path = ewt_dir / "en_ewt-ud-dev.conllu"
    text = path.read_text(encoding="utf8")
    ranges = [tuple(map(int, m.groups())) for m in re.finditer(r"^(\d+)-(\d+)\t", text, re.M)]
    removed = sum(b - a for a, b in ranges)
    n_words = sum(1 for line in text.splitlines() if WORD_LINE.match(line))
    docs = list(conllu_to_docs(path, merge_subtokens=True))
    assert sum(len(d) for d in docs) == n_words - removed
    texts = [line[9:] for line in text.splitlines() if line.startswith("# text = ")]
    assert [d.text.rstrip(" ") for d in docs] == texts


def test_sample_mwt_spaces_empty_nodes_ner_newdoc() -> None:
    vocab = Vocab()
    docs = list(conllu_to_docs(SAMPLE, n_sents=10, vocab=vocab))
    # "# newdoc" splits despite n_sents=10
    assert len(docs) == 2
    first = docs[0]
    assert [t.text for t in first] == ["I", "do", "n't", "know", ".", "Bob", "left"]
    assert first.text == "I don't know. Bob left"  # no space inside the MWT; empty node skipped
    assert [len(list(s)) for s in first.sents] == [5, 2]
    assert [(e.text, e.label_) for e in first.ents] == [("Bob", "PER")]
    assert first[1].lemma_ == "do" and first[2].pos_ == "PART"
    assert str(first[0].morph) == "Case=Nom|Number=Sing|Person=1|PronType=Prs"


def test_merge_subtokens_sample() -> None:
    doc = next(iter(conllu_to_docs(SAMPLE, merge_subtokens=True)))
    assert [t.text for t in doc] == ["I", "don't", "know", "."]
    assert doc[1].head.i == 2 and doc[0].head.i == 2 and doc[2].head.i == 2


def test_morphology_appends_features() -> None:
    doc = next(iter(conllu_to_docs(SAMPLE, morphology=True)))
    assert doc[3].tag_ == "VB__VerbForm=Inf"
    assert doc[2].tag_ == "RB"


def _broken(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.conllu"
    path.write_text(body, encoding="utf8")
    return path


GOOD = "# text = a b\n1\ta\ta\tX\tX\t_\t0\troot\t_\t_\n2\tb\tb\tX\tX\t_\t1\tdep\t_\t_\n\n"


def test_nine_columns_names_file_and_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, GOOD + "# text = c d\n1\tc\tc\tX\tX\t_\t0\troot\t_\n2\td\td\tX\tX\t_\t1\tdep\t_\t_\n")
    with pytest.raises(DataError, match=r"line 6 of .*bad\.conllu: .*10 tab-separated columns, found 9"):
        list(conllu_to_docs(path))


def test_head_outside_sentence(tmp_path: Path) -> None:
    path = _broken(tmp_path, "# text = a b\n1\ta\ta\tX\tX\t_\t0\troot\t_\t_\n2\tb\tb\tX\tX\t_\t7\tdep\t_\t_\n")
    with pytest.raises(DataError, match=r"line 3 of .*bad\.conllu: HEAD 7 points outside the sentence"):
        list(conllu_to_docs(path))


def test_text_mismatch(tmp_path: Path) -> None:
    path = _broken(tmp_path, "# text = a  c\n1\ta\ta\tX\tX\t_\t0\troot\t_\t_\n2\tb\tb\tX\tX\t_\t1\tdep\t_\t_\n")
    with pytest.raises(DataError, match=r"line 1 of .*bad\.conllu: .*# text"):
        list(conllu_to_docs(path))


def test_skip_invalid_keeps_the_rest(tmp_path: Path) -> None:
    bad = "# text = c d\n1\tc\tc\tX\tX\t_\t0\troot\t_\n2\td\td\tX\tX\t_\t1\tdep\t_\t_\n\n"
    path = _broken(tmp_path, GOOD + bad + GOOD)
    reported: list[DataError] = []
    docs = list(conllu_to_docs(path, skip_invalid=True, on_invalid=reported.append))
    assert [d.text.strip() for d in docs] == ["a b", "a b"]
    assert len(reported) == 1 and "line 6" in str(reported[0])


def test_skip_invalid_default_reports_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _broken(tmp_path, "1\ta\ta\tX\tX\t_\t0\troot\t_\n\n" + GOOD)
    docs = list(conllu_to_docs(path, skip_invalid=True))
    assert len(docs) == 1
    assert "skipped: line 1 of" in capsys.readouterr().err


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        list(conllu_to_docs(tmp_path / "nope.conllu"))


def test_entity_file_given_to_conllu_suggests_the_ner_converter(tmp_path: Path) -> None:
    # WNUT-17 files end in .conll, which picks the CoNLL-U converter by extension.
    path = tmp_path / "emerging.dev.conll"
    path.write_text("Stabilized\tO\napproach\tO\n\n", encoding="utf8")
    with pytest.raises(DataError, match=r"line 1 of .*emerging.dev.conll.*--converter ner"):
        list(conllu_to_docs(path))
