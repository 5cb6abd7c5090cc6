"""Resolving configs through the registry: the spec's excerpts and located errors."""

from __future__ import annotations

import pydantic
import pytest
from plait import registry
from plait.config import fill, load_config_from_str, resolve
from plait.errors import ConfigError, RegistryError


@registry.callbacks("test_resolution.strict_callback.v1")
def make_strict_callback(extra_stop_words: list[str] = [], debug: pydantic.StrictBool = False):  # noqa: B006 - spec
    def callback(lang_cls):
        return lang_cls
    callback.debug = debug  # type: ignore[attr-defined]
    return callback


@registry.schedules("test_resolution.my_custom_schedule.v1")
def my_custom_schedule(start: int = 1, factor: float = 1.001):
    while True:
        yield start
        start = start * factor


def test_batch_size_as_schedule_section():
    config = load_config_from_str(
        """
[training]
[training.batch_size]
@schedules = "compounding.v1"
start = 100
stop = 1000
compound = 1.001
"""
    )
    resolved = resolve(config)
    schedule = resolved["training"]["batch_size"]  # thinc's compounding.v1 is a generator
    assert [next(schedule) for _ in range(3)] == pytest.approx([100, 100.1, 100.2001])


def test_custom_schedule_generator():
    config = load_config_from_str(
        '[training]\n[training.batch_size]\n@schedules = "test_resolution.my_custom_schedule.v1"\nstart = 2\nfactor = 1.005\n'
    )
    gen = resolve(config)["training"]["batch_size"]
    assert next(gen) == 2 and next(gen) == pytest.approx(2.01)


def test_strict_bool_accepts_true_rejects_one():
    good = '[nlp]\n[nlp.before_creation]\n@callbacks = "test_resolution.strict_callback.v1"\ndebug = true\n'
    assert resolve(load_config_from_str(good))["nlp"]["before_creation"].debug is True
    bad = good.replace("debug = true", "debug = 1")
    with pytest.raises(ConfigError) as err:
        resolve(load_config_from_str(bad))
    assert "[nlp.before_creation] debug:" in str(err.value)
    assert err.value.errors[0]["loc"] == ("nlp", "before_creation", "debug")


def test_wrong_type_names_section_and_key():
    text = '[training]\n[training.batch_size]\n@schedules = "test_resolution.my_custom_schedule.v1"\nstart = "abc"\n'
    with pytest.raises(ConfigError, match=r"\[training.batch_size\] start: expected a whole number, got the string 'abc'"):
        resolve(load_config_from_str(text))


def test_unknown_argument_suggests_closest():
    text = '[training]\n[training.batch_size]\n@schedules = "test_resolution.my_custom_schedule.v1"\nstrat = 3\n'
    with pytest.raises(ConfigError) as err:
        resolve(load_config_from_str(text))
    assert "[training.batch_size] strat:" in str(err.value)
    assert "Did you mean 'start'?" in str(err.value)


def test_unknown_registered_name_suggests_closest():
    text = '[training]\n[training.batch_size]\n@schedules = "compoundin.v1"\nstart = 1\n'
    with pytest.raises(RegistryError) as err:
        resolve(load_config_from_str(text))
    message = str(err.value)
    assert message.startswith("[training.batch_size] @schedules: no function 'compoundin.v1'")
    assert "compounding.v1" in message


def test_unknown_registry():
    with pytest.raises(RegistryError, match=r"unknown registry '@batcherz'. Did you mean 'batchers'"):
        resolve(load_config_from_str('[training]\n[training.batcher]\n@batcherz = "x"\n'))


def test_fill_adds_defaults():
    filled = fill(load_config_from_str(
        '[training]\n[training.batch_size]\n@schedules = "test_resolution.my_custom_schedule.v1"\n'))
    assert filled["training"]["batch_size"]["start"] == 1
    assert filled["training"]["batch_size"]["factor"] == 1.001
