"""Scores: hand-computed small cases, perfect predictions on EWT, registry names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from plait import registry
from plait.errors import UsageError
from plait.scorer import PRFScore, ROCAUCScore, Scorer, roc_auc
from plait.tokens import Doc
from plait.training import Example
from plait.vocab import Vocab

sys.path.insert(0, str(Path(__file__).parent / "training"))
from _ewt_sentences import read_ewt  # noqa: E402


@pytest.fixture(scope="module")
def vocab():
    return Vocab()


def test_prf_arithmetic():
    prf = PRFScore()
    prf.score_set({1, 2, 3, 4}, {2, 3, 5})
    assert (prf.tp, prf.fp, prf.fn) == (2, 2, 1)
    assert prf.precision == pytest.approx(0.5)
    assert prf.recall == pytest.approx(2 / 3)
    assert prf.fscore == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert len(PRFScore()) == 0 and PRFScore().fscore == 0.0


def test_roc_auc_hand_values():
    assert roc_auc([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.1]) == pytest.approx(0.75)
    assert roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)  # ties count half
    auc = ROCAUCScore()
    auc.score_set(0.2, 1)
    assert not auc.is_binary()
    with pytest.raises(ValueError, match="only one class"):
        auc.score  # noqa: B018


def _eg(vocab, pred_words, gold_words, pred=None, gold=None, pred_spaces=None, gold_spaces=None):
    x = Doc(vocab, words=pred_words, spaces=pred_spaces, **(pred or {}))
    y = Doc(vocab, words=gold_words, spaces=gold_spaces, **(gold or {}))
    return Example(x, y)


def test_tag_acc_hand(vocab):
    eg = _eg(vocab, ["a", "b", "c", "d"], ["a", "b", "c", "d"],
             {"tags": ["X", "Y", "Z", "Z"]}, {"tags": ["X", "Y", "Z", None]})  # fmt: skip
    # The missing gold tag is not scored: 3/3.
    assert Scorer.score_token_attr([eg], "tag")["tag_acc"] == pytest.approx(1.0)
    eg2 = _eg(vocab, ["a", "b", "c", "d"], ["a", "b", "c", "d"],
              {"tags": ["X", "N", "Z", "Z"]}, {"tags": ["X", "Y", "Z", "W"]})  # fmt: skip
    assert registry.scorers.get("plait.tagger_scorer.v1")()([eg2])["tag_acc"] == pytest.approx(0.5)
    assert Scorer.score_token_attr([], "tag") == {"tag_acc": None}


def test_tag_acc_misaligned_counts_wrong(vocab):
    # "ab" covers two gold tokens: it cannot be right. 2 of 4 gold tags found.
    eg = _eg(vocab, ["ab", "c", "d"], ["a", "b", "c", "d"],
             {"tags": ["X", "Z", "W"]}, {"tags": ["X", "Y", "Z", "V"]})  # fmt: skip
    res = Scorer.score_token_attr([eg], "tag")["tag_acc"]
    # pred set {(2, Z), (3, W)}: 1 tp, 1 fp; gold 4 items: 3 fn -> P=0.5, R=0.25
    assert res == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_tokenization_hand(vocab):
    eg = _eg(vocab, ["ab", "c"], ["a", "b", "c"], pred_spaces=[True, False], gold_spaces=[False, True, False])
    scores = Scorer.score_tokenization([eg])
    assert scores["token_acc"] == pytest.approx(0.5)
    assert scores["token_p"] == pytest.approx(0.5)
    assert scores["token_r"] == pytest.approx(1 / 3)


def test_morph_per_feat_hand(vocab):
    gold = {"morphs": ["Number=Sing|Person=3", "Number=Plur", "_"], "pos": ["NOUN", "NOUN", "PUNCT"]}
    pred = {"morphs": ["Number=Sing|Person=1", "Number=Plur", "_"], "pos": ["NOUN", "VERB", "PUNCT"]}
    eg = _eg(vocab, ["a", "b", "c"], ["a", "b", "c"], pred, gold)
    scores = registry.scorers.get("plait.morphologizer_scorer.v1")()([eg])
    assert scores["pos_acc"] == pytest.approx(2 / 3)
    assert scores["morph_acc"] == pytest.approx(2 / 3)
    # features: gold {Number=Sing, Person=3, Number=Plur}, pred {Number=Sing, Person=1, Number=Plur}
    assert scores["morph_micro_p"] == pytest.approx(2 / 3)
    assert scores["morph_micro_r"] == pytest.approx(2 / 3)
    assert scores["morph_per_feat"]["Number"]["f"] == pytest.approx(1.0)
    assert scores["morph_per_feat"]["Person"]["f"] == pytest.approx(0.0)


def test_ents_hand_and_unalignable_excluded(vocab):
    words = ["Anna", "met", "Bob", "in", "New", "York"]
    gold = {"ents": ["U-PER", "O", "U-PER", "O", "B-LOC", "L-LOC"]}
    pred = {"ents": ["U-PER", "O", "U-ORG", "O", "B-LOC", "L-LOC"]}
    scores = registry.scorers.get("plait.ner_scorer.v1")()([_eg(vocab, words, words, pred, gold)])
    assert scores["ents_p"] == pytest.approx(2 / 3) and scores["ents_r"] == pytest.approx(2 / 3)
    assert scores["ents_per_type"]["PER"] == pytest.approx({"p": 1.0, "r": 0.5, "f": 2 / 3})
    assert scores["ents_per_type"]["ORG"]["p"] == 0.0
    # The predicted tokenization glues "Bob" to "in": gold "Bob" cannot be
    # predicted and is left out of the evaluation.
    pred_words = ["Anna", "met", "Bob_in", "New", "York"]
    gold_words = ["Anna", "met", "Bob", "_", "in", "New", "York"]
    eg = _eg(vocab, pred_words, gold_words, {"ents": ["U-PER", "O", "O", "B-LOC", "L-LOC"]},
             {"ents": ["U-PER", "O", "U-PER", "O", "O", "B-LOC", "L-LOC"]},
             gold_spaces=[True, True, False, False, True, True, True])  # fmt: skip
    scores = Scorer.score_spans([eg], "ents")
    assert scores["ents_p"] == pytest.approx(1.0) and scores["ents_r"] == pytest.approx(1.0)
    ruler = registry.scorers.get("plait.entity_ruler_scorer.v1")()([eg])
    assert ruler["ents_f"] == pytest.approx(1.0)


def test_ents_no_annotation_skipped(vocab):
    eg = _eg(vocab, ["a"], ["a"], {"ents": ["U-X"]}, None)
    assert registry.scorers.get("plait.ner_scorer.v1")()([eg])["ents_f"] is None


def test_deps_hand(vocab):
    words = ["She", "eats", "fish", "."]
    gold = {"heads": [1, 1, 1, 1], "deps": ["nsubj", "ROOT", "obj", "punct"]}
    pred = {"heads": [1, 1, 0, 2], "deps": ["nsubj", "ROOT", "nmod", "punct"]}
    scores = registry.scorers.get("plait.parser_scorer.v1")()([_eg(vocab, words, words, pred, gold)])
    # punct ignored; 3 arcs: She->eats ok, eats root ok, fish->She wrong head
    assert scores["dep_uas"] == pytest.approx(2 / 3)
    assert scores["dep_las"] == pytest.approx(2 / 3)
    assert scores["dep_las_per_type"]["nsubj"]["f"] == pytest.approx(1.0)
    assert scores["sents_f"] == pytest.approx(1.0)
    assert "sents_per_type" not in scores
    pred2 = {"heads": [1, 1, 1, 1], "deps": ["nsubj", "ROOT", "iobj", "punct"]}
    scores2 = Scorer.score_deps([_eg(vocab, words, words, pred2, gold)], "dep", ignore_labels=("punct",))
    assert scores2["dep_uas"] == pytest.approx(1.0) and scores2["dep_las"] == pytest.approx(2 / 3)


def _cats_eg(vocab, pred, gold):
    x = Doc(vocab, words=["t"])
    y = Doc(vocab, words=["t"])
    x.cats, y.cats = pred, gold
    return Example(x, y)


def test_textcat_exclusive_hand(vocab):
    egs = [
        _cats_eg(vocab, {"A": 0.8, "B": 0.2}, {"A": 1.0, "B": 0.0}),
        _cats_eg(vocab, {"A": 0.6, "B": 0.4}, {"A": 0.0, "B": 1.0}),
        _cats_eg(vocab, {"A": 0.1, "B": 0.9}, {"A": 0.0, "B": 1.0}),
    ]
    scores = registry.scorers.get("plait.textcat_scorer.v2")()(egs, labels=["A", "B"])
    # A: tp 1, fp 1; B: tp 1, fn 1
    assert scores["cats_f_per_type"]["A"] == pytest.approx({"p": 0.5, "r": 1.0, "f": 2 / 3})
    assert scores["cats_f_per_type"]["B"] == pytest.approx({"p": 1.0, "r": 0.5, "f": 2 / 3})
    assert scores["cats_micro_f"] == pytest.approx(2 / 3)
    assert scores["cats_score"] == pytest.approx(2 / 3) and scores["cats_score_desc"] == "macro F"
    # AUC of A: positives {0.8}, negatives {0.6, 0.1}: 1.0; B: pos {0.4, 0.9} neg {0.2}: 1.0
    assert scores["cats_auc_per_type"] == pytest.approx({"A": 1.0, "B": 1.0})
    pos = Scorer.score_cats(egs, "cats", labels=["A", "B"], multi_label=False, positive_label="B")
    assert pos["cats_score"] == pytest.approx(2 / 3) and pos["cats_score_desc"] == "F (B)"
    with pytest.raises(UsageError, match="positive_label 'C'"):
        Scorer.score_cats(egs, "cats", labels=["A", "B"], multi_label=False, positive_label="C")


def test_textcat_multilabel_hand(vocab):
    egs = [
        _cats_eg(vocab, {"A": 0.9, "B": 0.7}, {"A": 1.0, "B": 0.0}),
        _cats_eg(vocab, {"A": 0.3, "B": 0.8}, {"A": 1.0, "B": 1.0}),
        _cats_eg(vocab, {"A": 0.2, "B": 0.1}, {"A": 0.0, "B": 0.0}),
    ]
    scores = registry.scorers.get("plait.textcat_multilabel_scorer.v2")()(egs, labels=["A", "B"])
    # threshold 0.5. A: tp1 fn1; B: tp1 fp1
    assert scores["cats_micro_p"] == pytest.approx(2 / 3) and scores["cats_micro_r"] == pytest.approx(2 / 3)
    # AUC A: pos {0.9, 0.3} neg {0.2}: 1.0; B: pos {0.8} neg {0.7, 0.1}: 1.0
    assert scores["cats_macro_auc"] == pytest.approx(1.0)
    assert scores["cats_score_desc"] == "macro AUC"


def test_lemma_and_senter_scorers(vocab):
    eg = _eg(vocab, ["a", "b", "c"], ["a", "b", "c"],
             {"lemmas": ["a", "x", "c"], "sent_starts": [True, True, False]},
             {"lemmas": ["a", "b", "c"], "sent_starts": [True, False, True]})  # fmt: skip
    assert registry.scorers.get("plait.lemmatizer_scorer.v1")()([eg])["lemma_acc"] == pytest.approx(2 / 3)
    sents = registry.scorers.get("plait.senter_scorer.v1")()([eg])
    # pred sents [0,1) [1,3); gold [0,2) [2,3): no match
    assert sents == {"sents_p": 0.0, "sents_r": 0.0, "sents_f": 0.0}


@pytest.fixture(scope="module")
def ewt_pairs(ewt_dir, vocab):
    out = []
    for sent in read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", limit=200):
        kw = {k: sent[k] for k in ("tags", "pos", "morphs", "lemmas", "heads", "deps")}
        gold = Doc(vocab, words=sent["words"], spaces=sent["spaces"], **kw)
        pred = Doc(vocab, words=sent["words"], spaces=sent["spaces"], **kw)
        out.append(Example(pred, gold))
    return out


def test_perfect_predictions_on_ewt(ewt_pairs):
    scores = {}
    for name in ("tagger", "morphologizer", "lemmatizer", "parser"):
        scores.update(registry.scorers.get(f"plait.{name}_scorer.v1")()(ewt_pairs))
    for key in ("tag_acc", "pos_acc", "morph_acc", "morph_micro_f", "lemma_acc", "dep_uas", "dep_las", "sents_f"):
        assert scores[key] == pytest.approx(1.0), key
    assert scores["dep_las_per_type"]["nsubj"]["f"] == pytest.approx(1.0)
    tok = Scorer.score_tokenization(ewt_pairs)
    assert tok["token_acc"] == tok["token_f"] == pytest.approx(1.0)


def test_whitespace_tokenization_on_ewt(ewt_dir, vocab):
    # Predicted = whitespace split with gold tags projected where one-to-one:
    # tag accuracy equals the share of gold tokens that align one-to-one.
    egs = []
    n_one, n_gold = 0, 0
    for sent in read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", limit=200):
        pred = Doc(vocab, words=sent["text"].split())
        eg = Example.from_dict(pred, {k: sent[k] for k in ("words", "spaces", "tags")})
        eg.predicted.from_array("TAG", eg.reference.to_array("TAG")[eg.alignment.x2y.data[eg.alignment.x2y.starts[:-1]]])
        egs.append(eg)
        x2y = eg.alignment.x2y
        n_one += int((x2y.lengths == 1).sum())
        n_gold += len(eg.reference)
    tag = Scorer.score_token_attr(egs, "tag")["tag_acc"]
    precision, recall = 1.0, n_one / n_gold
    assert tag == pytest.approx(2 * precision * recall / (precision + recall))
    tok = Scorer.score_tokenization(egs)
    assert 0.7 < tok["token_f"] < 0.9
    assert tok["token_acc"] == pytest.approx(n_one / sum(len(eg.predicted) for eg in egs))


def test_scorer_runs_pipes(vocab):
    class FakePipe:
        def score(self, examples, **kwargs):
            return {"fake_acc": len(list(examples)), **kwargs}

    class FakeNLP:
        tokenizer = object()
        pipeline = [("fake", FakePipe())]

    eg = _eg(vocab, ["a"], ["a"])
    scorer = Scorer(FakeNLP(), extra=1)
    scores = scorer.score([eg])
    assert scores["fake_acc"] == 1 and scores["extra"] == 1 and scores["token_acc"] == 1.0
    nested = scorer.score([eg], per_component=True)
    assert nested["fake"]["fake_acc"] == 1 and nested["tokenizer"]["token_f"] == 1.0


def test_all_scorer_entry_points_resolve():
    names = [n for n in registry.scorers.names() if n.startswith("plait.")]
    expected = {"plait.tagger_scorer.v1", "plait.morphologizer_scorer.v1", "plait.senter_scorer.v1",
                "plait.lemmatizer_scorer.v1", "plait.textcat_scorer.v2", "plait.textcat_multilabel_scorer.v2",
                "plait.ner_scorer.v1", "plait.parser_scorer.v1", "plait.entity_ruler_scorer.v1"}  # fmt: skip
    assert expected <= set(names)
    for name in expected:
        assert callable(registry.scorers.get(name)())


def test_sents_unset_in_prediction_scores_zero(vocab):
    eg = _eg(vocab, ["a", "b"], ["a", "b"], None, {"sent_starts": [True, True]})
    scores = registry.scorers.get("plait.senter_scorer.v1")()([eg])
    assert scores == {"sents_p": 0.0, "sents_r": 0.0, "sents_f": 0.0}
