"""One side of bench/parser.py: train or run one library on one parser/NER task.

Why it exists: plait and spaCy run in separate interpreters (spaCy only in
bench/.venv-spacy) with identical code, as in bench/_pipes_run.py (whose gemm
setup and RSS reading this reuses). plait mirrors spaCy's API, so this one
script drives either library: Language.from_config, Doc, Example,
nlp.initialize, nlp.update(batch, sgd=optimizer, drop=0.1), nlp.pipe,
nlp.to_disk / load. Scores are computed here, the same code for both tools,
with spaCy's Scorer definitions (see _score_parse / _score_ner).

Tasks: parse (EWT tagger+parser), uner (UNER English EWT ner, trained on
dev), wnut (WNUT-17 ner).

Usage (parser.py builds these commands):
  python _parser_run.py train --lib spacy --task parse --config C --steps N --seed 0 --model-dir D --gemm default
  python _parser_run.py infer --lib plait --task parse --model-dir D --gemm default
  python _parser_run.py docbin --lib spacy --task parse --model-dir D   (corpora for `spacy train`)
Prints one JSON object on its last stdout line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _parser_corpus as corpus
from _pipes_run import _peak_rss_mib, _setup_device

# spaCy's efficiency batch schedule ([training.batcher] batch_by_words,
# compounding 100 -> 1000 words by 1.001 per step), coded once so both sides
# get the very same batches.
BATCH_START, BATCH_STOP, BATCH_COMPOUND = 100.0, 1000.0, 1.001
DROPOUT = 0.1
# spaCy's parser scorer leaves punctuation out of dep_uas / dep_las.
IGNORE_DEPS = ("p", "punct")
TASKS = ("parse", "uner", "wnut")


def read_docs(task: str, split: str, limit: int = 0) -> list[dict[str, Any]]:
    """The documents of one task and split (see _parser_corpus)."""
    if task == "parse":
        return corpus.read_ewt_docs(split, limit=limit)
    return corpus.read_ner(task, split, limit=limit)


def _docs(lib: Any, vocab: Any, task: str, docs: list[dict[str, Any]], *, annotated: bool) -> list[Any]:
    Doc = lib.tokens.Doc
    if not annotated:
        return [Doc(vocab, words=d["words"], spaces=d["spaces"]) for d in docs]
    if task == "parse":
        return [Doc(vocab, words=d["words"], spaces=d["spaces"], tags=d["tags"], heads=d["heads"],
                    deps=d["deps"]) for d in docs]
    return [Doc(vocab, words=d["words"], spaces=d["spaces"], ents=d["ents"]) for d in docs]


def _batches(examples: list[Any], lengths: list[int], steps: int, seed: int) -> Iterator[tuple[list[Any], int]]:
    """Yield `steps` batches: shuffle each epoch, fill up to the compounding word budget."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    size = BATCH_START
    made = 0
    while True:
        rng.shuffle(order)
        batch: list[int] = []
        words = 0
        for i in order:
            if batch and words + lengths[i] > size:
                yield [examples[j] for j in batch], words
                made += 1
                if made >= steps:
                    return
                size = min(BATCH_STOP, size * BATCH_COMPOUND)
                batch, words = [], 0
            batch.append(i)
            words += lengths[i]
        # a partial batch at the end of an epoch is dropped, on both sides alike


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return 100 * p, 100 * r, 100 * (2 * p * r / (p + r) if p + r else 0.0)


def _dep(label: str) -> str:
    # spaCy's parser always names the root "ROOT"; compare root labels in one spelling.
    return "ROOT" if label.upper() == "ROOT" else label


def _score_parse(pred_docs: list[Any], gold: list[dict[str, Any]]) -> dict[str, float]:
    """tag_acc (Scorer.score_token_attr), dep_uas / dep_las (Scorer.score_deps:
    F of (token, head[, label]) sets, punctuation left out), sents_p/r/f
    (Scorer.score_spans over sentence spans), on gold tokenization."""
    tag_right = tag_total = 0
    las = [0, 0, 0]  # tp, pred, gold
    uas = [0, 0, 0]
    sents = [0, 0, 0]
    for doc, g in zip(pred_docs, gold):
        for tok, tag in zip(doc, g["tags"]):
            if tag:
                tag_total += 1
                tag_right += tok.tag_ == tag
        gold_l = {(i, h, _dep(d)) for i, (h, d) in enumerate(zip(g["heads"], g["deps"])) if d not in IGNORE_DEPS}
        pred_l = {(t.i, t.head.i, _dep(t.dep_)) for t in doc if t.dep_ not in IGNORE_DEPS}
        gold_u = {x[:2] for x in gold_l}
        pred_u = {x[:2] for x in pred_l}
        for acc, p, gd in ((las, pred_l, gold_l), (uas, pred_u, gold_u)):
            acc[0] += len(p & gd)
            acc[1] += len(p)
            acc[2] += len(gd)
        starts = [i for i, s in enumerate(g["sent_starts"]) if s] + [len(g["words"])]
        gold_s = set(zip(starts, starts[1:]))
        pred_s = {(s.start, s.end) for s in doc.sents}
        sents[0] += len(pred_s & gold_s)
        sents[1] += len(pred_s)
        sents[2] += len(gold_s)
    sp, sr, sf = _prf(*sents)
    return {"tag_acc": 100.0 * tag_right / max(1, tag_total), "dep_uas": _prf(*uas)[2],
            "dep_las": _prf(*las)[2], "sents_p": sp, "sents_r": sr, "sents_f": sf}


def _score_ner(pred_docs: list[Any], gold: list[dict[str, Any]]) -> dict[str, Any]:
    """ents_p/r/f and ents_per_type (Scorer.score_spans: exact (start, end, label) matches)."""
    counts: dict[str, list[int]] = {}
    for doc, g in zip(pred_docs, gold):
        gold_e = set(corpus.entity_spans(g["ents"]))
        pred_e = {(e.start, e.end, e.label_) for e in doc.ents}
        for label in {e[2] for e in gold_e | pred_e}:
            c = counts.setdefault(label, [0, 0, 0])
            c[0] += len({e for e in pred_e & gold_e if e[2] == label})
            c[1] += sum(e[2] == label for e in pred_e)
            c[2] += sum(e[2] == label for e in gold_e)
    total = [sum(c[k] for c in counts.values()) for k in range(3)]
    p, r, f = _prf(*total)
    per_type = {label: dict(zip(("p", "r", "f"), _prf(*c))) for label, c in sorted(counts.items())}
    return {"ents_p": p, "ents_r": r, "ents_f": f, "ents_per_type": per_type}


def _evaluate(nlp: Any, lib: Any, task: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    pred = list(nlp.pipe(_docs(lib, nlp.vocab, task, docs, annotated=False), batch_size=256))
    return _score_parse(pred, docs) if task == "parse" else _score_ner(pred, docs)


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Build from the config, initialize, train `steps` updates, score, save."""
    t0 = time.perf_counter()
    lib = importlib.import_module(args.lib)
    from thinc.api import Config, fix_random_seed

    import_s = time.perf_counter() - t0
    ops_name = _setup_device(args.lib, args.gemm, args.gpu_id)
    fix_random_seed(args.seed)
    config = Config().from_disk(args.config)
    lang_cls = type(lib.blank(config["nlp"]["lang"]))
    nlp = lang_cls.from_config(config)
    t0 = time.perf_counter()
    train_docs = read_docs(args.task, "train", args.train_limit)
    eval_docs = {s: read_docs(args.task, s, args.eval_limit) for s in corpus.EVAL_SPLITS[args.task]}
    corpus_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    Example = lib.training.Example
    refs = _docs(lib, nlp.vocab, args.task, train_docs, annotated=True)
    preds = _docs(lib, nlp.vocab, args.task, train_docs, annotated=False)
    examples = [Example(p, r) for p, r in zip(preds, refs)]
    examples_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    optimizer = nlp.initialize(lambda: examples)
    init_s = time.perf_counter() - t0
    lengths = [len(d["words"]) for d in train_docs]
    n_words = 0
    losses: dict[str, float] = {}
    t_loop, cpu_loop = time.perf_counter(), time.process_time()
    for batch, words in _batches(examples, lengths, args.steps, args.seed):
        nlp.update(batch, sgd=optimizer, drop=DROPOUT, losses=losses)
        n_words += words
    loop_s = time.perf_counter() - t_loop
    loop_cpu = time.process_time() - cpu_loop
    train_rss = _peak_rss_mib()
    t0 = time.perf_counter()
    scores = {split: _evaluate(nlp, lib, args.task, docs) for split, docs in eval_docs.items()}
    eval_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nlp.to_disk(args.model_dir)
    save_s = time.perf_counter() - t0
    result: dict[str, Any] = {
        "lib": args.lib, "version": lib.__version__, "task": args.task, "gemm": args.gemm, "ops": ops_name,
        "seed": args.seed, "steps": args.steps, "train_docs": len(train_docs), "train_words": n_words,
        "loop_s": loop_s, "train_wps": n_words / loop_s, "train_cpu_s": loop_cpu,
        "train_wpcpus": n_words / loop_cpu, "import_s": import_s, "corpus_s": corpus_s,
        "examples_s": examples_s, "init_s": init_s, "eval_s": eval_s, "save_s": save_s,
        "train_peak_rss_mib": train_rss,
        "losses": {k: float(v) for k, v in losses.items()}, "pipeline": list(nlp.pipe_names),
    }
    for split, values in scores.items():
        for key, value in values.items():
            result[f"{split}_{key}"] = value
    return result


def infer(args: argparse.Namespace) -> dict[str, Any]:
    """Load the trained pipeline in a fresh process and time nlp.pipe over the test texts."""
    lib = importlib.import_module(args.lib)
    ops_name = _setup_device(args.lib, args.gemm, args.gpu_id) if args.gemm != "load" else "as loaded"
    docs = read_docs(args.task, "test", args.eval_limit)
    texts = [d["text"] for d in docs]
    n_words = sum(len(d["words"]) for d in docs)
    nlp = lib.load(args.model_dir)
    ops_name = f"{ops_name}; model ops {type(nlp.get_pipe(nlp.pipe_names[-1]).model.ops).__name__}"
    for _ in nlp.pipe(texts[:64], batch_size=256):  # warm up lazy imports and caches of the first batch
        pass
    best = best_cpu = float("inf")
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for _doc in nlp.pipe(texts, batch_size=256):
            pass
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return {"lib": args.lib, "task": args.task, "gemm": args.gemm, "ops": ops_name, "infer_words": n_words,
            "infer_docs": len(texts), "infer_s": best, "infer_wps": n_words / best,
            "infer_wpcpus": n_words / best_cpu, "infer_peak_rss_mib": _peak_rss_mib()}


def predict(args: argparse.Namespace) -> dict[str, Any]:
    """Annotate the test texts with the saved pipeline on the chosen device and
    write the predictions to --out (bench/gpu.py compares CPU and GPU)."""
    from _predictions import write_predictions

    _setup_device(args.lib, "default", args.gpu_id)
    texts = [d["text"] for d in read_docs(args.task, "test", args.eval_limit)]
    return write_predictions(args.lib, args.model_dir, texts, args.out)


def docbin(args: argparse.Namespace) -> dict[str, Any]:
    """Write the task's training and evaluation documents as the library's DocBin
    files (train.spacy / dev.spacy or .plait) for its `train` command."""
    lib = importlib.import_module(args.lib)
    vocab = lib.blank("en").vocab
    dev_split = corpus.EVAL_SPLITS[args.task][0]  # UNER: test (it trains on dev)
    args.model_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"lib": args.lib, "task": args.task}
    for name, split, limit in (("train", "train", args.train_limit), ("dev", dev_split, args.eval_limit)):
        docs = _docs(lib, vocab, args.task, read_docs(args.task, split, limit), annotated=True)
        path = args.model_dir / f"{name}.{args.lib}"
        lib.tokens.DocBin(docs=docs).to_disk(path)
        out[name] = str(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("train", "infer", "docbin", "predict"))
    parser.add_argument("--lib", choices=("plait", "spacy"), required=True)
    parser.add_argument("--task", choices=TASKS, required=True)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--gemm", choices=("default", "matmul", "load"), default="default")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--train-limit", type=int, default=0, help="first N training sentences (0: all)")
    parser.add_argument("--eval-limit", type=int, default=0, help="first N evaluation sentences (0: all)")
    parser.add_argument("--gpu-id", type=int, default=-1, help="train/infer on this GPU (bench/gpu.py)")
    parser.add_argument("--out", type=Path, help="predict: where to write the predictions (JSON)")
    args = parser.parse_args()
    result = {"train": train, "infer": infer, "docbin": docbin, "predict": predict}[args.mode](args)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
