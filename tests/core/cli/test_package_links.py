"""`plait package` never follows a symbolic link out of the pipeline folder (issue 11)."""

from __future__ import annotations

import os
from pathlib import Path

import plait
import pytest
from plait.cli.package import package
from plait.errors import UsageError


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    nlp = plait.blank("en")
    nlp.add_pipe("sentencizer")
    path = tmp_path_factory.mktemp("links") / "model"
    nlp.to_disk(path)
    return path


@pytest.mark.parametrize("kind", ["file", "folder", "dangling"])
def test_links_are_refused_naming_the_link(pipeline_dir: Path, tmp_path: Path, kind: str) -> None:
    model = tmp_path / "model"
    import shutil

    shutil.copytree(pipeline_dir, model)
    secret = tmp_path / "secret"
    if kind == "file":
        secret.write_text("private key")
    elif kind == "folder":
        secret.mkdir()
        (secret / "id_rsa").write_text("private key")
    link = model / "sentencizer" / "extra"
    os.symlink(secret, link)
    out = tmp_path / "out"
    with pytest.raises(UsageError, match="symbolic links") as err:
        package(model, out, name="links", version="1.0.0")
    assert f"{link} -> {secret}" in str(err.value)
    # Refused before anything was written.
    assert not out.exists() or list(out.iterdir()) == []


def test_a_folder_without_links_packages(pipeline_dir: Path, tmp_path: Path) -> None:
    target = package(pipeline_dir, tmp_path / "out", name="nolinks", version="1.0.0")
    data = target / "en_nolinks" / "en_nolinks-1.0.0"
    assert (data / "config.cfg").is_file()
    assert not any(p.is_symlink() for p in target.rglob("*"))
