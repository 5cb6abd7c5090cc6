"""`plait train` and `plait init labels` never write outside their output
folder through a component named like a path (issue 11)."""

from __future__ import annotations

from pathlib import Path

import plait
import pytest
from plait.errors import ConfigError
from plait.tokens import DocBin

CONFIG = """
[paths]
train = "{corpus}"
dev = "{corpus}"

[nlp]
lang = "en"
pipeline = {pipeline}

[components]
{blocks}

[training]
max_steps = 2
eval_frequency = 1
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    nlp = plait.blank("en")
    path = tmp_path_factory.mktemp("corpus") / "tiny.plait"
    DocBin(docs=[nlp.make_doc(t) for t in ("One sentence here.", "And another one.")]).to_disk(path)
    return path


def _config(tmp_path: Path, corpus: Path, name: str) -> Path:
    # A dotted name cannot be a config section: then only [nlp] pipeline has it.
    blocks = "" if "." in name else f'[components.{name}]\nfactory = "sentencizer"\n'
    path = tmp_path / "work" / "config.cfg"
    path.parent.mkdir()
    path.write_text(CONFIG.format(corpus=corpus, pipeline=f'["{name}"]', blocks=blocks), encoding="utf8")
    return path


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/plait-escaped", "a/b"])
def test_init_labels_refuses_path_like_names(tmp_path: Path, corpus: Path, name: str) -> None:
    from plait.cli.init_labels import init_labels

    cfg = _config(tmp_path, corpus, name)
    before = _files(tmp_path)
    with pytest.raises(ConfigError, match=r"\[nlp\] pipeline: the component name"):
        init_labels(cfg, tmp_path / "work" / "labels")
    assert _files(tmp_path) == before
    assert not Path("/tmp/plait-escaped").exists()


def test_component_path_joins_checked_names_only(tmp_path: Path) -> None:
    # The join init labels and nlp.to_disk/from_disk use.
    from plait.errors import UsageError
    from plait.language._names import component_path as join

    assert join(tmp_path, "tagger", ".json") == tmp_path / "tagger.json"
    for bad in ("..", "../x", "/etc/passwd", "a\\b"):
        with pytest.raises(UsageError, match="plait init labels: the component name"):
            join(tmp_path, bad, ".json", where="plait init labels")


def test_train_refuses_a_path_like_name_cleanly(plait_cli, tmp_path: Path, corpus: Path) -> None:
    cfg = _config(tmp_path, corpus, "../../escaped")
    res = plait_cli("train", str(cfg), "--output", str(tmp_path / "work" / "out"))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "the component name '../../escaped'" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path.parent / "escaped").exists()
    assert {p.name for p in tmp_path.iterdir()} == {"work"}
