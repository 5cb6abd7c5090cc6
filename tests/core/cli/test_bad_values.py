"""Bad values reach the user as one message, before any work, never as a
traceback (issue 11): through the CLI as a user runs it, and through the
Python API for nlp.update, damaged weights and the --trust-code hint."""

from __future__ import annotations

import json
from pathlib import Path

import plait
import pytest
from plait.errors import RegistryError, SerializationError, UsageError
from plait.training import Example

# The corpora do not exist: every refusal below must come first.
CONFIG = """
[paths]
train = "missing/train.plait"
dev = "missing/dev.plait"

[nlp]
lang = "en"
pipeline = ["tagger"]

[components]

[components.tagger]
factory = "tagger"

[components.tagger.model]
@architectures = "plait.Tagger.v2"

[components.tagger.model.tok2vec]
@architectures = "plait.HashEmbedCNN.v2"
width = 32
depth = 1
embed_size = 500
window_size = 1
maxout_pieces = 2
subword_features = true
pretrained_vectors = null

[training]
max_steps = 10
dropout = 0.1
"""


def _user_error(result, *fragments: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.cfg"
    path.write_text(CONFIG)
    return path


def test_train_string_dropout_refused_first(plait_cli, config_path, tmp_path):
    result = plait_cli("train", str(config_path), "--output", str(tmp_path / "out"),
                       "--training.dropout", '"abc"')
    _user_error(result, "[training] dropout: expected a number", "'abc'")
    assert not (tmp_path / "out").exists()


def test_train_circular_variables_no_traceback(plait_cli, tmp_path):
    path = tmp_path / "circ.cfg"
    path.write_text(CONFIG.replace("width = 32", "width = ${components.tagger.model.tok2vec.width}"))
    _user_error(plait_cli("train", str(path)), f"{path}: [components.tagger.model.tok2vec] width",
                "refer to each other in a circle")


def test_train_zero_width_refused(plait_cli, config_path):
    result = plait_cli("train", str(config_path), "--components.tagger.model.tok2vec.width", "0")
    _user_error(result, "[components.tagger.model.tok2vec] width: 0 is not valid", "> 0")


def test_train_output_under_a_file(plait_cli, config_path, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = plait_cli("train", str(config_path), "--output", str(tmp_path / "afile" / "out"))
    _user_error(result, "cannot be created", "is a file, not a folder")


def test_train_non_utf8_code_file(plait_cli, config_path, tmp_path):
    code = tmp_path / "functions.py"
    code.write_bytes(b"x = 1\ny = '\xff\xfe'\n")
    result = plait_cli("train", str(config_path), "--code", str(code))
    _user_error(result, f"--code file '{code}' is not UTF-8 text", "line 2")


def test_verbose_shows_environment_overrides(plait_cli, config_path):
    # Refused on purpose (dropout 2): the overrides are shown before.
    result = plait_cli("train", str(config_path), "-V", "--training.max_steps", "5",
                       "--training.dropout", "0.2",
                       env={"PLAIT_CONFIG_OVERRIDES": "--training.dropout 2"})
    assert "override from command line: training.max_steps = 5" in result.stderr
    assert ("override from command line: training.dropout = 0.2 (not applied: "
            "PLAIT_CONFIG_OVERRIDES sets 2)") in result.stderr
    assert "override from environment (PLAIT_CONFIG_OVERRIDES): training.dropout = 2" in result.stderr
    assert "[training] dropout: 2 is not valid" in result.stderr


def test_debug_config_accepts_a_good_config(plait_cli, config_path):
    good = plait_cli("debug", "config", str(config_path))
    assert good.returncode == 0, good.stderr
    assert "the config is valid" in good.stdout


def test_debug_config_refuses_what_train_refuses(plait_cli, config_path):
    bad = plait_cli("debug", "config", str(config_path), "--training.dropout", "1")
    _user_error(bad, "[training] dropout: 1 is not valid")


def _tiny_tagger():
    nlp = plait.blank("en")
    nlp.add_pipe("tagger", config={"model": {"tok2vec": {
        "@architectures": "plait.HashEmbedCNN.v2", "width": 16, "depth": 1, "embed_size": 100,
        "window_size": 1, "maxout_pieces": 2, "subword_features": False, "pretrained_vectors": None}}})
    examples = [Example.from_dict(nlp.make_doc("I like cats"), {"tags": ["PRP", "VBP", "NNS"]})]
    return nlp, examples


def test_update_before_initialize():
    nlp, examples = _tiny_tagger()
    with pytest.raises(UsageError, match="component 'tagger' is not initialized.*nlp.initialize"):
        nlp.update(examples)
    nlp.initialize(lambda: examples)
    assert "tagger" in nlp.update(examples)


def test_damaged_weights_name_the_file(tmp_path):
    nlp, examples = _tiny_tagger()
    nlp.initialize(lambda: examples)
    nlp.to_disk(tmp_path / "pipe")
    weights = tmp_path / "pipe" / "tagger" / "model"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(SerializationError) as info:
        plait.load(tmp_path / "pipe")
    message = str(info.value)
    assert str(weights) in message and "damaged" in message
    assert "different architecture" not in message


def test_trust_code_hint_with_relative_path(tmp_path, monkeypatch):
    nlp = plait.blank("en")
    nlp.to_disk(tmp_path / "pipe")
    (tmp_path / "pipe" / "code").mkdir()
    (tmp_path / "pipe" / "code" / "functions.py").write_text("X = 1\n")
    meta_path = tmp_path / "pipe" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["code"] = ["code/functions.py"]
    meta_path.write_text(json.dumps(meta))
    cfg = (tmp_path / "pipe" / "config.cfg").read_text()
    cfg = cfg.replace("pipeline = []", 'pipeline = ["mystery"]')
    cfg = cfg.replace("[components]", '[components]\n\n[components.mystery]\nfactory = "test_bad_values_mystery"')
    (tmp_path / "pipe" / "config.cfg").write_text(cfg)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RegistryError, match=r"bundles code \(code/functions.py\)"):
        plait.load("pipe")


def test_debug_data_takes_a_partial_config_train_takes(tmp_path, ewt_dir):
    # No [corpora]: train completes it from the defaults (${paths.train});
    # debug data refused it ("no section [corpora.train]").
    import io

    from plait.cli.convert import convert
    from plait.cli.debug_data import debug_data

    sentences = (ewt_dir / "en_ewt-ud-dev.conllu").read_text(encoding="utf8").split("\n\n")[:30]
    src = tmp_path / "slice.conllu"
    src.write_text("\n\n".join(sentences) + "\n\n", encoding="utf8")
    convert(src, tmp_path / "c", progress=False)
    corpus = next((tmp_path / "c").glob("*.plait"))
    path = tmp_path / "partial.cfg"
    path.write_text(CONFIG.split("[training]")[0] + "[training]\nmax_steps = 10\n")
    out = io.StringIO()
    debug_data(path, overrides={"paths.train": str(corpus), "paths.dev": str(corpus)}, stdout=out)
    assert "train: 30 docs" in out.getvalue(), out.getvalue()
