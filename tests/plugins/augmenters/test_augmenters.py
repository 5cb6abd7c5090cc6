"""Augmenters on real EWT examples: annotations still line up after augmenting."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import plait
import pytest
from plait import registry
from plait.errors import ConfigError
from plait.training import Example
from plait_readers.conllu import conllu_to_docs

RULES = {
    "single": [{"tags": ["NFP"], "variants": ["…", "..."]}, {"tags": [":"], "variants": ["-", "—", "–", "--", "---", "——"]}],
    "paired": [{"tags": ["``", "''"], "variants": [["'", "'"], ["‘", "’"], ['"', '"'], ["“", "”"]]}],
}


@pytest.fixture(scope="module")
def nlp():
    return plait.blank("en")


@pytest.fixture(scope="module")
def examples(nlp, ewt_dir: Path) -> list[Example]:
    docs = list(conllu_to_docs(ewt_dir / "en_ewt-ud-dev.conllu", vocab=nlp.vocab))
    # sentences with paired quotes, plus some plain ones
    quoted = [d for d in docs if any(t.tag_ == "``" for t in d) and any(t.tag_ == "''" for t in d)][:40]
    return [Example(nlp.make_doc(d.text), d) for d in quoted + docs[:40]]


def _same_annotation(a: Example, b: Example) -> None:
    ra, rb = a.reference, b.reference
    assert len(ra) == len(rb)
    assert [t.head.i for t in ra] == [t.head.i for t in rb]
    assert [t.dep_ for t in ra] == [t.dep_ for t in rb]
    assert [t.tag_ for t in ra] == [t.tag_ for t in rb]
    assert [(e.start, e.end, e.label_) for e in ra.ents] == [(e.start, e.end, e.label_) for e in rb.ents]
    assert b.predicted.text == rb.text


def test_orth_variants_paired_quotes_consistent(nlp, examples: list[Example]) -> None:
    random.seed(0)
    augment = registry.augmenters.get("plait.orth_variants.v1")(level=1.0, lower=0.0, orth_variants=RULES)
    changed = 0
    for eg in examples:
        (out,) = list(augment(nlp, eg))
        _same_annotation(eg, out)
        opens = [t.text for t in out.reference if t.tag_ == "``"]
        closes = [t.text for t in out.reference if t.tag_ == "''"]
        if opens and closes:
            pair = {"'": "'", "‘": "’", '"': '"', "“": "”"}
            # one pair per example: every open has the pair's open form, every close its close
            assert len(set(opens)) == 1 and len(set(closes)) == 1
            assert pair.get(opens[0]) == closes[0] or opens[0] not in pair
        changed += out.reference.text != eg.reference.text
    assert changed > 10


def test_orth_variants_level_zero_and_lower(nlp, examples: list[Example]) -> None:
    augment = registry.augmenters.get("plait.orth_variants.v1")(level=0.0, lower=0.0, orth_variants=RULES)
    assert [next(iter(augment(nlp, eg))) for eg in examples[:5]] == examples[:5]
    random.seed(1)
    lower = registry.augmenters.get("plait.orth_variants.v1")(level=1.0, lower=1.0, orth_variants=None)
    for eg in examples[:10]:
        (out,) = list(lower(nlp, eg))
        assert out.reference.text == eg.reference.text.lower()
        _same_annotation(eg, out)


def test_lower_case(nlp, examples: list[Example]) -> None:
    augment = registry.augmenters.get("plait.lower_case.v1")(level=1.0)
    for eg in examples[:20]:
        (out,) = list(augment(nlp, eg))
        assert out.reference.text == eg.reference.text.lower()
        assert out.predicted.text == eg.reference.text.lower()
        _same_annotation(eg, out)


def test_combined_and_whitespace(nlp, examples: list[Example]) -> None:
    random.seed(2)
    augment = registry.augmenters.get("plait.combined_augmenter.v1")(
        lower_level=0.5, orth_level=0.5, orth_variants=RULES, whitespace_level=1.0,
        whitespace_per_token=0.2, whitespace_variants=["\n"],
    )
    for eg in examples[40:60]:
        (out,) = list(augment(nlp, eg))
        ref = out.reference
        ws = [t.i for t in ref if t.text == "\n"]
        assert len(ref) == len(eg.reference) + len(ws)
        # the original tokens keep their heads and deps (renumbered)
        kept = [t for t in ref if t.text != "\n"]
        assert [t.dep_ for t in kept] == [t.dep_ for t in eg.reference]
        assert [kept.index(t.head) if t.head.text != "\n" else -1 for t in kept] == [t.head.i for t in eg.reference]
        assert [e.text for e in ref.ents] == [e.text for e in eg.reference.ents]
        assert all(ref[i].head.i == i - 1 for i in ws)


def test_bad_levels_and_rules() -> None:
    with pytest.raises(ConfigError, match=r"level: plait.lower_case.v1 needs a share between 0 and 1, got 2"):
        registry.augmenters.get("plait.lower_case.v1")(level=2)
    with pytest.raises(ConfigError, match=r"orth_variants: paired\[0\] variants must be \[open, close\] pairs"):
        registry.augmenters.get("plait.orth_variants.v1")(
            level=0.1, lower=0.1, orth_variants={"paired": [{"tags": ["``"], "variants": ["'"]}]}
        )


SPONGEBOB = '''
import random
import plait

@plait.registry.augmenters("spongebob_augmenter.v1")
def create_augmenter(randomize: bool = False):
    def augment(nlp, example):
        text = example.text
        if randomize:
            chars = [c.lower() if random.random() < 0.5 else c.upper() for c in text]
        else:
            chars = [c.lower() if i % 2 else c.upper() for i, c in enumerate(text)]
        example_dict = example.to_dict()
        doc = nlp.make_doc("".join(chars))
        example_dict["token_annotation"]["ORTH"] = [t.text for t in doc]
        yield example
        yield example.from_dict(doc, example_dict)
    return augment
'''


def test_spongebob_augmenter_via_code_in_corpus_config(nlp, tmp_path: Path, ewt_dir: Path) -> None:
    from plait.cli.convert import convert
    from plait.config import import_code, load_config_from_str, resolve

    code = tmp_path / "functions.py"
    code.write_text(SPONGEBOB, encoding="utf8")
    corpus = tmp_path / "tiny.conllu"
    # The spec's augmenter re-tokenizes the text, so (as in spaCy) it needs
    # sentences where the tokenizer agrees with the treebank's tokens.
    blocks = (ewt_dir / "en_ewt-ud-dev.conllu").read_text(encoding="utf8").split("\n\n")
    picked = []
    for block, doc in zip(blocks, conllu_to_docs(ewt_dir / "en_ewt-ud-dev.conllu")):
        sponge = "".join(c.lower() if i % 2 else c.upper() for i, c in enumerate(doc.text))
        if [t.text.lower() for t in nlp.make_doc(sponge)] == [t.text.lower() for t in doc] and len(doc) > 5:
            picked.append(block)
        if len(picked) == 3:
            break
    corpus.write_text("\n\n".join(picked) + "\n\n", encoding="utf8")
    out = convert(corpus, tmp_path).outputs[0]
    import_code([code])
    cfg = load_config_from_str(textwrap.dedent(f"""
        [corpora]
        [corpora.train]
        @readers = "plait.Corpus.v1"
        path = "{out}"
        gold_preproc = false
        max_length = 0
        limit = 0
        [corpora.train.augmenter]
        @augmenters = "spongebob_augmenter.v1"
        randomize = false
    """))
    reader = resolve(cfg)["corpora"]["train"]
    egs = list(reader(nlp))
    assert len(egs) == 6  # original + augmented for each of the 3 sentences
    orig, aug = egs[0], egs[1]
    assert aug.reference.text[:4] == "".join(c.lower() if i % 2 else c.upper() for i, c in enumerate(orig.text))[:4]
    assert aug.reference.text.lower() == orig.reference.text.lower()
    assert [t.head.i for t in aug.reference] == [t.head.i for t in orig.reference]
