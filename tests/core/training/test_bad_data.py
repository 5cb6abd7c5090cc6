"""Bad training data through `plait train` and `train()`: every error names the
corpus, the document index and the start of its text, what is wrong and the fix."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from pathlib import Path

import numpy
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import plait  # noqa: E402
from _ewt import ewt_docbin  # noqa: E402
from _train_setup import CODE, write_config  # noqa: E402
from plait.config import import_code  # noqa: E402
from plait.errors import ConfigError, DataError, DataWarning  # noqa: E402
from plait.tokens import Doc, DocBin  # noqa: E402
from plait.training import Example  # noqa: E402
from plait.training.corpus import Corpus  # noqa: E402
from plait.training.data_checks import check_examples  # noqa: E402
from plait.training.train import train  # noqa: E402

PYTHON = sys.executable
TAGS = ["PRP", "VBP", "JJ", "NNS"]


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory):
    import_code([CODE])
    tmp = tmp_path_factory.mktemp("ewt")
    return (
        ewt_docbin(ewt_dir / "en_ewt-ud-train.conllu", tmp / "train.plait", 40),
        ewt_docbin(ewt_dir / "en_ewt-ud-dev.conllu", tmp / "dev.plait", 10),
    )


def _docbin(path: Path, docs: list[Doc]) -> Path:
    db = DocBin()
    for doc in docs:
        db.add(doc)
    db.to_disk(path)
    return path


def _good_docs(vocab: plait.Vocab, n: int) -> list[Doc]:
    return [Doc(vocab, words=["I", "like", "green", "apples"], tags=TAGS) for _ in range(n)]


def _plait_train(cfg: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [
        PYTHON,
        "-m",
        "plait",
        "train",
        str(cfg),
        "--output",
        str(out),
        "--code",
        str(CODE),
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def _train(cfg: Path, **overrides) -> None:
    train(cfg, None, overrides=overrides, stdout=io.StringIO(), stderr=io.StringIO())


# 1. BILUO / entity annotation -------------------------------------------------
def test_cli_invalid_entity_tags_in_a_plait_file_name_the_document(corpora, tmp_path):
    nlp = plait.blank("en")
    bad = Doc(
        nlp.vocab,
        words=["Acme", "Corp", "hired", "Bob", "yesterday"],
        tags=["NNP", "NNP", "VBD", "NNP", "NN"],
    )
    # An I- tag after O, as a foreign tool or Doc.from_array can store it.
    org = nlp.vocab.strings.add("ORG")
    bad.from_array(
        ["ENT_IOB", "ENT_TYPE"],
        numpy.array([[2, 0], [1, org], [2, 0], [2, 0], [2, 0]], dtype="uint64"),
    )
    train_path = _docbin(tmp_path / "bad.plait", [*_good_docs(nlp.vocab, 3), bad])
    cfg = write_config(tmp_path, train_path, corpora[1], max_steps=1)
    proc = _plait_train(cfg, tmp_path / "out")
    assert proc.returncode != 0
    err = proc.stderr
    assert "Traceback" not in err
    assert "[corpora.train]" in err and "bad.plait" in err
    assert "document 3 ('Acme Corp hired Bob yesterday" in err
    assert "token 1 continues an entity that is not open" in err
    assert "['O', 'I-ORG']" in err
    assert "B-" in err and "convert it again" in err
    assert not (tmp_path / "out" / "model-last").exists()


@plait.registry.readers("test_bad_data_reader.v1")
def _reader(records: list) -> object:
    """Examples from dicts, as a custom reader (the spec's corpus_variants.v1) builds them."""

    def generate(nlp):
        for text, annots in records:
            yield Example.from_dict(nlp.make_doc(text), annots)

    return generate


def _reader_config(tmp_path: Path, corpora, records: list, **kwargs) -> Path:
    import json

    extra = ("\n[corpora]\n[corpora.train]\n@readers = \"test_bad_data_reader.v1\"\n"
             f"records = {json.dumps(records)}\n")  # fmt: skip
    return write_config(tmp_path, corpora[0], corpora[1], max_steps=1, extra=extra, **kwargs)


def _record(text: str = "I like green apples", **annots) -> list:
    return [text, {"tags": TAGS, **annots}]


def test_invalid_biluo_from_a_custom_reader_names_the_example(corpora, tmp_path):
    records = [
        _record(),
        _record(),
        _record("Acme Corp hired Bob", entities=["B-ORG", "O", "O", "U-PER"]),
    ]
    records[2][1]["tags"] = ["NNP", "NNP", "VBD", "NNP"]
    with pytest.raises(DataError) as info:
        _train(_reader_config(tmp_path, corpora, records))
    msg = str(info.value)
    assert msg.startswith("[corpora.train], document 2")
    assert "'Acme Corp hired Bob'" in msg
    assert "invalid BILUO tag sequence at token 1" in msg and "'B-ORG' at 0 is not closed" in msg
    assert "iob_to_biluo" in msg


def test_entity_offsets_off_token_boundaries_warn_with_the_document(corpora, tmp_path):
    # spaCy's W030 behaviour: the tokens become missing annotation, training goes on.
    records = [_record(), _record("Acme Corp hired Bob", entities=[[0, 6, "ORG"]])]
    records[1][1]["tags"] = ["NNP", "NNP", "VBD", "NNP"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _train(_reader_config(tmp_path, corpora, records))
    ours = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert len(ours) == 1, ours
    assert ours[0].startswith("[corpora.train], document 1 ('Acme Corp hired Bob')")
    assert "(0, 6, 'ORG', 'Acme C')" in ours[0] and "do not fall on token boundaries" in ours[0]
    assert "offsets_to_biluo_tags" in ours[0]


# 2. Heads -------------------------------------------------------------------------
def _parsed(vocab: plait.Vocab, heads: list[int], sent_starts: list[int] | None = None) -> Doc:
    words = ["I", "run", ".", "You", "walk", "."]
    deps = ["nsubj", "ROOT", "punct", "nsubj", "ROOT", "punct"]
    return Doc(vocab, words=words, heads=heads, deps=deps, sent_starts=sent_starts, tags=["X"] * 6)


def test_head_in_another_sentence_is_refused(corpora, tmp_path):
    nlp = plait.blank("en")
    good = _parsed(nlp.vocab, [1, 1, 1, 4, 4, 4])
    crossing = _parsed(nlp.vocab, [1, 1, 1, 4, 1, 4], sent_starts=[1, 0, 0, 1, 0, 0])
    path = _docbin(tmp_path / "parsed.plait", [good, good, crossing])
    with pytest.raises(DataError) as info:
        _train(write_config(tmp_path, path, corpora[1], max_steps=1))
    msg = str(info.value)
    assert (
        msg.startswith("[corpora.train] ")
        and "parsed.plait', document 2 ('I run . You walk ." in msg
    )
    assert "the head of token 4 ('walk') is token 1 'run', which is in another sentence" in msg
    assert "sent_starts" in msg and "fix the head" in msg


def test_head_cycle_is_refused_with_the_token():
    nlp = plait.blank("en")
    cyclic = Doc(nlp.vocab, words=["a", "b", "c"], heads=[1, 0, 2], deps=["x", "y", "ROOT"])
    examples = [Example(nlp.make_doc("a b c"), cyclic, doc_index=7)]
    with pytest.raises(
        DataError,
        match=r"\[corpora.dev\] 'dev.plait', document 7 \('a b c '\): the heads of "
        r"token 0 \('a'\) -> token 1 \('b'\) -> token 0 form a cycle",
    ):
        check_examples(examples, "corpora.dev", "dev.plait")


def test_head_outside_the_doc_from_a_custom_reader_names_the_example(corpora, tmp_path):
    records = [_record(), _record(heads=[1, 1, 3, 9], deps=["nsubj", "ROOT", "amod", "dobj"])]
    with pytest.raises(DataError) as info:
        _train(_reader_config(tmp_path, corpora, records))
    msg = str(info.value)
    assert msg.startswith("[corpora.train], document 1 (the one after 'I like green apples')")
    assert "heads[3] = 9" in msg and "outside the doc" in msg and "'I like green apples'" in msg


def test_valid_parses_pass_the_checks_on_real_data(ewt_dir):
    # EWT trees with their own sentence starts: no false alarm, across many docs.
    import conllu

    nlp = plait.blank("en")
    examples = []
    with (ewt_dir / "en_ewt-ud-dev.conllu").open(encoding="utf8") as fh:
        for i, sent in zip(range(300), conllu.parse_incr(fh), strict=False):
            toks = [t for t in sent if isinstance(t["id"], int)]
            heads = [t["head"] - 1 if t["head"] else k for k, t in enumerate(toks)]
            doc = Doc(
                nlp.vocab,
                words=[t["form"] for t in toks],
                heads=heads,
                deps=[t["deprel"] for t in toks],
                ents=["B-X"]
                + ["I-X"] * (len(toks) > 2)
                + ["O"] * (len(toks) - 1 - (len(toks) > 2)),
            )
            examples.append(Example(doc.copy(), doc, doc_index=i))
    check_examples(examples, "corpora.dev", "dev")


# 3. Unknown label in a frozen component -------------------------------------------
def test_cli_label_unknown_to_a_frozen_component(corpora, tmp_path):
    src = tmp_path / "src"
    train(
        write_config(tmp_path, *corpora, max_steps=2, eval_frequency=1),
        src,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    known = plait.load(src / "model-last").get_pipe("tagger").labels
    assert "ZZZ" not in known
    nlp = plait.blank("en")
    docs = [
        *_good_docs(nlp.vocab, 2),
        Doc(nlp.vocab, words=["Green", "apples", "rock"], tags=["JJ", "ZZZ", "VBP"]),
    ]
    train_path = _docbin(tmp_path / "newtag.plait", docs)
    cfg = write_config(tmp_path, train_path, corpora[1], max_steps=1)
    text = cfg.read_text().replace(
        'factory = "test_tagger"\nwidth = 64\n', f'source = "{src / "model-last"}"\n'
    )
    cfg.write_text(text.replace("patience = 0", 'patience = 0\nfrozen_components = ["tagger"]'))
    proc = _plait_train(cfg, tmp_path / "out")
    assert proc.returncode != 0
    err = proc.stderr
    assert "Traceback" not in err
    assert "[corpora.train] " in err and "newtag.plait', document 2 ('Green apples rock" in err
    assert "label 'ZZZ' at token 1 is not a label of the frozen component 'tagger'" in err
    assert "Remove 'tagger' from [training] frozen_components" in err
    # Un-freezing is the documented fix: the same data then trains.
    cfg.write_text(text)
    _train(cfg)


# 4. Empty corpora ------------------------------------------------------------------
@pytest.mark.parametrize("which", ["train", "dev"])
def test_empty_corpus_names_the_corpus_and_path(corpora, tmp_path, which):
    empty = _docbin(tmp_path / "empty.plait", [])
    paths = {"train": corpora[0], "dev": corpora[1], which: empty}
    with pytest.raises(DataError) as info:
        _train(write_config(tmp_path, paths["train"], paths["dev"], max_steps=1))
    msg = str(info.value)
    assert f"corpora.{which} produced no examples: check paths.{which} = '{empty}'" in msg
    assert "plait convert" in msg


# 5. Dev corpus missing -------------------------------------------------------------
def test_cli_dev_path_null(corpora, tmp_path):
    cfg = write_config(tmp_path, *corpora, max_steps=1)
    proc = _plait_train(cfg, tmp_path / "out", "--paths.dev", "null")
    assert proc.returncode != 0
    err = proc.stderr
    assert "Traceback" not in err
    assert (
        "[training] dev_corpus = 'corpora.dev': [corpora.dev] cannot be read (paths.dev = None)"
        in err
    )
    assert "--paths.dev ./dev.plait" in err and "needs a dev corpus" in err


def test_dev_path_that_does_not_exist(corpora, tmp_path):
    with pytest.raises(DataError) as info:
        _train(write_config(tmp_path, corpora[0], tmp_path / "nope.plait", max_steps=1))
    msg = str(info.value)
    assert f"[corpora.dev] cannot be read (paths.dev = '{tmp_path / 'nope.plait'}')" in msg
    assert "does not exist" in msg and "--paths.dev" in msg and "--paths.train" not in msg


def test_dev_corpus_naming_a_missing_section(corpora, tmp_path):
    cfg = write_config(tmp_path, *corpora, max_steps=1)
    cfg.write_text(
        cfg.read_text().replace("patience = 0", 'patience = 0\ndev_corpus = "corpora.devel"')
    )
    with pytest.raises(
        ConfigError,
        match=r"\[training\] dev_corpus: no section \[corpora.devel\] in the config\. "
        r"Did you mean 'corpora.dev'",
    ):
        _train(cfg)


# Errors from inside the per-example pipeline ------------------------------------------
def test_augmenter_errors_name_the_file_and_document(tmp_path):
    nlp = plait.blank("en")
    path = _docbin(
        tmp_path / "aug.plait",
        [*_good_docs(nlp.vocab, 2), Doc(nlp.vocab, words=["Boom", "here"], tags=["NN", "RB"])],
    )

    def augment(nlp, eg):
        if eg.reference.text.startswith("Boom"):
            raise KeyError("no such variant")
        yield eg

    with pytest.raises(KeyError) as info:
        list(Corpus(path, augmenter=augment)(nlp))
    assert f"while reading '{path}', document 2 ('Boom here ')" in info.value.__notes__


def test_streamed_corpus_errors_name_the_example(corpora, tmp_path):
    records = [_record(), _record(), _record(tags=["PRP", "VBP"])]
    cfg = _reader_config(tmp_path, corpora, records)
    cfg.write_text(cfg.read_text().replace("patience = 0", "patience = 0\nmax_epochs = -1"))
    with pytest.raises(
        DataError,
        match=r"^\[corpora.train\], document 2: Example.from_dict "
        r"\('I like green apples'\).*2 tags for 4 words",
    ):
        _train(cfg)


@pytest.mark.parametrize(
    "heads,expected",
    [
        # a -> c -> b -> a: no root at all; the derived sentence starts cross
        # too, but the cycle is what is wrong
        ([2, 0, 1], r"the heads of token 0 \('a'\) -> token 2 \('c'\) -> token 1 \('b'\) -> token 0 "
                    r"form a cycle: these tokens never reach a root\."),
        # b and c are both roots; a (head d, of b's tree) lies across c's tree
        ([3, 1, 2, 1], r"one sentence has two roots whose trees interleave: token 1 \('b'\) and "
                       r"token 2 \('c'\) are both their own head, and token 0 \('a', head token 3\)"),
    ],
)
def test_cycle_and_two_roots_are_named_not_another_sentence(heads, expected):
    nlp = plait.blank("en")
    words = ["a", "b", "c", "d"][: len(heads)]
    doc = Doc(nlp.vocab, words=words, heads=heads, deps=["dep"] * len(heads))
    examples = [Example(nlp.make_doc(" ".join(words)), doc, doc_index=3)]
    with pytest.raises(DataError, match=r"\[corpora.train\] 'train.plait', document 3 .*" + expected) as info:
        check_examples(examples, "corpora.train", "train.plait")
    assert "another sentence" not in str(info.value)
