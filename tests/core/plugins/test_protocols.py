"""The registry contracts: the built-ins are what their registry promises."""

from __future__ import annotations

import pytest
from plait import registry
from plait.plugins import protocols


@pytest.mark.parametrize(
    ("reg", "name", "settings", "contract"),
    [
        ("batchers", "plait.batch_by_words.v1", {"size": 100, "tolerance": 0.2, "discard_oversize": False},
         protocols.Batcher),
        ("batchers", "plait.batch_by_sequence.v1", {"size": 8}, protocols.Batcher),
        ("loggers", "plait.ConsoleLogger.v1", {}, protocols.Logger),
        ("augmenters", "plait.lower_case.v1", {"level": 0.5}, protocols.Augmenter),
        ("scorers", "plait.tagger_scorer.v1", {}, protocols.ScoreFunc),
    ],
)
def test_registered_function_returns_its_contract(reg, name, settings, contract):
    made = getattr(registry, reg).get(name)(**settings)
    assert isinstance(made, contract)


def test_a_converter_is_its_contract_and_a_non_callable_is_not():
    assert isinstance(registry.converters.get("conllu"), protocols.Converter)
    assert not isinstance("not callable", protocols.Reader)


def test_batcher_batches():
    batcher = registry.batchers.get("plait.batch_by_sequence.v1")(size=2)
    assert list(batcher(range(5))) == [[0, 1], [2, 3], [4]]
