"""Static vectors and pretraining on EWT: plait against spaCy 3.8, same steps.

A tagger is trained on the first 500 EWT train sentences four ways — plain,
with static vectors (`[initialize] vectors`), with a tok2vec pretrained by
`pretrain` on the next EWT train sentences (`[initialize] init_tok2vec`), and
with both — for the same number of steps, and evaluated on all of EWT dev.
Each library does every step through its own CLI (`init vectors`, `init config
--pretraining`, `convert`, `pretrain`, `train`, `evaluate`). No vectors can be
downloaded here: they are built from EWT train text (PPMI co-occurrence + SVD,
tests/core/vectors/ewt_vectors.py) and written as a word2vec text file, as a
user's own file would be.

    .venv/bin/python bench/vectors.py [--steps 400] [--pretrain-sents 3000] [--epochs 2] [--libs plait,spacy]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import srsly

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "ud-english-ewt").resolve()
PYTHON = {"plait": ROOT / ".venv" / "bin" / "python", "spacy": ROOT / "bench" / ".venv-spacy" / "bin" / "python"}
EXT = {"plait": ".plait", "spacy": ".spacy"}
sys.path.insert(0, str(ROOT / "tests" / "core" / "vectors"))


def _conllu_slice(src: Path, dest: Path, start: int, stop: int) -> None:
    out, n, cur = [], 0, []
    with open(src, encoding="utf8") as f:
        for line in f:
            cur.append(line)
            if not line.strip():
                if start <= n < stop:
                    out.extend(cur)
                n += 1
                cur = []
                if n >= stop:
                    break
    dest.write_text("".join(out), encoding="utf8")


def _run(lib: str, *args: str, log: Path) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    res = subprocess.run([str(PYTHON[lib]), "-m", lib, *args], capture_output=True, text=True, env=env)
    with open(log, "a", encoding="utf8") as f:
        f.write(f"$ {lib} {' '.join(args)}\n{res.stdout}\n{res.stderr}\n")
    if res.returncode != 0:
        raise RuntimeError(f"{lib} {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    return res.stdout


def _edit_config(lib: str, path: Path, depth: int, hidden: int) -> None:
    from confection import Config

    config = Config().from_disk(path, interpolate=False)
    components = config["components"]
    block = components["tok2vec"]["model"] if "tok2vec" in components else components["tagger"]["model"]["tok2vec"]
    block["encode"]["depth"] = depth
    config["pretraining"]["objective"]["hidden_size"] = hidden
    config["training"]["eval_frequency"] = 100000
    config.to_disk(path)


def run_lib(lib: str, work: Path, vectors_txt: Path, raw: Path, steps: int, epochs: int) -> dict:
    d = work / lib
    d.mkdir(parents=True, exist_ok=True)
    log = d / "log.txt"
    log.write_text("", encoding="utf8")
    times: dict[str, float] = {}
    t = time.perf_counter()
    _run(lib, "init", "vectors", "en", str(vectors_txt), str(d / "vectors"), log=log)
    times["init vectors"] = time.perf_counter() - t
    for split in ("train500", "dev"):
        _run(lib, "convert", str(work / f"{split}.conllu"), str(d), "--converter", "conllu", "-n", "1", log=log)
    cfg = d / "config.cfg"
    _run(lib, "init", "config", str(cfg), "--pipeline", "tagger", "--pretraining", log=log)
    _edit_config(lib, cfg, depth=2, hidden=300)
    cfg_vec = d / "config_vectors.cfg"
    text = cfg.read_text(encoding="utf8")
    cfg_vec.write_text(re.sub(r"include_static_vectors = false", "include_static_vectors = true", text),
                       encoding="utf8")
    t = time.perf_counter()
    _run(lib, "pretrain", str(cfg), str(d / "pretrain"), "--paths.raw_text", str(raw),
         "--pretraining.max_epochs", str(epochs), log=log)
    times["pretrain"] = time.perf_counter() - t
    weights = d / "pretrain" / f"model{epochs - 1}.bin"
    t = time.perf_counter()
    _run(lib, "pretrain", str(cfg_vec), str(d / "pretrain_vec"), "--paths.raw_text", str(raw),
         "--paths.vectors", str(d / "vectors"), "--pretraining.max_epochs", str(epochs), log=log)
    times["pretrain (vectors config)"] = time.perf_counter() - t
    weights_vec = d / "pretrain_vec" / f"model{epochs - 1}.bin"
    variants = {
        "plain": (cfg, []),
        "static vectors": (cfg_vec, ["--paths.vectors", str(d / "vectors")]),
        "init_tok2vec": (cfg, ["--paths.init_tok2vec", str(weights)]),
        "vectors + init_tok2vec": (cfg_vec, ["--paths.vectors", str(d / "vectors"),
                                             "--paths.init_tok2vec", str(weights_vec)]),
    }
    scores = {}
    for name, (config, extra) in variants.items():
        out = d / ("train-" + re.sub(r"\W+", "_", name))
        t = time.perf_counter()
        _run(lib, "train", str(config), "--output", str(out), "--paths.train", str(d / f"train500{EXT[lib]}"),
             "--paths.dev", str(d / f"dev{EXT[lib]}"), "--training.max_steps", str(steps),
             "--training.max_epochs", "0", *extra, log=log)
        times[f"train {name}"] = time.perf_counter() - t
        _run(lib, "evaluate", str(out / "model-last"), str(d / f"dev{EXT[lib]}"), "--output",
             str(out / "metrics.json"), log=log)
        scores[name] = srsly.read_json(out / "metrics.json")["tag_acc"]
    return {"scores": scores, "times": times}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--pretrain-sents", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--libs", default="plait,spacy")
    parser.add_argument("--work", default="/tmp/plait-bench-vectors")
    args = parser.parse_args()
    from ewt_vectors import ewt_sentences, svd_vectors, write_word2vec

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    train = DATA / "en_ewt-ud-train.conllu"
    _conllu_slice(train, work / "train500.conllu", 0, 500)
    _conllu_slice(DATA / "en_ewt-ud-dev.conllu", work / "dev.conllu", 0, 10**9)
    sents = ewt_sentences(train)
    raw = work / "raw.jsonl"
    srsly.write_jsonl(raw, [{"text": " ".join(s)} for s in sents[500:500 + args.pretrain_sents]])
    words, table = svd_vectors(sents, n_words=10000, n_ctx=2000, width=50)
    vectors_txt = write_word2vec(work / "ewt_vectors.txt", words, table)
    libs = args.libs.split(",")
    with ThreadPoolExecutor(len(libs)) as pool:
        results = dict(zip(libs, pool.map(
            lambda lib: run_lib(lib, work, vectors_txt, raw, args.steps, args.epochs), libs), strict=True))
    srsly.write_json(work / "results.json", results)
    names = list(next(iter(results.values()))["scores"])
    print(f"| tagger, 500 EWT train sentences, {args.steps} steps | " + " | ".join(libs) + " |")
    print("| --- |" + " --- |" * len(libs))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{results[lib]['scores'][name] * 100:.2f}" for lib in libs) + " |")
    print()
    for lib in libs:
        print(lib, json.dumps({k: round(v, 1) for k, v in results[lib]["times"].items()}))


if __name__ == "__main__":
    main()
