"""The graph-based ``parser`` (``plait.BiaffineParser.v1``): maximum
spanning tree decoders, the model's gradients, the factory's dispatch, and
the component on real EWT sentences (valid trees at every stage of
training, learning, sentence boundaries, labels, serialization)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import plait
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from plait.errors import UsageError
from plait.tokens import Doc
from plait.training import Example
from plait_pipes.graph.mst import chu_liu_edmonds, decode_tree, eisner, is_tree
from thinc.api import Adam, fix_random_seed

T2V = {"@architectures": "plait.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 64, "depth": 2,
       "embed_size": 2000, "window_size": 1, "maxout_pieces": 3, "subword_features": True}


def biaffine(mst: bool = True, **extra) -> dict:
    return {"model": {"@architectures": "plait.BiaffineParser.v1", "arc_hidden": 64, "label_hidden": 32,
                      "dropout": 0.1, "mst": mst, "tok2vec": dict(T2V)}, **extra}


# Decoders ----------------------------------------------------------------------
def _projective(heads: np.ndarray) -> bool:
    for d in range(1, len(heads)):
        a, b = sorted((d, int(heads[d])))
        for k in range(a + 1, b):
            x = k
            while x not in (0, heads[d]):
                x = int(heads[x])
            if x != heads[d]:
                return False
    return True


def _brute_force(scores: np.ndarray, projective: bool) -> float:
    n = scores.shape[0] - 1
    best = -np.inf
    for hs in itertools.product(range(n + 1), repeat=n):
        heads = np.array((-1, *hs))
        if is_tree(heads) and (not projective or _projective(heads)):
            best = max(best, float(scores[np.arange(1, n + 1), heads[1:]].sum()))
    return best


def _total(scores: np.ndarray, heads: np.ndarray) -> float:
    n = len(heads) - 1
    return float(scores[np.arange(1, n + 1), heads[1:]].sum())


@settings(max_examples=60, deadline=None)
@given(scores=st.integers(1, 4).flatmap(
    lambda n: hnp.arrays(np.float64, (n + 1, n + 1), elements=st.floats(-20, 20, allow_nan=False))))
def test_decoders_find_the_best_tree_with_one_root(scores):
    for projective in (False, True):
        heads = decode_tree(scores, projective=projective)
        assert is_tree(heads), heads
        if projective:
            assert _projective(heads)
        assert _total(scores, heads) == pytest.approx(_brute_force(scores, projective), abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 70), seed=st.integers(0, 2**31), masked=st.floats(0, 0.9))
def test_decoders_give_valid_trees_on_long_sentences_and_forbidden_arcs(n, seed, masked):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n + 1, n + 1)) * rng.choice([0.01, 1, 100])
    scores[rng.random(scores.shape) < masked] = -np.inf  # forbidden arcs never break the tree
    cle, eis = chu_liu_edmonds(scores), eisner(scores)
    assert is_tree(cle) and is_tree(eis) and _projective(eis)
    finite = np.where(np.isfinite(scores), scores, -1e9)
    assert _total(finite, cle) >= _total(finite, eis) - 1e-6


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 60), seed=st.integers(0, 2**31), masked=st.floats(0, 0.9))
def test_compiled_decoder_gives_the_numpy_decoders_trees(n, seed, masked):
    """``_mst.c`` (built at install) contracts cycles as ``mst._cle`` does, tie-breaking
    included: the same heads, with and without the root penalty."""
    from plait_pipes.graph import mst
    from plait_pipes.graph._mst_kernel import cle_kernel

    kernel = cle_kernel()
    if kernel is None:
        pytest.skip("the C decoder was not built (no C compiler at install time)")
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n + 1, n + 1)) * rng.choice([0.01, 1, 100])
    scores = np.round(scores, int(rng.integers(0, 3)))  # ties
    scores[rng.random(scores.shape) < masked] = -np.inf
    prepared = mst._prepare(scores)
    assert np.array_equal(kernel(prepared), mst._cle(prepared))
    with_root, penalty = mst._prepare_with_penalty(scores)
    with_root[1:, 0] += penalty
    assert np.array_equal(kernel(with_root), mst._cle(with_root))
    compiled = mst.chu_liu_edmonds(scores)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLAIT_COMPILED_MST", "0")
        assert np.array_equal(mst.chu_liu_edmonds(scores), compiled)


def test_a_forbidden_root_arc_costs_what_any_forbidden_arc_costs():
    """Found by the property test above: the only trees use two forbidden
    arcs, and the best one attaches token 2 to the root by a forbidden arc.
    The fast path once scored forbidden root arcs below other forbidden arcs
    and returned the tree with the real root arc, 0.003 worse."""
    inf = np.inf
    scores = np.array([[-inf, -0.0126, -0.0020, -inf, -inf],
                       [-inf, -inf, 0.0047, -inf, -0.0068],
                       [-inf, -inf, -0.0219, -inf, -inf],
                       [-inf, -inf, -inf, -inf, -inf],
                       [0.0023, -inf, -inf, 0.0054, 0.0055]])
    finite = np.where(np.isfinite(scores), scores, -1e9)
    best = _brute_force(finite, projective=False)
    for projective in (False, True):
        heads = decode_tree(scores, projective=projective)
        assert is_tree(heads)
        assert _total(finite, heads) == pytest.approx(best, abs=1e-9)


def test_is_tree_rejects_cycles_and_second_roots():
    assert is_tree(np.array([-1, 0, 1, 2]))
    assert not is_tree(np.array([-1, 0, 0, 2]))  # two root arcs
    assert not is_tree(np.array([-1, 0, 3, 2]))  # a cycle 2 <-> 3
    assert not is_tree(np.array([-1, 1]))  # a self loop


# Model gradients ---------------------------------------------------------------
def test_biaffine_backward_matches_finite_differences():
    from plait_pipes.architectures.biaffine import build_biaffine_parser
    from plait_pipes.architectures.tok2vec import build_hash_embed_cnn_tok2vec

    fix_random_seed(1)
    nlp = plait.blank("en")
    t2v = build_hash_embed_cnn_tok2vec(width=16, depth=1, embed_size=100, window_size=1, maxout_pieces=2,
                                       subword_features=False, pretrained_vectors=None)
    model = build_biaffine_parser(t2v, arc_hidden=8, label_hidden=6, dropout=0.0, mst=True, nO=5)
    docs = [nlp.make_doc("the dog saw a cat ."), nlp.make_doc("I run")]
    model.initialize(X=docs)
    rng = np.random.default_rng(0)
    for name in ("U", "u", "W_lab", "V_lab", "b_lab", "W_dist", "H_dist", "b_dist", "L_dist", "M_out", "M_dist"):
        model.set_param(name, rng.normal(size=model.get_param(name).shape).astype("float32"))
    starts, lens = np.array([0, 3, 6]), np.array([3, 3, 2])
    heads = np.array([1, -1, 1, 4, -1, 4, -1, 6])
    R = rng.normal(size=(3, 3, 4)).astype("float32")
    Q = rng.normal(size=(8, 5)).astype("float32")

    def objective():
        out, backprop = model.begin_update(docs)
        value = float((out.arc_scores(starts, lens) * R).sum() + (out.label_scores(np.arange(8), heads) * Q).sum())
        return value, out, backprop

    # The score of an impossible arc is a constant: leave it out (its large
    # value would drown the finite differences in float32 rounding).
    R *= model.predict(docs).arc_scores(starts, lens) > -1e3
    _, out, backprop = objective()
    out.add_arc_grad(R)
    out.add_label_grad(Q)
    backprop(out)
    # The MLP's weights: the gradient reaching the features (dD, dHh) too.
    mlp = model.get_ref("mlp")
    checks = [(model, name) for name in ("U", "u", "W_lab", "V_lab", "root", "W_dist", "H_dist", "b_dist",
                                         "L_dist", "M_in", "M_out", "M_dist", "root_x")] + [(mlp, "b")]
    for node, name in checks:
        param = node.get_param(name)
        grad = node.get_grad(name).ravel()
        for k in rng.choice(param.size, size=4, replace=False).tolist():
            flat = param.ravel()
            old = float(flat[k])
            flat[k] = old + 1e-2
            up = objective()[0]
            flat[k] = old - 1e-2
            down = objective()[0]
            flat[k] = old
            assert grad[k] == pytest.approx((up - down) / 2e-2, rel=0.05, abs=0.05), (name, k)


def test_label_mlp_gradient_reaches_the_tok2vec_vectors():
    """The label MLP reads the tok2vec output X itself: its gradient into X
    (``GraphParserOutput.dX``, added to the Linear's) matches finite differences."""
    from plait_pipes.architectures.biaffine import GraphParserOutput, build_biaffine_parser
    from plait_pipes.architectures.tok2vec import build_hash_embed_cnn_tok2vec

    fix_random_seed(2)
    nlp = plait.blank("en")
    t2v = build_hash_embed_cnn_tok2vec(width=16, depth=1, embed_size=100, window_size=1, maxout_pieces=2,
                                       subword_features=False, pretrained_vectors=None)
    model = build_biaffine_parser(t2v, arc_hidden=8, label_hidden=6, label_mlp=12, nO=5)
    docs = [nlp.make_doc("the dog saw a cat ."), nlp.make_doc("I run")]
    model.initialize(X=docs)
    rng = np.random.default_rng(0)
    for name in ("M_out", "M_dist", "W_lab"):
        model.set_param(name, rng.normal(size=model.get_param(name).shape).astype("float32"))
    heads = np.array([1, -1, 1, 4, -1, 4, -1, 6])
    Q = rng.normal(size=(8, 5)).astype("float32")
    linear = model.get_ref("mlp")

    def objective(X):
        out = GraphParserOutput(model, docs, X, linear.predict(X), True)
        return float((out.label_scores(np.arange(8), heads) * Q).sum()), out

    X0 = model.layers[0].predict(docs)
    _, out = objective(X0)
    out.add_label_grad(Q)
    dX = linear.begin_update(X0)[1](out.backprop_all()) + out.dX
    assert np.abs(out.dX).sum() > 0
    for i, j in [(0, 0), (3, 5), (7, 2), (1, 9), (5, 15)]:
        X = X0.copy()
        X[i, j] += 1e-3
        up = objective(X)[0]
        X[i, j] -= 2e-3
        assert dX[i, j] == pytest.approx((up - objective(X)[0]) / 2e-3, rel=0.02, abs=0.02), (i, j)


# The component -----------------------------------------------------------------
def check_trees(doc) -> None:
    """One root per sentence, no cycles, every head inside its sentence."""
    n = len(doc)
    if not n:
        return
    heads = np.array([t.head.i for t in doc], dtype=np.int64)
    for sent in doc.sents:
        h = heads[sent.start : sent.end]
        assert ((h >= sent.start) & (h < sent.end)).all()
        assert sum(int(heads[i] == i) for i in range(sent.start, sent.end)) == 1
        for i in range(sent.start, sent.end):
            j, seen = i, 0
            while heads[j] != j:
                j, seen = int(heads[j]), seen + 1
                assert seen <= len(sent), "cycle"
    assert sum(len(s) for s in doc.sents) == n


def train(nlp, examples, epochs, seed=0, batch_size=16):
    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp.initialize(lambda: examples)
    # Dozat & Manning's Adam (beta2 0.9), a higher rate: few steps here.
    optimizer = Adam(0.003, beta2=0.9, grad_clip=1.0)
    examples = list(examples)
    for _ in range(epochs):
        rng.shuffle(examples)
        for i in range(0, len(examples), batch_size):
            nlp.update(examples[i : i + batch_size], sgd=optimizer, drop=0.1)
    return optimizer


def test_factory_dispatches_on_the_model():
    from plait_pipes.graph_parser import GraphDependencyParser
    from plait_pipes.parser import DependencyParser

    nlp = plait.blank("en")
    assert isinstance(nlp.add_pipe("parser", name="graph", config=biaffine()), GraphDependencyParser)
    assert isinstance(nlp.add_pipe("parser", name="transition"), DependencyParser)
    with pytest.raises(UsageError, match="no labels"):
        nlp.get_pipe("graph").predict([nlp.make_doc("no labels yet")])


def paragraphs(nlp, examples, per_doc=3):
    """Examples of `per_doc` consecutive sentences per doc (as `plait
    convert` groups them), so the sentence-start score has something to learn."""
    out = []
    for i in range(0, len(examples), per_doc):
        group = examples[i : i + per_doc]
        words, heads, deps, start = [], [], [], 0
        for eg in group:
            words += eg.reference.words
            heads += [t.head.i + start for t in eg.reference]
            deps += [t.dep_ for t in eg.reference]
            start += len(eg.reference)
        out.append(Example(Doc(nlp.vocab, words), Doc(nlp.vocab, words, heads=heads, deps=deps)))
    return out


# The fixture trains for ~7 s: the tests that use it are slow-marked.
@pytest.fixture(scope="module")
def trained(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config=biaffine(min_action_freq=1))
    examples = paragraphs(nlp, make_ewt_examples(nlp, "train", 150))
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    untrained = parser.model.to_bytes()
    train(nlp, examples, 10, batch_size=5)
    return nlp, examples, {"untrained": untrained, "trained": parser.model.to_bytes()}


@pytest.mark.slow
def test_labels_follow_the_data_and_label_data_round_trips(trained):
    nlp, examples, _ = trained
    parser = nlp.get_pipe("parser")
    gold = {t.dep_ for eg in examples for t in eg.reference}
    assert set(parser.labels) == gold
    assert set(parser.labels_from_examples(examples)) == gold
    other = plait.blank("en")
    again = other.add_pipe("parser", config=biaffine())
    again.initialize(lambda: examples[:5], labels=parser.label_data)
    assert again.label_data == parser.label_data


@pytest.mark.slow
def test_the_parser_learns_the_training_trees(trained):
    nlp, examples, _ = trained
    scores = nlp.evaluate(examples)
    # Measured on these 150 sentences (50 docs) after 10 epochs: UAS 0.734, LAS 0.721.
    assert scores["dep_uas"] > 0.68 and scores["dep_las"] > 0.66, scores


def test_update_lowers_the_loss(make_ewt_examples):
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config=biaffine(min_action_freq=1))
    examples = make_ewt_examples(nlp, "train", 20)
    fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    before = parser.get_loss(examples)[0]
    for _ in range(15):
        nlp.update(examples, sgd=optimizer)
    assert parser.get_loss(examples)[0] < 0.6 * before


WORDS = ["the", "dog", "runs", ".", "I", "saw", "it", ",", "and", "then", "New", "York", "!", "of", "a", "b"]


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["untrained", "trained"])
@pytest.mark.parametrize("mst", [True, False])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=50), min_size=1, max_size=6),
       preset=st.booleans())
def test_output_is_always_a_valid_tree(trained, stage, mst, data, preset):
    nlp, _, snapshots = trained
    parser = nlp.get_pipe("parser")
    current = parser.model.to_bytes()
    parser.model.from_bytes(snapshots[stage])
    parser.model.attrs["mst"] = mst
    try:
        docs = []
        for words in data:
            doc = Doc(nlp.vocab, words)
            if preset and words:
                doc[0].is_sent_start = True
                for tok in doc[1:]:
                    tok.is_sent_start = tok.nbor(-1).text in (".", "!")
            docs.append(doc)
        expected = [[s.start for s in d.sents] if preset and len(d) else None for d in docs]
        for doc, starts in zip(parser.pipe(docs, batch_size=4), expected, strict=True):
            check_trees(doc)
            assert all(t.dep_ in parser.labels for t in doc)
            if starts is not None:
                # Sentence boundaries given to the parser are kept.
                assert [s.start for s in doc.sents] == starts
    finally:
        parser.model.attrs["mst"] = True
        parser.model.from_bytes(current)


@pytest.mark.slow
def test_sentence_boundaries_are_predicted_without_a_senter(trained):
    nlp, examples, _ = trained
    # Training paragraphs, no boundaries given: the predicted sentences are
    # mostly the gold ones.
    docs = list(nlp.pipe([Doc(nlp.vocab, eg.reference.words) for eg in examples]))
    for doc in docs:
        check_trees(doc)
    scores = nlp.evaluate(examples)
    # Measured: sents_f 0.967.
    assert scores["sents_f"] > 0.9, scores


@pytest.mark.slow
def test_saved_parser_reloads_with_identical_predictions(trained, tmp_path, make_ewt_examples):
    nlp, _, _ = trained
    texts = [eg.reference.text for eg in make_ewt_examples(nlp, "dev", 40)]
    expected = [[(t.head.i, t.dep_) for t in doc] for doc in nlp.pipe(texts)]
    nlp.to_disk(tmp_path / "p")
    loaded = plait.load(tmp_path / "p")
    assert [[(t.head.i, t.dep_) for t in doc] for doc in loaded.pipe(texts)] == expected
    again = plait.blank("en").from_config(nlp.config).from_bytes(nlp.to_bytes())
    assert [[(t.head.i, t.dep_) for t in doc] for doc in again.pipe(texts)] == expected


# Distance scores, context layers, saved layouts -----------------------------------
def test_distance_buckets_split_direction_and_keep_the_root_apart():
    from plait_pipes.architectures.biaffine import N_BUCKETS, bucket_of, distance_buckets

    offsets = np.array([-1, 1, -2, 2, -5, 5, -40, 40, 1000])
    b = bucket_of(offsets)
    assert len(set(b.tolist())) == len(b) - 1  # 40 and 1000 share the last bucket
    assert b[-1] == b[-2] and (b < N_BUCKETS - 1).all()
    assert bucket_of(np.array([3]), np.array([True]))[0] == N_BUCKETS - 1
    table = distance_buckets(4)
    assert table.shape == (4, 5) and (table[:, 0] == N_BUCKETS - 1).all()
    # Dependent 2: head 1 is one to the left, head 3 one to the right.
    assert table[2, 2] == bucket_of(np.array([-1]))[0] and table[2, 4] == bucket_of(np.array([1]))[0]


@pytest.mark.parametrize("distance", [True, False])
def test_distance_scores_tell_apart_what_the_words_cannot(distance):
    # Chains of one repeated word, each token's head the token before: a CNN
    # tok2vec sees the same word everywhere, so only the distance scores can
    # find the head away from the edges.
    nlp = plait.blank("en")
    model = biaffine()["model"]
    model["distance"] = distance
    model["tok2vec"] = {**T2V, "width": 32, "depth": 1}
    nlp.add_pipe("parser", config={"model": model, "min_action_freq": 1})
    examples = []
    for n in (9, 11, 12, 14):
        words = ["x"] * n
        heads = [0] + list(range(n - 1))
        deps = ["root"] + ["dep"] * (n - 1)
        examples.append(Example(Doc(nlp.vocab, words), Doc(nlp.vocab, words, heads=heads, deps=deps)))
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    uas = nlp.evaluate(examples)["dep_uas"]
    # Measured: 1.0 with the distance scores, 0.5 without.
    assert (uas > 0.95) if distance else (uas < 0.7), uas


def test_context_layers_build_train_and_give_trees(make_ewt_examples):
    nlp = plait.blank("en")
    config = biaffine(min_action_freq=1)
    config["model"]["depth"] = 1
    parser = nlp.add_pipe("parser", config=config)
    examples = make_ewt_examples(nlp, "train", 10)
    fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    before = parser.get_loss(examples)[0]
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    assert parser.get_loss(examples)[0] < before
    for doc in nlp.pipe([eg.reference.text for eg in examples]):
        check_trees(doc)


def test_weights_of_the_older_layout_are_refused_with_a_message(make_ewt_examples):
    import srsly
    from plait.errors import SerializationError

    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config=biaffine(min_action_freq=1))
    examples = make_ewt_examples(nlp, "train", 5)
    nlp.initialize(lambda: examples)
    msg = srsly.msgpack_loads(parser.to_bytes(exclude=["vocab"]))
    assert msg["cfg"]["weights_layout"] == 3
    parser.from_bytes(srsly.msgpack_dumps(msg), exclude=["vocab"])  # the current layout loads
    del msg["cfg"]["weights_layout"]  # what layout 1 (before the distance scores) saved
    with pytest.raises(SerializationError, match="older plait.BiaffineParser.v1.*layout 1.*Train the parser again"):
        parser.from_bytes(srsly.msgpack_dumps(msg), exclude=["vocab"])


def test_sentence_start_loss_is_weighted_against_the_arcs(make_ewt_examples, monkeypatch):
    import plait_pipes.graph_parser as gp

    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config=biaffine(min_action_freq=1))
    examples = paragraphs(nlp, make_ewt_examples(nlp, "train", 12))
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    weight = gp.START_LOSS_WEIGHT
    # The default weighs sentence starts up (see START_LOSS_WEIGHT).
    assert weight > 1.0
    loss_w, grads_w = parser.get_loss(examples)
    monkeypatch.setattr(gp, "START_LOSS_WEIGHT", 1.0)
    loss_1, grads_1 = parser.get_loss(examples)
    assert np.abs(grads_1[-1]).sum() > 0
    # Only the sentence-start part scales: the arc and label gradients stay.
    np.testing.assert_allclose(grads_w[-1], weight * grads_1[-1], rtol=1e-5, atol=1e-7)
    for g_w, g_1 in zip(grads_w[:-1], grads_1[:-1], strict=True):
        np.testing.assert_allclose(g_w, g_1)
    assert loss_w > loss_1


def test_label_smoothing_spreads_a_share_of_each_target(make_ewt_examples):
    """With ``label_smoothing`` eps, a token's arc target is 1 - eps on its
    gold head plus eps spread over its possible heads (the sentence's other
    tokens and the root), its label target 1 - eps on the gold label plus
    eps spread over all labels."""
    nlp = plait.blank("en")
    parser = nlp.add_pipe("parser", config=biaffine(min_action_freq=1))
    examples = make_ewt_examples(nlp, "train", 6)
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    parser.model.attrs["label_smoothing"] = 0.0
    _, (arcs_0, labels_0, _) = parser.get_loss(examples)
    eps = 0.2
    parser.model.attrs["label_smoothing"] = eps
    _, (arcs_s, labels_s, _) = parser.get_loss(examples)
    # One sentence per doc here: sentence k is example k.
    for k, eg in enumerate(examples):
        n = len(eg.reference)
        diff = arcs_s[k, :n, : n + 1] - arcs_0[k, :n, : n + 1]
        gold = np.array([0 if t.head.i == t.i else t.head.i + 1 for t in eg.reference])
        want = np.full((n, n + 1), -eps / n)  # n possible heads: n - 1 tokens and the root
        want[np.arange(n), np.arange(n) + 1] = 0.0  # no self loops
        want[np.arange(n), gold] += eps
        np.testing.assert_allclose(diff, want, atol=1e-6)
        assert np.abs(arcs_s[k, n:]).sum() == 0 and np.abs(arcs_s[k, :, n + 1 :]).sum() == 0
    n_labels = labels_0.shape[1]
    gold_rows = labels_0 < 0  # p - 1 at the gold label
    want = np.where(np.eye(n_labels)[gold_rows.argmax(axis=1)] > 0, eps, 0.0) - eps / n_labels
    np.testing.assert_allclose(labels_s - labels_0, want, atol=1e-6)


@pytest.mark.parametrize("key", ["dropout", "label_smoothing"])
def test_shares_out_of_range_are_refused_naming_the_key(key):
    from plait.errors import ConfigError

    nlp = plait.blank("en")
    config = biaffine()
    config["model"][key] = 1.0
    with pytest.raises(ConfigError, match=rf"BiaffineParser.v1.*{key}: must be in \[0, 1\), got 1.0"):
        nlp.add_pipe("parser", config=config)


def test_labels_join_the_head_choice_of_the_best_candidates():
    from plait_pipes.graph_parser import _join_labels
    from thinc.api import NumpyOps

    class Scores:
        """Label log-probabilities set per arc (dep row, head row)."""
        ops = NumpyOps()
        best = {(0, -1): np.log(0.9), (0, 1): np.log(0.2), (1, -1): np.log(0.5), (1, 0): np.log(0.6),
                (2, -1): np.log(0.3)}
        asked: list = []

        def candidate_label_scores(self, deps, heads):
            self.asked.append((deps.tolist(), heads.tolist()))
            return np.array([[[self.best[(d, h)], np.log(1e-6)] for h in row]
                             for d, row in zip(deps.tolist(), heads.tolist(), strict=True)])

    # Two sentences: tokens 0-1, and token 2 alone (padded to two).
    arc = np.log(np.array([
        [[0.5, 1e-9, 0.5], [0.5, 0.5, 1e-9]],
        [[0.7, 1e-9, 0.3], [1.0, 1e-9, 1e-9]],
    ]))
    arc[0, 0, 1] = arc[0, 1, 2] = -1e4  # self loops
    arc[1, 0, 1] = -1e4
    arc[1, 1] = -1e4  # padding
    starts, lengths = np.array([0, 2]), np.array([2, 1])
    out = Scores()
    scores = arc.copy()
    deps, cand_heads, cand_labels = _join_labels(out, scores, starts, lengths, k=2, weight=2.0)
    # One call for the three tokens; a candidate that is no real head (token 2's
    # padding column) is scored as the root and then left out.
    assert out.asked[0][0] == [0, 1, 2]
    assert [sorted(r) for r in out.asked[0][1]] == [[-1, 1], [-1, 0], [-1, -1]]
    assert deps.tolist() == [0, 1, 2]
    assert [sorted(r) for r in cand_heads.tolist()] == [[-1, 1], [-1, 0], [-2, -1]]
    assert (cand_labels == 0).all()  # each candidate's best label
    g = lambda p: 2.0 * np.log(p / (p + 1e-6))  # noqa: E731  best label's log-probability x weight
    # Token 0: candidates root (gain g(.9)) and token 1 (g(.2)): the lowest gain is the floor.
    assert scores[0, 0, 0] - arc[0, 0, 0] == pytest.approx(g(0.9) - g(0.2))
    assert scores[0, 0, 2] == pytest.approx(arc[0, 0, 2])
    assert scores[0, 1, 1] - arc[0, 1, 1] == pytest.approx(g(0.6) - g(0.5))
    # A one-token sentence: its only head is the root, nothing changes; padding is untouched.
    np.testing.assert_allclose(scores[1], arc[1])
    # With the labels joined, token 0 now prefers the root it was tied with.
    assert scores[0, 0, 0] > scores[0, 0, 2]


def test_candidate_label_scores_equal_the_pairwise_ones(trained):
    """The prediction-time scorer of several heads per token gives
    ``label_scores``'s numbers on every pair (bilinear, linear, distance and MLP terms)."""
    nlp, examples, _ = trained
    parser = nlp.get_pipe("parser")
    docs = [eg.predicted for eg in examples[:6]]
    out = parser.model.predict(docs)
    rng = np.random.default_rng(0)
    deps = np.arange(out.n_tokens)
    heads = rng.integers(-1, out.n_tokens, size=(out.n_tokens, 4))
    pairwise = out.label_scores(np.repeat(deps, 4), heads.reshape(-1)).reshape(out.n_tokens, 4, -1)
    np.testing.assert_allclose(out.candidate_label_scores(deps, heads), pairwise, rtol=1e-4, atol=1e-4)
    assert np.abs(pairwise).max() > 0.1
