"""trainable_lemmatizer (edit trees) and the rule/lookup lemmatizer: edit tree
construction and application, learning on real EWT data, save/load, label
data, and the errors a user can cause."""

from __future__ import annotations

import json
import warnings

import numpy as np
import plait
import pytest
from plait.attrs import POS
from plait.errors import ConfigError, DataError, SerializationError, UsageError
from plait.scorer import lemmatizer_score
from plait.training import Example
from plait_pipes._edit_trees import EditTrees, longest_common_substring

# Measured: 0.941 lemma_acc on the first 300 dev sentences after 200 steps of
# 16 sentences (identity baseline "lemma = form": 0.789).
TRAINED_LEMMA_ACC_MIN = 0.91
# Measured with gold POS on all of EWT dev: 0.980 (rule), 0.952 (lookup).
RULE_LEMMA_ACC_MIN = 0.97
LOOKUP_LEMMA_ACC_MIN = 0.94
MODEL = {
    "@architectures": "plait.Tagger.v2",
    "tok2vec": {
        "@architectures": "plait.HashEmbedCNN.v2", "width": 64, "depth": 2, "embed_size": 2000,
        "window_size": 1, "maxout_pieces": 2, "subword_features": True, "pretrained_vectors": None,
    },
}  # fmt: skip


# Edit trees -----------------------------------------------------------------
@pytest.mark.parametrize(
    "form,lemma,other,other_lemma",
    [
        ("walking", "walk", "singing", "sing"),
        ("studies", "study", "flies", "fly"),
        ("unhappy", "happy", "unkind", "kind"),
        ("Dogs", "dog", "Dots", "dot"),  # the case change is a substitution of "D"
        ("children", "child", "brethren", "breth"),
        ("walk", "walk", "anything", "anything"),
    ],
)
def test_edit_tree_generalizes_to_other_words(form, lemma, other, other_lemma):
    trees = EditTrees()
    tree = trees.add(form, lemma)
    assert trees.apply(tree, form) == lemma
    assert trees.apply(tree, other) == other_lemma


def test_edit_trees_are_interned_and_irregulars_do_not_generalize():
    trees = EditTrees()
    assert trees.add("walking", "walk") == trees.add("talking", "talk")
    went = trees.add("went", "go")
    assert trees.tree_to_str(went) == "(s 'went'->'go')"
    assert trees.apply(went, "went") == "go"
    assert trees.apply(went, "sent") is None  # a substitution fits only its own form
    ing = trees.add("walking", "walk")
    assert trees.apply(ing, "ing") is None  # nothing left to keep
    assert trees.apply(ing, "walked") is None


def test_edit_tree_find_does_not_add_and_json_roundtrips():
    trees = EditTrees()
    tree = trees.add("studies", "study")
    n = len(trees)
    assert trees.find("flies", "fly") == tree
    assert trees.find("went", "go") is None and len(trees) == n
    copy = EditTrees().from_bytes(trees.to_bytes())
    assert copy.to_json() == trees.to_json() and copy.apply(tree, "parties") == "party"


def test_longest_common_substring():
    assert longest_common_substring("unhappy", "happy") == (2, 0, 5)
    assert longest_common_substring("abc", "xyz")[2] == 0


def test_edit_tree_bad_json_names_the_item():
    with pytest.raises(DataError, match=r"trees\[1\]: subtree id 5 does not name an earlier tree"):
        EditTrees().from_json([{"orig": "a", "subst": "b"},
                               {"prefix_len": 0, "suffix_len": 1, "prefix_tree": -1, "suffix_tree": 5}])
    with pytest.raises(DataError, match=r"trees\[0\]: unexpected keys"):
        EditTrees().from_json([{"orig": "a"}])
    with pytest.raises(SerializationError, match="not an edit tree table"):
        EditTrees().from_bytes(b"\xc1garbage")


# trainable_lemmatizer ---------------------------------------------------------
@pytest.fixture
def lem_nlp():
    nlp = plait.blank("en")
    nlp.add_pipe("trainable_lemmatizer", config={"model": MODEL})
    return nlp


def train(nlp, examples, steps, batch_size=16, seed=0):
    optimizer = nlp.initialize(lambda: examples)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        batch = [examples[i] for i in rng.choice(len(examples), batch_size, replace=False)]
        losses = nlp.update(batch, sgd=optimizer)
    return losses


def test_trainable_lemmatizer_learns_trees_from_examples(lem_nlp, make_ewt_examples):
    examples = make_ewt_examples(lem_nlp, "train", 300)
    lem_nlp.initialize(lambda: examples)
    lem = lem_nlp.get_pipe("trainable_lemmatizer")
    assert lem.model.get_ref("output_layer").get_dim("nO") == len(lem.labels)
    # The most frequent tree is the identity (lemma = form).
    assert lem.trees.apply(lem.labels[0], "anything") == "anything"
    applied = {lem.trees.apply(t, "parties") for t in lem.labels}
    assert "party" in applied
    # min_tree_freq: each kept tree occurs at least 3 times; a higher cut keeps fewer.
    strict = plait.blank("en")
    strict.add_pipe("trainable_lemmatizer", config={"model": MODEL, "min_tree_freq": 50})
    strict.initialize(lambda: make_ewt_examples(strict, "train", 300))
    assert 0 < len(strict.get_pipe("trainable_lemmatizer").labels) < len(lem.labels)


def test_trainable_lemmatizer_label_data_initializes_another(lem_nlp, make_ewt_examples, tmp_path):
    examples = make_ewt_examples(lem_nlp, "train", 200)
    lem_nlp.initialize(lambda: examples)
    data = lem_nlp.get_pipe("trainable_lemmatizer").label_data
    assert set(data) == {"trees", "labels"}
    # It goes through JSON (what `plait init labels` writes) unchanged.
    data = json.loads(json.dumps(data))
    other = plait.blank("en")
    lem2 = other.add_pipe("trainable_lemmatizer", config={"model": MODEL})
    lem2.initialize(lambda: make_ewt_examples(other, "train", 5), nlp=other, labels=data)
    assert lem2.labels == lem_nlp.get_pipe("trainable_lemmatizer").labels
    assert lem2.trees.to_json() == data["trees"]


def test_trainable_lemmatizer_bad_labels_say_what_is_expected(lem_nlp, make_ewt_examples):
    examples = make_ewt_examples(lem_nlp, "train", 5)
    lem = lem_nlp.get_pipe("trainable_lemmatizer")
    with pytest.raises(DataError, match="expected a dict with 'trees' and 'labels'"):
        lem.initialize(lambda: examples, labels=["a", "b"])
    with pytest.raises(DataError, match=r"\['labels'\]: \[7\] do not name trees"):
        lem.initialize(lambda: examples, labels={"trees": [{"orig": "a", "subst": "b"}], "labels": [7]})


def test_trainable_lemmatizer_without_lemmas_in_data_says_so(lem_nlp):
    from plait.tokens import Doc

    bare = [Example(Doc(lem_nlp.vocab, ["a", "b"]), Doc(lem_nlp.vocab, ["a", "b"]))]
    with pytest.raises(DataError, match="no edit tree occurs at least min_tree_freq = 3"):
        lem_nlp.get_pipe("trainable_lemmatizer").initialize(lambda: bare)


def test_trainable_lemmatizer_refuses_bad_settings_and_use():
    nlp = plait.blank("en")
    with pytest.raises(ConfigError, match="backoff = 'colour' is not a token attribute"):
        nlp.add_pipe("trainable_lemmatizer", config={"backoff": "colour"})
    with pytest.raises(ConfigError, match="top_k = 0"):
        nlp.add_pipe("trainable_lemmatizer", config={"top_k": 0})
    lem = nlp.add_pipe("trainable_lemmatizer", config={"model": MODEL})
    with pytest.raises(UsageError, match="has no labels.*nlp.initialize"):
        nlp("not initialized")
    with pytest.raises(UsageError, match="cannot be added one by one"):
        lem.add_label("x")


def test_trainable_lemmatizer_backoff_and_overwrite(lem_nlp, make_ewt_examples):
    examples = make_ewt_examples(lem_nlp, "train", 100)
    lem_nlp.initialize(lambda: examples)
    lem = lem_nlp.get_pipe("trainable_lemmatizer")
    doc = lem_nlp.make_doc("keep these words")
    doc[0].lemma_ = "MINE"
    n = len(doc)
    # No tree fits any token: backoff "orth" gives the form; an existing lemma stays.
    lem.set_annotations([doc], [np.full(n, -1)])
    assert [t.lemma_ for t in doc] == ["MINE", "these", "words"]
    none = plait.blank("en")
    lem2 = none.add_pipe("trainable_lemmatizer", config={"model": MODEL, "backoff": None, "overwrite": True})
    lem2.initialize(lambda: make_ewt_examples(none, "train", 100))
    doc = none.make_doc("keep these")
    doc[0].lemma_ = "MINE"
    lem2.set_annotations([doc], [np.full(2, -1)])
    assert [t.lemma_ for t in doc] == ["MINE", ""]  # backoff None leaves the lemma unset
    identity = lem.labels[0]
    lem2.set_annotations([doc], [np.array([lem2.labels[0], lem2.labels[0]])])
    assert [t.lemma_ for t in doc] == ["keep", "these"] and identity == lem2.labels[0]


def test_trainable_lemmatizer_top_k_picks_the_best_tree_that_fits(lem_nlp):
    from plait.tokens import Doc

    trees = EditTrees()
    ids = [trees.add("went", "go"), trees.add("walking", "walk"), trees.add("walk", "walk")]
    labels = {"trees": trees.to_json(), "labels": ids}
    doc = Doc(lem_nlp.vocab, ["singing", "went", "ing"])  # "ing": nothing left to keep
    lem = lem_nlp.get_pipe("trainable_lemmatizer")
    lem.initialize(lambda: [Example(doc, doc)], labels=labels)
    # Class 0 (went->go) ranks first everywhere, then 1 ("-ing"), then 2 (identity).
    scores = np.array([[0.6, 0.3, 0.1]] * 3, dtype="f")

    class FixedScores:
        ops = lem.model.ops

        def predict(self, docs):
            return [scores]

    lem.model = FixedScores()
    lem.cfg["top_k"] = 1
    assert lem.predict([doc])[0].tolist() == [-1, ids[0], -1]
    lem.cfg["top_k"] = 2
    assert lem.predict([doc])[0].tolist() == [ids[1], ids[0], -1]
    lem.cfg["top_k"] = 3
    chosen = lem.predict([doc])
    assert chosen[0].tolist() == [ids[1], ids[0], ids[2]]
    lem.set_annotations([doc], chosen)
    assert [t.lemma_ for t in doc] == ["sing", "go", "ing"]


@pytest.mark.slow
def test_trainable_lemmatizer_learns_ewt_lemmas_and_roundtrips(lem_nlp, make_ewt_examples, tmp_path):
    train_examples = make_ewt_examples(lem_nlp, "train", 1500)
    dev = make_ewt_examples(lem_nlp, "dev", 300)
    train(lem_nlp, train_examples, 200)
    scores = lem_nlp.evaluate(dev)
    assert scores["lemma_acc"] >= TRAINED_LEMMA_ACC_MIN
    texts = [" ".join(t.text for t in eg.predicted) for eg in dev[:30]]
    before = [[t.lemma_ for t in doc] for doc in lem_nlp.pipe(texts)]
    lem_nlp.to_disk(tmp_path / "nlp")
    assert (tmp_path / "nlp" / "trainable_lemmatizer" / "trees").exists()
    loaded = plait.load(tmp_path / "nlp")
    assert [[t.lemma_ for t in doc] for doc in loaded.pipe(texts)] == before
    assert loaded.get_pipe("trainable_lemmatizer").labels == lem_nlp.get_pipe("trainable_lemmatizer").labels
    # Byte round trip too.
    lem = lem_nlp.get_pipe("trainable_lemmatizer")
    fresh = plait.blank("en").add_pipe("trainable_lemmatizer", config={"model": MODEL})
    fresh.from_bytes(lem.to_bytes())
    assert fresh.trees.to_json() == lem.trees.to_json()


def test_trainable_lemmatizer_roundtrip_small(lem_nlp, make_ewt_examples, tmp_path):
    examples = make_ewt_examples(lem_nlp, "train", 100)
    train(lem_nlp, examples, 3)
    texts = ["The children went home .", "She studies parties"]
    before = [[t.lemma_ for t in doc] for doc in lem_nlp.pipe(texts)]
    lem_nlp.to_disk(tmp_path / "nlp")
    loaded = plait.load(tmp_path / "nlp")
    assert [[t.lemma_ for t in doc] for doc in loaded.pipe(texts)] == before


def test_trainable_lemmatizer_missing_tree_file_is_reported(lem_nlp, make_ewt_examples, tmp_path):
    lem_nlp.initialize(lambda: make_ewt_examples(lem_nlp, "train", 50))
    lem_nlp.get_pipe("trainable_lemmatizer").to_disk(tmp_path / "lem")
    (tmp_path / "lem" / "trees").unlink()
    with pytest.raises(SerializationError, match="cannot read the edit tree table"):
        lem_nlp.get_pipe("trainable_lemmatizer").from_disk(tmp_path / "lem")


def test_trainable_lemmatizer_with_shared_tok2vec_learns(make_ewt_examples):
    nlp = plait.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("trainable_lemmatizer", config={"model": {
        "@architectures": "plait.Tagger.v2",
        "tok2vec": {"@architectures": "plait.Tok2VecListener.v1", "width": 96, "upstream": "*"},
    }})
    examples = make_ewt_examples(nlp, "train", 64)
    optimizer = nlp.initialize(lambda: examples)
    first = nlp.update(examples[:32], sgd=optimizer)["trainable_lemmatizer"]
    for _ in range(15):
        losses = nlp.update(examples[:32], sgd=optimizer)
    assert losses["trainable_lemmatizer"] < first / 2


# Rule / lookup lemmatizer -----------------------------------------------------
def gold_pos_examples(nlp, load_ewt, split, limit):
    refs = load_ewt(nlp.vocab, split, limit)
    preds = load_ewt(nlp.vocab, split, limit, annotate=False)
    for pred, ref in zip(preds, refs, strict=True):
        pred.from_array([POS], ref.to_array([POS]))
    return preds, refs


def test_rule_lemmatizer_with_gold_pos_on_ewt_dev(load_ewt):
    nlp = plait.blank("en")
    lem = nlp.add_pipe("lemmatizer")
    preds, refs = gold_pos_examples(nlp, load_ewt, "dev", 3000)
    docs = list(lem.pipe(preds))
    acc = lemmatizer_score([Example(p, r) for p, r in zip(docs, refs, strict=True)])["lemma_acc"]
    assert acc >= RULE_LEMMA_ACC_MIN


def test_lookup_lemmatizer_on_ewt_dev(load_ewt):
    nlp = plait.blank("en")
    lem = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    refs = load_ewt(nlp.vocab, "dev", 3000)
    docs = list(lem.pipe(load_ewt(nlp.vocab, "dev", 3000, annotate=False)))
    acc = lemmatizer_score([Example(p, r) for p, r in zip(docs, refs, strict=True)])["lemma_acc"]
    assert acc >= LOOKUP_LEMMA_ACC_MIN


@pytest.mark.parametrize(
    "form,pos,lemma",
    [("went", "VERB", "go"), ("children", "NOUN", "child"), ("studies", "NOUN", "study"),
     ("walked", "VERB", "walk"), ("running", "VERB", "run"), ("better", "ADJ", "good"),
     ("is", "AUX", "be"), ("The", "DET", "the"), ("Obama", "PROPN", "Obama"), ("Americans", "PROPN", "American"),
     ("glorfies", "NOUN", "glorfy")],
)  # fmt: skip
def test_rule_lemmatizer_words(form, pos, lemma):
    lem = plait.blank("en").add_pipe("lemmatizer")
    assert lem.lemmatize(form, pos) == lemma


def test_rule_lemmatizer_uses_pos_column_and_respects_overwrite():
    nlp = plait.blank("en")
    lem = nlp.add_pipe("lemmatizer")
    doc = plait.tokens.Doc(nlp.vocab, ["She", "saw", "two", "saws"], pos=["PRON", "VERB", "NUM", "NOUN"])
    doc[2].lemma_ = "MINE"
    lem(doc)
    assert [t.lemma_ for t in doc] == ["she", "see", "MINE", "saw"]
    over = nlp.add_pipe("lemmatizer", name="over", config={"overwrite": True})
    over(doc)
    assert doc[2].lemma_ == "two"


def test_rule_lemmatizer_without_pos_warns_and_uses_lookup():
    nlp = plait.blank("en")
    nlp.add_pipe("lemmatizer")
    with pytest.warns(UserWarning, match="4 of 4 tokens have no POS.*morphologizer"):
        doc = nlp("The children were there")
    assert [t.lemma_ for t in doc] == ["the", "child", "be", "there"]
    lookup = plait.blank("en")
    lookup.add_pipe("lemmatizer", config={"mode": "lookup"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lookup("The children")[1].lemma_ == "child"


def test_lemmatizer_bad_mode_and_tables():
    nlp = plait.blank("en")
    with pytest.raises(ConfigError, match="mode = 'stem'"):
        nlp.add_pipe("lemmatizer", config={"mode": "stem"})
    lem = nlp.add_pipe("lemmatizer")
    with pytest.raises(DataError, match=r"missing tables \['rules', 'index'"):
        lem.initialize(tables={"exceptions": {}, "lookup": {}})
    with pytest.raises(DataError, match="cannot read the JSON tables"):
        lem.initialize(tables="/nonexistent/tables.json")


def test_lemmatizer_custom_tables_roundtrip(tmp_path):
    tables = {"rules": {"NOUN": [["en", ""]]}, "index": {"NOUN": ["ox"]}, "exceptions": {},
              "lookup": {"geese": "goose"}}
    nlp = plait.blank("en")
    lem = nlp.add_pipe("lemmatizer")
    lem.initialize(tables=tables)
    assert lem.lemmatize("oxen", "NOUN") == "ox" and lem.lemmatize("geese") == "goose"
    nlp.to_disk(tmp_path / "nlp")
    loaded = plait.load(tmp_path / "nlp").get_pipe("lemmatizer")
    assert loaded.lemmatize("oxen", "NOUN") == "ox"
    default = plait.blank("en").add_pipe("lemmatizer")
    default.from_bytes(lem.to_bytes())
    assert default.lemmatize("oxen", "NOUN") == "ox"


def test_lemmatizer_tables_are_small_and_attributed():
    from importlib import resources

    path = resources.files("plait_pipes").joinpath("data", "en_lemma_rules.json")
    tables = json.loads(path.read_text(encoding="utf8"))
    assert len(path.read_bytes()) < 400_000
    assert tables["license"] == "CC BY-SA 4.0" and "EWT" in tables["source"]


def test_init_config_with_lemmatizers_builds():
    from plait.language import Language
    from plait_pipes.init_config import init_config_components
    from thinc.api import Config

    pipeline = ["tok2vec", "tagger", "morphologizer", "trainable_lemmatizer", "senter", "textcat"]
    sections = init_config_components(pipeline=pipeline, lang="en", optimize="efficiency", gpu=False)
    assert sections["components.trainable_lemmatizer.model.tok2vec"]["@architectures"] == (
        "plait.Tok2VecListener.v1")
    assert sections["components.trainable_lemmatizer"]["factory"] == "trainable_lemmatizer"
    rule = init_config_components(pipeline=["morphologizer", "lemmatizer"], lang="en",
                                  optimize="efficiency", gpu=False)
    assert rule["components.lemmatizer"] == {"factory": "lemmatizer", "mode": "rule"}
    nlp = plait.blank("en")
    nlp.add_pipe("morphologizer")
    nlp.add_pipe("lemmatizer")
    built = Language.from_config(Config().from_str(nlp.config.to_str()))
    assert built.pipe_names == ["morphologizer", "lemmatizer"]
