"""`plait convert` writes all or nothing, refuses bad outputs up front and never
overwrites a corpus with an empty one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from plait.cli.convert import convert
from plait.errors import DataError, UsageError
from plait.tokens import DocBin
from plait.vocab import Vocab

GOOD = "# text = a b\n1\ta\ta\tX\tX\t_\t0\troot\t_\t_\n2\tb\tb\tX\tX\t_\t1\tdep\t_\t_\n\n"
BAD = "# text = c\n1\tc\tc\tX\tX\t_\t0\troot\t_\n\n"


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_output_is_a_file(tmp_path: Path, plait_cli) -> None:
    src = tmp_path / "a.conllu"
    src.write_text(GOOD, encoding="utf8")
    out = tmp_path / "out"
    out.write_text("keep me", encoding="utf8")
    with pytest.raises(UsageError, match=r"OUTPUT_DIR .*out is a file, not a folder"):
        convert(src, out)
    with pytest.raises(UsageError, match=r"lies under a file"):
        convert(src, out / "sub")
    assert out.read_text(encoding="utf8") == "keep me"
    res = plait_cli("convert", str(src), str(out))
    assert res.returncode != 0
    assert "is a file, not a folder" in res.stderr and "Traceback" not in res.stderr


def test_unwritable_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "a.conllu"
    src.write_text(GOOD, encoding="utf8")
    if os.geteuid() != 0:  # root writes anywhere: the permission check cannot be seen
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(UsageError, match="permission denied"):
                convert(src, locked / "out")
        finally:
            locked.chmod(0o700)

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with pytest.raises(UsageError, match=r"cannot create the output folder \(Permission denied\)"):
        convert(src, tmp_path / "out2")


def test_folder_is_all_or_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.conllu").write_text(GOOD, encoding="utf8")
    (src / "b.conllu").write_text(GOOD + BAD, encoding="utf8")
    (src / "c.conllu").write_text(GOOD, encoding="utf8")
    # a new OUTPUT_DIR: not even the folder is left behind
    with pytest.raises(DataError, match=r"line 6 of .*b\.conllu"):
        convert(src, tmp_path / "new" / "out")
    assert not (tmp_path / "new").exists()
    # an existing OUTPUT_DIR: its files are untouched, no staging folder is left
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.plait").write_bytes(b"old")
    with pytest.raises(DataError, match=r"b\.conllu"):
        convert(src, out)
    assert _listing(out) == ["a.plait"]
    assert (out / "a.plait").read_bytes() == b"old"
    # fixed: all three are written, nothing else
    (src / "b.conllu").write_text(GOOD, encoding="utf8")
    result = convert(src, out)
    assert _listing(out) == ["a.plait", "b.plait", "c.plait"]
    assert result.n_docs == 3


def test_empty_input_never_overwrites_a_corpus(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    full = tmp_path / "train.conllu"
    full.write_text(GOOD + GOOD, encoding="utf8")
    convert(full, tmp_path / "corpus")
    target = tmp_path / "corpus" / "train.plait"
    before = target.read_bytes()
    full.write_text("", encoding="utf8")
    with pytest.raises(DataError, match=r"converted to no documents; refusing to overwrite"):
        convert(full, tmp_path / "corpus")
    assert target.read_bytes() == before
    assert len(list(DocBin().from_disk(target).get_docs(Vocab()))) == 2
    # with nothing to overwrite, an empty output is written with a warning
    result = convert(full, tmp_path / "other")
    assert result.n_docs == 0 and (tmp_path / "other" / "train.plait").exists()
    assert "converted to no documents" in capsys.readouterr().err


def test_two_inputs_one_output(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.conllu").write_text(GOOD, encoding="utf8")
    (src / "a.iob").write_text("Bob B-PER\n", encoding="utf8")
    with pytest.raises(UsageError, match=r"two inputs would both be written to .*a\.plait"):
        convert(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_output_path_taken_by_a_folder(tmp_path: Path) -> None:
    src = tmp_path / "a.conllu"
    src.write_text(GOOD, encoding="utf8")
    (tmp_path / "out" / "a.plait").mkdir(parents=True)
    with pytest.raises(UsageError, match=r"a\.plait exists and is a folder"):
        convert(src, tmp_path / "out")


def test_non_utf8_input_names_file_and_line(tmp_path: Path, plait_cli) -> None:
    src = tmp_path / "latin.conllu"
    src.write_bytes((GOOD + "# text = caf\xe9\n").encode("latin-1") + b"1\tcaf\xe9\t_\tX\tX\t_\t0\troot\t_\t_\n\n")
    with pytest.raises(DataError, match=r"line 5 of .*latin\.conllu: not UTF-8 \(byte b'\\xe9' at column 13\)"):
        convert(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    res = plait_cli("convert", str(src), str(tmp_path / "out"))
    assert res.returncode != 0
    assert "line 5 of" in res.stderr and "not UTF-8" in res.stderr and "Traceback" not in res.stderr


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    src = tmp_path / "a.json"
    src.write_text('[{"tokens": ["x", "y"]}]', encoding="utf8")
    before = src.read_bytes()
    with pytest.raises(UsageError, match=r"output .*a\.json is one of the inputs"):
        convert(src, tmp_path, file_type="json")
    assert src.read_bytes() == before
