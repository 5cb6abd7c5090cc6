"""The ``ner`` and ``beam_ner`` components on UNER English EWT: config,
labels, training on dev to a tested F on test, entities that never overlap,
an entity_ruler's entities kept, partial annotation, beam search,
serialization and the errors bad data gets."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import plait
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plait import attrs as A
from plait.errors import ConfigError, DataError, UsageError
from plait.tokens import Doc, Span
from plait.training import Example
from thinc.api import fix_random_seed

N_TRAIN, EPOCHS = None, 6  # all of UNER dev (2,001 sentences)
SMALL = {"model": {"hidden_width": 32, "tok2vec": {"width": 32, "depth": 2}}}


def uner(uner_dir: Path, split: str, limit: int | None = None) -> list[Example]:
    from plait_readers.iob import iob_to_docs

    path = uner_dir / f"en_ewt-ud-{split}.iob2"
    if not path.exists():
        pytest.skip(f"UNER corpus absent at {path}")
    refs = list(iob_to_docs(path, n_sents=1))[:limit]
    return [Example(Doc(r.vocab, r.words, [bool(t.whitespace_) for t in r]), r) for r in refs]


def train(nlp, examples, epochs, *, words_per_batch=400, seed=0, on_epoch=None):
    fix_random_seed(seed)
    rng = random.Random(seed)
    optimizer = nlp.initialize(lambda: examples)
    examples = list(examples)
    for epoch in range(epochs):
        rng.shuffle(examples)
        batch, words = [], 0
        for eg in examples:
            batch.append(eg)
            words += len(eg.predicted)
            if words >= words_per_batch:
                nlp.update(batch, sgd=optimizer, drop=0.1)
                batch, words = [], 0
        if batch:
            nlp.update(batch, sgd=optimizer, drop=0.1)
        if on_epoch is not None:
            on_epoch(epoch)
    return optimizer


def check_ents(doc) -> None:
    """Entities on token boundaries, sorted, never overlapping, IOB consistent."""
    last_end = 0
    for ent in doc.ents:
        assert 0 <= ent.start < ent.end <= len(doc)
        assert ent.start >= last_end
        assert ent.label_
        last_end = ent.end
    iob = [t.ent_iob_ for t in doc]
    for ent in doc.ents:
        assert iob[ent.start] == "B"
        assert all(x == "I" for x in iob[ent.start + 1 : ent.end])
    inside = np.zeros(len(doc), dtype=bool)
    for ent in doc.ents:
        inside[ent.start : ent.end] = True
    assert all(iob[i] == "O" for i in np.flatnonzero(~inside))


@pytest.fixture(scope="module")
def trained(uner_dir):
    nlp = plait.blank("en")
    ner = nlp.add_pipe("ner", config=SMALL)
    examples = uner(uner_dir, "dev", N_TRAIN)
    snapshots = {}

    def on_epoch(epoch):
        if epoch == EPOCHS // 2 - 1:
            snapshots["half"] = ner.model.to_bytes()

    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    snapshots["untrained"] = ner.model.to_bytes()
    train(nlp, examples, EPOCHS, on_epoch=on_epoch)
    snapshots["trained"] = ner.model.to_bytes()
    return nlp, snapshots


# Config and labels -------------------------------------------------------------
def test_factory_defaults():
    nlp = plait.blank("en")
    nlp.add_pipe("ner")
    cfg = nlp.config["components"]["ner"]
    assert cfg["moves"] is None and cfg["incorrect_spans_key"] is None
    assert cfg["update_with_oracle_cut_size"] == 100
    assert cfg["scorer"] == {"@scorers": "plait.ner_scorer.v1"}
    model = cfg["model"]
    assert (model["state_type"], model["hidden_width"], model["maxout_pieces"]) == ("ner", 64, 2)
    assert nlp.config["training"]["score_weights"]["ents_f"] == 1.0
    beam = plait.blank("en").add_pipe("beam_ner")
    assert (beam.cfg["beam_width"], beam.cfg["beam_density"], beam.cfg["beam_update_prob"]) == (8, 0.01, 0.5)
    with pytest.raises(ConfigError, match="state_type"):
        plait.blank("en").add_pipe("ner", config={"model": {"state_type": "parser"}})


def test_labels_from_data_and_label_data(uner_dir):
    nlp = plait.blank("en")
    ner = nlp.add_pipe("ner")
    examples = uner(uner_dir, "dev", 300)
    nlp.initialize(lambda: examples)
    assert set(ner.labels) == {"PER", "LOC", "ORG"}
    assert ner.move_names[0] == "O" and len(ner.move_names) == 13
    assert ner.model.get_dim("nO") == 13
    again = plait.blank("en").add_pipe("ner")
    again.initialize(lambda: examples[:3], labels=ner.label_data)
    assert again.move_names == ner.move_names


def test_add_label_grows_a_trained_model(trained, uner_dir):
    # A copy of the trained model (a short training of its own may predict no entity yet).
    base, snapshots = trained
    nlp = plait.blank("en")
    ner = nlp.add_pipe("ner", config=SMALL)
    examples = uner(uner_dir, "dev", 200)
    ner.initialize(lambda: examples[:3], labels=base.get_pipe("ner").label_data)
    ner.model.from_bytes(snapshots["trained"])
    texts = [eg.reference.text for eg in examples[:40]]
    before = [[(e.start, e.end, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    n_moves = ner.model.get_dim("nO")
    assert sum(map(len, before)) > 0
    ner.add_label("PRODUCT")
    assert "U-PRODUCT" in ner.move_names
    assert ner.model.get_dim("nO") == n_moves + 4 == len(ner.move_names)
    after = [[(e.start, e.end, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    assert before == after


# Training ----------------------------------------------------------------------
@pytest.mark.slow
def test_trained_on_uner_dev_finds_entities_on_test(trained, uner_dir):
    nlp, _ = trained
    test = uner(uner_dir, "test")
    scores = nlp.evaluate(test)
    # Measured (seed 0, all of dev x 6 epochs, batches of 400 words): ents_f
    # 0.443, PER 0.434 (8 epochs: 0.452; the default, wider model: about the same).
    assert scores["ents_f"] > 0.38, scores
    assert scores["ents_per_type"]["PER"]["f"] > 0.35, scores


def test_missing_annotation_is_not_penalised(uner_dir):
    nlp = plait.blank("en")
    ner = nlp.add_pipe("ner", config=SMALL)
    examples = uner(uner_dir, "dev", 50)
    nlp.initialize(lambda: examples)
    words = examples[0].reference.words
    unannotated = Example(Doc(nlp.vocab, words), Doc(nlp.vocab, words))
    loss, grads = ner.get_loss([unannotated])
    assert loss == pytest.approx(0.0, abs=1e-6)
    assert all(not g.any() for g in grads)
    loss, _ = ner.get_loss(examples[:5])
    assert loss > 0


def test_incorrect_spans_key_is_penalised(uner_dir):
    nlp = plait.blank("en")
    ner = nlp.add_pipe("ner", config={**SMALL, "incorrect_spans_key": "wrong"})
    assert ner.moves.incorrect_spans_key == "wrong"
    examples = uner(uner_dir, "dev", 30)
    nlp.initialize(lambda: examples)
    words = ["Ann", "lives", "in", "Paris"]
    ref = Doc(nlp.vocab, words)
    plain = Example(Doc(nlp.vocab, words), ref)
    ref2 = Doc(nlp.vocab, words)
    ref2.spans["wrong"] = [Span(ref2, i, i + 1, label=lab) for i in range(4) for lab in ner.labels]
    marked = Example(Doc(nlp.vocab, words), ref2)
    assert ner.get_loss([plain])[0] == pytest.approx(0.0, abs=1e-6)
    assert ner.get_loss([marked])[0] > 0


# Preset entities ---------------------------------------------------------------
@pytest.mark.slow
def test_entity_ruler_before_ner_keeps_its_entities(trained):
    nlp, _ = trained
    ruler = nlp.add_pipe("entity_ruler", before="ner")
    try:
        ruler.add_patterns([
            {"label": "LOC", "pattern": "Washington"},
            {"label": "FAC", "pattern": [{"LOWER": "central"}, {"LOWER": "park"}]},  # not an ner label
            {"label": "ORG", "pattern": "Google"},
        ])
        texts = ["I met John Smith in Washington near Central Park .",
                 "Google hired Mary Jones from London last year .",
                 "Washington Google Central Park"] * 3
        for doc in nlp.pipe(texts):
            check_ents(doc)
            got = {(e.text, e.label_) for e in doc.ents}
            if "Washington" in doc.text:
                assert ("Washington", "LOC") in got
            if "Central Park" in doc.text:
                assert ("Central Park", "FAC") in got
            if "Google" in doc.text:
                assert ("Google", "ORG") in got
    finally:
        nlp.remove_pipe("entity_ruler")


def test_preset_entities_kept_while_training(uner_dir):
    # The predicted docs carry an earlier component's entities: updates
    # parse around them and never fail on them.
    nlp = plait.blank("en")
    nlp.add_pipe("ner", config=SMALL)
    examples = uner(uner_dir, "dev", 60)
    optimizer = nlp.initialize(lambda: examples)
    for eg in examples:
        if len(eg.predicted) > 2:
            eg.predicted.ents = [Span(eg.predicted, 0, 1, label="PRESET")]
    losses = nlp.update(examples, sgd=optimizer)
    assert losses["ner"] > 0
    docs = [Doc(nlp.vocab, eg.predicted.words) for eg in examples]
    for doc in docs:
        if len(doc) > 2:
            doc.ents = [Span(doc, 0, 1, label="PRESET")]
    for doc in nlp.get_pipe("ner").pipe(docs):
        check_ents(doc)
        if len(doc) > 2:
            assert (doc.ents[0].start, doc.ents[0].end, doc.ents[0].label_) == (0, 1, "PRESET")


# Valid output ------------------------------------------------------------------
WORDS = ["John", "Smith", "went", "to", "New", "York", "City", ".", "the", "Google", "and", "London"]


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["untrained", "half", "trained"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=50), min_size=1, max_size=8),
       beam=st.sampled_from([1, 1, 3]))
def test_entities_never_overlap(trained, stage, data, beam):
    nlp, snapshots = trained
    ner = nlp.get_pipe("ner")
    current = ner.model.to_bytes()
    ner.model.from_bytes(snapshots[stage])
    ner.cfg["beam_width"] = beam
    try:
        for doc in ner.pipe([Doc(nlp.vocab, words) for words in data], batch_size=3):
            check_ents(doc)
    finally:
        ner.cfg["beam_width"] = 1
        ner.model.from_bytes(current)


# Beam --------------------------------------------------------------------------
@pytest.mark.slow
def test_beam_width_one_equals_greedy(trained, uner_dir):
    nlp, _ = trained
    ner = nlp.get_pipe("ner")
    texts = [eg.reference.text for eg in uner(uner_dir, "test", 200)]
    greedy = [[(e.start, e.end, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    ner.cfg["beam_width"] = 1
    from plait_pipes._beam import beam_parse

    docs = [nlp.make_doc(t) for t in texts]
    states, rows = beam_parse(ner, ner.model.predict(docs), docs)
    ner.moves.set_annotations(docs, states, rows)
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in docs] == greedy


@pytest.mark.slow
def test_beam_ner_learns_with_the_beam_objective_alone(uner_dir):
    # Every update uses the global beam objective: on a small set it must
    # fit the training data (measured: train F 0.34, 0.78, 0.89 after 5, 10, 15 epochs).
    nlp = plait.blank("en")
    nlp.add_pipe("beam_ner", config={**SMALL, "beam_width": 4, "beam_update_prob": 1.0})
    examples = [eg for eg in uner(uner_dir, "dev", 600) if len(eg.reference.ents)][:80]
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    for doc in nlp.pipe([eg.reference.text for eg in examples]):  # untrained
        check_ents(doc)
    train(nlp, examples, 15, words_per_batch=300)
    for doc in nlp.pipe([eg.reference.text for eg in examples]):
        check_ents(doc)
    scores = nlp.evaluate(examples)
    assert scores["ents_f"] > 0.75, scores


# Serialization -----------------------------------------------------------------
@pytest.mark.slow
def test_saved_pipeline_reloads_with_identical_predictions(trained, uner_dir, tmp_path):
    nlp, _ = trained
    texts = [eg.reference.text for eg in uner(uner_dir, "test", 150)]
    expected = [[(e.start, e.end, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    assert sum(map(len, expected)) > 10
    nlp.to_disk(tmp_path / "n")
    loaded = plait.load(tmp_path / "n")
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in loaded.pipe(texts)] == expected


# Errors ------------------------------------------------------------------------
def test_invalid_entity_tags_error_names_doc_and_token(uner_dir):
    nlp = plait.blank("en")
    nlp.add_pipe("ner", config=SMALL)
    good = uner(uner_dir, "dev", 20)
    optimizer = nlp.initialize(lambda: good)
    words = ["Ann", "Lee", "smiled"]
    ref = Doc(nlp.vocab, words)
    # I-PER after O: an entity continued that never began (set as raw columns;
    # Doc(ents=...) refuses it already).
    per = nlp.vocab.strings.add("PER")
    ref.from_array([A.ENT_IOB, A.ENT_TYPE], np.array([[2, 0], [1, per], [2, 0]], dtype=np.uint64))
    bad = Example(Doc(nlp.vocab, words), ref)
    with pytest.raises(DataError) as err:
        nlp.update(good[:2] + [bad], sgd=optimizer)
    msg = str(err.value)
    assert "example 2" in msg and "token 1" in msg and "Lee" in msg, msg
    fresh = plait.blank("en")
    fresh.add_pipe("ner", config=SMALL)
    with pytest.raises(DataError, match="token 1"):
        fresh.initialize(lambda: [bad])


def test_untrained_component_refuses_to_predict():
    nlp = plait.blank("en")
    nlp.add_pipe("ner")
    with pytest.raises(UsageError, match="no labels"):
        nlp("Ann lives in Paris .")


@pytest.mark.slow
def test_chunked_prediction_equals_one_batch(uner_dir, monkeypatch):
    # The ner's own tok2vec runs per chunk: small chunks of docs sorted by
    # length must give every doc the entities one big batch gives it, preset
    # entities included.
    from plait_pipes import _transition_pipe

    fix_random_seed(0)
    nlp = plait.blank("en")
    ner = nlp.add_pipe("ner", config=SMALL)
    train(nlp, uner(uner_dir, "dev", 600), 2, words_per_batch=200)
    docs = [Doc(nlp.vocab, eg.predicted.words) for eg in uner(uner_dir, "test", 150)]
    for doc in docs[::7]:
        if len(doc) > 3:
            doc.ents = [Span(doc, 1, 2, label="PRESET")]

    def run(budget):
        monkeypatch.setattr(_transition_pipe, "PREDICT_CHUNK_TOKENS", budget)
        out = [d.copy() for d in docs]
        parses = ner.predict(out)
        ner.set_annotations(out, parses)
        return len(parses.chunks), [[(e.start, e.end, e.label_) for e in d.ents] for d in out]

    n_whole, expected = run(10**9)
    n_chunked, got = run(50)
    assert n_whole == 1 and n_chunked > 10
    assert got == expected
    preset = sum(1 for d in docs[::7] if len(d) > 3)
    assert sum(len(ents) for ents in got) > preset + 5  # entities beyond the preset ones


def test_malloc_thresholds_are_set_once_and_can_be_turned_off(monkeypatch):
    import platform

    from plait_pipes import _malloc

    monkeypatch.setenv(_malloc.ENV, "0")
    assert _malloc._apply() is False
    monkeypatch.delenv(_malloc.ENV)
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert _malloc._apply() is glibc
    monkeypatch.setattr(_malloc, "_state", {})
    assert _malloc.keep_freed_memory() is glibc
    monkeypatch.setattr(_malloc, "_apply", lambda: pytest.fail("applied twice"))
    assert _malloc.keep_freed_memory() is glibc


def test_fused_step_loss_equals_step_loss_and_best_valid():
    from plait_pipes._transition_pipe import best_valid, step_loss
    from plait_pipes.ner import step_loss_and_best
    from plait_pipes.transition.biluo import INVALID_COST

    rng = np.random.default_rng(0)
    for _ in range(20):
        n, m = rng.integers(1, 40), rng.integers(2, 20)
        scores = rng.normal(size=(n, m)).astype(np.float32)
        costs = rng.integers(0, 3, size=(n, m)).astype(np.float32)
        costs[rng.random((n, m)) < 0.4] = INVALID_COST
        costs[np.arange(n), rng.integers(0, m, n)] = rng.integers(0, 3, n)  # a valid move per row
        valid = costs < INVALID_COST
        d_ref, loss_ref = step_loss(scores, valid, costs)
        d, loss, best = step_loss_and_best(scores, costs)
        assert d.dtype == np.float32
        np.testing.assert_allclose(d, d_ref, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(loss, loss_ref, rtol=1e-6)
        assert (best == best_valid(scores, valid)).all()
