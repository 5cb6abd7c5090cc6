"""Loading never reaches outside the pipeline folder: component names are
checked where they enter, a saved config may only call what building the
pipeline needs, and it may not source components (issue 11)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import plait
import pytest
from confection import Config
from plait.errors import ConfigError, SerializationError, UsageError
from plait.plugins._registry import registry

BAD_NAMES = ["../x", "a/b", "/abs/x", "..", ".", "", "a\x00b", "a\\b", "c:x", "vocab", "tokenizer", "Meta.JSON", "x" * 300]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    nlp = plait.blank("en")
    nlp.add_pipe("sentencizer")
    path = tmp_path_factory.mktemp("template") / "pipeline"
    nlp.to_disk(path)
    return path


@pytest.fixture
def saved(template: Path, tmp_path: Path) -> Path:
    # A fresh copy per test: the tests edit it.
    return Path(shutil.copytree(template, tmp_path / "pipeline"))


@pytest.fixture(scope="module")
def blank_en():
    return plait.blank("en")


def _edit_config(path: Path, edit) -> None:
    cfg = Config().from_disk(path / "config.cfg", interpolate=False)
    edit(cfg)
    (path / "config.cfg").write_text(cfg.to_str(), encoding="utf8")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_add_pipe_refuses_path_like_names(blank_en, name: str) -> None:
    nlp = blank_en
    with pytest.raises(UsageError, match=r"add_pipe\('sentencizer', name=\.\.\.\): the component name"):
        nlp.add_pipe("sentencizer", name=name)
    assert nlp.component_names == []


def test_create_and_rename_pipe_refuse_path_like_names() -> None:
    nlp = plait.blank("en")
    with pytest.raises(UsageError, match="create_pipe"):
        nlp.create_pipe("sentencizer", name="../x")
    nlp.add_pipe("sentencizer")
    with pytest.raises(UsageError, match="rename_pipe: the component name '/tmp/x'"):
        nlp.rename_pipe("sentencizer", "/tmp/x")
    assert nlp.component_names == ["sentencizer"]
    nlp.rename_pipe("sentencizer", "sents.v2-b_1")  # dots, dashes, underscores are fine
    assert nlp.component_names == ["sents.v2-b_1"]


def test_config_names_are_checked(blank_en) -> None:
    lang_cls = type(blank_en)
    cfg = {"nlp": {"lang": "en", "pipeline": ["a/b"]}, "components": {"a/b": {"factory": "sentencizer"}}}
    with pytest.raises(ConfigError, match=r"\[nlp\] pipeline: the component name 'a/b'"):
        lang_cls.from_config(cfg)
    # A block name alone (not in the pipeline) is refused as well.
    cfg = {"nlp": {"lang": "en", "pipeline": []}, "components": {"/abs": {"factory": "sentencizer"}}}
    with pytest.raises(ConfigError, match=r"\[components\./abs\]"):
        lang_cls.from_config(cfg)
    cfg = {"nlp": {"lang": "en", "pipeline": [], "disabled": ["../x"]}}
    with pytest.raises(ConfigError, match=r"\[nlp\] disabled: the component name '../x'"):
        lang_cls.from_config(cfg)


def test_to_disk_never_writes_outside_the_folder(tmp_path: Path) -> None:
    nlp = plait.blank("en")
    nlp.add_pipe("sentencizer")
    # A name that got in without add_pipe (here: the private list) is still
    # checked where it becomes a path.
    nlp._components[0] = ("../escaped", nlp._components[0][1])
    with pytest.raises(UsageError, match="nlp.to_disk: the component name '../escaped'"):
        nlp.to_disk(tmp_path / "out" / "pipeline")
    assert not (tmp_path / "out" / "escaped").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../outside", "/tmp/plait-abs-target", ".."])
def test_load_refuses_path_like_names_in_config(saved: Path, name: str) -> None:
    outside = saved.parent / "outside"
    outside.mkdir()

    def edit(cfg: Config) -> None:
        cfg["nlp"]["pipeline"] = [name]
        if "." not in name:  # a dotted name cannot be a config section
            cfg["components"] = {name: cfg["components"]["sentencizer"]}

    _edit_config(saved, edit)
    with pytest.raises(SerializationError, match=r"config.cfg \[nlp\] pipeline: the component name"):
        plait.load(saved)


def test_load_refuses_path_like_names_in_meta(saved: Path) -> None:
    meta = json.loads((saved / "meta.json").read_text())
    meta["components"] = ["../../etc"]
    (saved / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(SerializationError, match=r"meta.json components: the component name '../../etc'"):
        plait.load(saved)


@pytest.fixture
def spy_reader():
    calls = []

    def read_anything(path: str) -> object:
        calls.append(path)
        with open(path, "rb") as f:
            return f.read(10)

    registry.readers.register("test.spy_reader.v1", func=read_anything)
    yield calls


@pytest.mark.parametrize("key", ["before_creation", "after_creation", "after_pipeline_creation", "tokenizer"])
def test_hostile_config_cannot_call_a_reader_at_load(saved: Path, spy_reader: list, key: str) -> None:
    def edit(cfg: Config) -> None:
        cfg["nlp"][key] = {"@readers": "test.spy_reader.v1", "path": "/dev/zero"}

    _edit_config(saved, edit)
    with pytest.raises(SerializationError, match=rf"\[nlp\.{key}\]: refers to @readers = 'test.spy_reader.v1'"):
        plait.load(saved)
    assert spy_reader == []


def test_hostile_component_setting_cannot_call_a_reader(saved: Path, spy_reader: list, tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"token": "x"}')

    def edit(cfg: Config) -> None:
        cfg["components"]["sentencizer"]["punct_chars"] = {"@readers": "test.spy_reader.v1", "path": str(secret)}

    _edit_config(saved, edit)
    with pytest.raises(SerializationError, match=r"\[components\.sentencizer\.punct_chars\]: refers to @readers"):
        plait.load(saved)
    assert spy_reader == []
    # @misc holds the lookups loader, which reads table files: refused too.
    _edit_config(saved, lambda cfg: cfg["components"]["sentencizer"].update(
        punct_chars={"@misc": "plait.LookupsDataLoader.v1", "lang": "en", "tables": ["x"]}))
    with pytest.raises(SerializationError, match=r"refers to @misc = 'plait.LookupsDataLoader.v1'"):
        plait.load(saved)


def test_a_reader_brought_in_by_a_variable_is_refused(saved: Path, spy_reader: list) -> None:
    text = (saved / "config.cfg").read_text()
    text = text.replace("before_creation = null", "before_creation = ${corpora.evil}")
    text += '\n[corpora.evil]\n@readers = "test.spy_reader.v1"\npath = "/dev/zero"\n'
    (saved / "config.cfg").write_text(text)
    with pytest.raises(SerializationError, match="refers to @readers"):
        plait.load(saved)
    assert spy_reader == []


def test_readers_elsewhere_in_a_saved_config_are_fine(saved: Path) -> None:
    # [corpora] keeps its readers (training resolves them, loading does not).
    cfg = Config().from_disk(saved / "config.cfg", interpolate=False)
    assert cfg["corpora"]["train"]["@readers"] == "plait.Corpus.v1"
    nlp = plait.load(saved)
    assert nlp.pipe_names == ["sentencizer"]
    assert [s.text for s in nlp("One. Two.").sents] == ["One.", "Two."]


@pytest.mark.parametrize("own", [True, False])
def test_saved_config_cannot_source_components(saved: Path, tmp_path: Path, own: bool) -> None:
    other = tmp_path / "other"
    plait.blank("en").to_disk(other)
    target = str(saved if own else other)

    def edit(cfg: Config) -> None:
        cfg["components"]["sentencizer"] = {"source": target}

    _edit_config(saved, edit)
    # Before the fix, sourcing the folder itself recursed for minutes.
    with pytest.raises(SerializationError, match=r"\[components\.sentencizer\] source") as err:
        plait.load(saved)
    assert ("a cycle" in str(err.value)) == own


def test_saving_keeps_only_code_inside_the_code_folder(saved: Path, tmp_path: Path) -> None:
    (saved / "code").mkdir()
    (saved / "code" / "funcs.py").write_text("X = 1\n")
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    nlp = plait.load(saved)
    nlp._meta["code"] = ["code/funcs.py"]
    nlp._path = saved
    nlp.to_disk(tmp_path / "copy")
    assert (tmp_path / "copy" / "code" / "funcs.py").read_text() == "X = 1\n"
    # A code entry pointing outside (from a meta.json read by from_disk, or
    # set in memory) is refused instead of being read and written out.
    nlp._meta["code"] = ["../outside.py"]
    with pytest.raises(SerializationError, match="'../outside.py' is not a .py file inside the pipeline's code/"):
        nlp.to_disk(tmp_path / "copy2" / "deeper")
    assert not (tmp_path / "copy2" / "outside.py").exists()


def test_links_inside_a_pipeline_folder_are_refused(saved: Path, tmp_path: Path) -> None:
    import os

    outside = tmp_path / "outside-tokenizer"
    (saved / "tokenizer").rename(outside)
    os.symlink(outside, saved / "tokenizer")
    with pytest.raises(SerializationError, match=r"contains symbolic links .*tokenizer -> .*outside-tokenizer"):
        plait.load(saved)
    # A FIFO would block a reader forever: refused without being opened.
    (saved / "tokenizer").unlink()
    os.mkfifo(saved / "tokenizer")
    with pytest.raises(SerializationError, match=r"tokenizer \(not a regular file or folder\)"):
        plait.load(saved)


def test_the_pipeline_folder_itself_may_be_a_link(saved: Path, tmp_path: Path) -> None:
    import os

    link = tmp_path / "model-best"
    os.symlink(saved, link)
    assert plait.load(link).pipe_names == ["sentencizer"]


def test_a_trusted_pipeline_may_call_any_registered_function(saved: Path) -> None:
    # trust_code=True (an installed package's load()) imports the pipeline's
    # code anyway: its config may then use e.g. a custom @misc function.
    calls = []

    def shout_chars() -> list[str]:
        calls.append(1)
        return ["!"]

    registry.misc.register("test.shout_chars.v1", func=shout_chars)
    _edit_config(saved, lambda cfg: cfg["components"]["sentencizer"].update(
        punct_chars={"@misc": "test.shout_chars.v1"}))
    with pytest.raises(SerializationError, match="load it with plait.load\\(path, trust_code=True\\)"):
        plait.load(saved)
    assert calls == []
    nlp = plait.load(saved, trust_code=True)
    assert calls == [1]
    assert [s.text for s in nlp("Yes! No.").sents] == ["Yes!", "No."]


def test_a_hostile_swap_journal_cannot_delete_elsewhere(tmp_path: Path) -> None:
    # plait.load finishes a save a kill interrupted, from the journal beside
    # the folder; the journal must not name a folder elsewhere to delete.
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    (tmp_path / "new").mkdir()
    (tmp_path / ".model.swap").write_text(json.dumps({"new": "new", "old": str(victim)}))
    with pytest.raises(SerializationError, match="unreadable swap journal"):
        plait.load(tmp_path / "model")
    assert (victim / "keep.txt").read_text() == "precious"
    # Nor a folder elsewhere to move into the pipeline's place.
    (tmp_path / ".model.swap").write_text(json.dumps({"new": str(victim), "old": ".model.old-1"}))
    with pytest.raises(SerializationError, match="'new' = .* is not a .model.tmp-\\* folder beside it"):
        plait.load(tmp_path / "model")
    assert (victim / "keep.txt").read_text() == "precious"
