"""`plait convert`: extension dispatch, folders, stdout JSON, errors and skipping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from plait.cli.convert import convert, convert_cli
from plait.errors import DataError, UsageError
from plait.tokens import DocBin
from plait.vocab import Vocab

GOOD = "# text = a b\n1\ta\ta\tX\tX\t_\t0\troot\t_\t_\n2\tb\tb\tX\tX\t_\t1\tdep\t_\t_\n\n"
BAD = "# text = c\n1\tc\tc\tX\tX\t_\t0\troot\t_\n\n"


def _read(path: Path) -> list:
    return list(DocBin().from_disk(path).get_docs(Vocab()))


def test_ewt_dev_to_plait(ewt_dir: Path, tmp_path: Path) -> None:
    src = ewt_dir / "en_ewt-ud-dev.conllu"
    result = convert(src, tmp_path, n_sents=10)
    out = tmp_path / "en_ewt-ud-dev.plait"
    assert result.outputs == [out]
    docs = _read(out)
    n_words = sum(1 for line in src.open(encoding="utf8") if re.match(r"^\d+\t", line))
    assert sum(len(d) for d in docs) == n_words
    assert sum(len(list(d.sents)) for d in docs) == 2001
    n_newdoc = sum(1 for line in src.open(encoding="utf8") if line.startswith("# newdoc"))
    # "# newdoc" starts a document; otherwise 10 sentences per document
    assert n_newdoc <= result.n_docs == len(docs) <= n_newdoc + 2001 // 10 + 1


def test_folder_converts_file_by_file(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.conllu").write_text(GOOD, encoding="utf8")
    (src / "sub" / "b.iob").write_text("Bob B-PER\nran O\n", encoding="utf8")
    (src / "c.jsonl").write_text('{"tokens": ["x", "y"]}\n', encoding="utf8")
    (src / "notes.txt").write_text("ignored", encoding="utf8")
    result = convert(src, tmp_path / "out")
    names = sorted(str(p.relative_to(tmp_path / "out")) for p in result.outputs)
    assert names == ["a.plait", "c.plait", "sub/b.plait"]
    assert [e.label_ for e in _read(tmp_path / "out" / "sub" / "b.plait")[0].ents] == ["PER"]


def test_stdout_json_round_trips(tmp_path: Path) -> None:
    src = tmp_path / "a.conllu"
    src.write_text(GOOD + GOOD, encoding="utf8")
    res = CliRunner().invoke(convert_cli, [str(src), "-", "--file-type", "json"])
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    assert [r["tokens"] for r in records] == [["a", "b"], ["a", "b"]]
    assert records[0]["heads"] == [0, 0] and records[0]["deps"] == ["root", "dep"]
    back = tmp_path / "back.json"
    back.write_text(res.stdout, encoding="utf8")
    result = convert(back, tmp_path / "o")
    docs = _read(result.outputs[0])
    assert [t.dep_ for t in docs[0]] == ["root", "dep"]


def test_error_leaves_no_output(tmp_path: Path) -> None:
    src = tmp_path / "bad.conllu"
    src.write_text(GOOD + BAD, encoding="utf8")
    with pytest.raises(DataError, match=r"line 6 of .*bad\.conllu"):
        convert(src, tmp_path / "out")
    assert not (tmp_path / "out" / "bad.plait").exists()


def test_skip_invalid_cli(tmp_path: Path) -> None:
    src = tmp_path / "bad.conllu"
    src.write_text(GOOD + BAD + GOOD, encoding="utf8")
    res = CliRunner().invoke(convert_cli, [str(src), str(tmp_path / "out"), "--skip-invalid"])
    assert res.exit_code == 0, res.output
    assert "skipped: line 6 of" in res.stderr
    assert "skipped 1 invalid record" in res.stderr
    assert len(_read(tmp_path / "out" / "bad.plait")) == 2


def test_usage_errors(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x", encoding="utf8")
    with pytest.raises(UsageError, match="can't tell the format from the extension '.txt'"):
        convert(src, tmp_path)
    with pytest.raises(UsageError, match="needs --file-type json"):
        convert(src, "-", converter="conllu")
    with pytest.raises(UsageError, match="does not exist"):
        convert(tmp_path / "missing.conllu", tmp_path)
    with pytest.raises(UsageError, match="--converter conllx: no function 'conllx'.*Did you mean 'conllu'"):
        convert(src, tmp_path, converter="conllx")
