"""One training worker: a Ray actor holding a pipeline, a data shard and a
``ShardedOptimizer``.

Every worker builds the pipeline from the config (or from the run's latest
checkpoint when resuming, or when Ray restarted it after its process died),
takes the batches of its shard — Examples ``rank, rank + n, ...`` of the
train corpus — and runs plait's own training loop with the sharded optimizer
in place of thinc's. Rank 0 runs ``plait.training.loop.train``, the very
driver behind ``plait train``: it evaluates every ``eval_frequency`` steps,
logs through ``[training.logger]`` and writes model-best, model-last and the
resumable checkpoint the same way. The other ranks run
``train_while_improving`` without evaluating, then keep serving the
parameters they own until the driver stops them.

This module does not import Ray at module level; the driver wraps ``Worker``
with ``ray.remote``. The actor is threaded: the training loop runs in one
thread while peers' messages (gradients, parameters, state requests) are
handled in others.
"""

from __future__ import annotations

import itertools
import os
import queue
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from timeit import default_timer as timer
from typing import IO, Any, cast

import numpy

from .messages import pack_params, unpack_params
from .sharding import ParamKey, Payload, ShardedOptimizer


@dataclass
class RunSpec:
    """What every worker needs to build the same pipeline.

    config_text (Optional[str]): the config with overrides applied (None on resume).
    output_path (Optional[str]): the run's output folder (rank 0 writes there).
    resume (bool): build from the latest checkpoint in `output_path`.
    n_workers (int): the number of workers.
    code (list[tuple[str, str]]): (file name, source) of --code files.
    use_gpu (int): GPU id or -1.
    strategy (str): "async" or "sync".
    max_staleness (int): see ShardedOptimizer.
    broadcast_every (int): see ShardedOptimizer.
    send_every (int): see ShardedOptimizer.
    """

    config_text: str | None
    output_path: str | None
    resume: bool
    n_workers: int
    code: list[tuple[str, str]] = field(default_factory=list)
    use_gpu: int = -1
    strategy: str = "async"
    max_staleness: int = 2
    broadcast_every: int = 1
    send_every: int = 1


class LogBuffer:
    """A text stream the logger writes to; the driver drains and prints it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def drain(self) -> str:
        with self.lock:
            text, self.parts = "".join(self.parts), []
        return text


# Messages (actor-call arguments) larger than this go through Ray's object
# store; smaller ones travel inside the call (the driver sets Ray's
# max_direct_call_object_size to it). Measured on 2 cores with Ray 2.60, CPU
# per call (sender + receiver + raylet): 1 MB inline 3.4 + 2.2 + 0.2 ms,
# stored 2.8 + 1.6 + 1.8; 4 MB inline 8.4-13.3 + 5.8-8.8 + 0.4, stored
# 4.3 + 1.7-1.9 + 2.1 (docs/distributed-training.md): the inline path costs
# about 2-3 ms per MB per side, the store a fixed ~2 ms of the raylet.
STORE_BYTES = 1 << 20


class _Shared:
    """A payload posted to several peers (or a large one): the sender thread
    stores it once with ``ray.put`` and every call passes the reference,
    which Ray resolves before the peer's method runs (a zero-copy view)."""

    def __init__(self, value: Any, nbytes: int, readers: int) -> None:
        self.value = value
        self.nbytes = nbytes
        self.readers = readers
        self.ref: Any = None

    def resolve(self) -> Any:
        if self.ref is None:
            import ray

            self.ref = ray.put(self.value) if self.readers > 1 or self.nbytes > STORE_BYTES else self.value
            self.value = None
        return self.ref


class RayTransport:
    """Messages to peers as Ray actor calls whose results are checked later.

    The calls are submitted by a sender thread, so the training thread only
    queues them: Ray's submission (serializing a message and storing it in
    the object store, a round trip to the local raylet) overlaps the next
    step's compute instead of blocking it. One thread sends in order, so a
    peer receives a worker's messages in the order they were posted.
    """

    def __init__(self, rank: int, max_in_flight: int = 64, check_every: int = 16) -> None:
        self.rank = rank
        self.peers: list[Any] = []
        self.pending: list[Any] = []
        self.max_in_flight = max_in_flight
        # Finished sends are collected once this many are pending: one
        # ray.wait and one ray.get for many calls instead of one per step.
        self.check_every = check_every
        self.failed = 0
        self.sent = 0
        self.outbox: queue.SimpleQueue[tuple[str, int, tuple[Any, ...]] | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.sender: threading.Thread | None = None

    def _post(self, method: str, peer: int, *args: Any) -> None:
        if self.sender is None:
            self.sender = threading.Thread(target=self._send_loop, name="plait-ray-sender", daemon=True)
            self.sender.start()
        self.outbox.put((method, peer, args))

    def _send_loop(self) -> None:
        while True:
            item = self.outbox.get()
            if item is None:
                return
            method, peer, args = item
            try:
                args = tuple(a.resolve() if isinstance(a, _Shared) else a for a in args)
                ref = getattr(self.peers[peer], method).remote(self.rank, *args)
            except Exception:  # a peer whose actor is gone for good: counted, not fatal
                self.failed += 1
                continue
            with self.lock:
                self.pending.append(ref)
                self.sent += 1

    def send(self, messages: dict[int, tuple[Payload | None, Payload | None]]) -> None:
        """Post one call per peer carrying its gradients and the parameters.

        The gradient arrays are this step's own (see ShardedOptimizer):
        nothing writes them after they are posted. The parameters are live
        arrays: they are copied here, in the training thread, once for all
        peers, into one buffer (``pack_params``), before the optimizer
        updates them in place again. That copy is stored once for all peers
        when there are several or it is large (see STORE_BYTES).
        """
        if len(messages) == 1:
            # One peer (two workers): the whole message is one object, one
            # store round trip instead of two when it is large.
            ((peer, (grads, params)),) = messages.items()
            if grads is not None and params is not None:
                packed = pack_params(params)
                nbytes = _nbytes(packed) + sum(_nbytes(g) for _, g in grads.values())
                self._post("receive_message", peer, _Shared((grads, packed), nbytes, 1))
                return
        shared: _Shared | None = None
        for peer, (grads, params) in sorted(messages.items()):
            if params is not None and shared is None:
                packed = pack_params(params)
                shared = _Shared(packed, _nbytes(packed), sum(p is not None for _, p in messages.values()))
            self._post("receive", peer, grads, shared if params is not None else None)

    def announce_retired(self) -> None:
        for rank in range(len(self.peers)):
            if rank != self.rank:
                self._post("retire", rank)

    def fetch_state(self, peer: int, keys: list[ParamKey] | None, optimizer_state: bool) -> dict[str, Any]:
        import ray

        return ray.get(self.peers[peer].state.remote(keys, optimizer_state), timeout=120)

    def poll(self) -> None:
        """Collect finished sends (a peer that died fails them: counted, not
        fatal) once `check_every` are pending and, past `max_in_flight`
        (queued or submitted), wait a little for the oldest."""
        import ray

        deadline = time.monotonic() + 10
        while self.outbox.qsize() > self.max_in_flight and time.monotonic() < deadline:
            time.sleep(0.001)  # the sender is behind: let it catch up
        with self.lock:
            if len(self.pending) < self.check_every:
                return
            pending, self.pending = self.pending, []
        ready, pending = ray.wait(pending, num_returns=len(pending), timeout=0)
        if len(pending) > self.max_in_flight:
            more, pending = ray.wait(pending, num_returns=len(pending) - self.max_in_flight, timeout=10)
            ready += more
            # Sends to a peer that is being restarted may hang: stop tracking them.
            del pending[: max(0, len(pending) - self.max_in_flight)]
        with self.lock:
            self.pending[:0] = pending
        try:
            ray.get(ready)
        except Exception:  # one at least failed: count them one by one
            for ref in ready:
                try:
                    ray.get(ref)
                except Exception:
                    self.failed += 1

    def close(self) -> None:
        """Stop the sender thread (messages still queued are dropped)."""
        if self.sender is not None:
            self.outbox.put(None)


def _nbytes(value: Any) -> int:
    """Bytes of the arrays in a (nested) message part."""
    if isinstance(value, numpy.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return 0


def _thread_clocks() -> tuple[float, float]:
    """The calling thread's CPU seconds, and the seconds it spent runnable but
    waiting for a core (Linux's schedstat; 0.0 where that is missing)."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as f:
            wait = int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        wait = 0.0
    return time.thread_time(), wait


def _step_split(wall: list[float], process: list[float], thread: list[tuple[float, float]],
                evaluates: list[bool]) -> dict[str, float]:
    """Where the mean training step's wall time went, in milliseconds: the
    training thread on a core ("compute_ms"), runnable but waiting for a core
    ("runqueue_ms": other processes, or this process's other threads, had
    them), or blocked (a lock, the GIL, a Ray call: "blocked_ms"); and the
    CPU time of the process's other threads (Ray's, the sender) meanwhile
    ("others_cpu_ms"). Steps that evaluated or saved are left out.

    wall (list[float]), process (list[float]): wall and process CPU seconds
        when each batch was taken.
    thread (list[tuple[float, float]]): ``_thread_clocks()`` then.
    evaluates (list[bool]): whether each step evaluated.
    RETURNS (dict[str, float]): "step_ms" and its split (empty without a plain step).
    """
    keep = [k for k in range(len(wall) - 1) if not evaluates[k]]
    if not keep:
        return {}
    n = len(keep)
    step = sum(wall[k + 1] - wall[k] for k in keep) / n
    compute = sum(thread[k + 1][0] - thread[k][0] for k in keep) / n
    runqueue = sum(thread[k + 1][1] - thread[k][1] for k in keep) / n
    cpu = sum(process[k + 1] - process[k] for k in keep) / n
    return {"step_ms": step * 1e3, "compute_ms": compute * 1e3, "runqueue_ms": runqueue * 1e3,
            "blocked_ms": max(0.0, step - compute - runqueue) * 1e3, "others_cpu_ms": (cpu - compute) * 1e3}


def _import_code(code: list[tuple[str, str]]) -> None:
    if not code:
        return
    from plait.config import import_code

    folder = Path(tempfile.mkdtemp(prefix="plait-ray-code-"))
    paths = []
    for name, source in code:
        path = folder / name
        path.write_text(source, encoding="utf8")
        paths.append(path)
    import_code(paths)


class Worker:
    """A training worker (wrapped with ``ray.remote`` by the driver).

    rank (int): the worker's index; 0 evaluates and saves.
    spec (RunSpec): the run.
    """

    def __init__(self, rank: int, spec: RunSpec) -> None:
        self.rank = rank
        self.spec = spec
        self.log = LogBuffer()
        self.stop_event = threading.Event()
        self.error: tuple[str, str] | None = None
        self.words = 0
        self.steps = 0
        # When each batch was taken and its words: the loop's rates (see stats()).
        self.pulls: list[float] = []
        self.pull_cpu: list[float] = []  # process CPU seconds (all threads), load-independent
        # The training thread's own clocks: where a step's wall time goes.
        self.pull_thread: list[tuple[float, float]] = []
        self.pull_words: list[int] = []
        self.pull_evaluates: list[bool] = []
        self.started: float | None = None
        self.ended: float | None = None
        self.transport = RayTransport(rank)
        self.restarted = False
        try:
            import ray

            self.restarted = bool(ray.get_runtime_context().was_current_actor_reconstructed)
        except Exception:
            pass
        try:
            self._build()
        except Exception as err:  # reported by setup(): the driver raises it as a plait error
            from plait.errors import PlaitError

            if not isinstance(err, PlaitError):
                raise
            self.error = (type(err).__name__, str(err))

    # -- building -------------------------------------------------------------

    def _build(self) -> None:
        from plait.training import checkpoint as ckpt
        from plait.training.initialize import (
            initialize_pipeline,
            read_examples,
            resolve_corpus,
            resolve_training,
        )

        spec = self.spec
        if spec.use_gpu >= 0:
            # Ray shows a worker only its assigned GPU (CUDA_VISIBLE_DEVICES): device 0.
            spec.use_gpu = 0
        _import_code(spec.code)
        out = Path(spec.output_path) if spec.output_path else None
        # A restarted rank 0 continues from its last checkpoint (its loop state
        # and optimizer moments; the parameters then come from the peers); a
        # restarted other rank builds afresh, as rank 0 may be rewriting it.
        from_checkpoint = spec.resume or (
            self.restarted and out is not None and (self.rank == 0 or spec.config_text is None)
            and (ckpt.checkpoint_root(out) / ckpt.LATEST).exists())
        self.loop_state: dict[str, Any] | None = None
        if from_checkpoint:

            assert out is not None
            nlp, state, config, interpolated = self._load_checkpoint(out)
            T = resolve_training(interpolated)
            train_corpus = resolve_corpus(interpolated, "train_corpus", T["train_corpus"], nlp.config)
            dev_corpus = resolve_corpus(interpolated, "dev_corpus", T["dev_corpus"], nlp.config)
            train_examples = None
            if T["max_epochs"] >= 0:
                train_examples = read_examples(nlp, train_corpus, T["train_corpus"], config, interpolated)
            optimizer = T["optimizer"]
            self.loop_state = dict(state["loop"])
            ckpt.optimizer_from_msg(nlp, optimizer, state["optimizer"],
                                    schedule_steps=int(self.loop_state["step"]))
            self.loop_state["rng"] = state["rng"]
        else:
            from plait.config import load_config_from_str

            assert spec.config_text is not None
            config = load_config_from_str(spec.config_text, source="config.cfg")
            init = initialize_pipeline(config, use_gpu=spec.use_gpu)
            nlp, T, train_corpus, dev_corpus = init.nlp, init.training, init.train_corpus, init.dev_corpus
            train_examples, optimizer = init.train_examples, init.optimizer
            interpolated = nlp.config.interpolate()
        self.nlp, self.T, self.optimizer = nlp, dict(T), optimizer
        n, rank = spec.n_workers, self.rank
        # This worker's shard: every n-th Example, starting at its rank.
        self.train_examples = train_examples[rank::n] if train_examples is not None else None

        def shard_reader(nlp: Any, _corpus: Any = train_corpus) -> Any:
            return itertools.islice(_corpus(nlp), rank, None, n)

        self.train_corpus = shard_reader
        self.dev_examples = None
        if rank == 0:
            self.dev_examples = read_examples(nlp, dev_corpus, T["dev_corpus"], nlp.config, interpolated)
        if self.loop_state is None and T["seed"] is not None:
            from thinc.api import fix_random_seed

            # Dropout masks differ between workers but depend on the seed alone.
            fix_random_seed(int(T["seed"]) + 1 + rank)
        self.proxy = ShardedOptimizer(optimizer, nlp, rank, n, self.transport,
                                      strategy=spec.strategy, max_staleness=spec.max_staleness,
                                      broadcast_every=spec.broadcast_every, send_every=spec.send_every)

    def _load_checkpoint(self, out: Path) -> tuple[Any, dict[str, Any], Any, Any]:
        from plait.config import load_config
        from plait.errors import SerializationError
        from plait.training import checkpoint as ckpt
        from plait.training.initialize import prepare

        for attempt in range(5):
            try:
                nlp_path, state = ckpt.load_checkpoint(out)
                config = load_config(nlp_path / "config.cfg", {}, env=False)
                nlp, interpolated = prepare(config, use_gpu=self.spec.use_gpu)
                nlp.from_disk(nlp_path)
                return nlp, state, config, interpolated
            except (SerializationError, FileNotFoundError):
                # Rank 0 replaced the checkpoint while it was read: read the new one.
                if attempt == 4:
                    raise
                time.sleep(1.0)
        raise AssertionError("unreachable")

    # -- called by the driver ------------------------------------------------

    def setup(self, peers: list[Any]) -> dict[str, Any]:
        """Meet the peers. RETURNS (dict): the error, or what the driver prints."""
        self.transport.peers = list(peers)
        if self.error is not None:
            return {"error": self.error}
        return {"pipeline": list(self.nlp.pipe_names), "learn_rate": self.optimizer.learn_rate,
                "restarted": self.restarted, "pid": os.getpid(),
                "step": int(self.loop_state["step"]) if self.loop_state else 0}

    def run(self, rejoin: bool = False) -> dict[str, Any]:
        """Train until the loop ends (rank 0) or the driver stops it (others).

        rejoin (bool): Ray restarted this worker: take the current parameters.
        RETURNS (dict): this worker's statistics.
        """
        from plait.training import loop

        self.proxy.join(rejoin=rejoin or self.restarted)
        T = self.T
        replay = int(self.loop_state["step"]) if self.loop_state else 0
        T["batcher"] = self._counting(T["batcher"], replay)
        self.started = timer()
        if self.rank == 0:
            out = Path(self.spec.output_path) if self.spec.output_path else None
            loop.train(self.nlp, T, self.train_corpus, self.dev_examples or [], output_path=out,
                       train_examples=self.train_examples, optimizer=cast(Any, self.proxy),
                       resume=self.loop_state, stdout=cast(IO, self.log), stderr=cast(IO, self.log))
        else:
            self._train_quietly(T)
            self.ended = timer()
            self.proxy.serve()
        self.ended = self.ended or timer()
        return self.stats()

    def _counting(self, batcher: Any, replay: int) -> Any:
        """Wrap the batcher: count words and steps (not those a resume replays)."""

        seen = 0  # batches over all epochs; the first `replay` are a resume's replay
        eval_frequency = int(self.T["eval_frequency"]) if self.rank == 0 else 0

        def batches(stream: Any) -> Any:
            nonlocal seen
            for batch in batcher(stream):
                if seen >= replay:
                    words = sum(len(eg) for eg in batch)
                    self.words += words
                    self.steps += 1
                    # The batch is taken once the previous step, its
                    # evaluation and saves included, is done.
                    self.pulls.append(timer())
                    self.pull_cpu.append(time.process_time())
                    self.pull_thread.append(_thread_clocks())
                    self.pull_words.append(words)
                    self.pull_evaluates.append(bool(eval_frequency) and seen % eval_frequency == 0)
                seen += 1
                yield batch

        return batches

    def _train_quietly(self, T: dict[str, Any]) -> None:
        from plait.training import loop

        state = self.loop_state
        seed = T["seed"]
        shuffle_seed = int(state["shuffle_seed"]) if state else (int(seed) if seed is not None else self.rank)
        batches = loop.create_train_batches(
            self.nlp, self.train_corpus, T["batcher"], int(T["max_epochs"]),
            examples=self.train_examples if int(T["max_epochs"]) >= 0 else None, shuffle_seed=shuffle_seed)
        resume = None if state is None else {**state, "results": []}
        # async: rank 0's max_steps ends the run; the others train until it
        # stops them rather than idling once they did as many steps. sync:
        # every rank takes the same steps.
        max_steps = int(T["max_steps"]) if self.spec.strategy == "sync" else 0
        steps = loop.train_while_improving(
            self.nlp, cast(Any, self.proxy), batches, lambda: (0.0, {}),
            dropout=T["dropout"], eval_frequency=1 << 62, accumulate_gradient=int(T["accumulate_gradient"]),
            patience=0, max_steps=max_steps, exclude=list(T["frozen_components"]),
            annotating_components=list(T["annotating_components"]), before_update=T["before_update"],
            resume=resume)
        for _ in steps:
            if self.stop_event.is_set():  # rank 0 has finished
                break

    def stop(self) -> None:
        """End training and serving (rank 0 has finished)."""
        self.stop_event.set()
        self.transport.close()
        if self.error is None:
            self.proxy.stop()

    def stats(self) -> dict[str, Any]:
        """This worker's numbers. Two rates, over the training loop only (from
        taking the first batch to taking the last: no start-up, joining or
        final save): "wps", words over that time, rank 0's evaluations and
        saves included (what ``plait train``'s logger reports); "train_wps",
        the rate of the steps themselves (mean words per step over the mean
        duration of steps that did not evaluate or save). "cpu_wps" and
        "cpu_train_wps" are the same over the process's CPU time (every
        thread, Ray's included): words per CPU second, which the load of a
        shared machine barely moves.

        RETURNS (dict): words, steps, seconds, words/s and message statistics.
        """
        now = self.ended or timer()
        seconds = (now - self.started) if self.started is not None else 0.0
        n = min(len(self.pulls), len(self.pull_cpu), len(self.pull_words), len(self.pull_evaluates))
        words = sum(self.pull_words[: n - 1]) if n > 1 else 0
        rates: dict[str, float] = {}
        for name, clock in (("", self.pulls[:n]), ("cpu_", self.pull_cpu[:n])):
            span = clock[-1] - clock[0] if n > 1 else 0.0
            # Step k lasts from taking batch k to taking batch k + 1.
            plain = [clock[k + 1] - clock[k] for k in range(n - 1) if not self.pull_evaluates[k]]
            rates[f"{name}wps"] = words / span if span > 0 else 0.0
            rates[f"{name}train_wps"] = (words / (n - 1)) / (sum(plain) / len(plain)) \
                if plain and sum(plain) > 0 else 0.0
        loop_seconds = self.pulls[n - 1] - self.pulls[0] if n > 1 else 0.0
        split = _step_split(self.pulls[:n], self.pull_cpu[:n], self.pull_thread[:n], self.pull_evaluates[:n])
        return {"rank": self.rank, "words": self.words, "steps": self.steps, "seconds": seconds,
                "loop_seconds": loop_seconds, **rates, "step_split": split, "restarted": self.restarted,
                "failed_sends": self.transport.failed, "pid": os.getpid(), **self.proxy.summary()}

    def drain_log(self) -> str:
        return self.log.drain()

    # -- called by peers ---------------------------------------------------------

    def receive(self, sender: int, grads: Payload | None, params: Any) -> None:
        """A peer's message: gradients for parameters this worker owns and
        the peer's new parameters (packed, see ``pack_params``), either None."""
        self.proxy.receive(sender, grads, unpack_params(params) if params is not None else None)

    def receive_message(self, sender: int, message: tuple[Payload, Any]) -> None:
        """``receive`` with the gradients and parameters as one object."""
        grads, params = message
        self.receive(sender, grads, params)

    def set_down(self, peer: int, down: bool) -> None:
        if self.error is None:
            self.proxy.set_down(peer, down)

    def retire(self, sender: int) -> None:
        self.proxy.retire(sender)

    def state(self, keys: list[ParamKey] | None, optimizer_state: bool) -> dict[str, Any]:
        return self.proxy.state(keys, optimizer_state)
