"""`plait debug data` on real EWT / UNER data and on deliberately bad corpora."""

from __future__ import annotations

import io
import json
from pathlib import Path

import plait
import pytest
from plait.cli.convert import convert
from plait.cli.debug_data import debug_data
from plait.tokens import Doc, DocBin
from plait.training import nonproj
from plait.training.data_checks import _debug_data as checks

CONFIG = """
[paths]
train = null
dev = null

[nlp]
lang = "en"
pipeline = []

[components]

[corpora]

[corpora.train]
@readers = "plait.Corpus.v1"
path = ${{paths.train}}
gold_preproc = false
max_length = 0
limit = 0

[corpora.dev]
@readers = "plait.Corpus.v1"
path = ${{paths.dev}}
gold_preproc = false
max_length = 0
limit = 0

[training]
train_corpus = "corpora.train"
dev_corpus = "corpora.dev"
"""


PARSER_NER = """
[nlp]
lang = "en"
pipeline = ["parser", "ner"]

[components]

[components.parser]
factory = "parser"
min_action_freq = {min_freq}

[components.ner]
factory = "ner"
"""


def _run(tmp_path: Path, train: Path, dev: Path, verbose: bool = False, *, components: str = "") -> tuple[int, str]:
    cfg = tmp_path / "config.cfg"
    text = CONFIG.format()
    if components:  # replace the empty pipeline
        text = text.replace('[nlp]\nlang = "en"\npipeline = []\n\n[components]\n', components)
    cfg.write_text(text, encoding="utf8")
    out = io.StringIO()
    code = debug_data(cfg, overrides={"paths.train": str(train), "paths.dev": str(dev)},
                      verbose=verbose, stdout=out)
    return code, out.getvalue()


def test_ewt_and_uner(tmp_path: Path, ewt_dir: Path, uner_dir: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    blocks = (ewt_dir / "en_ewt-ud-dev.conllu").read_text(encoding="utf8").split("\n\n")
    (src / "train.conllu").write_text("\n\n".join(blocks[:300]) + "\n\n", encoding="utf8")
    (src / "dev.conllu").write_text("\n\n".join(blocks[250:400]) + "\n\n", encoding="utf8")
    res = convert(src, tmp_path / "c")
    train, dev = (tmp_path / "c" / "train.plait"), (tmp_path / "c" / "dev.plait")
    assert set(res.outputs) == {train, dev}
    code, report = _run(tmp_path, train, dev, verbose=True)
    assert "train: 300 docs" in report
    assert "texts occur in both train and dev" in report  # sentences 250..299
    assert "non-projective" in report or "dep:" in report
    assert "tokenized differently" in report
    assert code in (0, 1)


def test_errors_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"tokens": ["Hi", " ", "Bob"], "spaces": [False, False, False],
                               "entities": [[0, 3, "PER"]]}) + "\n", encoding="utf8")
    dev = tmp_path / "dev.jsonl"
    dev.write_text(json.dumps({"tokens": ["Ann", "ran"], "entities": [[0, 3, "LOC"]]}) + "\n", encoding="utf8")
    res = convert(tmp_path, tmp_path / "c")
    code, report = _run(tmp_path, tmp_path / "c" / "bad.plait", tmp_path / "c" / "dev.plait", verbose=True)
    assert code == 1
    assert "entities in train start or end with whitespace" in report
    assert "1 ner labels in dev are not in train" in report and "LOC" in report
    assert "fewer than 50 training examples" in report
    assert len(res.outputs) == 2




# Parser and ner checks ------------------------------------------------------------


def _docbin(path: Path, docs: list[Doc]) -> Path:
    DocBin(docs=docs).to_disk(path)
    return path


def _tree(vocab, heads: list[int], sent_starts: list[int] | None = None) -> Doc:
    words = ["I", "run", ".", "You", "walk", "."]
    deps = ["nsubj", "ROOT", "punct", "nsubj", "ROOT", "punct"]
    return Doc(vocab, words=words, heads=heads, deps=deps, sent_starts=sent_starts)


def test_bad_trees_are_errors_naming_doc_and_token(tmp_path: Path) -> None:
    vocab = plait.blank("en").vocab
    good = _tree(vocab, [1, 1, 1, 4, 4, 4])
    crossing = _tree(vocab, [1, 1, 1, 4, 1, 4], sent_starts=[1, 0, 0, 1, 0, 0])
    cyclic = Doc(vocab, words=["a", "b", "c"], heads=[1, 0, 2], deps=["x", "y", "ROOT"], sent_starts=[1, 0, 0])
    train = _docbin(tmp_path / "train.plait", [good, crossing, good, cyclic])
    dev = _docbin(tmp_path / "dev.plait", [good])
    code, report = _run(tmp_path, train, dev, verbose=True, components=PARSER_NER.format(min_freq=30))
    assert code == 1
    assert ("1 heads in train are outside their sentence or their tree, first: doc 1, token 4 ('walk'): its head is "
            "token 1 ('run')") in report
    assert "2 tokens in train are in or lead into a cycle of heads, first: doc 3, token 0 ('a')" in report
    assert "token 1 ('b')" in report
    # The bad sentences are left out of the tree counts: the good docs' 4
    # sentences and the crossing doc's second one are left.
    assert "trees: 5 (" in report


def test_tree_stats_agree_with_nonproj(tmp_path: Path) -> None:
    vocab = plait.blank("en").vocab
    # 0 <- 2 crosses 1 <- 3: one non-projective tree, one lifted arc.
    heads = [2, 3, 2, 2]
    assert nonproj.is_nonproj_tree(heads)
    crossed = Doc(vocab, words=["a", "b", "c", "d"], heads=heads, deps=["x", "y", "ROOT", "z"])
    partial = Doc(vocab, words=["e", "f", "g"], heads=[1, 1, None], deps=["x", "ROOT", None])
    stats = checks.parse_stats([crossed, _tree(vocab, [1, 1, 1, 4, 4, 4]), partial])
    assert (stats.n_trees, stats.nonproj_trees, stats.missing_heads) == (4, 1, 1)
    assert stats.nonproj_arcs == int(nonproj.nonproj_arcs(heads).sum())
    assert stats.nonproj[0].startswith("doc 0, token 1 ('b') <- token 3 ('d')")
    # Labels as the parser counts them: after lifting, roots left out.
    _, lifted = nonproj.projectivize(heads, ["x", "y", "ROOT", "z"])
    assert lifted[1] == "y||z"
    assert stats.labels["y||z"] == 1 and "ROOT" not in stats.labels and stats.labels["nsubj"] == 2


def test_entities_crossing_tokens_missing_annotation_and_rare_labels(tmp_path: Path) -> None:
    vocab = plait.blank("en").vocab
    # The tokenizer reads "U.S." as one token: the entity 'U.S' ends inside it.
    crossing = Doc(vocab, words=["in", "the", "U.S", "."], spaces=[True, True, False, False],
                   ents=["O", "O", "U-GPE", "O"])
    partial = Doc(vocab, words=["Ann", "Lee", "ran", "home"], ents=["B-PER", "I-PER", "O", None])
    bare = Doc(vocab, words=["no", "entities", "here"])
    trees = _tree(vocab, [1, 1, 1, 4, 4, 4])
    train = _docbin(tmp_path / "train.plait", [crossing, partial, bare, trees])
    dev = _docbin(tmp_path / "dev.plait", [partial])
    code, report = _run(tmp_path, train, dev, verbose=True, components=PARSER_NER.format(min_freq=2))
    assert code == 0, report
    assert ("entities: 2 of 2 types in 2 docs, 1 tokens with missing annotation, 2 docs without entity "
            "annotation, 1 crossing the pipeline's tokens") in report
    assert "1 of 2 entities in train cross the pipeline's token boundaries" in report
    assert "doc 0: 'U.S' (GPE, tokens 2..2) -> the pipeline's tokens ['U.S.']" in report
    assert "1 tokens in 1 docs of train have missing entity annotation" in report
    assert "doc 1: 1 tokens from token 3 ('home')" in report
    # min_action_freq 2: nsubj and punct (2 each) are kept, nothing else is there.
    assert "learned as 'dep'" not in report and "the parser learns them as 'dep'" not in report
    assert "2 of 2 entity types in train have fewer than 50 examples: 'ner' will hardly learn them" in report
    # The generic low-data line for ner is replaced by the component's.
    assert "ner labels have fewer than" not in report


def test_rare_arc_labels_are_learned_as_dep(tmp_path: Path) -> None:
    vocab = plait.blank("en").vocab
    crossed = Doc(vocab, words=["a", "b", "c", "d"], heads=[2, 3, 2, 2], deps=["x", "y", "ROOT", "z"])
    docs = [_tree(vocab, [1, 1, 1, 4, 4, 4])] * 3 + [crossed]
    train = _docbin(tmp_path / "train.plait", docs)
    code, report = _run(tmp_path, train, train, verbose=True, components=PARSER_NER.format(min_freq=3))
    assert code == 0, report
    assert ("3 of 5 arc labels in train (after pseudo-projective lifting) have fewer than 3 examples "
            "([components.parser] min_action_freq): the parser learns them as 'dep'") in report
    assert "    x: 1" in report and "    y||z: 1" in report and "    z: 1" in report
    assert "    nsubj:" not in report
    assert "1 of 7 dependency trees in train are non-projective (1 arcs)" in report


@pytest.fixture(scope="module")
def merged(ewt_dir: Path, uner_dir: Path, tmp_path_factory) -> dict:
    from plait_readers.merge import conllu_with_entities, read_entities_by_sent_id

    tmp = tmp_path_factory.mktemp("merged")
    out = {}
    for split, n in (("dev", 1000), ("test", 300)):
        blocks = [b for b in (ewt_dir / f"en_ewt-ud-{split}.conllu").read_text(encoding="utf8").split("\n\n")
                  if b.strip()][:n]
        conllu = tmp / f"{split}.conllu"
        conllu.write_text("\n\n".join(blocks) + "\n\n", encoding="utf8")
        ents = read_entities_by_sent_id(uner_dir / f"en_ewt-ud-{split}.iob2")
        docs = list(conllu_with_entities(conllu, ents, n_sents=3, require_all=False))
        out[split] = (_docbin(tmp / f"{split}.plait", docs), docs, conllu)
    return out


def test_parser_ner_report_on_ewt_with_uner_entities(merged: dict, tmp_path: Path) -> None:
    import conllu as conllu_lib

    train, docs, source = merged["dev"]
    code, report = _run(tmp_path, train, merged["test"][0], verbose=True,
                        components=PARSER_NER.format(min_freq=30))
    assert code == 0, report
    # Counted independently, sentence by sentence from the CoNLL-U file.
    n_trees = n_nonproj = n_arcs = 0
    with source.open(encoding="utf8") as fh:
        for sent in conllu_lib.parse_incr(fh):
            words = [t for t in sent if isinstance(t["id"], int)]
            heads = [i if t["head"] == 0 else t["head"] - 1 for i, t in enumerate(words)]
            flags = nonproj.nonproj_arcs(heads)
            n_trees += 1
            n_nonproj += bool(flags.any())
            n_arcs += int(flags.sum())
    assert n_nonproj > 5
    assert f"{n_nonproj} of {n_trees} dependency trees in train are non-projective ({n_arcs} arcs)" in report
    n_ents = sum(len(doc.ents) for doc in docs)
    types = {e.label_ for doc in docs for e in doc.ents}
    assert f"entities: {n_ents} of {len(types)} types in {len(docs)} docs, 0 tokens with missing annotation" in report
    # Rare EWT relations and the lifted labels fall under min_action_freq.
    assert "have fewer than 30 examples ([components.parser] min_action_freq): the parser learns them as 'dep'" \
        in report
    assert "||" in report.split("the parser learns them as 'dep'")[1]
    # UNER's tokens follow an older EWT release; where the pipeline's tokenizer
    # cuts an entity, it is named.
    assert "entities in train cross the pipeline's token boundaries" in report


def test_two_roots_and_cycles_are_named_as_such() -> None:
    from plait.training.data_checks import parse_stats

    vocab = plait.blank("en").vocab
    two_roots = Doc(vocab, words=["a", "b", "c", "d"], heads=[3, 1, 2, 1], deps=["dep"] * 4)
    no_root = Doc(vocab, words=["a", "b", "c"], heads=[2, 0, 1], deps=["dep"] * 3)
    st = parse_stats([two_roots, no_root])
    assert st.n_bad_heads == 2 and st.n_cycles == 3
    assert ("doc 0, token 0 ('a'): its arc to token 3 ('d') crosses another tree: the sentence has two "
            "roots whose trees interleave, token 1 ('b') and token 2 ('c')") == st.bad_heads[0]
    assert all("cycle" in c for c in st.cycles)
