"""The ``parser`` and ``beam_parser`` components on real EWT sentences:
config, labels, training to a tested UAS/LAS, valid trees from untrained to
trained models, beam search, serialization and the errors bad data gets."""

from __future__ import annotations

import random

import numpy as np
import plait
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plait.errors import ConfigError, DataError, SerializationError, UsageError
from plait.tokens import Doc
from plait.training import Example
from plait_pipes import _transition_pipe
from plait_pipes._transition_pipe import Parses, predict_chunks, step_loss
from thinc.api import fix_random_seed

N_TRAIN, N_DEV, EPOCHS = 500, 200, 6
# A narrower network than the default, so the trained fixture takes seconds.
SMALL = {"model": {"hidden_width": 64, "tok2vec": {"width": 64, "depth": 2}}}


def train(nlp, examples, epochs, *, words_per_batch=400, seed=0, on_epoch=None):
    """A short nlp.update loop (batches of about `words_per_batch` words)."""
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


def paragraphs(nlp, examples, per_doc=3):
    """Examples whose docs hold `per_doc` consecutive sentences (heads, deps),
    as `plait convert` groups them: the parser learns sentence boundaries."""
    out = []
    for i in range(0, len(examples), per_doc):
        group = examples[i : i + per_doc]
        words, heads, deps, start = [], [], [], 0
        for eg in group:
            words += eg.reference.words
            heads += [t.head.i + start for t in eg.reference]
            deps += [t.dep_ for t in eg.reference]
            start += len(eg.reference)
        ref = Doc(nlp.vocab, words, heads=heads, deps=deps)
        out.append(Example(Doc(nlp.vocab, words), ref))
    return out


def check_trees(doc) -> None:
    """One root per sentence, no cycles, every head inside its sentence."""
    n = len(doc)
    if not n:
        return
    heads = np.array([t.head.i for t in doc])
    assert ((heads >= 0) & (heads < n)).all()
    sents = list(doc.sents)
    assert sum(len(s) for s in sents) == n
    for sent in sents:
        h = heads[sent.start : sent.end]
        assert ((h >= sent.start) & (h < sent.end)).all(), (sent.start, sent.end, h)
        roots = [i for i in range(sent.start, sent.end) if heads[i] == i]
        assert len(roots) == 1, roots
        for i in range(sent.start, sent.end):
            j, seen = i, 0
            while heads[j] != j:
                j = heads[j]
                seen += 1
                assert seen <= len(sent), "cycle"


@pytest.fixture(scope="module")
def trained(make_ewt_examples):
    """A small parser trained briefly on EWT, with snapshots of its weights:
    untrained, after one epoch, at the end."""
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config=SMALL)
    examples = paragraphs(nlp, make_ewt_examples(nlp, "train", N_TRAIN))
    snapshots = {}

    def on_epoch(epoch):
        if epoch == EPOCHS // 2 - 1:
            snapshots["half"] = parser.model.to_bytes()

    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    snapshots["untrained"] = parser.model.to_bytes()
    train(nlp, examples, EPOCHS, on_epoch=on_epoch)
    snapshots["trained"] = parser.model.to_bytes()
    return nlp, snapshots


# Config and labels -------------------------------------------------------------
def test_factory_defaults():
    nlp = plait.blank("en")
    nlp.add_pipe("parser")
    cfg = nlp.config["components"]["parser"]
    assert cfg["moves"] is None
    assert cfg["update_with_oracle_cut_size"] == 100
    assert cfg["learn_tokens"] is False
    assert cfg["min_action_freq"] == 30
    assert cfg["scorer"] == {"@scorers": "plait.parser_scorer.v1"}
    model = cfg["model"]
    assert model["@architectures"] == "plait.TransitionBasedParser.v2"
    assert (model["state_type"], model["hidden_width"], model["maxout_pieces"]) == ("parser", 128, 3)
    assert model["use_upper"] is True and model["extra_state_tokens"] is False
    assert model["tok2vec"]["@architectures"] == "plait.HashEmbedCNN.v2"
    weights = nlp.config["training"]["score_weights"]
    assert weights["dep_uas"] == 0.5 and weights["dep_las"] == 0.5 and weights["sents_f"] == 0.0
    beam = plait.blank("en").add_pipe("beam_parser")
    assert (beam.cfg["beam_width"], beam.cfg["beam_density"], beam.cfg["beam_update_prob"]) == (8, 0.0001, 0.5)


def test_config_errors():
    nlp = plait.blank("en")
    with pytest.raises(ConfigError, match="learn_tokens"):
        nlp.add_pipe("parser", config={"learn_tokens": True})
    with pytest.raises(ConfigError, match="state_type"):
        plait.blank("en").add_pipe("parser", config={"model": {"state_type": "ner"}})
    with pytest.raises(ConfigError, match="beam_width"):
        plait.blank("en").add_pipe("beam_parser", config={"beam_width": 0})


def test_labels_from_data_with_min_action_freq(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"min_action_freq": 30})
    examples = make_ewt_examples(nlp, "train", 300)
    nlp.initialize(lambda: examples)
    counts = {}
    for eg in examples:
        for t in eg.reference:
            if t.head.i != t.i:
                counts[t.dep_] = counts.get(t.dep_, 0) + 1
    frequent = {lab for lab, n in counts.items() if n >= 30}
    assert frequent <= set(parser.labels)
    assert "dep" in parser.labels
    rare = {lab for lab, n in counts.items() if n < 30}
    assert rare and not (rare - {"dep"}) & set(parser.labels)
    assert parser.model.get_dim("nO") == len(parser.move_names) == 3 + 2 * len(parser.label_data)
    # A rare label reads "dep" for the frozen-component check.
    assert set(parser.labels_from_examples(examples)) <= set(parser.labels)

    # label_data initializes the same moves (what `plait init labels` gives back).
    again = plait.blank("en").add_pipe("parser")
    again.initialize(lambda: examples[:5], labels=parser.label_data)
    assert again.move_names == parser.move_names


def test_decorated_labels_from_nonprojective_trees(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"min_action_freq": 1})
    examples = make_ewt_examples(nlp, "train", 600)
    nlp.initialize(lambda: examples)
    assert any("||" in lab for lab in parser.label_data)
    assert not any("||" in lab for lab in parser.labels)


def test_add_label_before_and_after_initialization(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser")
    assert parser.add_label("nsubj") == 1
    assert parser.add_label("nsubj") == 0
    parser.add_label("obj")
    assert parser.model.get_dim("nO") == 7
    examples = make_ewt_examples(nlp, "train", 20)
    parser.initialize(lambda: examples)
    n = parser.model.get_dim("nO")
    docs = [eg.predicted for eg in examples]
    before = [[(t.head.i, t.dep_) for t in doc] for doc in parser.pipe([Doc(nlp.vocab, d.words) for d in docs])]
    parser.add_label("brand_new")
    assert parser.model.get_dim("nO") == n + 2
    after = [[(t.head.i, t.dep_) for t in doc] for doc in parser.pipe([Doc(nlp.vocab, d.words) for d in docs])]
    assert before == after  # the new moves start at zero weight
    with pytest.raises(UsageError, match="non-empty"):
        parser.add_label("")


def test_unlabelled_parser_refuses_to_predict():
    nlp = plait.blank("en")
    nlp.add_pipe("parser")
    with pytest.raises(UsageError, match="no labels"):
        nlp("A sentence .")


# Training ----------------------------------------------------------------------
@pytest.mark.slow
def test_trained_parser_reaches_uas_las(trained, make_ewt_examples):
    nlp, _ = trained
    dev = paragraphs(nlp, make_ewt_examples(nlp, "dev", N_DEV))
    scores = nlp.evaluate(dev)
    # Measured (seed 0, 500 sentences in docs of 3, 6 epochs, batches of 400
    # words): UAS 0.651, LAS 0.522, sents_f 0.371 on 200 dev sentences.
    assert scores["dep_uas"] > 0.60, scores
    assert scores["dep_las"] > 0.47, scores
    assert scores["sents_f"] > 0.25, scores


def test_update_reports_the_loss_and_learns(make_ewt_examples):
    fix_random_seed(1)
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"model": {"hidden_width": 32, "tok2vec": {"width": 32, "depth": 1}}})
    examples = make_ewt_examples(nlp, "train", 40)
    optimizer = nlp.initialize(lambda: examples)
    first = nlp.update(examples, sgd=optimizer)["parser"]
    assert first > 0
    for _ in range(15):
        last = nlp.update(examples, sgd=optimizer)["parser"]
    assert last < first * 0.6
    loss, grads = parser.get_loss(examples)
    assert loss > 0 and grads and grads[0].shape[1] == parser.model.get_dim("nO")


def test_step_loss_is_the_gradient_of_minus_log_p_gold():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(5, 6)).astype("float64")
    valid = rng.random((5, 6)) < 0.7
    valid[:, 0] = True
    costs = rng.integers(0, 2, size=(5, 6)).astype("float32")
    costs[2] = 1  # every move costs: the cheapest valid ones are the target
    d, loss = step_loss(scores, valid, costs)

    def f(s):
        e = np.where(valid, np.exp(s), 0.0)
        best = np.where(valid, costs, np.inf).min(axis=1, keepdims=True)
        g = valid & (costs <= best)
        return -np.log((e * g).sum(axis=1) / e.sum(axis=1))

    np.testing.assert_allclose(loss, f(scores), rtol=1e-6)
    eps = 1e-5
    for i in range(5):
        for j in range(6):
            up, down = scores.copy(), scores.copy()
            up[i, j] += eps
            down[i, j] -= eps
            numeric = (f(up)[i] - f(down)[i]) / (2 * eps)
            assert numeric == pytest.approx(d[i, j], abs=1e-4)
    assert not d[~valid].any()


def test_oracle_cut_segments_start_on_the_oracle_path(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"min_action_freq": 1})
    # Docs of 4 sentences: long enough to be cut into segments of 20 moves.
    examples = paragraphs(nlp, make_ewt_examples(nlp, "train", 40), per_doc=4)
    parser.initialize(lambda: examples)
    system = parser.moves
    docs = [eg.predicted for eg in examples]
    lengths = np.array([len(d) for d in docs])
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    gold = system.gold(examples, offsets)
    states = system.init_states(docs, offsets)
    cut = parser.cut_states(states, gold, 20, lengths)
    n_segments = -(-2 * lengths // 20)
    assert len(system.is_final(cut)) == n_segments.sum()
    # The path pops a finished sentence's root before the next sentence
    # (REDUCE before SHIFT among zero-cost moves): no segment starts with
    # two gold roots on its stack.
    stack_roots = [
        sum(gold.heads[cut.doc[r], t] == -1 for t in cut.stack[r, 3 : 3 + cut.depth[r]].tolist())
        for r in range(len(cut))
    ]
    assert max(stack_roots) == 1
    # Following the oracle from each segment's start to the end reproduces the
    # gold tree: every segment start lies on the zero-cost path.
    live = np.flatnonzero(~system.is_final(cut))
    while len(live):
        valid = system.valid(cut, live)
        costs = system.costs(cut, live, gold)
        assert (np.where(valid, costs, np.inf).min(axis=1) == 0).all()
        system.apply(cut, live, np.where(valid, costs, np.inf).argmin(axis=1))
        live = live[~system.is_final(cut)[live]]
    # Training with cuts works and learns.
    optimizer = nlp.initialize(lambda: examples)
    parser.cfg["update_with_oracle_cut_size"] = 10
    losses = nlp.update(examples, sgd=optimizer)
    assert losses["parser"] > 0


# Valid output ------------------------------------------------------------------
WORDS = ["the", "dog", "runs", ".", "I", "saw", "it", ",", "and", "then", "New", "York", "!", "of", "a", "b"]


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["untrained", "half", "trained"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=60), min_size=1, max_size=8),
       beam=st.sampled_from([1, 1, 3]))
def test_output_is_always_a_valid_tree(trained, stage, data, beam):
    nlp, snapshots = trained
    parser = nlp.get_pipe("parser")
    current = parser.model.to_bytes()
    parser.model.from_bytes(snapshots[stage])
    parser.cfg["beam_width"] = beam
    try:
        docs = [Doc(nlp.vocab, words) for words in data]
        for doc in parser.pipe(docs, batch_size=3):
            check_trees(doc)
    finally:
        parser.cfg["beam_width"] = 1
        parser.model.from_bytes(current)


# Beam --------------------------------------------------------------------------
@pytest.mark.slow
def test_beam_width_one_decodes_like_greedy_and_wider_beams_are_valid(trained, make_ewt_examples):
    nlp, snapshots = trained
    parser = nlp.get_pipe("parser")
    dev = make_ewt_examples(nlp, "dev", 120)
    docs = [Doc(nlp.vocab, eg.reference.words) for eg in dev]
    greedy = [[(t.head.i, t.dep_) for t in d] for d in parser.pipe([d.copy() for d in docs])]
    parser.cfg["beam_width"] = 1
    try:
        out = parser.predict(docs)
        assert isinstance(out, Parses)
        parser.set_annotations(docs, out)
        assert [[(t.head.i, t.dep_) for t in d] for d in docs] == greedy
        parser.cfg["beam_width"] = 4
        beam_docs = list(parser.pipe([d.copy() for d in docs]))
        for doc in beam_docs:
            check_trees(doc)
        scores = nlp.evaluate(dev)
        assert scores["dep_uas"] > 0.65, scores
    finally:
        parser.cfg["beam_width"] = 1


@pytest.mark.slow
def test_beam_parser_learns_with_the_beam_objective_alone(make_ewt_examples):
    # Every update uses the global beam objective: on a small set it must fit
    # the training trees, and give valid trees untrained and trained.
    nlp = plait.blank("en")
    nlp.add_pipe("beam_parser", config={**SMALL, "beam_width": 4, "beam_update_prob": 1.0,
                                         "min_action_freq": 1})
    examples = make_ewt_examples(nlp, "train", 60)
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    for doc in nlp.pipe([Doc(nlp.vocab, eg.reference.words) for eg in examples]):
        check_trees(doc)
    train(nlp, examples, 20, words_per_batch=300)
    for doc in nlp.pipe([Doc(nlp.vocab, eg.reference.words) for eg in examples]):
        check_trees(doc)
    scores = nlp.evaluate(examples)
    # Measured: train UAS 0.26, 0.55, 0.65, 0.76 after 5, 10, 15, 20 epochs.
    assert scores["dep_uas"] > 0.65, scores


# Serialization -----------------------------------------------------------------
@pytest.mark.slow
def test_saved_pipeline_reloads_with_identical_predictions(trained, tmp_path, make_ewt_examples):
    nlp, _ = trained
    texts = [eg.reference.text for eg in make_ewt_examples(nlp, "dev", 60)]
    expected = [[(t.head.i, t.dep_) for t in doc] for doc in nlp.pipe(texts)]
    nlp.to_disk(tmp_path / "p")
    loaded = plait.load(tmp_path / "p")
    assert [[(t.head.i, t.dep_) for t in doc] for doc in loaded.pipe(texts)] == expected
    assert loaded.get_pipe("parser").move_names == nlp.get_pipe("parser").move_names
    again = plait.blank("en").from_config(nlp.config).from_bytes(nlp.to_bytes())
    assert [[(t.head.i, t.dep_) for t in doc] for doc in again.pipe(texts)] == expected


def test_a_parser_saved_without_the_attach_move_is_refused(make_ewt_examples):
    # Parsers saved before the ATTACH move ("A") have one output row fewer:
    # loading one names the moves instead of failing on the weights' shapes.
    import srsly

    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"min_action_freq": 1})
    nlp.initialize(lambda: make_ewt_examples(nlp, "train", 10))
    assert parser.move_names[-1] == "A"
    msg = srsly.msgpack_loads(parser.to_bytes())
    msg["cfg"]["move_names"] = msg["cfg"]["move_names"][:-1]
    with pytest.raises(SerializationError, match="saved moves"):
        plait.blank("en").add_pipe("parser").from_bytes(srsly.msgpack_dumps(msg))


def test_component_bytes_round_trip(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"min_action_freq": 1})
    examples = make_ewt_examples(nlp, "train", 30)
    nlp.initialize(lambda: examples)
    data = parser.to_bytes()
    other = plait.blank("en").add_pipe("parser")
    other.from_bytes(data)
    assert other.move_names == parser.move_names
    doc = Doc(nlp.vocab, examples[0].reference.words)
    a = [(t.head.i, t.dep_) for t in parser(doc.copy())]
    b = [(t.head.i, t.dep_) for t in other(Doc(other.vocab, doc.words))]
    assert a == b


# Errors ------------------------------------------------------------------------
def bad_examples(nlp):
    words = ["A", "cycle", "here", "."]
    ref = Doc(nlp.vocab, words, heads=[1, 2, 1, 1], deps=["det", "nsubj", "obj", "punct"])
    return [Example(Doc(nlp.vocab, words), ref)]


def test_bad_gold_tree_errors_name_the_doc_and_token(make_ewt_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("parser", config={"min_action_freq": 1})
    good = make_ewt_examples(nlp, "train", 10)
    nlp.initialize(lambda: good)
    with pytest.raises(DataError, match=r"example 1 'A cycle here \. '.*token 0 .*cycle \[1, 2, 1\]"):
        nlp.update(good[:1] + bad_examples(nlp))
    # Two trees that interleave: a head outside its sentence.
    words = ["Hi", "there", "Bye", "now"]
    ref = Doc(nlp.vocab, words, heads=[0, 2, 2, 0], deps=["ROOT", "x", "ROOT", "x"])
    outside = Example(Doc(nlp.vocab, words), ref)
    with pytest.raises(DataError, match=r"example 2 .*token 3 'now'.*outside its sentence"):
        nlp.update(good[:2] + [outside])
    fresh = plait.blank("en")
    fresh.add_pipe("parser", config={"min_action_freq": 1})
    with pytest.raises(DataError, match="cycle"):
        fresh.initialize(lambda: bad_examples(fresh))


def test_set_annotations_checks_its_input(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"min_action_freq": 1})
    nlp.initialize(lambda: make_ewt_examples(nlp, "train", 10))
    docs = [Doc(nlp.vocab, ["a", "b"]), Doc(nlp.vocab, ["c"])]
    parses = parser.predict(docs)
    with pytest.raises(UsageError, match="2 parses for 1 docs"):
        parser.set_annotations(docs[:1], parses)


def test_empty_docs(make_ewt_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("parser", config={"min_action_freq": 1})
    nlp.initialize(lambda: make_ewt_examples(nlp, "train", 10))
    docs = list(nlp.pipe(["", "Hello world .", ""]))
    assert [len(d) for d in docs] == [0, 3, 0]
    check_trees(docs[1])
    assert nlp.get_pipe("parser").update([Example(Doc(nlp.vocab, []), Doc(nlp.vocab, []))]) == {"parser": 0.0}


# Chunked inference ------------------------------------------------------------
def test_predict_chunks_cover_every_doc_once_by_length():
    lengths = np.array([5, 0, 30, 2, 9, 0, 4, 12])
    chunks = predict_chunks(lengths, 16)
    assert sorted(np.concatenate(chunks).tolist()) == list(range(len(lengths)))
    assert chunks[0].tolist() == [1, 5]  # the empty docs, on their own
    order = np.concatenate(chunks[1:])
    assert (np.diff(lengths[order]) >= 0).all()  # shortest first
    for chunk in chunks[1:]:
        assert lengths[chunk].sum() <= 16 or len(chunk) == 1  # a long doc alone
    assert [c.tolist() for c in predict_chunks(lengths[[2]], 16)] == [[0]]
    assert predict_chunks(np.zeros(0, dtype=int), 16) == []


@pytest.mark.parametrize("beam_width", [1, 3])
def test_chunked_prediction_equals_one_batch(make_ewt_examples, monkeypatch, beam_width):
    # Small chunks (and docs sorted by length into them) must parse every doc
    # exactly as one table for the whole batch does.
    fix_random_seed(0)
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config={"min_action_freq": 1, **SMALL})
    examples = paragraphs(nlp, make_ewt_examples(nlp, "train", 60))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    dev = paragraphs(nlp, make_ewt_examples(nlp, "dev", 60))
    docs = [Doc(nlp.vocab, eg.reference.words) for eg in dev] + [Doc(nlp.vocab, [])]
    parser.cfg["beam_width"] = beam_width

    def parse(budget):
        monkeypatch.setattr(_transition_pipe, "PREDICT_CHUNK_TOKENS", budget)
        out = [d.copy() for d in docs]
        parses = parser.predict(out)
        parser.set_annotations(out, parses)
        return parses, [[(t.head.i, t.dep_) for t in d] for d in out]

    whole, expected = parse(10**9)
    chunked, got = parse(40)
    assert len(whole.chunks) == 2 and len(chunked.chunks) > 5  # empty docs + the rest
    assert got == expected
    assert len({dep for doc in got for _, dep in doc}) > 3  # a trained parser, not all one move
