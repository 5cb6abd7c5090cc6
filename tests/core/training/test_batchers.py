"""Batchers: sizes, schedules, tolerance, oversize handling, config resolution."""

from __future__ import annotations

import pytest
from plait.errors import UsageError
from plait.training.batchers import (
    configure_minibatch,
    configure_minibatch_by_padded_size,
    configure_minibatch_by_words,
    minibatch,
    minibatch_by_padded_size,
    minibatch_by_words,
)
from thinc.api import compounding


def test_minibatch_int():
    assert list(minibatch(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_minibatch_iterable_schedule():
    assert list(minibatch(range(10), iter([1, 2, 3, 100]))) == [[0], [1, 2], [3, 4, 5], [6, 7, 8, 9]]


def test_minibatch_generator_float_sizes():
    def my_custom_schedule(start=1, factor=2.0):
        while True:
            yield start
            start = start * factor

    sizes = [len(b) for b in minibatch(range(15), my_custom_schedule())]
    assert sizes == [1, 2, 4, 8]


def test_minibatch_thinc_schedule():
    sched = compounding(2.0, 100.0, 2.0)
    sizes = [len(b) for b in minibatch(range(30), sched)]
    assert sizes == [2, 4, 8, 16]


def test_bad_sizes():
    with pytest.raises(UsageError, match="at least 1"):
        list(minibatch(range(3), 0))
    with pytest.raises(UsageError, match="not complex"):
        list(minibatch(range(3), 1.5j))
    with pytest.raises(UsageError, match="schedule is empty"):
        list(minibatch(range(3), []))
    with pytest.raises(UsageError, match="number or a schedule"):
        list(minibatch(range(3), True))


def test_by_words_fills_to_target():
    seqs = ["x" * n for n in [3, 3, 3, 3, 3, 3]]
    batches = list(minibatch_by_words(seqs, size=6, tolerance=0.0))
    assert [sum(map(len, b)) for b in batches] == [6, 6, 6]


def test_by_words_tolerance_and_oversize():
    seqs = ["x" * n for n in [4, 4, 30, 3, 1]]
    batches = list(minibatch_by_words(seqs, size=10, tolerance=0.2))
    assert [len(s) for s in batches[0]] == [30]  # oversize goes alone, first
    flat = sorted(len(s) for b in batches for s in b)
    assert flat == [1, 3, 4, 4, 30]
    assert all(sum(map(len, b)) <= 12 for b in batches if len(b) > 1)
    dropped = list(minibatch_by_words(seqs, size=10, tolerance=0.2, discard_oversize=True))
    assert 30 not in [len(s) for b in dropped for s in b]


def test_by_words_keeps_every_item_on_real_lengths():
    lengths = [(i * 7919) % 53 + 1 for i in range(500)]
    seqs = ["x" * n for n in lengths]
    batches = list(minibatch_by_words(seqs, size=200, tolerance=0.2))
    assert sorted(len(s) for b in batches for s in b) == sorted(lengths)
    assert all(sum(map(len, b)) <= 240 for b in batches)


def test_by_padded_size():
    seqs = ["x" * n for n in [5, 1, 9, 2, 40, 3]]
    batches = list(minibatch_by_padded_size(seqs, size=20, buffer=256))
    for b in batches:
        if len(b) > 1:
            assert max(map(len, b)) * len(b) <= 20
    assert sorted(len(s) for b in batches for s in b) == [1, 2, 3, 5, 9, 40]
    dropped = list(minibatch_by_padded_size(seqs, size=20, discard_oversize=True))
    assert 40 not in [len(s) for b in dropped for s in b]


def test_configure_functions():
    assert list(configure_minibatch(size=2)(range(5))) == [[0, 1], [2, 3], [4]]
    by_words = configure_minibatch_by_words(size=4, tolerance=0.0, discard_oversize=False)
    assert list(by_words(["ab", "cd", "ef"])) == [["ab", "cd"], ["ef"]]
    by_words_len = configure_minibatch_by_words(
        size=4, tolerance=0.0, discard_oversize=False, get_length=lambda s: 1
    )
    assert len(list(by_words_len(["ab", "cd", "ef"]))[0]) == 3
    padded = configure_minibatch_by_padded_size(size=4, buffer=8, discard_oversize=False)
    assert sorted(len(b) for b in padded(["ab", "cd", "ef"])) == [1, 2]


BATCHER_CFG = """
[training]

[training.batcher]
@batchers = "plait.batch_by_words.v1"
discard_oversize = false
tolerance = 0.2

[training.batcher.size]
@schedules = "compounding.v1"
start = 10
stop = 100
compound = 2.0
"""


def test_batcher_resolves_from_config():
    from confection import Config
    from plait import registry

    cfg = Config().from_str(BATCHER_CFG)
    batcher = registry.resolve(cfg)["training"]["batcher"]
    seqs = ["x" * 5] * 40
    sizes = [sum(map(len, b)) for b in batcher(seqs)]
    assert sizes[:3] == [10, 20, 40]
    assert sum(sizes) == 200


def test_sequence_batcher_with_generator_schedule_from_config():
    from confection import Config
    from plait import registry

    @registry.schedules("test_plait_doubling.v1")
    def doubling(start: int = 1):
        while True:
            yield start
            start *= 2

    cfg = Config().from_str(
        '[b]\n@batchers = "plait.batch_by_sequence.v1"\n'
        '[b.size]\n@schedules = "test_plait_doubling.v1"\nstart = 2\n'
    )
    batcher = registry.resolve(cfg)["b"]
    assert [len(b) for b in batcher(range(14))] == [2, 4, 8]
