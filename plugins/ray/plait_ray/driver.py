"""``ray_train``: the function under ``plait ray train``.

It checks the arguments, connects to Ray (or starts a local instance and
shuts it down at the end), creates one actor per worker with
``max_restarts`` so Ray restarts a worker whose process died, prints rank
0's training log as it comes, with a line of per-worker and total words/s
after each evaluation, and restarts the training call of a worker Ray
brought back (it rejoins with the current parameters). The run ends when
rank 0's loop ends; the others are then stopped.
"""

from __future__ import annotations

import logging
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from plait import errors
from plait.errors import UsageError

from .worker import STORE_BYTES, RunSpec, Worker

POLL_SECONDS = 0.5
# The async periods when --broadcast-every / --send-every are left out: owners
# broadcast, and workers send the summed gradients of parameters they do not
# own, every FEW_WORKERS_PERIOD steps with up to FEW_WORKERS workers (equal
# periods: a step's gradients and parameters travel in one call), every step
# with more. Measured in bench/ray.py (docs/distributed-training.md): with two
# workers sharing one machine, 4 against 1 took two workers from 1.34x to
# 1.68x plait train's words/s of training steps at the same accuracy, but the
# staleness it adds grows with the worker count: in the simulated runs rank
# 0's tag_acc after 40 ticks was 0.761 / 0.678 at 4 / 8 workers with 4,
# against 0.818 / 0.821 with 1 (0.809 against 0.813 at 2).
FEW_WORKERS = 2
FEW_WORKERS_PERIOD = 4
# A local instance passes actor-call arguments up to this size inside the
# call itself, worker to worker, and larger ones through the object store
# (Ray's default: 100 KB): see worker.STORE_BYTES for the measurements.
INLINE_BYTES = STORE_BYTES


@dataclass
class RaySettings:
    """The Ray-specific options of ``plait ray train``."""

    n_workers: int = 1
    address: str | None = None
    strategy: str = "async"
    max_staleness: int = 2
    # None: default_period(n_workers, strategy).
    broadcast_every: int | None = None
    # None: default_period(n_workers, strategy).
    send_every: int | None = None
    threads_per_worker: int = 1
    max_restarts: int = 3
    verbose: bool = False


def _check_reachable(address: str) -> None:
    """Fail fast, with a clear message, on an address nothing listens on
    (Ray's own client retries for a long time first)."""
    if address == "auto" or address.startswith("local"):
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(
            f"--address {address!r}: expected 'auto', 'ray://HOST:PORT' or 'HOST:PORT' "
            f"(the Ray head's client port, 10001 by default, or its GCS port, 6379)."
        )
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            pass
    except OSError as err:
        raise UsageError(
            f"--address {address!r}: cannot reach a Ray cluster there ({err}). Check that the "
            f"head node runs (`ray start --head` prints its address) and the port is open, or "
            f"leave out --address to train on a local Ray instance."
        ) from None


def _connect(settings: RaySettings) -> bool:
    """Join the cluster or start a local instance. RETURNS (bool): we started it."""
    import ray

    if ray.is_initialized():  # a notebook's or a test's own Ray: use it, leave it running
        return False
    level = logging.INFO if settings.verbose else logging.ERROR
    if settings.address:
        try:
            ray.init(address=settings.address, log_to_driver=settings.verbose, logging_level=level)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise UsageError(
                f"--address {settings.address!r}: could not connect to Ray ({err}). Start a cluster "
                f"with `ray start --head`, pass its address, or leave out --address to train on a "
                f"local Ray instance."
            ) from None
        return False
    ray.init(num_cpus=settings.n_workers * settings.threads_per_worker, include_dashboard=False,
             log_to_driver=settings.verbose, logging_level=level,
             _system_config={"max_direct_call_object_size": INLINE_BYTES,
                             "task_rpc_inlined_bytes_limit": 4 * INLINE_BYTES})
    return True


def _raise_worker_error(error: tuple[str, str]) -> None:
    name, message = error
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.PlaitError)):
        cls = errors.PlaitError
    raise cls(message)


def check_config(config: Any, code_paths: list[Path]) -> None:
    """Check the whole config here, before Ray starts, as ``plait train`` does
    before it reads anything: a bad value or a misspelt registered name then
    fails in seconds with the kernel's located message, not after every
    worker has started and built a pipeline.

    config (Config): the config as loaded (overrides applied, not interpolated).
    code_paths (list[Path]): --code files; imported here first so the
        functions they register are known.
    """
    from plait.config import import_code, validate_config
    from plait.errors import ConfigError

    import_code(code_paths)
    if not config.get("training"):
        raise ConfigError("the config has no [training] section; `plait ray train` needs one.")
    validate_config(config, source=getattr(config, "source", "config"))


def _spec(config_path: str | Path | None, output_path: Path | None, settings: RaySettings,
          overrides: dict[str, Any], code_paths: list[str], use_gpu: int, resume: bool) -> RunSpec:
    from plait.config import load_config

    code = []
    for raw in code_paths:
        path = Path(raw)
        if not path.is_file() or path.suffix != ".py":
            raise UsageError(f"--code file '{path}' not found (or not a .py file).")
        code.append((path.name, path.read_text(encoding="utf8")))
    text = None
    if not resume:
        if config_path is None:
            raise UsageError("plait ray train needs a config file (or --resume OUT to continue a run).")
        config = load_config(config_path, overrides, interpolate=False)
        check_config(config, [Path(p) for p in code_paths])
        # The config travels as text: on a cluster the file is only on this machine.
        text = config.to_str()
    return RunSpec(config_text=text, output_path=str(output_path) if output_path else None,
                   resume=resume, n_workers=settings.n_workers, code=code, use_gpu=use_gpu,
                   strategy=settings.strategy, max_staleness=settings.max_staleness,
                   broadcast_every=resolve_broadcast_every(settings), send_every=resolve_send_every(settings))


def default_period(n_workers: int, strategy: str) -> int:
    """The broadcast and gradient-sending period of a run that does not set them.

    n_workers (int): the number of workers.
    strategy (str): "async" or "sync".
    RETURNS (int): FEW_WORKERS_PERIOD for async with up to FEW_WORKERS workers, else 1.
    """
    return FEW_WORKERS_PERIOD if strategy == "async" and n_workers <= FEW_WORKERS else 1


def resolve_broadcast_every(settings: RaySettings) -> int:
    """The broadcast period a run uses: the option, or ``default_period``.

    settings (RaySettings): the options.
    RETURNS (int): steps between an owner's broadcasts.
    """
    return _resolve_period(settings.broadcast_every, "--broadcast-every", settings,
                           "a sync step ends with every worker holding the new parameters")


def resolve_send_every(settings: RaySettings) -> int:
    """The gradient-sending period a run uses: the option, or ``default_period``.

    settings (RaySettings): the options.
    RETURNS (int): steps whose gradients for other owners are summed into one message.
    """
    return _resolve_period(settings.send_every, "--send-every", settings,
                           "a sync step sums every worker's gradients of that step")


def _resolve_period(every: int | None, option: str, settings: RaySettings, sync_reason: str) -> int:
    """A period option (steps): None -> ``default_period``; checked against the strategy."""
    strategy = settings.strategy
    if every is None:
        return default_period(settings.n_workers, strategy)
    if every < 1:
        raise UsageError(f"{option} must be at least 1, got {every}.")
    if strategy == "sync" and every != 1:
        raise UsageError(f"{option} {every} needs --strategy async: {sync_reason} "
                         f"(leave the option out, or use 1).")
    return every


def ray_train(
    config_path: str | Path | None,
    output_path: str | Path | None,
    settings: RaySettings,
    *,
    overrides: dict[str, Any] | None = None,
    code_paths: list[str] | None = None,
    use_gpu: int = -1,
    resume: bool = False,
    force: bool = False,
    stdout: IO = sys.stdout,
    stderr: IO = sys.stderr,
) -> dict[str, Any]:
    """Train a pipeline on `settings.n_workers` Ray workers; save like `plait train`.

    config_path (str | Path | None): the config ("-" for stdin); with `resume`,
        may be None or the output folder.
    output_path (str | Path | None): the output folder; None saves nothing.
    settings (RaySettings): workers, address, strategy...
    overrides (dict[str, Any]): dotted config overrides.
    code_paths (list[str]): --code files, imported by every worker.
    use_gpu (int): GPU id for every worker, -1 for the CPU.
    resume (bool): continue the interrupted run saved in `output_path`.
    force (bool): start a new run in `output_path` although it holds an
        unfinished run's checkpoint (refused otherwise).
    stdout (IO), stderr (IO): where the log goes.
    RETURNS (dict): "workers" (each worker's statistics), "restarts", "seconds",
        "model_last" (path or None).
    """
    from plait.training import checkpoint as ckpt
    from plait.training import recover_output, refuse_unfinished_run, resume_paths

    if settings.n_workers < 1:
        raise UsageError(f"--n-workers must be at least 1, got {settings.n_workers}.")
    if settings.address:
        _check_reachable(settings.address)
    overrides = dict(overrides or {})
    if resume:
        output_path, config_path = resume_paths(config_path, output_path, overrides)
        recover_output(output_path, stdout)
        _, state = ckpt.load_checkpoint(Path(output_path))
        if state["loop"].get("finished"):
            stdout.write(f"The run in {output_path} has already finished; nothing to resume.\n")
            return {"workers": [], "restarts": 0, "seconds": 0.0,
                    "model_last": str(Path(output_path) / "model-last")}
    out = Path(output_path) if output_path is not None else None
    if out is not None and not resume:
        # As plait train: repair a killed run's saves, and never start over an
        # unfinished run unless forced (its checkpoint is replaced by this
        # run's first one).
        recover_output(out, stdout)
        refuse_unfinished_run(out, force, stdout)
    spec = _spec(config_path, out, settings, overrides, list(code_paths or []), use_gpu, resume)
    import ray

    started_here = _connect(settings)
    try:
        return _drive(ray, spec, settings, out, stdout)
    finally:
        if started_here:
            ray.shutdown()


def _drive(ray: Any, spec: RunSpec, settings: RaySettings, out: Path | None, stdout: IO) -> dict[str, Any]:
    n = settings.n_workers
    threads = str(settings.threads_per_worker)
    env = {"OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    resources = ray.cluster_resources()
    gpus_per_worker = 0.0
    if spec.use_gpu >= 0:
        gpus = float(resources.get("GPU", 0))
        if gpus <= 0:
            raise UsageError(f"--gpu-id {spec.use_gpu}: the Ray cluster has no GPU. Leave out --gpu-id "
                             f"to train on CPUs, or start Ray on a machine with one.")
        # Workers share the GPUs when there are fewer than workers (Ray makes
        # each worker's share its device 0).
        gpus_per_worker = min(1.0, gpus / n)
    if float(resources.get("CPU", 0)) < n * settings.threads_per_worker:
        stdout.write(f"Ray: the cluster has {resources.get('CPU', 0):g} CPUs for {n} worker(s) of "
                     f"{settings.threads_per_worker} thread(s); workers wait until CPUs are free.\n")
    actor_cls = ray.remote(Worker)
    options = {"num_cpus": settings.threads_per_worker, "num_gpus": gpus_per_worker,
               "max_restarts": settings.max_restarts, "max_concurrency": 8,
               "runtime_env": {"env_vars": env}}
    # Named so a user (or a test) can find a worker: `ray.util.list_named_actors()`.
    run_id = uuid.uuid4().hex[:8]
    actors = [actor_cls.options(name=f"plait-ray-{run_id}-w{rank}", **options).remote(rank, spec)
              for rank in range(n)]
    began = time.monotonic()
    try:
        infos = ray.get([a.setup.remote(actors) for a in actors])
        for info in infos:
            if "error" in info:
                _raise_worker_error(info["error"])
        every = (f", gradients sent every {spec.send_every} and parameters broadcast every "
                 f"{spec.broadcast_every} step(s)" if spec.strategy == "async" else "")
        stdout.write(f"Ray: {n} worker(s), strategy {spec.strategy}{every}, "
                     f"{settings.threads_per_worker} thread(s) each\n")
        stdout.write(f"Pipeline: {infos[0]['pipeline']}\n")
        stdout.write(f"Initial learn rate: {infos[0]['learn_rate']}\n")
        if spec.resume:
            stdout.write(f"Resuming the run in {out} at step {infos[0]['step']}\n")
        stdout.flush()
        runs = {rank: actor.run.remote() for rank, actor in enumerate(actors)}
        restarts = 0
        result0: dict[str, Any] | None = None
        while result0 is None:
            ready, _ = ray.wait(list(runs.values()), num_returns=1, timeout=POLL_SECONDS)
            _print_log(ray, actors, stdout, n)
            for ref in ready:
                rank = next(r for r, v in runs.items() if v == ref)
                try:
                    value = ray.get(ref)
                except ray.exceptions.RayActorError as err:
                    restarts += 1
                    if restarts > settings.max_restarts * n:
                        raise errors.PlaitError(f"Ray worker {rank} died and could not be restarted: {err}") from None
                    stdout.write(f"Ray: worker {rank} died; Ray restarts it and it rejoins with the "
                                 f"current parameters.\n")
                    stdout.flush()
                    others = [a for r, a in enumerate(actors) if r != rank]
                    # Its parameters are trained by the others meanwhile.
                    _tell(ray, [a.set_down.remote(rank, True) for a in others])
                    info = _when_back(ray, lambda a=actors[rank]: ray.get(a.setup.remote(actors)))
                    if "error" in info:
                        _raise_worker_error(info["error"])
                    _tell(ray, [a.set_down.remote(rank, False) for a in others])
                    runs[rank] = actors[rank].run.remote(rejoin=True)
                    continue
                except ray.exceptions.RayTaskError as err:
                    cause = getattr(err, "cause", None)
                    if isinstance(cause, errors.PlaitError):
                        raise cause from None
                    raise
                if rank == 0:
                    result0 = value
                    del runs[rank]
        for actor in actors[1:]:
            actor.stop.remote()
        stats = [result0]
        for rank in sorted(runs):
            try:
                stats.append(ray.get(runs[rank], timeout=120))
            except Exception:  # a worker lost at the very end: its numbers are missing
                stats.append({"rank": rank, "words": 0})
        _print_log(ray, actors, stdout, n, final=True)
    finally:
        for actor in actors:
            ray.kill(actor, no_restart=True)
    for key, what in (("wps", "words/s"), ("train_wps", "words/s of training steps (evaluation and saving excluded)"),
                      ("cpu_wps", "words per CPU second"),
                      ("cpu_train_wps", "words per CPU second of training steps")):
        total = sum(s.get(key, 0.0) for s in stats)
        per = ", ".join(f"w{s['rank']} {s.get(key, 0.0):.0f}" for s in stats)
        stdout.write(f"Ray: {what} per worker {per}; total {total:.0f}\n")
    for s in stats:
        split = s.get("step_split") or {}
        if split:
            stdout.write(f"Ray: w{s['rank']} training step {split['step_ms']:.1f} ms = training thread on a core "
                         f"{split['compute_ms']:.1f} + waiting for a core {split['runqueue_ms']:.1f} + blocked "
                         f"{split['blocked_ms']:.1f}; the other threads' CPU {split['others_cpu_ms']:.1f} ms; "
                         f"the exchange (optimizer included) took "
                         f"{1e3 * s.get('exchange_cpu', 0.0) / max(1, s.get('steps', 0)):.1f} ms of the training "
                         f"thread's CPU per step\n")
    applied = sum(s.get("grads_applied", 0) for s in stats)
    dropped = sum(s.get("grads_dropped", 0) for s in stats)
    if n > 1:
        ages: dict[int, int] = {}
        for s in stats:
            for age, count in (s.get("staleness") or {}).items():
                ages[int(age)] = ages.get(int(age), 0) + int(count)
        hist = ", ".join(f"{age}: {count}" for age, count in sorted(ages.items())) or "none"
        stdout.write(f"Ray: gradients applied {applied}, dropped as stale {dropped}; staleness of the "
                     f"applied peers' gradients (versions behind: count) {hist}; restarts {restarts}\n")
        volume = ", ".join(
            f"w{s['rank']} {s.get('grad_bytes', 0) / max(1, s.get('steps', 0)) / 1e6:.2f} + "
            f"{s.get('param_bytes', 0) / max(1, s.get('steps', 0)) / 1e6:.2f}" for s in stats)
        stdout.write(f"Ray: MB sent per step (gradients + parameters) {volume}\n")
        calls = ", ".join(f"w{s['rank']} {s.get('calls', 0) / max(1, s.get('steps', 0)):.2f}" for s in stats)
        stdout.write(f"Ray: messages (actor calls) sent per step {calls}\n")
    last = out / "model-last" if out is not None else None
    if last is not None:
        stdout.write(f"Saved pipeline to output directory {last}\n")
    stdout.flush()
    return {"workers": stats, "restarts": restarts, "seconds": time.monotonic() - began,
            "model_last": str(last) if last is not None else None}


def _tell(ray: Any, refs: list[Any]) -> None:
    """Wait for notifications to be handled; a peer that is itself down misses it."""
    for ref in refs:
        try:
            ray.get(ref, timeout=60)
        except ray.exceptions.RayError:
            pass


def _when_back(ray: Any, call: Any, timeout: float = 600.0) -> Any:
    """Make `call` once the restarting actor it addresses is back."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except ray.exceptions.ActorUnavailableError:
            if time.monotonic() > deadline:
                raise
            time.sleep(POLL_SECONDS)


def _print_log(ray: Any, actors: list[Any], stdout: IO, n: int, *, final: bool = False) -> None:
    """Print what rank 0's logger wrote; after an evaluation row, add the words/s."""
    try:
        text = ray.get(actors[0].drain_log.remote(), timeout=30)
    except Exception:  # rank 0 is being restarted
        return
    if not text:
        return
    stdout.write(text)
    if not final and n > 1 and any(line[:1].isdigit() or line.strip()[:1].isdigit() for line in text.splitlines()):
        try:
            stats = ray.get([a.stats.remote() for a in actors], timeout=30)
        except Exception:
            stats = []
        if stats:
            per = ", ".join(f"w{s['rank']} {s['wps']:.0f}" for s in stats)
            stdout.write(f"  words/s: {per}; total {sum(s['wps'] for s in stats):.0f}\n")
    stdout.flush()
