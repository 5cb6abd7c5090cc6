"""`plait init vectors`: word2vec/fastText files (text, .gz, binary) into a loadable
pipeline folder; located errors for broken files; a 50k-row file built from EWT."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import plait
import pytest
from plait.cli.init_vectors import init_vectors
from plait.errors import DataError, UsageError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vectors"))
from ewt_vectors import ewt_sentences, svd_vectors, write_word2vec  # noqa: E402

ROWS = "3 4\nthe 1 0 0 0\ncat 0 1 0 0\ndog 0 0.9 0.1 0\n"


def _init(tmp_path: Path, fname: str, content: bytes | str, **kwargs):
    path = tmp_path / fname
    data = content.encode("utf8") if isinstance(content, str) else content
    if fname.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return init_vectors("en", path, tmp_path / "out", progress=False, **kwargs), path


def test_text_file_becomes_a_loadable_pipeline(tmp_path) -> None:
    _init(tmp_path, "v.txt", ROWS, name="tiny")
    nlp = plait.load(tmp_path / "out")
    assert nlp.vocab.vectors.shape == (3, 4) and nlp.vocab.vectors.name == "tiny"
    assert nlp.meta["vectors"]["keys"] == 3
    assert nlp("cat")[0].vector.tolist() == [0, 1, 0, 0]
    assert nlp("cat")[0].similarity(nlp("dog")[0]) > 0.99


def test_no_header_gz_and_binary_read_the_same(tmp_path) -> None:
    nlp_gz, _ = _init(tmp_path, "v.vec.gz", ROWS.split("\n", 1)[1])
    words = ["the", "cat", "dog"]
    table = nlp_gz.vocab.vectors.data
    binary = b"3 4\n" + b"".join(w.encode() + b" " + table[i].astype("<f4").tobytes() + b"\n"
                                 for i, w in enumerate(words))
    nlp_bin, _ = _init(tmp_path, "v.bin", binary)
    assert np.array_equal(nlp_bin.vocab.vectors.data, table)
    assert nlp_bin.vocab.vectors.key2row == nlp_gz.vocab.vectors.key2row


def test_truncate_and_prune(tmp_path) -> None:
    nlp, _ = _init(tmp_path, "v.txt", ROWS, truncate=2)
    assert nlp.vocab.vectors.shape == (2, 4)
    nlp, _ = _init(tmp_path, "w.txt", ROWS, prune=2)
    v = nlp.vocab.vectors
    assert v.shape == (2, 4) and v.n_keys == 3
    assert v.find(key="dog") == v.find(key="cat")  # the nearest kept row


@pytest.mark.parametrize("content,match", [
    ("3 4\nthe 1 0 0 0\ncat 0 1 0\ndog 0 0.9 0.1 0\n", r"v\.txt, line 3: row of 3 values, but the header says 4"),
    ("the 1 0 0 0\ncat 0 1 0 0 5\n", r"v\.txt, line 2: row of 5 values, but the first row says 4"),
    ("5 4\nthe 1 0 0 0\ncat 0 1 0 0\n", r"v\.txt, line 1: the header says 5 rows, but the file has 2"),
    ("2 4\nthe 1 0 0 0\ncat 0 one 0 0\n", r"v\.txt, line 3: a value is not a number"),
])
def test_broken_text_files_name_file_and_line(tmp_path, content: str, match: str) -> None:
    with pytest.raises(DataError, match=match):
        _init(tmp_path, "v.txt", content)


def test_a_non_utf8_word_names_the_line(tmp_path) -> None:
    content = b"2 2\nthe 1 0\ncaf\xe9 0 1\n"
    with pytest.raises(DataError, match=r"v\.txt, line 3: the word b'caf\\xe9' is not valid UTF-8"):
        _init(tmp_path, "v.txt", content)


def test_a_short_binary_file_names_the_row(tmp_path) -> None:
    content = b"2 2\nthe " + np.ones(2, "<f4").tobytes() + b"\ncat " + b"\x00" * 3
    with pytest.raises(DataError, match=r"v\.bin, row 2: the file ends early"):
        _init(tmp_path, "v.bin", content)


def test_bad_options(tmp_path) -> None:
    with pytest.raises(UsageError, match="--mode"):
        _init(tmp_path, "v.txt", ROWS, mode="floret")
    with pytest.raises(UsageError, match="--prune 0"):
        _init(tmp_path, "v.txt", ROWS, prune=0)


def test_the_cli_command(tmp_path, plait_cli) -> None:
    (tmp_path / "v.txt").write_text(ROWS, encoding="utf8")
    res = plait_cli("init", "vectors", "en", str(tmp_path / "v.txt"), str(tmp_path / "out"), "--prune", "2")
    assert res.returncode == 0, res.stderr
    assert "Saved 3 keys and 2 vectors of width 4" in res.stdout
    bad = tmp_path / "bad.txt"
    bad.write_text("the 1 0\ncat 1\n", encoding="utf8")
    res = plait_cli("init", "vectors", "en", str(bad), str(tmp_path / "out2"))
    assert res.returncode != 0 and "bad.txt, line 2" in res.stderr


@pytest.mark.slow
def test_50k_rows_from_ewt_load_with_sensible_neighbours(tmp_path, ewt_dir) -> None:
    """~15 MB word2vec text: SVD vectors of the 4000 most frequent EWT train words,
    padded with random rows (stand-ins for rare words) to 50,000."""
    words, table = svd_vectors(ewt_sentences(ewt_dir / "en_ewt-ud-train.conllu"), n_words=4000,
                               n_ctx=1000)
    path = write_word2vec(tmp_path / "ewt.txt", words, table, pad_to=50_000)
    init_vectors("en", path, tmp_path / "out", progress=False)
    nlp = plait.load(tmp_path / "out")
    vectors = nlp.vocab.vectors
    assert vectors.shape == (50_000, 50) and vectors.n_keys == 50_000

    def neighbours(word: str) -> list[str]:
        keys, _, _ = vectors.most_similar(vectors[word][None], n=8)
        return [nlp.vocab.strings[int(k)] for k in keys[0][1:]]

    # Words the EWT co-occurrence counts place together.
    assert {"Tuesday", "Thursday", "Friday", "Sunday", "Wednesday"} & set(neighbours("Monday"))
    assert {"she", "they", "it"} & set(neighbours("he"))
    assert {"four", "five", "six", "two"} & set(neighbours("three"))
    # Pruning to the frequent rows (what --prune does, tested on a small file
    # above) keeps the words, mapped to a near neighbour.
    remap = vectors.prune(4000)
    assert vectors.shape == (4000, 50) and vectors.n_keys == 50_000 and len(remap) == 46_000
    assert vectors.find(key="pad045999x") >= 0
