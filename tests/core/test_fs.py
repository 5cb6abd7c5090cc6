"""plait.fs: atomic files and folders."""

from __future__ import annotations

import os

import pytest
from plait import fs
from plait.errors import UsageError


def test_write_bytes_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "f.bin"
    fs.write_bytes(target, b"one")
    fs.write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["f.bin"]


def test_write_json_and_msgpack(tmp_path):
    import srsly

    fs.write_json(tmp_path / "a.json", {"x": [1, 2]})
    fs.write_msgpack(tmp_path / "a.msg", {"x": b"\x00"})
    assert srsly.read_json(tmp_path / "a.json") == {"x": [1, 2]}
    assert srsly.read_msgpack(tmp_path / "a.msg") == {"x": b"\x00"}


def test_atomic_directory_success_replaces(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with fs.atomic_directory(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        (tmp / "new.txt").write_text("new")
        assert (target / "old.txt").exists()  # untouched until the block ends
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_atomic_directory_failure_keeps_old(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with fs.atomic_directory(target) as tmp:
            (tmp / "half.txt").write_text("half")
            raise RuntimeError("crash")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_atomic_directory_new_folder_gets_normal_permissions(tmp_path):
    with fs.atomic_directory(tmp_path / "m") as tmp:
        (tmp / "x").write_text("x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "m").stat().st_mode & 0o777 == 0o777 & ~mask


def test_atomic_directory_over_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        with fs.atomic_directory(tmp_path / "f"):
            pass
