"""Train and run plait's parser and NER against spaCy 3.8, side by side.

Why it exists: issue 10 asks for one run, same machine, same documents, same
batches and steps for both tools, alternating the tools, reporting accuracy,
training and inference words/s, the whole training process and the update
loop alone, and peak RSS. Three tasks:

- parse: EWT `tagger,parser` trained on EWT train (documents of up to 10
  sentences), scored on dev and test (dep_uas, dep_las, sents_f, tag_acc);
- uner: UNER English EWT `ner`, trained on dev, scored on test;
- wnut: WNUT-17 `ner`, trained on train, scored on dev and test.

Three comparisons, from four kinds of runs (each (tool, setting, seed) run
trains in a fresh subprocess, bench/_parser_run.py, spaCy's in
bench/.venv-spacy, one BLAS/OpenMP thread; a second fresh process loads the
saved pipeline and times `nlp.pipe(test texts, batch_size=256)`):

- (A) each tool's own `init config --optimize efficiency` (what a user gets),
  each with its default gemm: plait/own against spacy/default;
- (B) the same network: plait's [components] replaced by spaCy's (translated
  spacy. -> plait., as bench/pipes.py does), each tool's default gemm:
  plait/same against spacy/default;
- (C) the same network and the same gemm (spaCy's NumpyOps.gemm through
  numpy.matmul, as bench/_pipes_run.py patches it): plait/same against
  spacy/matmul.

When the two `init config` outputs define the same components, plait/own is
plait/same and runs once. Accuracy rows are the mean over `--seeds` (the
spread between seeds is the run-to-run noise).

Usage (from bench/): ../.venv/bin/python parser.py [--tasks parse,uner,wnut]
    [--steps 1500] [--seeds 0,1] [--quick] [--no-readme]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _parser_corpus as corpus
import _parser_render as render

BENCH = Path(__file__).resolve().parent
# bench/pipes.py by its path (the name `pipes` is also a standard-library
# module): its make_configs and write_section serve this benchmark too.
_spec = importlib.util.spec_from_file_location("bench_pipes", BENCH / "pipes.py")
pipes_bench = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(pipes_bench)  # type: ignore[union-attr]
SPACY_PY = BENCH / ".venv-spacy" / "bin" / "python"
PIPELINES = {"parse": "tagger,parser", "uner": "ner", "wnut": "ner"}
THREADS = pipes_bench.THREADS
# --quick: a smoke test of the whole script (both tools, every setting) in minutes.
QUICK = {"steps": 20, "train_limit": 120, "eval_limit": 60, "repeat": 1}


def _python(lib: str) -> str:
    return sys.executable if lib == "plait" else str(SPACY_PY)


def _run(cmd: list[str], *, json_result: bool = True) -> dict[str, Any]:
    """Run one command with one thread: its JSON result (the last stdout line,
    when `json_result`) plus the process wall time, or {"error": last line of its output}."""
    env = {**os.environ, **THREADS}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=BENCH, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stdout[-1500:] + proc.stderr[-3000:]).strip()
        sys.stderr.write(f"failed: {' '.join(cmd)}\n{tail}\n")
        last = [line for line in tail.splitlines() if line.strip()]
        return {"error": last[-1] if last else f"exit status {proc.returncode}"}
    result = json.loads(proc.stdout.strip().splitlines()[-1]) if json_result else {}
    result["process_wall_s"] = wall
    return result


def make_configs(task: str, tmp: Path) -> dict[str, Any]:
    """Both tools' `init config` for the task's pipeline (bench/pipes.py's make_configs).

    RETURNS (dict): "spacy", "plait_same", "plait_own" config paths (None when
        plait could not write one), "diffs" and "error" (why plait's failed).
    """
    pipes_bench.PIPELINES[task] = PIPELINES[task]
    spacy_cfg = tmp / f"spacy_{task}.cfg"
    try:
        plait_same, spacy_cfg, diffs = pipes_bench.make_configs(task, tmp)
    except subprocess.CalledProcessError as err:
        message = (err.stderr or b"").decode(errors="replace").strip().splitlines()
        if not spacy_cfg.exists():
            raise SystemExit(f"spaCy's init config failed: {message[-1:] or err}") from None
        return {"spacy": spacy_cfg, "plait_same": None, "plait_own": None, "diffs": [],
                "error": f"plait init config failed: {message[-1] if message else err}"}
    plait_own = tmp / f"plait_default_{task}.cfg"
    # Only the components, the optimizer and [nlp] reach the benchmark's loop
    # (batches, dropout and steps are the same for all runs).
    trained = [d for d in diffs if d.startswith(("`components", "`training.optimizer", "`nlp"))]
    return {"spacy": spacy_cfg, "plait_same": plait_same, "plait_own": plait_own if trained else None,
            "diffs": diffs, "error": None}


def _settings(cfgs: dict[str, Any], seed_index: int) -> list[tuple[str, str, str, Path | None]]:
    """(setting name, lib, gemm, config) in run order; the tools alternate, and
    which goes first alternates from seed to seed."""
    plait = [("plait/same", "plait", "default", cfgs["plait_same"])]
    if cfgs["plait_own"] is not None:
        plait.append(("plait/own", "plait", "default", cfgs["plait_own"]))
    spacy = [("spacy/default", "spacy", "default", cfgs["spacy"]),
             ("spacy/matmul", "spacy", "matmul", cfgs["spacy"])]
    first, second = (plait, spacy) if seed_index % 2 == 0 else (spacy, plait)
    order = []
    for i in range(max(len(first), len(second))):
        order += first[i:i + 1] + second[i:i + 1]
    return order


def run_task(task: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Train and time every (setting, seed) pair of one task."""
    cfgs = make_configs(task, tmp)
    if cfgs["error"]:
        print(f"[{task}] {cfgs['error']}", flush=True)
    limits = ["--train-limit", str(args.train_limit), "--eval-limit", str(args.eval_limit)]
    runs: dict[str, list[dict[str, Any]]] = {}
    for k, seed in enumerate(args.seeds):
        for name, lib, gemm, cfg in _settings(cfgs, k):
            if cfg is None:
                runs.setdefault(name, []).append({"error": cfgs["error"], "seed": seed})
                continue
            model_dir = tmp / f"model_{task}_{name.replace('/', '_')}_{seed}"
            print(f"[{task}] {name} seed {seed}: training {args.steps} steps ...", flush=True)
            res = _run([_python(lib), "_parser_run.py", "train", "--lib", lib, "--task", task, "--config",
                        str(cfg), "--steps", str(args.steps), "--seed", str(seed), "--model-dir",
                        str(model_dir), "--gemm", gemm, *limits])
            if "error" not in res:
                print(f"[{task}] {name} seed {seed}: inference ...", flush=True)
                infer = _run([_python(lib), "_parser_run.py", "infer", "--lib", lib, "--task", task,
                              "--model-dir", str(model_dir), "--gemm", gemm, "--repeat", str(args.repeat),
                              *limits])
                res.update({k2: v for k2, v in infer.items() if k2 not in ("process_wall_s", "lib", "task")})
                if name == "plait/same" and k == 0 and "error" not in infer and not args.quick:
                    # What a user gets from plain `plait.load()` (no require_cpu()).
                    load = _run([_python(lib), "_parser_run.py", "infer", "--lib", lib, "--task", task,
                                 "--model-dir", str(model_dir), "--gemm", "load", "--repeat",
                                 str(args.repeat), *limits])
                    res["load"] = {k2: load.get(k2) for k2 in ("ops", "infer_wps", "error") if k2 in load}
            res["seed"] = seed
            runs.setdefault(name, []).append(res)
            print(json.dumps(render.brief(res)), flush=True)
    cli = run_cli(task, args, tmp, cfgs) if args.cli_train else {}
    return {"task": task, "steps": args.steps, "seeds": args.seeds, "diffs": cfgs["diffs"],
            "config_error": cfgs["error"], "runs": runs, "repeat": args.repeat, "cli": cli}


def run_cli(task: str, args: argparse.Namespace, tmp: Path, cfgs: dict[str, Any]) -> dict[str, Any]:
    """Comparison A as a user runs it: each tool's `train` command on its own
    config, `--training.max_steps` = the benchmark's steps, evaluating at step 0
    and at the end, the first seed. Batches come from each tool's own batcher
    (not the benchmark's), so only the process wall time is compared."""
    limits = ["--train-limit", str(args.train_limit), "--eval-limit", str(args.eval_limit)]
    out: dict[str, Any] = {}
    own = cfgs["plait_own"] or cfgs["plait_same"]
    for lib, cfg in (("plait", own), ("spacy", cfgs["spacy"])):
        if cfg is None:
            out[lib] = {"error": cfgs["error"]}
            continue
        data = tmp / f"cli_{task}_{lib}"
        made = _run([_python(lib), "_parser_run.py", "docbin", "--lib", lib, "--task", task,
                     "--model-dir", str(data), *limits])
        if "error" in made:
            out[lib] = made
            continue
        print(f"[{task}] {lib} train command, {args.steps} steps ...", flush=True)
        res = _run([_python(lib), "-m", lib, "train", str(cfg), "--output", str(data / "out"),
                    "--paths.train", made["train"], "--paths.dev", made["dev"], "--training.max_steps",
                    str(args.steps), "--training.eval_frequency", str(args.steps), "--training.seed",
                    str(args.seeds[0])], json_result=False)
        out[lib] = res
        print(json.dumps(res), flush=True)
    return out


def check_data(tasks: list[str]) -> str:
    """The benchmark's NER reader against `plait convert`'s converter: same words
    and entities in every file (the converter is tested against raw counts)."""
    from plait_readers.iob import iob_to_docs

    lines = []
    for task, files in corpus.NER_FILES.items():
        if task not in tasks:
            continue
        for split, path in files.items():
            docs = corpus.read_ner(task, split)
            converted = list(iob_to_docs(path))
            same = [d["words"] for d in docs] == [[t.text for t in c] for c in converted] and [
                corpus.entity_spans(d["ents"]) for d in docs
            ] == [[(e.start, e.end, e.label_) for e in c.ents] for c in converted]
            if not same:
                raise SystemExit(f"{path}: the benchmark's reader and plait's iob converter disagree")
            n_ents = sum(len(c.ents) for c in converted)
            lines.append(f"{task} {split}: {len(docs):,} sentences, {sum(len(c) for c in converted):,} "
                         f"words, {n_ents:,} entities")
    return "; ".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default="parse,uner,wnut", help="comma-separated: parse, uner, wnut")
    parser.add_argument("--steps", type=int, default=None, help="nlp.update steps per run (default 1500)")
    parser.add_argument("--seeds", default=None, help="comma-separated seeds (default 0,1; --quick: 0)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK['steps']} steps on {QUICK['train_limit']} training "
                             f"sentences, README untouched")
    parser.add_argument("--no-readme", action="store_true", help="print only, do not update README.md")
    parser.add_argument("--no-cli-train", dest="cli_train", action="store_false",
                        help="skip timing each tool's `train` command (comparison A, first seed)")
    args = parser.parse_args()
    if not SPACY_PY.exists():
        raise SystemExit(f"{SPACY_PY} is missing: run `make -C bench .venv-spacy/.installed` first.")
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    for task in tasks:
        if task not in PIPELINES:
            raise SystemExit(f"--tasks: unknown task '{task}' (choose from {', '.join(PIPELINES)})")
    args.steps = args.steps or (QUICK["steps"] if args.quick else 1500)
    args.seeds = [int(s) for s in (args.seeds or ("0" if args.quick else "0,1")).split(",")]
    args.train_limit = QUICK["train_limit"] if args.quick else 0
    args.eval_limit = QUICK["eval_limit"] if args.quick else 0
    args.repeat = QUICK["repeat"] if args.quick else 3
    command = "cd bench && ../.venv/bin/python parser.py " + " ".join(sys.argv[1:])
    if not args.quick and args.steps == 1500 and args.seeds == [0, 1]:
        command = {("parse",): "make -C bench parser", ("uner", "wnut"): "make -C bench ner"}.get(
            tuple(tasks), command)
    load = f"{os.getloadavg()[0]:.1f}"
    print(f"load average {load}; data: {check_data(tasks) or 'EWT'}", flush=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plait-bench-parser-") as tmpdir:
        for task in tasks:
            result = run_task(task, args, Path(tmpdir))
            body = render.section(result, command, load)
            print("\n" + body, flush=True)
            if not (args.quick or args.no_readme):
                pipes_bench.write_section(render.SECTIONS[task], body)
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
