"""The README sections of bench/parser.py: tables, ratios and the issue's targets.

Why it exists: parser.py runs the benchmark; turning its raw runs (one JSON
object per setting and seed) into Markdown is a separate, pure job.
"""

from __future__ import annotations

from typing import Any

SECTIONS = {"parse": "## Parser: tagger + parser (EWT)", "uner": "## NER: UNER English EWT",
            "wnut": "## NER: WNUT-17"}
SPLITS = {"parse": ("dev", "test"), "uner": ("test",), "wnut": ("dev", "test")}
METRICS = {"parse": ("dep_uas", "dep_las", "sents_f", "tag_acc"), "uner": ("ents_p", "ents_r", "ents_f"),
           "wnut": ("ents_p", "ents_r", "ents_f")}
# Issue 10's speed targets, plait/spaCy: (train words/s, inference words/s) per comparison.
TARGETS = {"A": (2.0, 2.0), "B": (2.0, 2.0), "C": (1.3, 1.2)}
COMPARISONS = {"A": ("own", "spacy/default"), "B": ("plait/same", "spacy/default"),
               "C": ("plait/same", "spacy/matmul")}
TITLES = {
    "parse": "`tagger,parser` (each tool's `init config` adds its `tok2vec`), trained on UD English EWT "
             "train (12,544 sentences in documents of up to 10 sentences of one `# newdoc`), scored on "
             "dev and test",
    "uner": "`ner` on UNER English EWT (PER, ORG, LOC), trained on dev (2,001 sentences; there is no "
            "train split), scored on test",
    "wnut": "`ner` on WNUT-17 (six types, social media), trained on train (3,394 sentences), scored "
            "on dev and test",
}


def brief(res: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one run worth printing while the benchmark goes on."""
    if "error" in res:
        return {"seed": res.get("seed"), "error": res["error"]}
    keys = [k for k in res if k.endswith(("_f", "_las", "_uas", "_acc"))] + [
        "train_wps", "loop_s", "process_wall_s", "infer_wps", "train_peak_rss_mib", "infer_peak_rss_mib"]
    return {"lib": res.get("lib"), "seed": res.get("seed"),
            **{k: round(res[k], 2) for k in keys if isinstance(res.get(k), float)}}


def _ok(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in runs if "error" not in r]


def _mean(runs: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in _ok(runs) if isinstance(r.get(key), (int, float))]
    return sum(vals) / len(vals) if vals else None


def _spread(runs: list[dict[str, Any]], key: str) -> float:
    vals = [r[key] for r in _ok(runs) if isinstance(r.get(key), (int, float))]
    return max(vals) - min(vals) if len(vals) > 1 else 0.0


def _max(runs: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in _ok(runs) if isinstance(r.get(key), (int, float))]
    return max(vals) if vals else None


def _per_type(runs: list[dict[str, Any]], split: str, label: str) -> float | None:
    vals = [r[f"{split}_ents_per_type"].get(label, {}).get("f", 0.0) for r in _ok(runs)
            if f"{split}_ents_per_type" in r]
    return sum(vals) / len(vals) if vals else None


def _acc_cells(runs: list[dict[str, Any]], task: str) -> list[str]:
    cells = []
    for split in SPLITS[task]:
        for m in METRICS[task]:
            mean = _mean(runs, f"{split}_{m}")
            spread = _spread(runs, f"{split}_{m}")
            cells.append("–" if mean is None else f"{mean:.2f}" + (f" ±{spread / 2:.2f}" if spread else ""))
    return cells


def _speed_cells(runs: list[dict[str, Any]]) -> list[str]:
    def num(key: str, fmt: str) -> str:
        v = _mean(runs, key)
        return "–" if v is None else format(v, fmt)

    rss_t, rss_i = _max(runs, "train_peak_rss_mib"), _max(runs, "infer_peak_rss_mib")
    return [f"{num('train_wps', ',.0f')} ({num('train_wpcpus', ',.0f')})", num("loop_s", ".1f"),
            num("process_wall_s", ".1f"), f"{num('infer_wps', ',.0f')} ({num('infer_wpcpus', ',.0f')})",
            ("–" if rss_t is None else f"{rss_t:.0f}") + " / " + ("–" if rss_i is None else f"{rss_i:.0f}")]


def _ratio(a: float | None, b: float | None, fmt: str = ".3f", suffix: str = "") -> str:
    if a is None or b is None or not b:
        return "–"
    return format(a / b, fmt) + suffix


def _own(runs: dict[str, list[dict[str, Any]]]) -> str:
    return "plait/own" if "plait/own" in runs else "plait/same"


def _pair(runs: dict[str, list[dict[str, Any]]], comp: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    a, b = COMPARISONS[comp]
    return runs.get(_own(runs) if a == "own" else a, []), runs.get(b, [])


def _comparisons(runs: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(letters, label) of the ratio rows; A and B are one row when plait's own config is spaCy's network."""
    rows = [("A", "**A: own configs**"), ("B", "**B: same network**")] if "plait/own" in runs else [
        ("A", "**A = B: own configs = same network**")]
    return rows + [("C", "**C: same network, same gemm**")]


def _run_label(name: str, runs: list[dict[str, Any]], has_own: bool) -> str:
    ok = _ok(runs)
    version = ok[0].get("version", "") if ok else ""
    label = {
        "plait/own": f"plait {version} own config (A)",
        "plait/same": f"plait {version} spaCy's network (B, C)" if has_own else f"plait {version} (A, B, C)",
        "spacy/default": f"spaCy {version} default, blis gemm (A, B)",
        "spacy/matmul": f"spaCy {version}, gemm = numpy.matmul (C)",
    }[name]
    if not ok and runs:
        label += f": failed ({runs[0].get('error', '?')})"
    return label


def _targets(task: str, runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = []
    for comp, label in _comparisons(runs):
        plait, spacy = _pair(runs, comp)
        if not _ok(plait) or not _ok(spacy):
            lines.append(f"- {label.strip('*')}: not measured (a run failed)")
            continue
        train_t, infer_t = TARGETS[comp]
        checks = []
        for key, target, what in (("train_wps", train_t, "train words/s"), ("infer_wps", infer_t, "infer words/s")):
            r = _mean(plait, key) / _mean(spacy, key)  # type: ignore[operator]
            checks.append(f"{what} {r:.2f}x {'✓' if r >= target else '✗'} (≥ {target})")
        for key, what in (("train_peak_rss_mib", "train RSS"), ("infer_peak_rss_mib", "infer RSS")):
            r = _max(plait, key) / _max(spacy, key)  # type: ignore[operator]
            checks.append(f"{what} {r:.2f}x {'✓' if r <= 1.0 else '✗'} (≤ 1)")
        below = []
        for split in SPLITS[task]:
            for m in METRICS[task]:
                key = f"{split}_{m}"
                noise = max(_spread(plait, key), _spread(spacy, key))
                if _mean(plait, key) < _mean(spacy, key) - noise:  # type: ignore[operator]
                    below.append(f"{split} {m} {_mean(plait, key):.2f} < {_mean(spacy, key):.2f}")
        acc = ("accuracy ✓ (no metric below spaCy's by more than the seed spread)" if not below else
               "accuracy ✗ (" + "; ".join(below) + ")")
        lines.append(f"- {label.strip('*')}: " + ", ".join(checks) + f"; {acc}")
    return lines


def section(result: dict[str, Any], command: str, load: str) -> str:
    """The README section of one task."""
    task, runs = result["task"], result["runs"]
    has_own = "plait/own" in runs
    names = [n for n in ("plait/own", "plait/same", "spacy/default", "spacy/matmul") if n in runs]
    metrics = METRICS[task]
    acc_head = "| run | " + " | ".join(f"{s} {m}" for s in SPLITS[task] for m in metrics) + " |"
    acc_rows = [acc_head, "|" + " --- |" * (1 + len(SPLITS[task]) * len(metrics))]
    speed_rows = ["| run | train words/s (per CPU-s) | update loop s | train process s | "
                  "infer words/s (per CPU-s) | peak RSS MiB train / infer |", "|" + " --- |" * 6]
    for name in names:
        label = _run_label(name, runs[name], has_own)
        acc_rows.append(f"| {label} | " + " | ".join(_acc_cells(runs[name], task)) + " |")
        speed_rows.append(f"| {label} | " + " | ".join(_speed_cells(runs[name])) + " |")
    for comp, label in _comparisons(runs):
        plait, spacy = _pair(runs, comp)
        acc_rows.append(f"| {label} | " + " | ".join(
            _ratio(_mean(plait, f"{s}_{m}"), _mean(spacy, f"{s}_{m}")) for s in SPLITS[task] for m in metrics) + " |")
        speed_rows.append(
            f"| {label} | {_ratio(_mean(plait, 'train_wps'), _mean(spacy, 'train_wps'), '.2f', 'x')} "
            f"({_ratio(_mean(plait, 'train_wpcpus'), _mean(spacy, 'train_wpcpus'), '.2f', 'x')}) | "
            f"{_ratio(_mean(spacy, 'loop_s'), _mean(plait, 'loop_s'), '.2f', 'x')} | "
            f"{_ratio(_mean(spacy, 'process_wall_s'), _mean(plait, 'process_wall_s'), '.2f', 'x')} | "
            f"{_ratio(_mean(plait, 'infer_wps'), _mean(spacy, 'infer_wps'), '.2f', 'x')} "
            f"({_ratio(_mean(plait, 'infer_wpcpus'), _mean(spacy, 'infer_wpcpus'), '.2f', 'x')}) | "
            f"{_ratio(_max(plait, 'train_peak_rss_mib'), _max(spacy, 'train_peak_rss_mib'), '.2f', 'x')} / "
            f"{_ratio(_max(plait, 'infer_peak_rss_mib'), _max(spacy, 'infer_peak_rss_mib'), '.2f', 'x')} |")
    first = next((r for n in names for r in _ok(runs[n])), {})
    seeds = ", ".join(str(s) for s in result["seeds"])
    lines = [
        SECTIONS[task], "",
        f"`{command}` — {TITLES[task]}. {result['steps']} `nlp.update(batch, sgd=optimizer, drop=0.1)` "
        f"steps on both sides, the same shuffled batches (batch_by_words, compounding 100 → 1000 words by "
        f"1.001, spaCy's efficiency schedule; {first.get('train_words', 0):,} training words), seeds {seeds} "
        f"(accuracy: mean ± half the spread between seeds, the run-to-run noise; speed: mean). One thread "
        f"(OMP/OPENBLAS/MKL_NUM_THREADS=1), each run a fresh process, the tools alternating (which one "
        f"goes first alternates by seed); load average {load} at the start. Scores on gold tokenization "
        f"with spaCy's Scorer definitions, computed by the same code for both tools"
        + (" (dep_uas/dep_las leave punctuation out; sents_f over sentence spans)." if task == "parse" else
           " (exact entity spans).")
        + " \"update loop\" is the `nlp.update` steps alone; \"train process\" is the whole training "
        f"process (start, imports, reading the corpus, Examples, `nlp.initialize`, the loop, scoring "
        f"dev/test, `nlp.to_disk`). Inference: a fresh process loads the saved pipeline and runs "
        f"`nlp.pipe` over the {first.get('infer_words', 0):,} words of the test texts, batch 256, best "
        f"of {result.get('repeat', 3)}.",
        "",
        "Comparisons: **A** each tool's own `init config --optimize efficiency` (what a user gets), each "
        "with its default gemm; **B** the same network (plait's `[components]` replaced by spaCy's, "
        "`spacy.` → `plait.`), each tool's default gemm; **C** the same network and the same gemm "
        "(spaCy's `NumpyOps.gemm` through `numpy.matmul`; spaCy's Cython greedy decoder, used for "
        "inference, still multiplies hidden states by the output weights with blis's `sgemm` through "
        "thinc's `CBlas`, which Python cannot patch).",
        "", *acc_rows, "", *speed_rows, "",
        "Ratios: accuracy plait/spaCy (≥ 1 is at least spaCy's), words/s plait/spaCy and times "
        "spaCy/plait (≥ 1 is faster), RSS plait/spaCy (≤ 1 is no higher).",
    ]
    if task != "parse":
        lines += ["", *_per_type_table(task, runs, names, has_own)]
    load_run = next((r.get("load") for r in _ok(runs.get("plait/same", [])) if r.get("load")), None)
    if load_run and "error" not in load_run:
        lines += ["", f"Checked separately: plain `plait.load()` with no `plait.require_cpu()` runs with "
                      f"{str(load_run.get('ops', '')).split('model ops ')[-1]} "
                      f"({load_run.get('infer_wps', 0):,.0f} words/s inference)."]
    lines += _cli_lines(result)
    lines += ["", "Targets (issue 10):", "", *_targets(task, runs)]
    if result.get("config_error"):
        lines += ["", f"plait could not take part: {result['config_error']}"]
    elif result["diffs"]:
        lines += ["", "Differences between the two `init config --optimize efficiency` outputs (plait's own "
                      "vs spaCy's; comparison A trains each tool's own, B and C spaCy's `[components]` on "
                      "both sides):", ""]
        lines += [f"- {d}" for d in result["diffs"]]
    else:
        lines += ["", "The two `init config --optimize efficiency` outputs define the same components and "
                      "training settings (checked by the script), so plait's own config is the same network "
                      "and A = B."]
    return "\n".join(lines) + "\n"


def _per_type_table(task: str, runs: dict[str, list[dict[str, Any]]], names: list[str], has_own: bool) -> list[str]:
    labels = sorted({lab for n in names for r in _ok(runs[n]) for lab in r.get("test_ents_per_type", {})})
    if not labels:
        return []
    rows = ["Test F per entity type (mean over seeds):", "",
            "| run | " + " | ".join(labels) + " |", "|" + " --- |" * (1 + len(labels))]
    for name in names:
        vals = [_per_type(runs[name], "test", lab) for lab in labels]
        rows.append(f"| {_run_label(name, runs[name], has_own)} | "
                    + " | ".join("–" if v is None else f"{v:.2f}" for v in vals) + " |")
    return rows


def _cli_lines(result: dict[str, Any]) -> list[str]:
    cli = result.get("cli") or {}
    if not cli:
        return []

    def show(r: dict[str, Any]) -> str:
        return f"{r['process_wall_s']:.1f} s" if "process_wall_s" in r else f"failed ({r.get('error', '?')})"

    p, s = cli.get("plait", {}), cli.get("spacy", {})
    ratio = (f", spaCy/plait {s['process_wall_s'] / p['process_wall_s']:.2f}x"
             if "process_wall_s" in p and "process_wall_s" in s else "")
    return ["", f"As a user runs it (A, seed {result['seeds'][0]}): `plait train` {show(p)}, `spacy train` "
                f"{show(s)}{ratio} — each tool's own config and batcher, `--training.max_steps "
                f"{result['steps']}`, `--training.eval_frequency {result['steps']}` (dev scored at step 0 and "
                f"at the end), whole process wall time, the same DocBin documents."]
