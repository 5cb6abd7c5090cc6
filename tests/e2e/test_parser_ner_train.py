"""Issue 10's acceptance runs: the parser and the ner trained through the real
CLI (`plait convert`, `plait init config`, `plait init labels`, `plait train`,
`plait evaluate` in subprocesses) on real data.

- tagger+parser on an EWT train slice, scored on a held-out EWT dev slice;
- ner on UNER dev, scored on UNER test;
- the joint `tok2vec,tagger,morphologizer,parser,ner` pipeline on EWT merged
  with UNER by sent_id, initialized from `plait init labels` files;
- an interrupted tagger+parser run resumed with `plait train --resume`.

Training settings other than the generated config's: a fixed batch size,
a higher learning rate and few steps, so the whole file stays near two
minutes on two cores. Runs are deterministic (seed 0, one BLAS thread): the
scores below were measured twice with the same result, and the bars sit a
few points under.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import plait
import pytest
from plait.tokens import DocBin

pytestmark = pytest.mark.slow

TRAIN_SETTINGS = ("--training.patience", "0", "--training.batcher.size", "500",
                  "--training.optimizer.learn_rate", "0.003")
PARSER_STEPS, PARSER_EVAL, CRASH_AT = 150, 50, 120
JOINT = "tok2vec,tagger,morphologizer,parser,ner"

# Registered by the interrupted run (and its resume, which needs the same
# --code): kills the process before the update of step PLAIT_E2E_CRASH_AT, as
# a crash would, without running any cleanup.
CRASH_CODE = '''
import os
import plait


@plait.registry.callbacks("e2e.crash_at_step.v1")
def crash_at_step():
    stop = int(os.environ.get("PLAIT_E2E_CRASH_AT", "0"))

    def before_update(nlp, info):
        if stop and info["step"] == stop:
            os._exit(75)

    return before_update
'''


def _plait(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("PLAIT_CONFIG_OVERRIDES", None)
    # One BLAS thread: the sums (so the measured scores) do not depend on the
    # machine's core count, and two threads cost twice the CPU for no gain here.
    full_env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "plait", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=900)


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return done.stdout


def _conllu_slice(src: Path, dst: Path, start: int, end: int) -> Path:
    """Sentences start..end of a CoNLL-U file (comments kept) as a new file."""
    blocks = [b for b in src.read_text(encoding="utf8").split("\n\n") if b.strip()]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("\n\n".join(blocks[start:end]) + "\n\n", encoding="utf8")
    return dst


def _performance(model: Path) -> dict:
    return json.loads((model / "meta.json").read_text(encoding="utf8"))["performance"]


def _evaluate(work: Path, model: Path, data: Path) -> dict:
    out = work / f"metrics-{model.parent.name}-{model.name}.json"
    _ok(_plait("evaluate", str(model), str(data), "--output", str(out), cwd=work))
    return json.loads(out.read_text(encoding="utf8"))


def _texts(path: Path, n: int) -> list[str]:
    nlp = plait.blank("en")
    return [doc.text for doc in list(DocBin().from_disk(path).get_docs(nlp.vocab))[:n]]


def _tokenizer_survives_saving() -> bool:
    """Whether a saved English tokenizer still splits e-mail addresses and
    upper-case domains as the one it was saved from.

    Not yet: core/plait/tokenizer/_serialize.py saves each regex's pattern
    without its flags, and URL_MATCH (lang/tokenizer_exceptions.py) is
    compiled with re.IGNORECASE, so a reloaded pipeline splits
    'duffie@Stanford.EDU' and 'Newsfeeds.Com' apart (five docs of UNER test).
    """
    text = "Mail duffie@Stanford.EDU or see Newsfeeds.Com now"
    nlp, loaded = plait.blank("en"), plait.blank("en")
    loaded.tokenizer.from_bytes(nlp.tokenizer.to_bytes())
    return [t.text for t in nlp(text)] == [t.text for t in loaded(text)]


def _same_scores(evaluated: dict, trained: dict) -> None:
    """The reloaded pipeline scores exactly what the training process measured."""
    moved = [k for k, v in trained.items() if not k.endswith("_loss") and evaluated[k] != pytest.approx(v, abs=1e-9)]
    if moved and not _tokenizer_survives_saving():
        pytest.xfail(f"the saved tokenizer loses URL_MATCH's IGNORECASE flag: {moved} moved after "
                     "reloading (see _tokenizer_survives_saving)")
    assert not moved, {k: (evaluated[k], trained[k]) for k in moved}


@pytest.fixture(scope="module")
def parser_run(ewt_dir: Path, tmp_path_factory) -> dict:
    """tagger+parser from `plait init config`, trained on 1,500 EWT train sentences."""
    work = tmp_path_factory.mktemp("tagger_parser")
    src = work / "src"
    _conllu_slice(ewt_dir / "en_ewt-ud-train.conllu", src / "train.conllu", 0, 1500)
    _conllu_slice(ewt_dir / "en_ewt-ud-dev.conllu", src / "dev.conllu", 0, 400)
    _ok(_plait("convert", "src", "corpus", "-n", "3", cwd=work))
    _ok(_plait("init", "config", "config.cfg", "--lang", "en", "--pipeline", "tagger,parser", cwd=work))
    args = ("--paths.train", "corpus/train.plait", "--paths.dev", "corpus/dev.plait",
            "--training.max_steps", str(PARSER_STEPS), "--training.eval_frequency", str(PARSER_EVAL),
            *TRAIN_SETTINGS)
    stdout = _ok(_plait("train", "config.cfg", "--output", "out", *args, cwd=work))
    return {"work": work, "out": work / "out", "args": args, "stdout": stdout,
            "dev": work / "corpus" / "dev.plait"}


def test_tagger_parser_reaches_las_and_reloads(parser_run: dict) -> None:
    work, best = parser_run["work"], parser_run["out"] / "model-best"
    meta = json.loads((best / "meta.json").read_text(encoding="utf8"))
    # `init config` adds a shared tok2vec the tagger and parser listen to.
    assert meta["pipeline"] == ["tok2vec", "tagger", "parser"]
    scores = meta["performance"]
    # Measured after 150 steps of 500 words (~3 epochs over 1,500 sentences;
    # seed 0, one BLAS thread, identical in every run): tag_acc 0.882,
    # dep_uas 0.713, dep_las 0.632, sents_f 0.469 on 400 held-out EWT dev
    # sentences. (sents_f moves most with the arithmetic: 0.585 with two
    # BLAS threads.)
    assert scores["dep_las"] >= 0.59, scores
    assert scores["dep_uas"] >= 0.67, scores
    assert scores["tag_acc"] >= 0.85, scores
    assert scores["sents_f"] >= 0.40, scores
    evaluated = _evaluate(work, best, parser_run["dev"])
    _same_scores(evaluated, scores)
    assert len(evaluated["dep_las_per_type"]) > 20

    # Reloaded twice: the same heads, labels and sentence starts.
    texts = _texts(parser_run["dev"], 60)
    first, second = plait.load(best), plait.load(best)
    n_arcs = 0
    for a, b in zip(first.pipe(texts), second.pipe(texts), strict=True):
        assert [t.head.i for t in a] == [t.head.i for t in b]
        assert [t.dep_ for t in a] == [t.dep_ for t in b]
        assert [t.is_sent_start for t in a] == [t.is_sent_start for t in b]
        n_arcs += sum(t.head.i != t.i for t in a)
    assert n_arcs > 0


@pytest.fixture(scope="module")
def ner_run(uner_dir: Path, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("ner")
    for split in ("dev", "test"):
        _ok(_plait("convert", str(uner_dir / f"en_ewt-ud-{split}.iob2"), "corpus", cwd=work))
    _ok(_plait("init", "config", "config.cfg", "--lang", "en", "--pipeline", "ner", cwd=work))
    _ok(_plait("train", "config.cfg", "--output", "out", "--paths.train", "corpus/en_ewt-ud-dev.plait",
               "--paths.dev", "corpus/en_ewt-ud-test.plait", "--training.max_steps", "200",
               "--training.eval_frequency", "100", *TRAIN_SETTINGS, cwd=work))
    return {"work": work, "out": work / "out", "test": work / "corpus" / "en_ewt-ud-test.plait"}


def test_ner_on_uner_reaches_f_and_reloads(ner_run: dict) -> None:
    best = ner_run["out"] / "model-best"
    scores = _performance(best)
    # Measured after 200 steps of 500 words (~4 epochs of UNER dev; seed 0,
    # one BLAS thread, identical in every run): ents_p 0.516, ents_r 0.363,
    # ents_f 0.426 on all of UNER test (0.433 with two BLAS threads, 0.474
    # before the parser model's changes of 2026-12-03).
    assert scores["ents_f"] >= 0.38, scores
    texts = _texts(ner_run["test"], 300)
    first, second = plait.load(best), plait.load(best)
    n_ents = 0
    for a, b in zip(first.pipe(texts), second.pipe(texts), strict=True):
        assert [(e.start, e.end, e.label_) for e in a.ents] == [(e.start, e.end, e.label_) for e in b.ents]
        n_ents += len(a.ents)
    assert n_ents > 50
    evaluated = _evaluate(ner_run["work"], best, ner_run["test"])
    assert set(evaluated["ents_per_type"]) == {"LOC", "ORG", "PER"}
    _same_scores(evaluated, scores)


def _merged_docbin(ewt_dir: Path, uner_dir: Path, split: str, n: int, dst: Path) -> Path:
    from plait_readers.merge import conllu_with_entities, read_entities_by_sent_id

    sliced = _conllu_slice(ewt_dir / f"en_ewt-ud-{split}.conllu", dst.with_suffix(".conllu"), 0, n)
    ents = read_entities_by_sent_id(uner_dir / f"en_ewt-ud-{split}.iob2")
    # require_all=False: only the slice's sentences are in the CoNLL-U file.
    docs = list(conllu_with_entities(sliced, ents, n_sents=3, require_all=False))
    assert all(doc.has_annotation("DEP") and doc.has_annotation("ENT_IOB") for doc in docs)
    DocBin(docs=docs).to_disk(dst)
    return dst


LABEL_SECTIONS = """
[initialize.components.parser]

[initialize.components.parser.labels]
@readers = "plait.read_labels.v1"
path = "labels/parser.json"

[initialize.components.ner]

[initialize.components.ner.labels]
@readers = "plait.read_labels.v1"
path = "labels/ner.json"
"""


def test_joint_pipeline_on_merged_ewt_uner_with_label_files(
    ewt_dir: Path, uner_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EWT dev sentences with UNER dev entities to train, EWT test with UNER
    # test entities to evaluate (UNER has no train split).
    train = _merged_docbin(ewt_dir, uner_dir, "dev", 1200, tmp_path / "corpus" / "train.plait")
    dev = _merged_docbin(ewt_dir, uner_dir, "test", 300, tmp_path / "corpus" / "dev.plait")
    _ok(_plait("init", "config", "config.cfg", "--lang", "en", "--pipeline", JOINT, cwd=tmp_path))
    paths = ("--paths.train", str(train), "--paths.dev", str(dev))
    _ok(_plait("init", "labels", "config.cfg", "labels", *paths, cwd=tmp_path))
    parser_labels = json.loads((tmp_path / "labels" / "parser.json").read_text(encoding="utf8"))
    ner_labels = json.loads((tmp_path / "labels" / "ner.json").read_text(encoding="utf8"))
    assert ner_labels == ["LOC", "ORG", "PER"]
    assert {"nsubj", "obj", "punct", "dep"} <= set(parser_labels)

    config = (tmp_path / "config.cfg").read_text(encoding="utf8") + LABEL_SECTIONS
    (tmp_path / "labels.cfg").write_text(config, encoding="utf8")
    stdout = _ok(_plait("train", "labels.cfg", "--output", "out", *paths, "--training.max_steps", "80",
                        "--training.eval_frequency", "40", *TRAIN_SETTINGS, cwd=tmp_path))
    for column in ("tag_acc", "pos_acc", "morph_acc", "dep_uas", "dep_las", "sents_f", "ents_f"):
        assert column in stdout, stdout
    best = tmp_path / "out" / "model-best"
    scores = _performance(best)
    # Measured after 80 steps of 500 words (~2.5 epochs over 1,200 sentences;
    # seed 0, one BLAS thread): tag 0.886, pos 0.903, morph 0.881, uas 0.674,
    # las 0.580, sents_f 0.424, ents_f 0.377 on 300 EWT test sentences.
    assert scores["tag_acc"] >= 0.85 and scores["pos_acc"] >= 0.86 and scores["morph_acc"] >= 0.84, scores
    assert scores["dep_las"] >= 0.53 and scores["sents_f"] >= 0.35 and scores["ents_f"] >= 0.32, scores
    evaluated = _evaluate(tmp_path, best, dev)
    _same_scores(evaluated, scores)
    assert {"dep_las_per_type", "ents_per_type", "morph_per_feat"} <= set(evaluated)

    # The trained components carry exactly the labels of the files.
    nlp = plait.load(best)
    assert list(nlp.get_pipe("parser").label_data) == parser_labels
    assert list(nlp.get_pipe("ner").label_data) == ner_labels
    meta_labels = json.loads((best / "meta.json").read_text(encoding="utf8"))["labels"]
    assert meta_labels["ner"] == ner_labels

    # Initialized from the data instead, the components get the same labels;
    # from the files, a label only the file has ends up in the component (the
    # files are read, not the data).
    from plait.config import load_config
    from plait.training.initialize import init_nlp

    monkeypatch.chdir(tmp_path)  # the label paths are relative to the run's folder
    overrides = {"paths.train": str(train), "paths.dev": str(dev)}
    from_data = init_nlp(load_config(tmp_path / "config.cfg", overrides, interpolate=False))
    assert list(from_data.get_pipe("parser").label_data) == parser_labels
    assert list(from_data.get_pipe("ner").label_data) == ner_labels
    (tmp_path / "labels" / "ner.json").write_text(json.dumps([*ner_labels, "PRODUCT"]), encoding="utf8")
    from_files = init_nlp(load_config(tmp_path / "labels.cfg", overrides, interpolate=False))
    assert list(from_files.get_pipe("ner").label_data) == [*ner_labels, "PRODUCT"]
    assert list(from_files.get_pipe("parser").label_data) == parser_labels


def _component_files(model: Path) -> dict[str, bytes]:
    return {str(p.relative_to(model)): p.read_bytes() for p in sorted(model.rglob("*"))
            if p.is_file() and p.parent != model}


def test_interrupted_run_resumes_to_the_uninterrupted_result(parser_run: dict, tmp_path: Path) -> None:
    work = parser_run["work"]
    code = tmp_path / "crash.py"
    code.write_text(CRASH_CODE, encoding="utf8")
    config = (work / "config.cfg").read_text(encoding="utf8").replace("before_update = null\n", "")
    config += '\n[training.before_update]\n@callbacks = "e2e.crash_at_step.v1"\n'
    (work / "crash.cfg").write_text(config, encoding="utf8")
    out = tmp_path / "out"
    crashed = _plait("train", "crash.cfg", "--output", str(out), "--code", str(code), *parser_run["args"],
                     cwd=work, env={"PLAIT_E2E_CRASH_AT": str(CRASH_AT)})
    assert crashed.returncode == 75, crashed.stderr[-3000:]
    assert (out / "checkpoint" / "LATEST").exists()
    # The run died at step 120; its last checkpoint is the evaluation at 100.
    assert "Saved pipeline" not in crashed.stdout
    at_crash = (out / "model-last" / "parser" / "model").read_bytes()
    resumed = _ok(_plait("train", "--resume", str(out), "--code", str(code), cwd=work))
    last_eval = CRASH_AT // PARSER_EVAL * PARSER_EVAL
    assert f"at step {last_eval + 1}" in resumed, resumed

    full = parser_run["out"]
    differ = []
    for which in ("model-last", "model-best"):
        resumed_files, full_files = _component_files(out / which), _component_files(full / which)
        assert set(resumed_files) == set(full_files)
        assert {"tok2vec/model", "tagger/model", "parser/model"} <= set(full_files)
        differ += [f"{which}/{name}" for name, data in full_files.items() if resumed_files[name] != data]
        if _performance(out / which) != _performance(full / which):
            differ.append(f"{which}/meta.json performance")
    # Not trivially equal: what the crashed run had saved (step 100) was not the end.
    assert at_crash != (full / "model-last" / "parser" / "model").read_bytes()
    if differ and not _tokenizer_survives_saving():
        # The resumed run tokenizes the train texts with the tokenizer loaded
        # from the checkpoint, which splits a few EWT texts differently.
        pytest.xfail(f"the saved tokenizer loses URL_MATCH's IGNORECASE flag, so the resumed run "
                     f"trains on other tokens: {differ} (see _tokenizer_survives_saving)")
    assert not differ, f"resuming changed {differ}"
