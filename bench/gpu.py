"""plait and spaCy 3.8 on the CPU and on a GPU, side by side (issue 16).

Why it exists: `plait-gpu` promises GPU training that is worth having; this
measures it where a GPU exists, in one step (bench/gpu.sh installs what it
needs, then runs this). For each task it trains each tool's own `init config
--optimize efficiency` network on the CPU and on the GPU (fresh processes,
same batches and steps, bench/_pipes_run.py and bench/_parser_run.py with
--gpu-id), times inference on each device, then reloads plait's GPU-trained
pipeline on the CPU and compares its predictions token by token with the
GPU's.

Tasks: tagmorph (EWT tok2vec,tagger,morphologizer), parse (EWT tagger,parser),
uner (UNER English EWT ner, trained on dev, scored on test).
Targets (issue 16): GPU accuracy equal to the CPU's within noise; plait's GPU
training words/s >= 3x its CPU figure and >= spaCy's GPU figure.

Usage (from bench/): ../.venv/bin/python gpu.py [--gpu-id 0] [--steps 600]
    [--tasks tagmorph,parse,uner] [--quick]
With --gpu-id -1 every "GPU" run runs on the CPU: a smoke test of this script
on a machine without a GPU (its numbers mean nothing).
"""

from __future__ import annotations

import argparse
import pipes as pipes_bench
import sys
import tempfile
from pathlib import Path
from typing import Any

import parser as parser_bench
from _predictions import agreement

BENCH = Path(__file__).resolve().parent
RUNNERS = {"tagmorph": "_pipes_run.py", "parse": "_parser_run.py", "uner": "_parser_run.py"}
METRICS = {"tagmorph": ["test_tag_acc", "test_morph_acc"], "parse": ["test_dep_las", "test_sents_f"],
           "uner": ["test_ents_f"]}


def _configs(task: str, tmp: Path) -> dict[str, Path]:
    """Each tool's own `init config --optimize efficiency` for the task."""
    if task == "tagmorph":
        pipes_bench.make_configs(task, tmp)
        return {"plait": tmp / f"plait_default_{task}.cfg", "spacy": tmp / f"spacy_{task}.cfg"}
    cfgs = parser_bench.make_configs(task, tmp)
    if cfgs["plait_same"] is None:
        raise SystemExit(cfgs["error"])
    return {"plait": cfgs["plait_own"] or cfgs["plait_same"], "spacy": cfgs["spacy"]}


def _cmd(task: str, lib: str, mode: str, model_dir: Path, gpu_id: int, args: argparse.Namespace,
         *extra: str) -> list[str]:
    cmd = [parser_bench._python(lib), RUNNERS[task], mode, "--lib", lib, "--task", task,
           "--model-dir", str(model_dir), "--gpu-id", str(gpu_id), *extra]
    if task != "tagmorph" and args.quick:
        cmd += ["--train-limit", "120", "--eval-limit", "60"]
    return cmd


def run_task(task: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Train, infer and cross-check one task on both devices for both tools."""
    configs = _configs(task, tmp)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for lib in ("plait", "spacy"):
        for device, gpu_id in (("cpu", -1), ("gpu", args.gpu_id)):
            model_dir = tmp / f"{task}-{lib}-{device}"
            print(f"[{task}] {lib} on {device}: training", file=sys.stderr, flush=True)
            trained = parser_bench._run(_cmd(task, lib, "train", model_dir, gpu_id, args, "--config",
                                             str(configs[lib]), "--steps", str(args.steps)))
            inferred = {} if "error" in trained else parser_bench._run(
                _cmd(task, lib, "infer", model_dir, gpu_id, args, "--repeat", "1" if args.quick else "3"))
            rows[(lib, device)] = {**trained, **inferred}
    # plait's GPU-trained pipeline, reloaded on each device.
    gpu_model = tmp / f"{task}-plait-gpu"
    same: dict[str, float] | str = "not run (GPU training failed)"
    if "error" not in rows[("plait", "gpu")]:
        preds = {}
        for device, gpu_id in (("cpu", -1), ("gpu", args.gpu_id)):
            out = tmp / f"{task}-pred-{device}.json"
            result = parser_bench._run(_cmd(task, "plait", "predict", gpu_model, gpu_id, args, "--out", str(out)))
            preds[device] = out if "error" not in result else None
        if preds["cpu"] and preds["gpu"]:
            same = agreement(preds["cpu"], preds["gpu"])
    return {"rows": rows, "agreement": same}


def _fmt(value: Any, spec: str = ",.0f") -> str:
    return format(value, spec) if isinstance(value, (int, float)) else "—"


def render(task: str, result: dict[str, Any], args: argparse.Namespace) -> str:
    """A markdown table of one task."""
    rows = result["rows"]
    metrics = METRICS[task]
    head = "| tool | device | " + " | ".join(metrics) + " | train words/s | infer words/s | ops |"
    lines = [f"### {task} ({args.steps} steps, GPU {args.gpu_id})", "", head,
             "|" + " --- |" * (5 + len(metrics))]
    for (lib, device), row in rows.items():
        if "error" in row:
            lines.append(f"| {lib} | {device} | failed: {row['error'][:120]} |")
            continue
        scores = " | ".join(_fmt(row.get(m), ".2f") for m in metrics)
        lines.append(f"| {lib} | {device} | {scores} | {_fmt(row.get('train_wps'))} | "
                     f"{_fmt(row.get('infer_wps'))} | {row.get('ops', '')} |")
    p_cpu, p_gpu, s_gpu = rows[("plait", "cpu")], rows[("plait", "gpu")], rows[("spacy", "gpu")]
    if all("train_wps" in r for r in (p_cpu, p_gpu, s_gpu)):
        lines += ["", f"plait GPU/CPU training: {p_gpu['train_wps'] / p_cpu['train_wps']:.2f}x (target >= 3x); "
                      f"plait GPU / spaCy GPU: {p_gpu['train_wps'] / s_gpu['train_wps']:.2f}x (target >= 1x)."]
    same = result["agreement"]
    text = same if isinstance(same, str) else ", ".join(f"{k} {v:.2f}%" for k, v in same.items())
    lines += ["", f"plait's GPU-trained pipeline reloaded on the CPU: identical predictions for {text} of tokens."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gpu-id", type=int, default=0, help="the GPU; -1 runs the script's smoke test on the CPU")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--tasks", default="tagmorph,parse,uner")
    ap.add_argument("--quick", action="store_true", help="20 steps on small slices: checks the script runs")
    args = ap.parse_args()
    if args.quick:
        args.steps = 20
    if not parser_bench.SPACY_PY.exists():
        raise SystemExit(f"{parser_bench.SPACY_PY} is missing: run bench/gpu.sh (or `make -C bench "
                         f".venv-spacy/.installed`) first.")
    tasks = [t for t in args.tasks.split(",") if t]
    unknown = sorted(set(tasks) - set(RUNNERS))
    if unknown:
        raise SystemExit(f"--tasks: unknown {unknown}; choose from {sorted(RUNNERS)}")
    with tempfile.TemporaryDirectory(prefix="plait-gpu-bench-") as tmp:
        for task in tasks:
            print(render(task, run_task(task, args, Path(tmp)), args), flush=True)


if __name__ == "__main__":
    main()
