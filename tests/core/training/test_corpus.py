"""Corpus readers: DocBin files and folders, options, config resolution, errors."""

from __future__ import annotations

import pytest
from _ewt_sentences import read_ewt
from confection import Config
from plait import registry
from plait.errors import DataError
from plait.tokens import Doc, DocBin
from plait.training import Corpus, Example
from plait.training.corpus import create_docbin_reader, require_examples


@pytest.fixture(scope="module")
def nlp():
    from plait.lang.en import English

    return English()


@pytest.fixture(scope="module")
def ewt_sents(ewt_dir):
    return read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", limit=120)


def _docs(nlp, sents):
    keys = ("tags", "pos", "morphs", "lemmas", "heads", "deps")
    return [Doc(nlp.vocab, words=s["words"], spaces=s["spaces"], **{k: s[k] for k in keys}) for s in sents]


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory, nlp, ewt_sents):
    root = tmp_path_factory.mktemp("corpus")
    docs = _docs(nlp, ewt_sents)
    (root / "b").mkdir()
    (root / "a" / "deep").mkdir(parents=True)
    for path, chunk in [(root / "b" / "x.plait", docs[80:]), (root / "a" / "deep" / "z.plait", docs[40:80]),
                        (root / "a" / "y.plait", docs[:40])]:  # fmt: skip
        db = DocBin()
        for doc in chunk:
            db.add(doc)
        db.to_disk(path)
    (root / "notes.txt").write_text("not a corpus")
    return root


def test_reads_file(corpus_dir, nlp, ewt_sents):
    examples = list(Corpus(corpus_dir / "a" / "y.plait")(nlp))
    assert len(examples) == 40
    for eg, sent in zip(examples, ewt_sents[:40], strict=False):
        assert isinstance(eg, Example)
        assert eg.reference.words == sent["words"]
        assert eg.reference.text == sent["text"]
        assert eg.predicted.words == nlp.make_doc(sent["text"]).words
        assert eg.get_aligned("TAG", as_string=True)[0] in (sent["tags"][0], None)


def test_reads_folder_recursively_sorted(corpus_dir, nlp, ewt_sents):
    texts = [eg.text for eg in Corpus(corpus_dir)(nlp)]
    # a/deep/z.plait, a/y.plait, b/x.plait
    expected = [s["text"] for s in ewt_sents[40:80] + ewt_sents[:40] + ewt_sents[80:]]
    assert texts == expected


def test_limit_and_shuffle(corpus_dir, nlp):
    assert len(list(Corpus(corpus_dir, limit=7)(nlp))) == 7
    plain = [eg.text for eg in Corpus(corpus_dir)(nlp)]
    shuffled = [eg.text for eg in Corpus(corpus_dir, shuffle=True)(nlp)]
    assert sorted(plain) == sorted(shuffled) and plain != shuffled


def test_streams_lazily(corpus_dir, nlp, monkeypatch):
    # Record what the reader pulls from disk: a reader that loaded the corpus
    # up front would open all three files before yielding the first Example.
    opened: list[str] = []
    decoded = [0]
    original = DocBin.iter_from_disk

    def spy(path, vocab, *args, **kwargs):
        opened.append(path.name)
        for doc in original(path, vocab, *args, **kwargs):
            decoded[0] += 1
            yield doc

    monkeypatch.setattr(DocBin, "iter_from_disk", staticmethod(spy))
    stream = Corpus(corpus_dir)(nlp)
    assert opened == []  # nothing is read before the first Example is asked for
    first = next(stream)
    assert isinstance(first, Example)
    assert opened == ["z.plait"] and decoded[0] == 1
    rest = list(stream)
    assert opened == ["z.plait", "y.plait", "x.plait"]
    assert len(rest) + 1 == decoded[0] == 120


def test_gold_preproc_and_max_length(tmp_path, nlp, ewt_sents):
    docs = _docs(nlp, ewt_sents[:6])
    big = Doc.from_docs(docs)
    db = DocBin()
    db.add(big)
    db.to_disk(tmp_path / "big.plait")
    [whole] = list(Corpus(tmp_path / "big.plait")(nlp))
    assert len(whole.reference) == sum(len(d) for d in docs)
    limit = max(len(d) for d in docs[:3]) + 1
    split = list(Corpus(tmp_path / "big.plait", max_length=limit)(nlp))
    assert [len(eg.reference) for eg in split] == [len(d) for d in docs if len(d) < limit]
    gold = list(Corpus(tmp_path / "big.plait", gold_preproc=True)(nlp))
    assert [eg.predicted.words for eg in gold] == [d.words for d in docs]


def test_augmenter(corpus_dir, nlp):
    def lower(nlp, eg):
        yield eg
        d = eg.to_dict()
        doc = nlp.make_doc(eg.text.lower())
        d["token_annotation"]["ORTH"] = [t.text for t in doc]
        if len(doc) == len(eg.reference):
            yield Example.from_dict(doc, d)

    out = list(Corpus(corpus_dir / "a" / "y.plait", augmenter=lower)(nlp))
    assert len(out) > 40
    assert any(eg.text.islower() for eg in out)


def test_missing_path_error(tmp_path):
    with pytest.raises(DataError, match=r"corpus path '.*nope.plait' does not exist.*paths.train"):
        Corpus(tmp_path / "nope.plait")
    with pytest.raises(DataError, match=r"corpus path is None.*--paths.train"):
        create_docbin_reader(None, gold_preproc=False)


def test_empty_corpus_error(tmp_path, nlp):
    (tmp_path / "empty").mkdir()
    corpus = Corpus(tmp_path / "empty")
    with pytest.raises(DataError, match=r"the dev corpus at '.*empty' \(\[corpora.dev\]\) has no examples"):
        require_examples(corpus(nlp), name="dev", path=corpus.path)
    assert len(list(require_examples(iter([1, 2, 3])))) == 3


CORPORA_CFG = """
[paths]
train = null
dev = null

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${paths.train}
gold_preproc = false
max_length = 0
limit = 0
augmenter = null

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${paths.dev}
gold_preproc = false
max_length = 0
limit = 5
augmenter = null
"""


def test_corpora_block_resolves(corpus_dir, nlp):
    cfg = Config().from_str(CORPORA_CFG, overrides={
        "paths.train": str(corpus_dir / "a"), "paths.dev": str(corpus_dir / "b" / "x.plait"),
    })
    corpora = registry.resolve(cfg)["corpora"]
    assert len(list(corpora["train"](nlp))) == 80
    assert len(list(corpora["dev"](nlp))) == 5


def test_corpora_as_one_function(corpus_dir, nlp):
    @registry.readers("test_plait_corpora.v1")
    def both(train_path: str, dev_path: str):
        return {"train": Corpus(train_path), "dev": Corpus(dev_path, limit=3)}

    cfg = Config().from_str(
        f'[corpora]\n@readers = "test_plait_corpora.v1"\ntrain_path = "{corpus_dir / "a"}"\n'
        f'dev_path = "{corpus_dir / "b"}"\n'
    )
    corpora = registry.resolve(cfg)["corpora"]
    assert len(list(corpora["dev"](nlp))) == 3


def test_corpus_path_none_from_config():
    cfg = Config().from_str(CORPORA_CFG)
    with pytest.raises(Exception, match="paths.train"):
        registry.resolve(cfg)


def test_json_readers(tmp_path):
    import srsly

    srsly.write_json(tmp_path / "a.json", {"labels": ["A", "B"]})
    (tmp_path / "b.jsonl").write_text('{"x": 1}\nnot json\n{"x": 2}\n')
    read_json = registry.readers.get("srsly.read_json.v1")
    read_jsonl = registry.readers.get("srsly.read_jsonl.v1")
    assert read_json(tmp_path / "a.json") == {"labels": ["A", "B"]}
    assert list(read_jsonl(tmp_path / "b.jsonl", skip=True)) == [{"x": 1}, {"x": 2}]
    with pytest.raises(ValueError):
        list(read_jsonl(tmp_path / "b.jsonl"))
    with pytest.raises(DataError, match="missing.json' does not exist"):
        read_json(tmp_path / "missing.json")
