"""The loop generator: evaluation cadence, stopping rules, schedules, resume."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import numpy
import pytest
from plait.training import checkpoint as ckpt
from plait.training.batchers import minibatch
from plait.training.loop import (
    create_evaluation_callback,
    create_train_batches,
    normalize_score_weights,
    train_while_improving,
)
from thinc.api import Adam, fix_random_seed

sys.path.insert(0, str(Path(__file__).parent))
from _loop_fakes import FakeNLP, make_data  # noqa: E402


def batcher(items):
    return minibatch(items, size=4)


def _run(max_steps=30, patience=0, eval_frequency=5, resume=None, nlp=None, optimizer=None,
         accumulate_gradient=1, before_update=None, dropout=0.1, max_epochs=0):
    if nlp is None:
        fix_random_seed(0)
        nlp = FakeNLP()
    optimizer = optimizer or Adam(0.01)
    train = make_data(40)
    dev = make_data(10, seed=1)
    batches = create_train_batches(nlp, lambda nlp: iter(train), batcher, max_epochs,
                                   shuffle_seed=0)
    evaluate = create_evaluation_callback(nlp, dev, normalize_score_weights({"neg_mse": 1.0}))
    return nlp, optimizer, train_while_improving(
        nlp, optimizer, batches, evaluate, dropout=dropout, eval_frequency=eval_frequency,
        accumulate_gradient=accumulate_gradient, patience=patience, max_steps=max_steps,
        exclude=[], annotating_components=[], before_update=before_update, resume=resume)


def test_evaluates_at_step_zero_and_every_frequency_and_stops_at_max_steps():
    _, _, loop = _run(max_steps=12, eval_frequency=5)
    steps, evals = [], []
    for _batch, info, is_best in loop:
        steps.append(info["step"])
        if is_best is not None:
            evals.append(info["step"])
            assert isinstance(info["score"], float)
            assert set(info) >= {"epoch", "step", "score", "other_scores", "losses", "checkpoints",
                                 "seconds", "words"}
        else:
            assert info["score"] is None
    assert steps == list(range(13))
    assert evals == [0, 5, 10]
    assert info["words"] == 13 * 4 * 3
    assert [s for _, s in info["checkpoints"]] == [0, 5, 10]


def test_training_improves_the_dev_score():
    _, _, loop = _run(max_steps=150, eval_frequency=50)
    scores = [info["score"] for _, info, best in loop if best is not None]
    # -MSE of a linear target: a real fit gets most of the way to 0.
    assert scores[-1] > scores[0] * 0.2


def test_patience_stops_early():
    # A learn rate of 0 never improves: stop `patience` steps after step 0.
    _, _, loop = _run(max_steps=100, patience=10, eval_frequency=5)
    nlp, opt, loop = _run(max_steps=100, patience=10, eval_frequency=5, optimizer=Adam(0.0))
    last = [info["step"] for _, info, _ in loop][-1]
    assert last == 10


def test_max_epochs_ends_the_stream_and_epochs_are_counted():
    _, _, loop = _run(max_steps=0, max_epochs=2, eval_frequency=100)
    infos = [info for _, info, _ in loop]
    assert len(infos) == 20  # 40 items / 4 per batch * 2 epochs
    assert {i["epoch"] for i in infos} == {0, 1}


def test_shuffle_is_seeded_and_differs_between_epochs():
    data = list(range(20))
    a = [b for _, b in create_train_batches(None, lambda nlp: data, batcher, 2, shuffle_seed=3)]
    b = [b for _, b in create_train_batches(None, lambda nlp: data, batcher, 2, shuffle_seed=3)]
    assert a == b
    assert sum(a[:5], []) != sum(a[5:], [])
    assert sorted(sum(a[:5], [])) == data


def test_streamed_corpus_is_not_shuffled():
    data = list(range(8))
    stream = create_train_batches(None, lambda nlp: iter(data), batcher, -1)
    got = list(itertools.islice(stream, 4))  # endless: epochs re-read the stream
    assert got == [(0, [0, 1, 2, 3]), (0, [4, 5, 6, 7]), (1, [0, 1, 2, 3]), (1, [4, 5, 6, 7])]


def test_before_update_and_accumulate_gradient():
    seen = []
    nlp, _, loop = _run(max_steps=3, accumulate_gradient=2,
                        before_update=lambda nlp, args: seen.append(dict(args)))
    list(loop)
    assert seen == [{"step": s, "epoch": 0} for s in range(4)]
    assert nlp.updates == 8  # two sub-batches per step


def test_dropout_schedule_is_consumed_per_step():
    drops = iter([0.0, 0.1, 0.2, 0.3, 0.4])
    nlp, _, loop = _run(max_steps=3, dropout=drops)
    list(loop)
    assert next(drops) == 0.4


def test_score_weights_are_normalized_and_nulls_dropped():
    assert normalize_score_weights({"a": 2.0, "b": 2.0, "c": None}) == {"a": 0.5, "b": 0.5}
    assert normalize_score_weights({"a": 0.0}) == {"a": 0.0}


def test_resume_in_the_middle_equals_an_uninterrupted_run():
    _, _, loop = _run(max_steps=40, eval_frequency=10)
    full = [info["score"] for _, info, best in loop if best is not None]

    nlp, optimizer, loop = _run(max_steps=40, eval_frequency=10)
    saved = None
    for _, info, best in loop:
        if best is not None and info["step"] == 20:
            saved = {
                "weights": nlp.pipeline[0][1].model.to_bytes(),
                "optimizer": ckpt.optimizer_to_msg(nlp, optimizer),
                "rng": ckpt.rng_state(),
                "loop": {"step": 21, "words": info["words"], "seconds": info["seconds"],
                         "results": [list(r) for r in info["checkpoints"]]},
            }
            break
    # Scramble the RNGs: the resumed run must not depend on process state.
    random.seed(123)
    numpy.random.seed(123)
    fix_random_seed(99)
    nlp2 = FakeNLP()
    nlp2.pipeline[0][1].model.from_bytes(saved["weights"])
    opt2 = Adam(0.01)
    ckpt.optimizer_from_msg(nlp2, opt2, saved["optimizer"], schedule_steps=21)
    resume = dict(saved["loop"], rng=saved["rng"])
    _, _, loop2 = _run(max_steps=40, eval_frequency=10, resume=resume, nlp=nlp2, optimizer=opt2)
    infos = [info for _, info, best in loop2 if best is not None]
    assert [i["step"] for i in infos] == [30, 40]
    assert [s for s, _ in infos[-1]["checkpoints"]] == full
    assert infos[-1]["score"] == full[-1]


def test_optimizer_state_roundtrip_maps_node_ids():
    fix_random_seed(0)
    nlp = FakeNLP()
    opt = Adam(0.01)
    _, _, loop = _run(max_steps=3, nlp=nlp, optimizer=opt)
    list(loop)
    msg = ckpt.optimizer_to_msg(nlp, opt)
    assert msg["params"] and all(r["pipe"] == "reg" for r in msg["params"])
    nlp2 = FakeNLP()
    opt2 = Adam(0.01)
    ckpt.optimizer_from_msg(nlp2, opt2, msg, schedule_steps=0)
    model2 = nlp2.pipeline[0][1].model
    key = (model2.layers[0].id, "W")
    old_key = (nlp.pipeline[0][1].model.layers[0].id, "W")
    numpy.testing.assert_array_equal(opt2.mom1[key], opt.mom1[old_key])
    numpy.testing.assert_array_equal(opt2.mom2[key], opt.mom2[old_key])
    assert opt2.nr_update[key] == opt.nr_update[old_key] == 4


def test_rng_state_roundtrip():
    random.seed(5)
    numpy.random.seed(5)
    state = ckpt.rng_state()
    a = (random.random(), float(numpy.random.rand()))
    ckpt.set_rng_state(state)
    assert (random.random(), float(numpy.random.rand())) == a


def test_optimizer_state_mismatch_is_reported():
    fix_random_seed(0)
    nlp = FakeNLP()
    msg = {"params": [{"pipe": "reg", "node": 99, "param": "W", "nr_update": 1, "last_seen": 0}]}
    from plait.errors import SerializationError
    with pytest.raises(SerializationError, match="component 'reg' node 99"):
        ckpt.optimizer_from_msg(nlp, Adam(0.01), msg, schedule_steps=0)


def test_training_batch_size_sets_the_batchers_size():
    """The spec's `[training] batch_size` (int or schedule) is the batcher's size."""
    from plait.config import load_config_from_str
    from plait.training.initialize import resolve_training

    base = """
[training]
train_corpus = "corpora.train"
dev_corpus = "corpora.dev"
{extra}
[training.batcher]
@batchers = "plait.batch_by_sequence.v1"
size = 100
get_length = null
"""
    fixed = load_config_from_str(base.format(extra="batch_size = 3"), interpolate_values=True)
    batches = list(resolve_training(fixed)["batcher"](list(range(10))))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    scheduled = load_config_from_str(base.format(
        extra='[training.batch_size]\n@schedules = "compounding.v1"\nstart = 2\nstop = 4\ncompound = 2.0\n'),
        interpolate_values=True)
    batches = list(resolve_training(scheduled)["batcher"](list(range(12))))
    assert [len(b) for b in batches] == [2, 4, 4, 2]
