"""Issue 17: the graph-based parser and the CRF ner against the transition
components and spaCy 3.8, side by side in one run.

Why it exists: the issue asks for one run, same tok2vec, same batches and
steps: EWT UAS/LAS (dev and test), UNER and WNUT-17 test F, for plait
transition, plait biaffine / CRF and spaCy's transition parser and ner. It
reuses bench/parser.py's machinery (both tools' `init config`, the
subprocess per run in bench/_parser_run.py with one BLAS thread, the same
batches, scoring and timing code for both tools) and adds one setting:

- plait/transition: plait's components with spaCy's network (parser.py's
  "plait/same" config);
- plait/graph: that config with [components.parser.model] replaced by
  plait.BiaffineParser.v1 (tok2vec kept) for `parse`, [components.ner.model]
  by plait.BILUOTagger.v1 for `uner` and `wnut`;
- spacy/default: spaCy's own config and gemm.

Usage (from bench/): ../.venv/bin/python graph.py [--tasks parse,uner,wnut]
    [--steps 1500] [--seeds 0] [--only plait/graph] [--quick] [--no-readme]
(--only: train just the named settings, comma-separated; a quick check of
one setting, README untouched.)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from thinc.api import Config

BENCH = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_parser", BENCH / "parser.py")
parser_bench = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.path.insert(0, str(BENCH))
_spec.loader.exec_module(parser_bench)  # type: ignore[union-attr]

HEADING = "## Graph parser and CRF ner (issue 17)"
# The architecture's defaults: what a user gets from the one-line switch.
BIAFFINE = {"@architectures": "plait.BiaffineParser.v1"}
CRF = {"@architectures": "plait.BILUOTagger.v1"}
COMPONENT = {"parse": ("parser", BIAFFINE), "uner": ("ner", CRF), "wnut": ("ner", CRF)}
SCORES = {"parse": ["dev_dep_uas", "dev_dep_las", "test_dep_uas", "test_dep_las", "test_sents_f"],
          "uner": ["test_ents_f"], "wnut": ["dev_ents_f", "test_ents_f"]}


def graph_config(task: str, plait_same: Path, tmp: Path) -> Path:
    """plait's same-network config with the task's component on the graph/CRF model."""
    name, model = COMPONENT[task]
    config = Config().from_disk(plait_same, interpolate=False)
    old = config["components"][name]["model"]
    config["components"][name]["model"] = {**model, "tok2vec": old["tok2vec"]}
    path = tmp / f"plait_graph_{task}.cfg"
    config.to_disk(path)
    return path


def run_task(task: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    cfgs = parser_bench.make_configs(task, tmp)
    if cfgs["plait_same"] is None:
        raise SystemExit(f"[{task}] {cfgs['error']}")
    settings = [("plait/transition", "plait", cfgs["plait_same"]),
                ("plait/graph", "plait", graph_config(task, cfgs["plait_same"], tmp)),
                ("spacy/default", "spacy", cfgs["spacy"])]
    if args.only:
        settings = [s for s in settings if s[0] in args.only]
    limits = ["--train-limit", str(args.train_limit), "--eval-limit", str(args.eval_limit)]
    runs: dict[str, list[dict[str, Any]]] = {}
    for seed in args.seeds:
        for name, lib, cfg in settings:
            model_dir = tmp / f"model_{task}_{name.replace('/', '_')}_{seed}"
            print(f"[{task}] {name} seed {seed}: training {args.steps} steps ...", flush=True)
            res = parser_bench._run([parser_bench._python(lib), "_parser_run.py", "train", "--lib", lib,
                                     "--task", task, "--config", str(cfg), "--steps", str(args.steps),
                                     "--seed", str(seed), "--model-dir", str(model_dir), "--gemm", "default",
                                     *limits])
            if "error" not in res:
                infer = parser_bench._run([parser_bench._python(lib), "_parser_run.py", "infer", "--lib", lib,
                                           "--task", task, "--model-dir", str(model_dir), "--gemm", "default",
                                           "--repeat", str(args.repeat), *limits])
                res.update({k: v for k, v in infer.items() if k not in ("process_wall_s", "lib", "task")})
            res["seed"] = seed
            runs.setdefault(name, []).append(res)
            print(json.dumps({k: res.get(k) for k in [*SCORES[task], "train_wps", "train_wpcpus", "infer_wps",
                                                      "infer_wpcpus", "error"]
                              if k in res}), flush=True)
    return {"task": task, "runs": runs}


def _mean(runs: list[dict[str, Any]], key: str) -> str:
    vals = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    if not vals:
        return "error: " + next((r["error"] for r in runs if "error" in r), "missing")
    mean = sum(vals) / len(vals)
    return f"{mean:,.0f}" if key.endswith(("wps", "wpcpus")) else f"{mean:.2f}"


def table(result: dict[str, Any]) -> str:
    # Words per CPU-second next to words/s: the machine is shared, and the
    # CPU time of the one-thread process is what the load does not change.
    keys = [*SCORES[result["task"]], "train_wps", "train_wpcpus", "infer_wps", "infer_wpcpus"]
    lines = [f"| {result['task']} | " + " | ".join(keys) + " |", "| --- |" + " --- |" * len(keys)]
    for name, runs in result["runs"].items():
        lines.append(f"| {name} | " + " | ".join(_mean(runs, k) for k in keys) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", default="parse,uner,wnut")
    ap.add_argument("--steps", type=int, default=None, help="nlp.update steps per run (default 1500)")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--quick", action="store_true", help="smoke run: 20 steps on 120 sentences, README untouched")
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated settings to run (e.g. plait/graph); README untouched")
    args = ap.parse_args()
    if not parser_bench.SPACY_PY.exists():
        raise SystemExit(f"{parser_bench.SPACY_PY} is missing: run `make -C bench .venv-spacy/.installed` first.")
    quick = parser_bench.QUICK
    args.steps = args.steps or (quick["steps"] if args.quick else 1500)
    args.seeds = [int(s) for s in args.seeds.split(",")]
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    args.train_limit = quick["train_limit"] if args.quick else 0
    args.eval_limit = quick["eval_limit"] if args.quick else 0
    args.repeat = quick["repeat"] if args.quick else 3
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    load = f"{os.getloadavg()[0]:.1f}"
    t0 = time.perf_counter()
    tables = []
    with tempfile.TemporaryDirectory(prefix="plait-bench-graph-") as tmpdir:
        for task in tasks:
            tables.append(table(run_task(task, args, Path(tmpdir))))
            print("\n" + tables[-1], flush=True)
    body = (f"{HEADING}\n\n`cd bench && ../.venv/bin/python graph.py {' '.join(sys.argv[1:])}` "
            f"({args.steps} steps, seeds {args.seeds}, load average {load} at the start, "
            f"{time.perf_counter() - t0:.0f} s):\n\n" + "\n\n".join(tables) + "\n")
    print(body)
    if not (args.quick or args.no_readme or args.only):
        parser_bench.pipes_bench.write_section(HEADING, body)


if __name__ == "__main__":
    main()
