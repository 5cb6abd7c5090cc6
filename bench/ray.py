"""`plait train` against `plait ray train --n-workers 1 / 2` on UD English EWT,
plus a simulated many-worker run of the sharded update.

Why it exists: issue 12 asks what Ray buys on this machine and whether the
algorithm holds past it. Part 1 trains the same config (from `plait init
config`, efficiency) three ways — plait train, ray 1 worker, ray 2 workers —
for the same number of rank-0 steps, each in a fresh process with one BLAS
thread per worker, and reports words/s per worker and in total (the rate
while training, evaluations included) and the dev score at the same wall time
(the best evaluation each run had made by the time the shortest run ended,
from the JSON lines of [training.logger]). Part 2 runs 2, 4 and 8 workers as
`ShardedOptimizer`s in one process over `plait_ray.simulate.SimHub` (messages
delivered two ticks after they are sent; each worker steps in a tick with a
probability drawn from [0.6, 1.0], so speeds differ) and measures message
volume per step and the staleness of applied gradients, and the dev tag
accuracy rank 0 reaches after the same number of ticks.

Usage (from bench/): ../.venv/bin/python ray.py [--steps 200] [--tasks tagmorph,tagparse]
    [--sim-ticks 40] [--no-readme]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
README = BENCH / "README.md"
DATA = (BENCH / ".." / ".." / "shared" / "data" / "ud-english-ewt").resolve()
PLAIT = [sys.executable, "-m", "plait"]
PIPELINES = {"tagmorph": "tagger,morphologizer", "tagparse": "tagger,parser"}
METRIC = {"tagmorph": "tag_acc", "tagparse": "dep_las"}
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SECTION = "## Ray: plait ray train (EWT)"


def _run(cmd: list[str], cwd: Path) -> tuple[str, float]:
    env = {**os.environ, **THREADS}
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-6000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return proc.stdout, wall


def _corpora(work: Path, n_train: int, n_dev: int) -> tuple[Path, Path]:
    """EWT train/dev slices (every annotation) as .plait files."""
    out = []
    for split, n in (("train", n_train), ("dev", n_dev)):
        src = DATA / f"en_ewt-ud-{split}.conllu"
        text = src.read_text(encoding="utf8").split("\n\n")
        sliced = work / f"{split}.conllu"
        sliced.write_text("\n\n".join(text[:n]).strip() + "\n\n", encoding="utf8")
        _run([*PLAIT, "convert", str(sliced), str(work)], work)
        out.append(work / f"{split}.plait")
    return out[0], out[1]


def _scores(log_file: Path, metric: str) -> list[tuple[float, float, int]]:
    rows = []
    for line in log_file.read_text(encoding="utf8").splitlines():
        rec = json.loads(line)
        rows.append((float(rec["seconds"]), float(rec["other_scores"].get(metric, 0.0)), int(rec["words"])))
    return rows


# Registered with --code in every run: plait's console logger plus the time of
# every log_step call (one per step, after the step's evaluation), so the
# rank-0 rates of plait train and plait ray train are computed the same way.
TIMING_CODE = '''
import json
import sys
import time
from pathlib import Path

import plait
from plait.training import console_logger


@plait.registry.loggers("bench.timed_console.v1")
def timed_console(timing_file: str, progress_bar: bool = False, console_output: bool = True,
                  output_file: str | None = None):
    inner = console_logger(progress_bar=progress_bar, console_output=console_output,
                           output_file=output_file)

    def setup(nlp, stdout=sys.stdout, stderr=sys.stderr):
        log_step, finalize = inner(nlp, stdout, stderr)
        calls = []

        def timed_log_step(info):
            calls.append([time.perf_counter(), time.process_time(),
                          None if info is None else [info["step"], info["words"]]])
            log_step(info)

        def timed_finalize():
            finalize()
            Path(timing_file).write_text(json.dumps(calls))

        return timed_log_step, timed_finalize

    return setup
'''


def _rates(timing_file: Path, clock: int) -> tuple[float, float]:
    """Rank 0's words/s from the timed logger: (evaluations and saves
    included, training steps only), by wall (clock 0) or CPU time (clock 1).

    The first: words between the first and the last evaluation over the time
    between them. The second: mean words per step over the mean duration of
    steps that neither evaluated nor followed an evaluation (whose save falls
    in the next step's interval).
    RETURNS (tuple[float, float]): both rates.
    """
    calls = json.loads(timing_file.read_text(encoding="utf8"))
    evals = [(c[clock], c[2]) for c in calls if c[2] is not None]
    (t0, (_, w0)), (t1, (step1, w1)) = evals[0], evals[-1]
    with_eval = (w1 - w0) / (t1 - t0) if t1 > t0 else 0.0
    evaluated = [c[2] is not None for c in calls]
    plain = [calls[k][clock] - calls[k - 1][clock] for k in range(1, len(calls))
             if not evaluated[k] and not evaluated[k - 1]]
    per_step = w1 / (step1 + 1)
    return with_eval, (per_step / (sum(plain) / len(plain)) if plain and sum(plain) > 0 else 0.0)


def _worker_rates(stdout: str, what: str) -> list[float]:
    found = re.search(rf"Ray: {re.escape(what)} per worker (.*); total (\d+)", stdout)
    return [float(p.split()[1]) for p in found.group(1).split(", ")] if found else []


def _train_runs(task: str, work: Path, steps: int, eval_frequency: int,
                which: tuple[str, ...] = ("plait", "ray1", "ray2"),
                ray_args: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    config = work / f"{task}.cfg"
    _run([*PLAIT, "init", "config", str(config), "--lang", "en", "--pipeline", PIPELINES[task]], work)
    code = work / "bench_timing.py"
    code.write_text(TIMING_CODE, encoding="utf8")
    text = config.read_text(encoding="utf8")
    assert '@loggers = "plait.ConsoleLogger.v1"' in text, "init config's logger changed"
    config.write_text(text.replace('@loggers = "plait.ConsoleLogger.v1"',
                                   '@loggers = "bench.timed_console.v1"\ntiming_file = null'), encoding="utf8")
    common = ["--paths.train", str(work / "train.plait"), "--paths.dev", str(work / "dev.plait"),
              "--training.max_steps", str(steps), "--training.eval_frequency", str(eval_frequency),
              "--training.patience", "0", "--code", str(code)]
    runs = []
    for key, name, cmd in (
        ("plait", "plait train", [*PLAIT, "train", str(config)]),
        ("ray1", "ray, 1 worker", [*PLAIT, "ray", "train", str(config), "--n-workers", "1", *ray_args]),
        ("ray2", "ray, 2 workers", [*PLAIT, "ray", "train", str(config), "--n-workers", "2", *ray_args]),
    ):
        if key not in which:
            continue
        log = work / f"{task}-{name.replace(' ', '_').replace(',', '')}.jsonl"
        timing = log.with_suffix(".timing.json")
        out = work / f"out-{task}-{len(runs)}"
        stdout, wall = _run([*cmd, "--output", str(out), *common, "--training.logger.output_file", str(log),
                             "--training.logger.timing_file", str(timing)], work)
        rows = _scores(log, METRIC[task])
        rank0, rank0_cpu = _rates(timing, 0), _rates(timing, 1)
        # Rank 0 from the timed logger in every run; the other workers (which
        # neither evaluate nor save) from their own counts.
        with_eval = [rank0[0], *_worker_rates(stdout, "words/s")[1:]]
        train_only = [rank0[1], *_worker_rates(
            stdout, "words/s of training steps (evaluation and saving excluded)")[1:]]
        cpu_eval = [rank0_cpu[0], *_worker_rates(stdout, "words per CPU second")[1:]]
        cpu_steps = [rank0_cpu[1], *_worker_rates(stdout, "words per CPU second of training steps")[1:]]
        stale = re.search(r"gradients applied (\d+), dropped as stale (\d+)", stdout)
        ages = re.search(r"\(versions behind: count\) (.*); restarts", stdout)
        runs.append({"name": name, "rows": rows, "wall": wall, "with_eval": with_eval,
                     "train_only": train_only, "cpu_eval": cpu_eval, "cpu_steps": cpu_steps,
                     "final": rows[-1][1],
                     "staleness": ages.group(1) if ages else "—",
                     "applied": int(stale.group(1)) if stale else None,
                     "dropped": int(stale.group(2)) if stale else None})
        print(f"{task} {name}: {sum(with_eval):.0f} words/s with evaluation, {sum(train_only):.0f} of "
              f"training steps, final {METRIC[task]} {rows[-1][1]:.3f}, wall {wall:.0f}s, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        # Where each Ray worker's training step went (training thread on a
        # core / waiting for one / blocked, and Ray's other threads' CPU).
        for line in re.findall(r"^Ray: (?:w\d+ training step|MB sent per step|messages \(actor calls\)) .*$",
                               stdout, flags=re.M):
            print(f"  {line[5:]}", flush=True)
    horizon = min(r["rows"][-1][0] for r in runs)
    for run in runs:
        run["at_horizon"] = max((s for t, s, _ in run["rows"] if t <= horizon), default=0.0)
        run["horizon"] = horizon
    return runs


def _simulate(train: Path, dev: Path, n_workers: int, ticks: int, latency: int, seed: int = 0,
              broadcast_every: int = 1, send_every: int = 1) -> dict[str, Any]:
    """n workers in one process over SimHub; RETURNS volume, staleness, accuracy."""
    from plait.config import load_config_from_str
    from plait.training import loop
    from plait.training.initialize import initialize_pipeline, read_examples
    from plait_ray.sharding import ShardedOptimizer
    from plait_ray.simulate import SimHub

    cfg = (BENCH / "_ray_sim.cfg").read_text(encoding="utf8")
    hub = SimHub(latency=latency)
    workers = []
    for rank in range(n_workers):
        config = load_config_from_str(cfg, {"paths.train": str(train), "paths.dev": str(dev)})
        init = initialize_pipeline(config)
        shard = init.train_examples[rank::n_workers]
        batches = loop.create_train_batches(init.nlp, init.train_corpus, init.training["batcher"], 0,
                                            examples=shard, shuffle_seed=rank)
        opt = ShardedOptimizer(init.optimizer, init.nlp, rank, n_workers, hub.transport(rank),
                               broadcast_every=broadcast_every, send_every=send_every)
        hub.workers[rank] = opt
        workers.append((init.nlp, opt, batches))
    dev_examples = read_examples(workers[0][0], init.dev_corpus, "corpora.dev", config, config)
    rng = random.Random(seed)
    speeds = [rng.uniform(0.6, 1.0) for _ in range(n_workers)]
    words = 0
    for _ in range(ticks):
        for rank, (nlp, opt, batches) in enumerate(workers):
            if rng.random() > speeds[rank]:
                continue
            _, batch = next(batches)
            words += sum(len(eg) for eg in batch)
            nlp.update(batch, drop=0.1, sgd=False)
            for _name, proc in nlp.pipeline:
                if getattr(proc, "is_trainable", False):
                    proc.finish_update(opt)
            opt.step_schedules()
        hub.advance()
    nlp0, opt0, _ = workers[0]
    opt0.dirty = True
    with nlp0.use_params(opt0.averages or {}):
        score = nlp0.evaluate(dev_examples)["tag_acc"]
    stats = [opt.summary() for _, opt, _ in workers]
    steps = sum(s["steps"] for s in stats)
    staleness: dict[int, int] = {}
    for s in stats:
        for age, count in s["staleness"].items():
            staleness[age] = staleness.get(age, 0) + count
    applied = sum(s["grads_applied"] for s in stats)
    remote = sum(staleness.values())
    return {"n": n_workers, "latency": latency, "steps": steps, "words": words, "tag_acc": score,
            # Actor calls: a step's gradients and broadcast to a peer are one.
            "msgs_per_step": (sum(s["calls"] for s in stats)) / max(steps, 1),
            "mb_per_step": (sum(s["grad_bytes"] + s["param_bytes"] for s in stats)) / max(steps, 1) / 1e6,
            "applied": applied, "dropped": sum(s["grads_dropped"] for s in stats),
            "mean_staleness": sum(a * c for a, c in staleness.items()) / max(remote, 1),
            "staleness": staleness}


NOTES = """What this 2-core machine can and cannot show:

- **One worker is plait train.** `ray, 1 worker` computes exactly what `plait train` computes (the same
  final score to the last digit: same batches, same seeds, the owner's update is thinc's Adam on the
  same gradient); its process wall adds Ray's start (about 15-20 s here: the local Ray instance and a
  fresh worker process). Its rank-0 words/s differing from plait train's is this shared machine's load
  moving between runs (other engineers' jobs), not Ray making training faster or slower.
- **Two workers on two cores** measure scaling only when nothing else runs (the load average at
  the start is printed above): then each worker has a core of its own and the "steps" total is
  bounded by 2x minus what the exchange costs each worker. On a busy machine two worker processes
  take a larger share of the cores from the other jobs than one process did, and the total
  overstates what two workers give; the words-per-CPU-second table is the one to read there. Rank 0
  is the slowest worker because it evaluates and saves; in async mode the others do not wait for it
  (the per-worker column), in sync mode they would.
- **Accuracy at equal wall time** compares the best evaluation each run had made by the time the
  shortest training loop ended. Two workers see about twice the data per rank-0 step; whether that is
  ahead at equal wall time depends on how fast rank 0 steps beside the other worker (see the table).
- **Past one machine (simulation).** Messages per step grow with the worker count (every S-th step
  a worker makes one call per peer, carrying the gradients that peer owns and, every B-th step, its
  own new parameters; S = B = 4 by default at 2 workers, 1 from 3 on: (N-1)/S calls per step); bytes per worker per step are
  at most 2(N-1)/N of the model (the (N-1)/N of gradients it does not own, as rows for embedding
  tables, plus its 1/N of the parameters to N-1 peers, divided by S and B): dominated by the dense
  parameter broadcast. Staleness is set by the message delay measured
  in steps: with replies inside one step (latency 1) almost every peer gradient is applied; when a
  message takes two steps most arrive two versions old and, at `--max-staleness 2`, more of them are
  dropped as N grows, and rank 0's accuracy after the same ticks falls. Raise `--max-staleness` with
  the worker count on a slow network, use `--strategy sync`, or send fewer, larger batches.
"""


def _section(runs: dict[str, list[dict[str, Any]]], sims: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [SECTION, "",
             f"`make -C bench ray` ({args.steps} rank-0 steps, eval every {args.eval_frequency}, EWT train "
             f"slice of {args.n_train} sentences, dev {args.n_dev}; one BLAS thread per worker; "
             f"load average at start {args.load}; {os.cpu_count()} cores shared with other jobs; "
             f"ray runs with their default options{' and ' + repr(args.ray_args) if args.ray_args else ''}).", ""]
    for task, task_runs in runs.items():
        metric = METRIC[task]
        horizon = task_runs[0]["horizon"]
        lines += [f"`{PIPELINES[task]}` — {metric} at the same wall time = best evaluation within "
                  f"{horizon:.0f} s of training. Words/s two ways, over the training loop only (no start-up, "
                  f"no final save): *with eval* counts rank 0's evaluations and saves (as `plait train`'s "
                  f"logger does), *steps* is the rate of training steps alone; rank 0 from the same timed "
                  f"logger in every run, other workers from their own counts:", "",
                  f"| run | words/s per worker, with eval | total, with eval | vs plait train | "
                  f"words/s per worker, steps | total, steps | vs plait train | {metric} @ {horizon:.0f}s "
                  f"| final {metric} | process wall | stale grads dropped "
                  f"| staleness of applied peer grads (versions: count) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        base_eval = sum(task_runs[0]["with_eval"]) or 1.0
        base_steps = sum(task_runs[0]["train_only"]) or 1.0
        for r in task_runs:
            per_eval = " / ".join(f"{w:.0f}" for w in r["with_eval"])
            per_steps = " / ".join(f"{w:.0f}" for w in r["train_only"])
            dropped = "—" if r["dropped"] is None else f"{r['dropped']} of {r['applied'] + r['dropped']}"
            lines.append(f"| {r['name']} | {per_eval} | {sum(r['with_eval']):.0f} | "
                         f"{sum(r['with_eval']) / base_eval:.2f}x | {per_steps} | {sum(r['train_only']):.0f} | "
                         f"{sum(r['train_only']) / base_steps:.2f}x | {r['at_horizon']:.3f} | {r['final']:.3f} | "
                         f"{r['wall']:.0f} s | {dropped} | {r['staleness']} |")
        lines += ["", "The same over CPU time (each process's, all threads, Ray's included): words per CPU "
                  "second, which the other jobs on a shared machine barely move. With every worker on a "
                  "core of its own and nobody waiting (async), a run's words/s would be its total here:", "",
                  "| run | per worker, with eval | total, with eval | vs plait train | per worker, steps | "
                  "total, steps | vs plait train |", "|---|---|---|---|---|---|---|"]
        cpu_eval0 = sum(task_runs[0]["cpu_eval"]) or 1.0
        cpu_steps0 = sum(task_runs[0]["cpu_steps"]) or 1.0
        for r in task_runs:
            lines.append(f"| {r['name']} | {' / '.join(f'{w:.0f}' for w in r['cpu_eval'])} | "
                         f"{sum(r['cpu_eval']):.0f} | {sum(r['cpu_eval']) / cpu_eval0:.2f}x | "
                         f"{' / '.join(f'{w:.0f}' for w in r['cpu_steps'])} | {sum(r['cpu_steps']):.0f} | "
                         f"{sum(r['cpu_steps']) / cpu_steps0:.2f}x |")
        lines.append("")
    if sims:
        lines += [f"Simulated many-worker run (one process, `SimHub`, {args.sim_ticks} ticks, a worker steps in "
                  "a tick with its own probability in 0.6-1.0, messages delivered `latency` ticks after they "
                  "are sent; `--max-staleness 2`, `--broadcast-every B` and `--send-every S` as in the table "
                  "(plait ray train's defaults for the worker count unless the command set them); the small "
                  "tagger of bench/_ray_sim.cfg, about 0.83 M floats = 3.3 MB):", "",
                  "| workers | B / S | latency (ticks) | steps | messages/step | MB/step | grads applied (own + "
                  "peers') | peers' dropped (stale) | mean staleness | staleness histogram | rank-0 tag_acc |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for s in sims:
            hist = ", ".join(f"{a}: {c}" for a, c in sorted(s["staleness"].items()))
            lines.append(f"| {s['n']} | {s['periods'][0]} / {s['periods'][1]} | {s['latency']} | {s['steps']} | "
                         f"{s['msgs_per_step']:.1f} | "
                         f"{s['mb_per_step']:.2f} | "
                         f"{s['applied']} | {s['dropped']} | {s['mean_staleness']:.2f} | {hist} | "
                         f"{s['tag_acc']:.3f} |")
        lines.append("")
    return "\n".join(lines) + "\n" + NOTES


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
    parser.add_argument("--steps", type=int, default=300, help="rank-0 steps per run")
    parser.add_argument("--eval-frequency", type=int, default=50)
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--n-dev", type=int, default=500)
    parser.add_argument("--tasks", default="tagmorph,tagparse", help="tagmorph, tagparse, or none")
    parser.add_argument("--sim-workers", default="2,4,8")
    parser.add_argument("--sim-ticks", type=int, default=40)
    parser.add_argument("--sim-latency", default="1,2", help="message delays (ticks) to simulate")
    parser.add_argument("--sim-broadcast-every", type=int, default=None,
                        help="simulated owners broadcast every this many steps (default: plait ray train's "
                             "for the worker count)")
    parser.add_argument("--sim-send-every", type=int, default=None,
                        help="simulated workers send gradients every this many steps (default: plait ray "
                             "train's for the worker count)")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--runs", default="plait,ray1,ray2",
                        help="which training runs: plait, ray1, ray2 (a subset to re-measure one)")
    parser.add_argument("--ray-args", default="",
                        help="extra options of the ray runs, e.g. '--broadcast-every 1'")
    args = parser.parse_args()
    args.load = f"{os.getloadavg()[0]:.1f}"
    with tempfile.TemporaryDirectory(prefix="plait-bench-ray-") as tmp:
        work = Path(tmp)
        train, dev = _corpora(work, args.n_train, args.n_dev)
        runs = {}
        for task in [t for t in args.tasks.split(",") if t in PIPELINES]:
            runs[task] = _train_runs(task, work, args.steps, args.eval_frequency,
                                     tuple(args.runs.split(",")), tuple(shlex.split(args.ray_args)))
        sims = []
        pairs = [(int(lat), int(n)) for lat in args.sim_latency.split(",") if lat
                 for n in args.sim_workers.split(",") if n]
        from plait_ray.driver import default_period

        for latency, n in pairs:
            period = default_period(n, "async")
            broadcast_every = args.sim_broadcast_every or period
            send_every = args.sim_send_every or period
            sims.append({**_simulate(train, dev, n, args.sim_ticks, latency, broadcast_every=broadcast_every,
                                     send_every=send_every), "periods": (broadcast_every, send_every)})
            print(f"sim {n} workers, latency {latency}: {sims[-1]}", flush=True)
    body = _section(runs, sims, args)
    print(body)
    if not args.no_readme:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
