"""Train and run plait against spaCy 3.8 on UD English EWT, side by side.

Why it exists: issue 5 asks for one run, same machine, same data, same
architecture and the same number of steps for both tools, reporting
accuracy, training and inference words/s and peak RSS with the ratio
plait/spaCy. Two tasks:

- tagmorph: tok2vec + tagger + morphologizer (tag_acc, pos_acc, morph_acc on dev and test);
- textcat: five EWT genres from the sent_id prefix, one sentence per doc (macro F, accuracy).

Both configs come from each tool's `init config --optimize efficiency`; the
[components] block of plait's is replaced by spaCy's (names translated
spacy. -> plait.) so the architectures are identical, and every difference
found is printed and written to the README. Each (tool, gemm) pair trains in a
fresh subprocess (bench/_pipes_run.py; spaCy's in bench/.venv-spacy) with one
BLAS/OpenMP thread, then a second fresh process loads the saved pipeline and
times `nlp.pipe(test texts, batch_size=256)`.

Usage (from bench/): ../.venv/bin/python pipes.py [--steps 1500] [--quick] [--tasks tagmorph,textcat]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from thinc.api import Config

BENCH = Path(__file__).resolve().parent
SPACY_PY = BENCH / ".venv-spacy" / "bin" / "python"
README = BENCH / "README.md"
PIPELINES = {"tagmorph": "tok2vec,tagger,morphologizer", "textcat": "textcat"}
SECTIONS = {"tagmorph": "## Pipes: tagger + morphologizer (EWT)", "textcat": "## Pipes: textcat genre (EWT)"}
METRICS = {"tagmorph": ["tag_acc", "pos_acc", "morph_acc"], "textcat": ["macro_f", "acc"]}
# Settings that do not change what is trained (logging, extra score columns, vectors).
SKIP_DIFF = ("nlp.vectors", "training.logger", "training.score_weights")
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _python(lib: str) -> str:
    return sys.executable if lib == "plait" else str(SPACY_PY)


def _run(cmd: list[str]) -> dict[str, Any]:
    env = {**os.environ, **THREADS}
    proc = subprocess.run(cmd, cwd=BENCH, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-6000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _flatten(cfg: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in cfg.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def make_configs(task: str, tmp: Path) -> tuple[Path, Path, list[str]]:
    """Write both configs for `task`; return their paths and the differences found.

    RETURNS (tuple[Path, Path, list[str]]): plait config, spaCy config, "key: plait X, spaCy Y" lines.
    """
    pipeline = PIPELINES[task]
    spacy_cfg = tmp / f"spacy_{task}.cfg"
    plait_default = tmp / f"plait_default_{task}.cfg"
    env = {**os.environ, **THREADS}
    for py, lib, out in ((str(SPACY_PY), "spacy", spacy_cfg), (sys.executable, "plait", plait_default)):
        cmd = [py, "-m", lib, "init", "config", str(out), "--lang", "en", "--pipeline", pipeline,
               "--optimize", "efficiency"] + (["--force"] if lib == "spacy" else [])
        subprocess.run(cmd, cwd=tmp, env=env, check=True, capture_output=True)
    theirs = Config().from_str(spacy_cfg.read_text().replace('"spacy.', '"plait.'), interpolate=False)
    ours = Config().from_disk(plait_default, interpolate=False)
    # Compare resolved values (interpolated) so `${...}` references do not count as differences.
    flat_t = _flatten(Config().from_str(theirs.to_str()).interpolate())
    flat_o = _flatten(Config().from_disk(plait_default).interpolate())
    keys = sorted(set(flat_t) | set(flat_o))
    # A different architecture is one line: the keys below it follow from it.
    swapped = [k[: -len(".@architectures")] for k in keys
               if k.endswith(".@architectures") and flat_o.get(k) != flat_t.get(k)]
    diffs = []
    for key in keys:
        if not key.startswith(("components", "training", "nlp")) or key.startswith(SKIP_DIFF):
            continue
        if any(key.startswith(p + ".") and key != p + ".@architectures" for p in swapped):
            continue
        a, b = flat_o.get(key, "(absent)"), flat_t.get(key, "(absent)")
        if a != b:
            diffs.append(f"`{key}`: plait `{_show(a)}`, spaCy `{_show(b)}`")
    ours["components"] = theirs["components"]  # identical architectures for the benchmark
    # ... and the same pipeline: spaCy's may add a tok2vec component that plait's
    # own config embeds, and a listener whose tok2vec never runs does no work.
    ours["nlp"]["pipeline"] = list(theirs["nlp"]["pipeline"])
    plait_cfg = tmp / f"plait_{task}.cfg"
    plait_cfg.write_text(ours.to_str())
    return plait_cfg, spacy_cfg, diffs


def run_task(task: str, steps: int, tmp: Path, same_gemm: bool) -> dict[str, Any]:
    """Train and time every (tool, gemm) pair for one task, one after the other."""
    plait_cfg, spacy_cfg, diffs = make_configs(task, tmp)
    pairs = [("plait", "default", plait_cfg), ("spacy", "default", spacy_cfg)]
    if same_gemm:
        pairs.append(("spacy", "matmul", spacy_cfg))
    runs: dict[str, Any] = {}
    for lib, gemm, cfg in pairs:
        model_dir = tmp / f"model_{task}_{lib}_{gemm}"
        print(f"[{task}] {lib} ({gemm} gemm): training {steps} steps ...", flush=True)
        res = _run([_python(lib), "_pipes_run.py", "train", "--lib", lib, "--task", task, "--config", str(cfg),
                    "--steps", str(steps), "--model-dir", str(model_dir), "--gemm", gemm])
        print(f"[{task}] {lib} ({gemm} gemm): inference ...", flush=True)
        res.update(_run([_python(lib), "_pipes_run.py", "infer", "--lib", lib, "--task", task,
                         "--model-dir", str(model_dir), "--gemm", gemm]))
        runs[f"{lib}/{gemm}"] = res
        if lib == "plait":
            # What a user gets from plain `plait.load()` (no require_cpu()).
            runs["plait/load"] = _run([_python(lib), "_pipes_run.py", "infer", "--lib", lib, "--task", task,
                                       "--model-dir", str(model_dir), "--gemm", "load"])
        print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in res.items()}), flush=True)
    return {"task": task, "steps": steps, "diffs": diffs, "runs": runs}


def _fmt_row(label: str, r: dict[str, Any], metrics: list[str]) -> str:
    scores = [f"{r[f'dev_{m}']:.2f}" for m in metrics] + [f"{r[f'test_{m}']:.2f}" for m in metrics]
    return (f"| {label} | " + " | ".join(scores) + f" | {r['train_wps']:,.0f} ({r['train_wpcpus']:,.0f}) | "
            f"{r['infer_wps']:,.0f} ({r['infer_wpcpus']:,.0f}) | {r['train_peak_rss_mib']:.0f} / {r['infer_peak_rss_mib']:.0f} |")


def _ratio_row(label: str, a: dict[str, Any], b: dict[str, Any], metrics: list[str]) -> str:
    scores = [f"{a[f'{s}_{m}'] / b[f'{s}_{m}']:.3f}" for s in ("dev", "test") for m in metrics]
    return (f"| {label} | " + " | ".join(scores) + f" | {a['train_wps'] / b['train_wps']:.2f}x ({a['train_wpcpus'] / b['train_wpcpus']:.2f}x) | "
            f"{a['infer_wps'] / b['infer_wps']:.2f}x ({a['infer_wpcpus'] / b['infer_wpcpus']:.2f}x) | {a['train_peak_rss_mib'] / b['train_peak_rss_mib']:.2f}x / "
            f"{a['infer_peak_rss_mib'] / b['infer_peak_rss_mib']:.2f}x |")


def render(result: dict[str, Any], command: str, load: str) -> str:
    """The README section for one task."""
    task, runs, metrics = result["task"], result["runs"], METRICS[result["task"]]
    p = runs["plait/default"]
    s = runs["spacy/default"]
    head = ("| run | " + " | ".join(f"dev {m}" for m in metrics) + " | " + " | ".join(f"test {m}" for m in metrics)
            + " | train words/s (per CPU-s) | infer words/s (per CPU-s) | peak RSS MiB train / infer |")
    sep = "|" + " --- |" * (len(metrics) * 2 + 4)
    rows = [head, sep,
            _fmt_row(f"plait {p['version']} ({p['ops']})", p, metrics),
            _fmt_row(f"spaCy {s['version']} default (NumpyOps, blis gemm)", s, metrics)]
    if "spacy/matmul" in runs:
        rows.append(_fmt_row(f"spaCy {s['version']}, gemm = numpy.matmul", runs["spacy/matmul"], metrics))
    rows.append(_ratio_row("**plait / spaCy default**", p, s, metrics))
    if "spacy/matmul" in runs:
        rows.append(_ratio_row("**plait / spaCy same gemm**", p, runs["spacy/matmul"], metrics))
    title = {"tagmorph": "`tok2vec,tagger,morphologizer`, trained on EWT train (12,544 sentences)",
             "textcat": "`textcat` on the five EWT genres (`sent_id` prefix), one sentence per doc"}[task]
    pl = runs["plait/load"]
    lines = [
        SECTIONS[task], "",
        f"`{command}` — {title}; {result['steps']} `nlp.update(batch, sgd=optimizer, drop=0.1)` steps on both "
        f"sides, the same shuffled batches (batch_by_words, compounding 100 → 1000 words by 1.001, spaCy's "
        f"efficiency schedule; {p['train_words']:,} training words). Architectures from "
        f"`init config --optimize efficiency` of each tool, plait's `[components]` replaced by spaCy's "
        f"(translated `spacy.` → `plait.`) so both train the same network. One thread "
        f"(OMP/OPENBLAS/MKL_NUM_THREADS=1), each run a fresh process, tools one after the other, on the "
        f"shared 2-core VM (load average {load} at the start — other jobs were running; compare rows of one run "
        f"only; the words per CPU-second in brackets, from `time.process_time()`, are less disturbed by the other jobs than wall-clock words/s). Training time excludes Example creation and `nlp.initialize`; inference is a fresh process "
        f"that loads the saved pipeline and runs `nlp.pipe` over the {p['infer_words']:,} words of the test "
        f"`# text` lines, batch 256, best of 3. Accuracy uses gold tokenization (spaCy's `score_token_attr` "
        f"definition: tokens without a gold value are skipped)." if task == "tagmorph" else
        f"`{command}` — {title}; {result['steps']} steps, same schedule and setup as the tagger benchmark "
        f"({p['train_words']:,} training words). Macro F over the five genres and accuracy of the argmax "
        f"label, on dev and test. Load average {load} at the start.",
        "", *rows, "",
        f"Ratios: accuracy plait/spaCy (≥ 1 is at least spaCy's), words/s plait/spaCy (≥ 1 is faster), "
        f"RSS plait/spaCy (target ≤ 1.5). Checked separately: plain `plait.load()` with no "
        f"`plait.require_cpu()` runs with {pl['ops'].split('model ops ')[-1]} "
        f"({pl['infer_wps']:,.0f} words/s inference).",
    ]
    if result["diffs"]:
        lines += ["", "Differences between the two `init config --optimize efficiency` outputs "
                  "(plait's default vs spaCy's; the benchmark uses spaCy's `[components]` on both sides):", ""]
        lines += [f"- {d}" for d in result["diffs"]]
    else:
        lines += ["", "The two `init config --optimize efficiency` outputs define the same components and "
                  "training settings (checked by the script), so plait trains its own default config here."]
    return "\n".join(lines) + "\n"


def write_section(heading: str, body: str) -> None:
    """Replace (or append) the section that starts with `heading` in bench/README.md."""
    text = README.read_text() if README.exists() else ""
    start = text.find(heading + "\n")
    if start < 0:
        README.write_text(text.rstrip("\n") + "\n\n" + body)
        return
    nxt = text.find("\n## ", start + len(heading))
    end = len(text) if nxt < 0 else nxt + 1
    README.write_text(text[:start] + body + ("\n" if nxt >= 0 else "") + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1500, help="nlp.update steps per task and tool")
    parser.add_argument("--quick", action="store_true", help="smoke run: 60 steps, README untouched")
    parser.add_argument("--tasks", default="tagmorph,textcat")
    parser.add_argument("--no-same-gemm", action="store_true", help="skip spaCy with numpy.matmul gemm")
    parser.add_argument("--no-readme", action="store_true", help="print only, do not update README.md")
    args = parser.parse_args()
    if not SPACY_PY.exists():
        raise SystemExit(f"{SPACY_PY} is missing: run `make -C bench .venv-spacy/.installed` first.")
    steps = 60 if args.quick else args.steps
    command = "make -C bench pipes" if steps == 1500 and not args.no_same_gemm else (
        "cd bench && ../.venv/bin/python pipes.py " + " ".join(sys.argv[1:]))
    load = f"{os.getloadavg()[0]:.1f}"
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plait-bench-pipes-") as tmpdir:
        for task in [t.strip() for t in args.tasks.split(",") if t.strip()]:
            if task not in PIPELINES:
                raise SystemExit(f"--tasks: unknown task '{task}' (choose from {', '.join(PIPELINES)})")
            result = run_task(task, steps, Path(tmpdir), not args.no_same_gemm)
            body = render(result, command, load)
            print("\n" + body)
            if not (args.quick or args.no_readme):
                write_section(SECTIONS[task], body)
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
