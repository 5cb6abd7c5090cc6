"""CoNLL-U trees that are not trees are refused naming the lines; IOB
sentences of one document are joined with a space (never glued)."""

from __future__ import annotations

from pathlib import Path

import plait
import pytest
from plait.errors import DataError
from plait_readers.conllu import conllu_to_docs
from plait_readers.iob import iob_to_docs


def _conllu(heads: list[int]) -> str:
    words = "abcdef"
    lines = [f"# text = {' '.join(words[: len(heads)])}"]
    for i, h in enumerate(heads, 1):
        lines.append(f"{i}\t{words[i - 1]}\t_\tX\tX\t_\t{h}\t{'root' if h == 0 else 'dep'}\t_\t_")
    return "\n".join(lines) + "\n\n"


def test_token_that_is_its_own_head() -> None:
    # word 2 ('b') on line 3 names itself as its head
    with pytest.raises(DataError, match=r"line 3 of <text>: word 2 \('b'\) is its own head \(HEAD 2\)"):
        list(conllu_to_docs(_conllu([0, 2, 1])))


def test_two_roots_named_with_their_lines() -> None:
    with pytest.raises(DataError, match=r"line 4 of <text>: the sentence has 2 roots \(HEAD 0\): "
                                        r"word 1 \('a', line 2\), word 3 \('c', line 4\)"):
        list(conllu_to_docs(_conllu([0, 1, 0, 3])))


def test_cycle_named_with_its_lines() -> None:
    # c -> d -> c never reaches the root a
    with pytest.raises(DataError, match=r"the HEADs of words 3 \('c'\) -> 4 \('d'\) -> 3 form a cycle "
                                        r"\(lines 4, 5\)"):
        list(conllu_to_docs(_conllu([0, 1, 4, 3])))


def test_skip_invalid_skips_a_bad_tree() -> None:
    seen: list[DataError] = []
    docs = list(conllu_to_docs(_conllu([0, 1]) + _conllu([0, 0]), skip_invalid=True, on_invalid=seen.append))
    assert len(docs) == 1 and len(seen) == 1 and "2 roots" in str(seen[0])


def test_ewt_trees_all_pass(ewt_dir: Path) -> None:
    docs = list(conllu_to_docs(ewt_dir / "en_ewt-ud-dev.conllu", n_sents=10))
    assert sum(len(list(d.sents)) for d in docs) == 2001


def test_uner_sentences_are_never_glued(uner_dir: Path) -> None:
    """With -n 10, every sentence but a document's last is followed by a space,
    and each sentence end is a token boundary of the pipeline's tokenizer."""
    nlp = plait.blank("en")
    docs = list(iob_to_docs(uner_dir / "en_ewt-ud-dev.iob2", n_sents=10))
    n_bounds = glued = split_across = 0
    for doc in docs:
        ends = {t.idx + len(t) for t in nlp(doc.text)}
        starts = {t.idx for t in nlp(doc.text)}
        for sent in list(doc.sents)[:-1]:
            n_bounds += 1
            last = sent[-1]
            glued += not last.whitespace_
            nxt = doc[sent.end]
            split_across += (last.idx + len(last)) not in ends or nxt.idx not in starts
        assert not doc[-1].whitespace_
    assert n_bounds > 1500
    assert glued == 0
    assert split_across == 0


def test_columns_layout_sentences_get_a_space() -> None:
    docs = list(iob_to_docs("Thanks O\n! O\n\nI O\nran O\n", n_sents=10, scheme="iob2"))
    assert [d.text for d in docs] == ["Thanks ! I ran"]


def test_non_utf8_iob_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.iob"
    path.write_bytes(b"Bob B-PER\nran O\n\n" + "Jos\xe9 B-PER\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"line 4 of .*latin\.iob: not UTF-8 \(byte b'\\xe9' at column 4\)"):
        list(iob_to_docs(path))
