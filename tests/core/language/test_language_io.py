"""Saving and loading: atomic to_disk, customized tokenizers, bundled code, bad folders."""

from __future__ import annotations

import json

import plait
import pytest
from plait.errors import ConfigError, SerializationError, UsageError
from plait.tokenizer import compile_suffix_regex


def test_custom_tokenizer_survives_to_disk_and_load(tmp_path):
    nlp = plait.blank("en")
    nlp.tokenizer.add_special_case("_SPECIAL_", [{"ORTH": "_SPECIAL_"}])
    suffixes = [s for s in nlp.Defaults.suffixes if s != "%"] + ["-x"]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    text = "a _SPECIAL_ token endsin-x 50%"
    expected = [t.text for t in nlp(text)]
    assert "_SPECIAL_" in expected and "-x" in expected
    nlp.to_disk(tmp_path / "tok")
    loaded = plait.load(tmp_path / "tok")
    assert [t.text for t in loaded(text)] == expected
    assert [t.text for t in plait.blank("en")(text)] != expected


def test_to_disk_failure_leaves_existing_pipeline_intact(tmp_path, monkeypatch):
    nlp = plait.blank("en")
    nlp.add_pipe("test_exclaimer", config={"suffix": "old"})
    target = tmp_path / "model-best"
    nlp.to_disk(target)
    before = {p.name: p.read_bytes() for p in target.rglob("*") if p.is_file() for p in [p]}

    nlp2 = plait.blank("en")
    nlp2.add_pipe("test_exclaimer", config={"suffix": "new"})
    proc = nlp2.get_pipe("test_exclaimer")

    def boom(path, *, exclude=()):
        path.mkdir(parents=True)
        (path / "partial").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(proc, "to_disk", boom, raising=False)
    with pytest.raises(OSError, match="disk full"):
        nlp2.to_disk(target)
    after = {p.name: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["model-best"]  # no temp folder left
    assert plait.load(target).get_pipe("test_exclaimer").suffix == "old"


def test_to_disk_replaces_existing_pipeline(tmp_path):
    target = tmp_path / "p"
    a = plait.blank("en")
    a.add_pipe("test_exclaimer", name="one")
    a.to_disk(target)
    b = plait.blank("en")
    b.add_pipe("test_count_tokens", name="two")
    b.to_disk(target)
    assert not (target / "one").exists()
    assert plait.load(target).pipe_names == ["two"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_to_disk_exclude_and_disabled(tmp_path):
    nlp = plait.blank("en")
    nlp.add_pipe("test_exclaimer", name="a")
    nlp.add_pipe("test_exclaimer", name="b")
    nlp.disable_pipe("b")
    nlp.to_disk(tmp_path / "p")
    loaded = plait.load(tmp_path / "p")
    assert loaded.pipe_names == ["a"] and loaded.disabled == ["b"]
    meta = json.loads((tmp_path / "p" / "meta.json").read_text())
    assert meta["lang"] == "en" and meta["pipeline"] == ["a"] and meta["components"] == ["a", "b"]
    assert meta["disabled"] == ["b"]
    assert plait.load(tmp_path / "p", exclude=["a"]).component_names == ["b"]
    assert plait.load(tmp_path / "p", disable=["a"]).pipe_names == []


def test_load_config_overrides(tmp_path):
    nlp = plait.blank("en")
    nlp.add_pipe("test_exclaimer")
    nlp.to_disk(tmp_path / "p")
    loaded = plait.load(tmp_path / "p", config={"components.test_exclaimer.suffix": "??", "nlp.batch_size": 3})
    assert loaded.get_pipe("test_exclaimer").suffix == "??"
    assert loaded.batch_size == 3
    assert loaded.config["components"]["test_exclaimer"]["suffix"] == "??"


def test_load_missing_and_bad_folders(tmp_path):
    with pytest.raises(UsageError, match="neither a pipeline folder nor an installed pipeline"):
        plait.load(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SerializationError, match="no config.cfg"):
        plait.load(tmp_path / "empty")
    nlp = plait.blank("en")
    nlp.to_disk(tmp_path / "p")
    (tmp_path / "p" / "meta.json").write_text("{not json")
    with pytest.raises(SerializationError, match="meta.json"):
        plait.load(tmp_path / "p")


def test_load_with_missing_component_factory_names_it(tmp_path):
    nlp = plait.blank("en")
    nlp.add_pipe("test_exclaimer")
    nlp.to_disk(tmp_path / "p")
    cfg = (tmp_path / "p" / "config.cfg").read_text().replace('"test_exclaimer"', '"test_unregistered_thing"')
    (tmp_path / "p" / "config.cfg").write_text(cfg)
    with pytest.raises(ConfigError, match="test_unregistered_thing"):
        plait.load(tmp_path / "p")


CODE = '''
from plait.language import Language

@Language.component("test_bundled_code_component")
def bundled(doc):
    doc.user_data["bundled"] = True
    return doc
'''


def test_load_imports_bundled_code_only_inside_pipeline(tmp_path):
    # Build a pipeline folder as `plait package` would: code/ + meta["code"].
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "functions.py").write_text(CODE)
    from plait.config import import_code

    import_code([tmp_path / "src" / "functions.py"])
    nlp = plait.blank("en")
    nlp.add_pipe("test_bundled_code_component")
    nlp.to_disk(tmp_path / "p")
    (tmp_path / "p" / "code").mkdir()
    (tmp_path / "p" / "code" / "functions.py").write_text(CODE)
    meta = json.loads((tmp_path / "p" / "meta.json").read_text())
    meta["code"] = ["code/functions.py"]
    (tmp_path / "p" / "meta.json").write_text(json.dumps(meta))
    loaded = plait.load(tmp_path / "p")
    assert loaded("hi").user_data["bundled"] is True
    # Saving again keeps the bundled code.
    loaded.to_disk(tmp_path / "p2")
    assert (tmp_path / "p2" / "code" / "functions.py").read_text() == CODE
    # A meta.json pointing outside the pipeline folder is refused.
    meta["code"] = ["../src/functions.py"]
    (tmp_path / "p" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(SerializationError, match="inside the pipeline's code/ folder"):
        plait.load(tmp_path / "p")


def test_no_pickle_in_saved_pipeline(tmp_path, ewt_train_words):
    from language_components import cap_examples

    nlp = plait.blank("en")
    nlp.add_pipe("test_cap_tagger", name="cap")
    nlp.initialize(lambda: cap_examples(nlp, ewt_train_words[:10]))
    nlp.to_disk(tmp_path / "p")
    for file in (tmp_path / "p").rglob("*"):
        if file.is_file():
            assert not file.read_bytes().startswith(b"\x80"), file  # pickle protocol header
