"""Loading configs: files, stdin, overrides (CLI and env) and their errors."""

from __future__ import annotations

import pytest
from plait.config import load_config, load_config_from_str, parse_cli_overrides
from plait.errors import ConfigError, UsageError

SPEC_INTERPOLATION = """
[paths]
version = 5
root = "/Users/you/data"
train = "${paths.root}/train_${paths.version}.spacy"

[system]
seed = 0

[training]
seed = ${system.seed}

[training.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2_is_weight_decay = true
L2 = 0.01
grad_clip = 1.0
use_averages = false
eps = 1e-8

[pretraining]
optimizer = ${training.optimizer}
"""


def test_spec_interpolation_in_strings_and_sections():
    config = load_config_from_str(SPEC_INTERPOLATION, interpolate_values=True)
    assert config["paths"]["train"] == "/Users/you/data/train_5.spacy"
    assert config["training"]["seed"] == 0
    assert config["pretraining"]["optimizer"] == config["training"]["optimizer"]
    assert config["pretraining"]["optimizer"]["@optimizers"] == "Adam.v1"


def test_overrides_apply_before_interpolation():
    config = load_config_from_str(SPEC_INTERPOLATION, {"paths.version": 7, "system.seed": 42},
                                  interpolate_values=True)
    assert config["paths"]["train"] == "/Users/you/data/train_7.spacy"
    assert config["training"]["seed"] == 42


def test_parse_cli_overrides_types():
    parsed = parse_cli_overrides(
        ["--paths.train", "./train.plait", "--training.max_steps=100", "--training.dropout", "0.2",
         "--nlp.pipeline", '["tagger"]', "--training.flag"]
    )
    assert parsed == {"paths.train": "./train.plait", "training.max_steps": 100,
                      "training.dropout": 0.2, "nlp.pipeline": ["tagger"], "training.flag": True}


def test_override_of_missing_key_names_closest(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config_from_str(SPEC_INTERPOLATION, {"paths.trian": "x"})
    assert "paths.trian" in str(err.value)
    assert "Did you mean 'paths.train'?" in str(err.value)


def test_override_of_missing_section():
    with pytest.raises(ConfigError, match=r"no section 'corpora'"):
        load_config_from_str(SPEC_INTERPOLATION, {"corpora.train.path": "x"})


def test_env_overrides_win_over_cli(tmp_path, monkeypatch):
    path = tmp_path / "config.cfg"
    path.write_text(SPEC_INTERPOLATION)
    monkeypatch.setenv("PLAIT_CONFIG_OVERRIDES", "--paths.version 9 --system.seed 3")
    logged: list[str] = []
    config = load_config(path, {"paths.version": 7}, interpolate=True, log=logged.append)
    assert config["paths"]["train"].endswith("train_9.spacy")
    assert config["training"]["seed"] == 3
    assert any("environment" in line and "paths.version" in line for line in logged)


def test_bad_env_overrides_are_named(monkeypatch):
    monkeypatch.setenv("PLAIT_CONFIG_OVERRIDES", "paths.version 9")
    with pytest.raises(UsageError, match="PLAIT_CONFIG_OVERRIDES"):
        load_config("-")


def test_stdin(monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(SPEC_INTERPOLATION))
    config = load_config("-", interpolate=True)
    assert config["training"]["seed"] == 0


def test_missing_file():
    with pytest.raises(ConfigError, match="config file 'nope.cfg' not found"):
        load_config("nope.cfg")


@pytest.mark.parametrize("text", ["", "   \n# only a comment\n"])
def test_empty_config(text):
    with pytest.raises(ConfigError, match="empty|no sections"):
        load_config_from_str(text, source="c.cfg")


def test_syntax_error_names_line():
    with pytest.raises(ConfigError) as err:
        load_config_from_str("[training]\nseed = 1\n[training\nx = 2\n", source="c.cfg")
    assert "c.cfg" in str(err.value) and "line" in str(err.value)


def test_misspelled_section():
    with pytest.raises(ConfigError, match=r"unknown section \[trainng\]. Did you mean \[training\]"):
        load_config_from_str("[trainng]\nseed = 1\n")


def test_misspelled_training_key():
    with pytest.raises(ConfigError, match=r"\[training\] max_step: unknown setting. Did you mean 'max_steps'"):
        load_config_from_str("[training]\nmax_step = 1\n")


def test_bad_interpolation_is_reported():
    with pytest.raises(ConfigError, match="x.y"):
        load_config_from_str("[paths]\ntrain = ${x.y}\n", interpolate_values=True)
