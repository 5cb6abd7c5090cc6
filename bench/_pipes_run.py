"""One side of bench/pipes.py: train or run one library on one EWT task.

Why it exists: plait and spaCy must run in separate interpreters (spaCy lives
only in bench/.venv-spacy), with identical code. plait mirrors spaCy's API, so
this one script drives either library through `import plait` or
`import spacy`: Language.from_config, Doc, Example, nlp.initialize,
nlp.update(batch, sgd=optimizer, drop=0.1), nlp.pipe, nlp.to_disk / load.

Usage (pipes.py builds these commands):
  python _pipes_run.py train --lib spacy --task tagmorph --config C --steps N --model-dir D --gemm default
  python _pipes_run.py infer --lib plait --task tagmorph --model-dir D --gemm default
Prints one JSON object on its last stdout line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

import _pipes_corpus as corpus

# The batch schedule is spaCy's efficiency default ([training.batcher]
# batch_by_words, compounding 100 -> 1000 words by 1.001 per step), coded
# here once so both sides get the very same batches.
BATCH_START, BATCH_STOP, BATCH_COMPOUND = 100.0, 1000.0, 1.001
DROPOUT = 0.1
SEED = 0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _setup_gemm(lib: str, gemm: str) -> str:
    """Pick the CPU ops before any model is built; return what is in use."""
    import numpy
    from thinc.api import NumpyOps, get_current_ops

    if lib == "plait" and gemm in ("default", "matmul"):
        import plait

        plait.require_cpu()  # what `plait train` does (plait.ops.setup_device)
    elif gemm == "matmul":
        # "same gemm on both sides": thinc's NumpyOps.gemm through numpy's BLAS.
        def gemm_matmul(self: Any, x: Any, y: Any, out: Any = None, trans1: bool = False,
                        trans2: bool = False) -> Any:
            x = x.T if trans1 else x
            y = y.T if trans2 else y
            if out is None:
                return numpy.matmul(x, y)
            numpy.matmul(x, y, out=out)
            return out

        NumpyOps.gemm = gemm_matmul  # type: ignore[method-assign]
    ops = get_current_ops()
    return f"{type(ops).__name__}" + (" (gemm=numpy.matmul)" if gemm == "matmul" and lib != "plait" else "")


def _setup_device(lib: str, gemm: str, gpu_id: int) -> str:
    """GPU `gpu_id` through the library's own require_gpu (bench/gpu.py), else
    the CPU ops of `gemm` (see _setup_gemm); return what is in use."""
    if gpu_id < 0:
        return _setup_gemm(lib, gemm)
    from thinc.api import get_current_ops

    importlib.import_module(lib).require_gpu(gpu_id)
    return f"GPU {gpu_id}: {type(get_current_ops()).__name__}"


def _docs(lib: Any, vocab: Any, sents: list[dict[str, Any]], *, annotated: bool) -> list[Any]:
    Doc = lib.tokens.Doc
    if not annotated:
        return [Doc(vocab, words=s["words"], spaces=s["spaces"]) for s in sents]
    return [Doc(vocab, words=s["words"], spaces=s["spaces"], tags=s["tags"], pos=s["pos"], morphs=s["morphs"])
            for s in sents]


def _examples(lib: Any, nlp: Any, task: str, sents: list[dict[str, Any]]) -> list[Any]:
    Example = lib.training.Example
    refs = _docs(lib, nlp.vocab, sents, annotated=task == "tagmorph")
    if task == "textcat":
        for doc, s in zip(refs, sents):
            doc.cats = {g: float(g == s["genre"]) for g in corpus.GENRES}
    preds = _docs(lib, nlp.vocab, sents, annotated=False)
    return [Example(p, r) for p, r in zip(preds, refs)]


def _batches(examples: list[Any], lengths: list[int], steps: int) -> Any:
    """Yield `steps` batches: shuffle each epoch, fill up to the compounding word budget."""
    rng = random.Random(SEED)
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


def _score_tagmorph(pred_docs: list[Any], sents: list[dict[str, Any]]) -> dict[str, float]:
    # spaCy's definitions (Scorer.score_token_attr): tokens whose gold value is
    # missing ("" here: no FEATS) are not counted.
    right = {"tag_acc": 0, "pos_acc": 0, "morph_acc": 0}
    total = {"tag_acc": 0, "pos_acc": 0, "morph_acc": 0}
    for doc, s in zip(pred_docs, sents):
        for tok, tag, pos, morph in zip(doc, s["tags"], s["pos"], s["morphs"]):
            for key, gold, guess in (("tag_acc", tag, tok.tag_), ("pos_acc", pos, tok.pos_),
                                     ("morph_acc", morph, str(tok.morph))):
                if gold:
                    total[key] += 1
                    right[key] += gold == guess
    return {k: 100.0 * right[k] / max(1, total[k]) for k in right}


def _score_textcat(pred_docs: list[Any], sents: list[dict[str, Any]]) -> dict[str, float]:
    tp = {g: 0 for g in corpus.GENRES}
    fp = dict(tp)
    fn = dict(tp)
    correct = 0
    for doc, s in zip(pred_docs, sents):
        guess = max(corpus.GENRES, key=lambda g: doc.cats.get(g, 0.0))
        gold = s["genre"]
        correct += guess == gold
        if guess == gold:
            tp[gold] += 1
        else:
            fp[guess] += 1
            fn[gold] += 1
    fs = []
    for g in corpus.GENRES:
        p = tp[g] / max(1, tp[g] + fp[g])
        r = tp[g] / max(1, tp[g] + fn[g])
        fs.append(2 * p * r / (p + r) if p + r else 0.0)
    return {"macro_f": 100.0 * sum(fs) / len(fs), "acc": 100.0 * correct / max(1, len(sents))}


def _evaluate(nlp: Any, lib: Any, task: str, sents: list[dict[str, Any]]) -> dict[str, float]:
    docs = list(nlp.pipe(_docs(lib, nlp.vocab, sents, annotated=False), batch_size=256))
    return _score_tagmorph(docs, sents) if task == "tagmorph" else _score_textcat(docs, sents)


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Build from the config, initialize, train `steps` updates, score, save."""
    lib = importlib.import_module(args.lib)
    from thinc.api import Config, fix_random_seed

    ops_name = _setup_device(args.lib, args.gemm, args.gpu_id)
    fix_random_seed(SEED)
    config = Config().from_disk(args.config)
    lang_cls = type(lib.blank(config["nlp"]["lang"]))
    nlp = lang_cls.from_config(config)
    train_sents = corpus.read_split("train")
    t0 = time.perf_counter()
    examples = _examples(lib, nlp, args.task, train_sents)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    optimizer = nlp.initialize(lambda: examples)
    init_s = time.perf_counter() - t0
    lengths = [len(s["words"]) for s in train_sents]
    n_words = 0
    losses: dict[str, float] = {}
    last_words, last_s = 0, 0.0
    tail = max(1, args.steps // 4)  # the last quarter, after the batches have grown
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    for step, (batch, words) in enumerate(_batches(examples, lengths, args.steps)):
        t_step = time.perf_counter()
        nlp.update(batch, sgd=optimizer, drop=DROPOUT, losses=losses)
        if step >= args.steps - tail:
            last_words += words
            last_s += time.perf_counter() - t_step
        n_words += words
    train_s = time.perf_counter() - t_start
    train_cpu = time.process_time() - cpu_start
    result: dict[str, Any] = {
        "lib": args.lib, "version": lib.__version__, "task": args.task, "gemm": args.gemm, "ops": ops_name,
        "steps": args.steps, "train_words": n_words, "train_s": train_s, "train_wps": n_words / train_s,
        "train_cpu_s": train_cpu, "train_wpcpus": n_words / train_cpu,
        "train_wps_tail": last_words / max(last_s, 1e-9), "init_s": init_s, "examples_s": build_s,
        "losses": {k: float(v) for k, v in losses.items()},
    }
    for split in ("dev", "test"):
        for key, value in _evaluate(nlp, lib, args.task, corpus.read_split(split)).items():
            result[f"{split}_{key}"] = value
    result["train_peak_rss_mib"] = _peak_rss_mib()
    nlp.to_disk(args.model_dir)
    return result


def infer(args: argparse.Namespace) -> dict[str, Any]:
    """Load the trained pipeline in a fresh process and time nlp.pipe over test texts."""
    lib = importlib.import_module(args.lib)
    ops_name = _setup_device(args.lib, args.gemm, args.gpu_id) if args.gemm != "load" else "as loaded"
    sents = corpus.read_split("test")
    texts = [s["text"] for s in sents]
    n_words = sum(len(s["words"]) for s in sents)
    nlp = lib.load(args.model_dir)
    ops_name = f"{ops_name}; model ops {type(nlp.get_pipe(nlp.pipe_names[-1]).model.ops).__name__}"
    for _ in nlp.pipe(texts[:64], batch_size=256):  # warm up lazy imports and caches of the first batch
        pass
    best = best_cpu = float("inf")
    n_tokens = 0
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        docs = list(nlp.pipe(texts, batch_size=256))
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        n_tokens = sum(len(d) for d in docs)
    return {"lib": args.lib, "task": args.task, "gemm": args.gemm, "ops": ops_name, "infer_words": n_words,
            "infer_tokens": n_tokens, "infer_s": best, "infer_wps": n_words / best,
            "infer_wpcpus": n_words / best_cpu,
            "infer_peak_rss_mib": _peak_rss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("train", "infer", "predict"))
    parser.add_argument("--lib", choices=("plait", "spacy"), required=True)
    parser.add_argument("--task", choices=("tagmorph", "textcat"), required=True)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--gemm", choices=("default", "matmul", "load"), default="default")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gpu-id", type=int, default=-1, help="train/infer on this GPU (bench/gpu.py)")
    parser.add_argument("--out", type=Path, help="predict: where to write the predictions (JSON)")
    args = parser.parse_args()
    if args.mode == "predict":
        from _predictions import write_predictions

        _setup_device(args.lib, "default", args.gpu_id)
        result = write_predictions(args.lib, args.model_dir, [s["text"] for s in corpus.read_split("test")],
                                   args.out)
    else:
        result = train(args) if args.mode == "train" else infer(args)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
