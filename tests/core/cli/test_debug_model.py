"""`plait debug model`: a component's layers, shapes, and one forward/backward pass (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_plait
from plait.cli.debug_model import SAMPLE_SENTENCES, count_parameters, debug_model
from plait.cli.init_config import init_config


def _config(tmp_path: Path, pipeline: list[str], train: str | None = None) -> Path:
    config = init_config(lang="en", pipeline=pipeline)
    config["paths"]["train"] = train
    path = tmp_path / "config.cfg"
    path.write_text(config.to_str())
    return path


def _ewt_tagged(ewt_dir: Path, limit: int) -> list[tuple[list[str], list[str]]]:
    sents, words, tags = [], [], []
    for line in (ewt_dir / "en_ewt-ud-train.conllu").read_text(encoding="utf8").splitlines():
        if not line and words:
            sents.append((words, tags))
            words, tags = [], []
            if len(sents) >= limit:
                break
        elif line and line[0].isdigit():
            cols = line.split("\t")
            if cols[0].isdigit():
                words.append(cols[1])
                tags.append(cols[4])
    return sents


def test_tagger_on_the_built_in_sample_shows_shapes_and_gradients(tmp_path):
    lines: list[str] = []
    result = debug_model(str(_config(tmp_path, ["tagger"])), "tagger", echo=lines.append,
                         parameters=True, gradients=True, n_samples=5)
    text = "\n".join(lines)
    assert "5 built-in English sentences" in text
    n_tokens = sum(len(s.split()) for s in SAMPLE_SENTENCES[:5])  # rough: punctuation splits more
    match = re.search(r"Forward pass on 5 docs \((\d+) tokens\): list of 5 arrays: \((\d+), 7\)", text)
    assert match and int(match.group(1)) >= n_tokens, text
    assert re.search(r"softmax  nI=\d+ nO=7  params=", text)
    # The total is the sum of the per-layer counts printed in the tree.
    per_layer = sum(int(n.replace(",", "")) for n in re.findall(r"params=([\d,]+)", text))
    assert result["parameters"] == per_layer > 0
    assert f"Parameters: {per_layer:,}" in text
    assert result["backward"] and result["gradients"]
    # The softmax weights start at zero: it gets a gradient, the layers below do not yet.
    assert any(ok for key, ok in result["gradients"].items() if "softmax" in key)
    assert "param W (" in text and "grad W (" in text


@pytest.mark.slow  # builds and initializes a tok2vec+tagger+parser pipeline three times
def test_a_listener_reads_the_shared_tok2vec_and_a_parser_runs_forward(tmp_path):
    path = _config(tmp_path, ["tagger", "parser"])  # adds a shared tok2vec
    lines: list[str] = []
    tagger = debug_model(str(path), "tagger", echo=lines.append, n_samples=3)
    assert "tok2vec-listener  nO=96" in "\n".join(lines)
    assert all(tagger["gradients"].values())  # the softmax only: the listener has no weights
    lines.clear()
    parser = debug_model(str(path), "parser", echo=lines.append, n_samples=3)
    assert parser["output"] == "ParserStepModel" and not parser["backward"]
    assert "Backward pass: skipped" in "\n".join(lines)
    lines.clear()
    tok2vec = debug_model(str(path), "tok2vec", echo=lines.append, n_samples=3, print_steps=(0,))
    assert tok2vec["parameters"] > 100_000 and all(tok2vec["gradients"].values())
    assert "== step 0: before initialization" in "\n".join(lines)


def test_the_train_corpus_is_the_sample_when_it_exists(tmp_path, ewt_dir):
    import plait
    from plait.tokens import Doc, DocBin

    nlp = plait.blank("en")
    sents = _ewt_tagged(ewt_dir, 12)
    docs = [Doc(nlp.vocab, words=words, tags=tags) for words, tags in sents]
    DocBin(docs=docs).to_disk(tmp_path / "train.plait")
    path = _config(tmp_path, ["tagger"], train=str(tmp_path / "train.plait"))
    lines: list[str] = []
    result = debug_model(str(path), "tagger", echo=lines.append, n_samples=10)
    text = "\n".join(lines)
    assert "the first 10 documents of" in text and "placeholder" not in text
    n_tags = len({tag for words, tags in sents[:10] for tag in tags})
    assert f"softmax  nI=96 nO={n_tags}" in text
    assert result["parameters"] == count_parameters(nlp_model(path))


def nlp_model(path: Path):
    """The tagger model of a config, initialized from its train corpus by plait itself."""
    from plait.config import load_config
    from plait.language import get_lang_class
    from plait.training import Corpus

    config = load_config(str(path))
    nlp = get_lang_class("en").from_config(config, auto_fill=True)
    examples = list(Corpus(config["paths"]["train"], limit=10)(nlp))
    nlp.initialize(lambda: examples)
    return nlp.get_pipe("tagger").model


def test_an_unknown_or_rule_based_component_is_refused(tmp_path):
    from plait.errors import UsageError

    rules = tmp_path / "rules.cfg"
    rules.write_text('[nlp]\nlang = "en"\npipeline = ["sentencizer"]\n\n[components]\n\n'
                     '[components.sentencizer]\nfactory = "sentencizer"\n')
    with pytest.raises(UsageError, match="no thinc model to debug"):
        debug_model(str(rules), "sentencizer", echo=lambda line: None)
    with pytest.raises(UsageError, match="no component 'sentencizr'.*Did you mean 'sentencizer'"):
        debug_model(str(rules), "sentencizr", echo=lambda line: None)


@pytest.mark.slow  # two `plait` processes (~3 s each on a loaded machine)
def test_cli_runs_with_spacy_style_flags_and_refuses_a_typo(tmp_path):
    path = _config(tmp_path, ["tagger"])
    result = run_plait("debug", "model", str(path), "taggr", "--layers", "1")
    assert result.returncode == 1
    assert "no component 'taggr'" in result.stderr and "Did you mean 'tagger'?" in result.stderr
    assert "Traceback" not in result.stderr
    ok = run_plait("debug", "model", str(path), "tagger", "-P3", "-GRAD", "-n", "2")
    assert ok.returncode == 0, ok.stderr
    assert "== step 3: after the backward pass" in ok.stdout and "grad W" in ok.stdout
    assert "Backward pass: 2 of " in ok.stdout


def test_layer_ids_are_parsed():
    import click
    from plait.cli.debug_model import _parse_ids

    assert _parse_ids("3, 5,") == {3, 5} and _parse_ids("") is None
    with pytest.raises(click.BadParameter, match="expected layer ids"):
        _parse_ids("a,b")
