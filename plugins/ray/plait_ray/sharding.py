"""The spec's parameter-sharded update, as a drop-in for thinc's Optimizer.

``ShardedOptimizer`` wraps the optimizer a worker built from the config and
is handed to plait's training loop in its place. The loop calls it, through
``proc.finish_update``, once per parameter with the gradient of the local
batch; it only copies that gradient (and zeroes the model's, as thinc's
optimizer does). ``step_schedules``, which the loop calls once per step,
then exchanges:

1. gradients of parameters another worker owns go to that owner, tagged with
   the version of the parameter they were computed on (one message per owner);
   with ``send_every=k`` (async only) every k-th step, carrying the sum of
   the last k steps' gradients (the model's gradient buffers keep adding
   them up in between, so the sum costs nothing) tagged with the oldest
   version they were computed on: k times fewer gradient messages;
2. for each parameter it owns, the worker averages its own gradient with the
   received ones that are fresh enough (``version >= current - max_staleness``;
   older ones are dropped and counted), runs the real optimizer, bumps the
   version and
3. broadcasts the new arrays and versions (one object, sent to every peer);
   with ``broadcast_every=k`` (async only) every k-th step, holding every
   owned array updated since the last broadcast: k times fewer broadcasts
   and parameter bytes, peers computing on parameters up to k - 1 steps
   older;
4. parameters that peers broadcast since the last step are copied in.

A step's gradients for a peer and, when due, the owner's new parameters go
to that peer as one message (``Transport.send``): with the defaults
(``send_every == broadcast_every``) a worker makes one call per peer every
k steps, where it made two calls a step.

With ``strategy="async"`` nothing waits: messages are Ray calls whose
results are checked later, and a worker computes with whatever versions it
has. With ``strategy="sync"`` step 2 waits for every worker's gradient of the
current version and step 4 waits for the new versions: an all-reduce
(reduce-scatter to the owners, then all-gather), with gradients summed in
rank order, so a run is deterministic for a fixed worker count.

The evaluating worker (rank 0) reads the owners' state before it evaluates
or saves: the attributes plait's loop and checkpoints read (``averages``,
``mom1``...) pull the current parameters and optimizer state of every
owner first, so ``nlp.use_params(optimizer.averages)`` and the checkpoint
see the whole model. Transport is abstracted (``Transport``) so the same code
runs on Ray actors and in the in-process simulation of ``bench/ray.py``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any, Protocol

from thinc.api import Optimizer

from .arrays import copy_param, mean_gradient, pack_rows, packed_nbytes, writable
from .ownership import ParamKey, assign_owners, iter_params

Payload = dict[ParamKey, tuple[int, Any]]


class Transport(Protocol):
    """How a worker reaches its peers (Ray actors, or a simulation).

    ``send`` gets one step's messages: peer -> (gradients for that peer as
    owner, or None; the sender's new parameters, or None). The parameter
    payload is the same object for every peer and holds the live arrays,
    which the optimizer updates in place later: a transport copies what it
    does not send at once. The peer's ``receive(sender, grads, params)``
    takes both.
    """

    def send(self, messages: dict[int, tuple[Payload | None, Payload | None]]) -> None: ...

    def fetch_state(self, peer: int, keys: list[ParamKey] | None, optimizer_state: bool) -> dict[str, Any]: ...

    def announce_retired(self) -> None: ...

    def poll(self) -> None: ...


class ShardedOptimizer:
    """Stands in for thinc's Optimizer in the training loop of one worker.

    optimizer (Optimizer): the worker's own optimizer (from the config).
    nlp (Language): the worker's pipeline, initialized.
    rank (int): this worker's index.
    n_workers (int): how many workers train together.
    transport (Transport): how messages reach peers.
    strategy (str): "async" or "sync".
    max_staleness (int): async: oldest gradient version still applied, relative
        to the newest version broadcast (a gradient more than
        ``max_staleness + broadcast_every - 1`` versions behind the owner's is dropped).
    broadcast_every (int): async: owners broadcast their new parameters every
        this many steps (1: every step). Must be 1 with ``strategy="sync"``.
    send_every (int): async: gradients of parameters other workers own are
        summed over this many steps and sent as one message (1: every step);
        the staleness bound widens by ``send_every - 1``, as a sum's oldest
        gradient is that much older. Must be 1 with ``strategy="sync"``.
    sync_timeout (float): sync: seconds to wait for a peer before going on without it.
    """

    def __init__(self, optimizer: Optimizer, nlp: Any, rank: int, n_workers: int, transport: Transport,
                 *, strategy: str = "async", max_staleness: int = 2, broadcast_every: int = 1,
                 send_every: int = 1, sync_timeout: float = 300.0) -> None:
        if broadcast_every < 1 or (strategy == "sync" and broadcast_every != 1):
            raise ValueError(f"broadcast_every must be 1 with sync and >= 1 with async, got {broadcast_every}")
        if send_every < 1 or (strategy == "sync" and send_every != 1):
            raise ValueError(f"send_every must be 1 with sync and >= 1 with async, got {send_every}")
        self.inner = optimizer
        self.rank = rank
        self.n_workers = n_workers
        self.transport = transport
        self.strategy = strategy
        self.max_staleness = max_staleness
        self.broadcast_every = broadcast_every
        # Owned parameters updated since their last broadcast, and the number
        # of updating steps since then.
        self.unsent: set[ParamKey] = set()
        self.since_broadcast = 0
        self.send_every = send_every
        # Steps since peers' gradients were last sent, and the version each
        # unsent sum's first gradient was computed on.
        self.since_send = 0
        self.window_versions: dict[ParamKey, int] = {}
        self.sync_timeout = sync_timeout
        self.nodes: dict[ParamKey, tuple[Any, str]] = {}
        self.local_keys: dict[tuple[int, str], ParamKey] = {}
        sizes: dict[ParamKey, int] = {}
        for key, node, name in iter_params(nlp):
            self.nodes[key] = (node, name)
            self.local_keys[(node.id, name)] = key
            sizes[key] = int(node.get_param(name).size)
        self.sizes = sizes
        self.base_owners = assign_owners(sizes, n_workers)
        self.owners = dict(self.base_owners)
        self.owned = [k for k in sorted(self.owners) if self.owners[k] == rank]
        self.down: set[int] = set()
        self.versions: dict[ParamKey, int] = {k: 0 for k in self.owners}
        self.local_grads: dict[ParamKey, Any] = {}
        # Zeroed gradient buffers to hand the model in place of the one it
        # filled (see __call__): the owner's own gradients come back zeroed
        # from the optimizer, sparse sent ones are zeroed row by row.
        self.spares: dict[ParamKey, Any] = {}
        self.sent_versions: dict[ParamKey, int] = {}
        self.inbox_grads: dict[ParamKey, list[tuple[int, int, Any]]] = defaultdict(list)
        self.inbox_params: dict[ParamKey, tuple[int, Any]] = {}
        self.cond = threading.Condition()
        self.stopped = threading.Event()
        self.retired: set[int] = set()
        self.dirty = True
        self.stats: dict[str, Any] = {
            "steps": 0, "grad_msgs": 0, "grad_bytes": 0, "param_msgs": 0, "param_bytes": 0,
            "grads_applied": 0, "grads_dropped": 0, "staleness": defaultdict(int),
            "params_received": 0, "wait_seconds": 0.0, "sync_timeouts": 0, "calls": 0,
            "exchange_cpu": 0.0,
        }

    # -- what thinc's Model.finish_update and plait's loop call ---------------

    def __call__(self, key: tuple[int, str], weights: Any, gradient: Any, *, lr_scale: float = 1.0) -> tuple[Any, Any]:
        """Keep the gradient for ``step_schedules``; leave the model a zeroed one.

        The model's gradient array itself is kept and a zeroed spare of the
        same shape takes its place in the model (no copy of the gradient and
        no second pass to zero it); without a spare, a copy is kept and the
        model's array zeroed in place, as thinc's optimizer does.
        """
        stable = self.local_keys.get(key)
        if stable is None or self.n_workers == 1:
            # Alone (or a parameter created after the worker started): the
            # owner's update is thinc's, at once, with no copy to exchange.
            if stable is not None:
                self.versions[stable] += 1
            return self.inner(key, weights, gradient, lr_scale=lr_scale)
        if self.since_send + 1 < self.send_every and self.owners[stable] != self.rank:
            # Not a sending step: the model's buffer keeps the gradient and
            # adds the next steps' to it (thinc accumulates into it).
            self.window_versions.setdefault(stable, self.versions[stable])
            return weights, gradient
        if stable in self.local_grads:
            self.local_grads[stable] += gradient
            gradient *= 0
            return weights, gradient
        spare = self.spares.pop(stable, None)
        if spare is not None and spare.shape == gradient.shape and spare.dtype == gradient.dtype:
            node, name = self.nodes[stable]
            self.local_grads[stable] = gradient
            node.set_grad(name, spare)
            return weights, spare
        self.local_grads[stable] = gradient.copy()
        gradient *= 0
        return weights, gradient

    def step_schedules(self) -> None:
        """End of a step: exchange gradients and parameters, then the schedules."""
        start = time.thread_time()
        self.exchange()
        # The training thread's CPU in the exchange (the owner's optimizer
        # included): the step-split lines print it.
        self.stats["exchange_cpu"] += time.thread_time() - start
        self.inner.step_schedules()
        self.stats["steps"] += 1
        self.dirty = True

    def __getattr__(self, name: str) -> Any:
        # learn_rate, b1, schedules...: the wrapped optimizer's. (Only called
        # for names not found on this object.)
        return getattr(self.inner, name)

    # The state plait's loop and checkpoints read: the whole model's, on rank 0.
    @property
    def averages(self) -> Any:
        self.gather()
        return self.inner.averages

    @property
    def mom1(self) -> Any:
        self.gather()
        return self.inner.mom1

    @property
    def mom2(self) -> Any:
        self.gather()
        return self.inner.mom2

    @property
    def nr_update(self) -> Any:
        self.gather()
        return self.inner.nr_update

    @property
    def last_seen(self) -> Any:
        self.gather()
        return self.inner.last_seen

    # -- the exchange -----------------------------------------------------------

    def exchange(self) -> None:
        """Send, update owned parameters, broadcast, take in peers' parameters."""
        self.transport.poll()
        if self.since_send + 1 >= self.send_every:
            self.since_send = 0
        else:
            self.since_send += 1
        outgoing: dict[int, dict[ParamKey, tuple[int, Any]]] = defaultdict(dict)
        own: dict[ParamKey, Any] = {}
        for key, grad in self.local_grads.items():
            owner = self.owners[key]
            if owner == self.rank:
                own[key] = grad
                self.window_versions.pop(key, None)
            else:
                node, _ = self.nodes[key]
                packed = pack_rows(node.ops.to_numpy(grad))
                # A sum over several steps carries its oldest gradient's version.
                version = self.window_versions.pop(key, self.versions[key])
                outgoing[owner][key] = (version, packed)
                self.sent_versions[key] = self.versions[key]
                if isinstance(packed, tuple):
                    # The rows were copied out: zero them and reuse the array.
                    # (A dense gradient travels as it is, serialized later by
                    # the sender: it is not reused.)
                    grad[node.ops.asarray(packed[0])] = 0
                    self.spares[key] = grad
        self.local_grads = {}
        for owner in sorted(outgoing):
            payload = outgoing[owner]
            self.stats["grad_msgs"] += 1
            self.stats["grad_bytes"] += sum(packed_nbytes(a) for _, a in payload.values())
        if self.strategy == "sync":
            # The owners wait for these gradients before they update: they
            # cannot wait for this worker's update.
            self.send(outgoing, None)
            self.send({}, self.maybe_broadcast(self.update_owned(own)))
        else:
            self.send(outgoing, self.maybe_broadcast(self.update_owned(own)))
        self.take_params(wait=self.strategy == "sync")

    def send(self, grads: dict[int, Payload], params: Payload | None) -> None:
        """One message per peer: its gradients and the broadcast parameters.

        grads (dict[int, Payload]): owner rank -> the gradients it gets.
        params (Optional[Payload]): this worker's new parameters, for every peer.
        """
        messages: dict[int, tuple[Payload | None, Payload | None]] = {}
        for peer in range(self.n_workers):
            if peer != self.rank and (peer in grads or params):
                messages[peer] = (grads.get(peer), params or None)
        if messages:
            self.stats["calls"] += len(messages)
            self.transport.send(messages)

    def maybe_broadcast(self, updated: dict[ParamKey, tuple[int, Any]]) -> Payload | None:
        """The owned parameters updated since the last broadcast, to
        broadcast every ``broadcast_every``-th step that updated any.

        updated (dict[ParamKey, tuple[int, numpy.ndarray]]): this step's updates.
        RETURNS (Optional[Payload]): key -> (version, live array), or None.
        """
        if not updated or self.n_workers == 1:
            return None
        self.unsent.update(updated)
        self.since_broadcast += 1
        if self.since_broadcast < self.broadcast_every:
            return None
        with self.cond:
            # The current arrays (they were updated in place since), not the
            # ones of the step that first left them unsent.
            payload = {}
            for key in sorted(self.unsent):
                if self.owners.get(key) != self.rank:
                    continue  # handed back to a restarted owner meanwhile
                node, name = self.nodes[key]
                payload[key] = (self.versions[key], node.ops.to_numpy(node.get_param(name)))
        self.unsent = set()
        self.since_broadcast = 0
        if not payload:
            return None
        self.stats["param_msgs"] += self.n_workers - 1
        self.stats["param_bytes"] += (self.n_workers - 1) * sum(a.nbytes for _, a in payload.values())
        return payload

    def update_owned(self, own: dict[ParamKey, Any],
                     keys: list[ParamKey] | None = None) -> dict[ParamKey, tuple[int, Any]]:
        """Apply own and received gradients to the owned parameters.

        own (dict[ParamKey, array]): this worker's gradients of this step.
        keys (Optional[list[ParamKey]]): restrict to these (default: all owned).
        RETURNS (dict[ParamKey, tuple[int, numpy.ndarray]]): updated key -> (version, array).
        """
        updated: dict[ParamKey, tuple[int, Any]] = {}
        handed_back: dict[int, dict[ParamKey, tuple[int, Any]]] = defaultdict(dict)
        with self.cond:
            if self.strategy == "sync" and own and self.n_workers > 1:
                self._wait_for_grads([k for k in self.owned if k in own])
                # A peer came back during the wait and took back the
                # parameters it owns: this step's gradients of those go to
                # it (sent below, outside the lock), or it would wait for them in vain.
                # Awaiting the owner's update of them (``take_params``) keeps
                # the two in lockstep: this worker's next gradients must not
                # reach the owner before it applied these.
                for key in [k for k in own if self.owners[k] != self.rank]:
                    node, _ = self.nodes[key]
                    handed_back[self.owners[key]][key] = (self.versions[key],
                                                          pack_rows(node.ops.to_numpy(own.pop(key))))
                    self.sent_versions[key] = self.versions[key]
            for key in keys if keys is not None else self.owned:
                received = self.inbox_grads.pop(key, [])
                if key not in own and not received:
                    continue
                version = self.versions[key]
                node, name = self.nodes[key]
                # Peers hold the last broadcast version, up to k - 1 behind,
                # and a sum over s steps starts s - 1 steps before it is sent.
                bound = self.max_staleness + self.broadcast_every - 1 + self.send_every - 1
                grads: list[tuple[int, Any]] = [(self.rank, own[key])] if key in own else []
                for sender, grad_version, grad in received:
                    age = version - grad_version
                    if age > bound or age < 0:
                        self.stats["grads_dropped"] += 1
                        continue
                    self.stats["staleness"][age] += 1
                    grads.append((sender, grad))
                if not grads:
                    continue
                grads.sort(key=lambda item: item[0])  # rank order: the sum is reproducible
                if len(grads) == 2 and grads[1][0] == self.rank:
                    # a + b == b + a bit for bit: start from this worker's
                    # own array (no copy, and it is reused; see below).
                    grads.reverse()
                total = mean_gradient(node.ops, node.get_param(name), grads, own_rank=self.rank)
                self.stats["grads_applied"] += len(grads)
                param, _ = self.inner((node.id, name), node.get_param(name), total)
                node.set_param(name, param)
                if grads[0][0] == self.rank and total is own[key]:
                    # The optimizer zeroed it: the model's next gradient buffer.
                    self.spares[key] = total
                self.versions[key] = version + 1
                if self.n_workers > 1:  # alone, nobody needs the new array
                    # No copy: the transport copies what it does not send
                    # at once (see Transport).
                    updated[key] = (version + 1, node.ops.to_numpy(param))
        if handed_back:
            self.send(handed_back, None)
        return updated

    def _wait_for_grads(self, keys: list[ParamKey]) -> None:
        """sync: wait until every live peer's gradient of this step is in.

        In a run without failures every peer's gradient of a step carries the
        owner's current version (peers compute only on the parameters of the
        last all-gather, and each update empties the inbox). After a worker
        came back its first gradients can carry another version: it counts
        as this step's (``update_owned`` then applies or drops it by age),
        so neither side waits for a version the other will never send.
        Keys handed back to a returning owner meanwhile are not awaited.
        """
        deadline = time.monotonic() + self.sync_timeout
        start = time.monotonic()

        def complete() -> bool:
            needed = self.n_workers - 1 - len(self.retired | self.down)
            for key in keys:
                if self.owners[key] != self.rank:
                    continue
                senders = {s for s, _, _ in self.inbox_grads.get(key, []) if s != self.rank}
                if len(senders) < needed:
                    return False
            return True

        while not complete() and not self.stopped.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                # A peer that neither answers nor is reported down (the
                # driver's set_down ends the wait for a dead one at once).
                self.stats["sync_timeouts"] += 1
                break
            self.cond.wait(timeout=min(left, 1.0))
        self.stats["wait_seconds"] += time.monotonic() - start

    def take_params(self, *, wait: bool = False) -> None:
        """Copy in the parameters peers broadcast (sync: wait for this step's)."""
        start = time.monotonic()
        with self.cond:
            if wait and self.n_workers > 1:
                deadline = start + self.sync_timeout
                expected = {k: v + 1 for k, v in self.sent_versions.items()}

                def complete() -> bool:
                    # A parameter whose owner died meanwhile is now owned here
                    # or by another live worker (set_down): its new version
                    # will not come from the dead one, so it is not awaited.
                    return all(self.inbox_params.get(k, (self.versions[k],))[0] >= v
                               for k, v in expected.items()
                               if self.owners[k] != self.rank and self.owners[k] == self.base_owners[k])

                while not complete() and not self.stopped.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self.stats["sync_timeouts"] += 1
                        break
                    self.cond.wait(timeout=min(left, 1.0))
                self.stats["wait_seconds"] += time.monotonic() - start
            pending, self.inbox_params = self.inbox_params, {}
            self.sent_versions = {}
            for key, (version, array) in pending.items():
                if version <= self.versions[key] or self.owners[key] == self.rank:
                    continue
                node, name = self.nodes[key]
                # A copy: Ray's object store hands out read-only views, and
                # thinc's Cython kernels (gather_add...) take writable
                # buffers only, even to read. Into the parameter's own
                # buffer where it can (no new array to allocate and fault in).
                copy_param(node, name, array)
                self.versions[key] = version
                self.stats["params_received"] += 1

    # -- what peers call (from Ray's threads) ------------------------------------

    def receive(self, sender: int, grads: Payload | None, params: Payload | None) -> None:
        """Take a peer's message: gradients for owned parameters, its new parameters."""
        if grads:
            self.receive_grads(sender, grads)
        if params:
            self.receive_params(sender, params)

    def receive_grads(self, sender: int, payload: dict[ParamKey, tuple[int, Any]]) -> None:
        """Queue gradients a peer computed for parameters this worker owns."""
        with self.cond:
            for key, (version, grad) in payload.items():
                if key in self.owners:
                    self.inbox_grads[key].append((sender, int(version), grad))
            self.cond.notify_all()

    def receive_params(self, sender: int, payload: dict[ParamKey, tuple[int, Any]]) -> None:
        """Queue new parameter versions a peer (their owner) broadcast."""
        with self.cond:
            for key, (version, array) in payload.items():
                if key in self.owners and int(version) > self.inbox_params.get(key, (-1,))[0]:
                    self.inbox_params[key] = (int(version), array)
            self.cond.notify_all()

    def set_down(self, peer: int, down: bool) -> None:
        """A peer's process died (Ray is restarting it) or is back.

        While it is down, the parameters it owns are shared out among the live
        workers (the same assignment on every one of them), so they keep
        training; when it is back, ownership returns to it and it takes the
        freshest copies (``join(rejoin=True)``).
        """
        with self.cond:
            if down:
                self.down.add(peer)
            else:
                self.down.discard(peer)
            live = [r for r in range(self.n_workers) if r not in self.down]
            owners = dict(self.base_owners)
            orphans = {k: self.sizes[k] for k, r in owners.items() if r in self.down}
            if orphans and live:
                for key, index in assign_owners(orphans, len(live)).items():
                    owners[key] = live[index]
            self.owners = owners
            self.owned = [k for k in sorted(owners) if owners[k] == self.rank]
            for key in [k for k in self.inbox_grads if owners[k] != self.rank]:
                del self.inbox_grads[key]  # handed back: its owner gets the next ones
            self.cond.notify_all()

    def retire(self, sender: int) -> None:
        """A peer's data ran out: sync steps stop waiting for its gradients."""
        with self.cond:
            self.retired.add(sender)
            self.cond.notify_all()

    def stop(self) -> None:
        """The run is over: end any wait and the serving loop."""
        with self.cond:
            self.stopped.set()
            self.cond.notify_all()

    def state(self, keys: list[ParamKey] | None, optimizer_state: bool) -> dict[str, Any]:
        """This worker's copy of parameters (default: those it owns), and with
        `optimizer_state` the optimizer's moments, averages and counts for them.

        RETURNS (dict): {"params": {key: (version, array)}, "optimizer": {key: {...}}}.
        """
        with self.cond:
            keys = self.owned if keys is None else [k for k in keys if k in self.nodes]
            params = {}
            opt: dict[ParamKey, dict[str, Any]] = {}
            for key in keys:
                node, name = self.nodes[key]
                params[key] = (self.versions[key], node.ops.to_numpy(node.get_param(name)).copy())
                if optimizer_state:
                    local = (node.id, name)
                    record: dict[str, Any] = {"nr_update": int(self.inner.nr_update.get(local, 0)),
                                              "last_seen": int(self.inner.last_seen.get(local, 0))}
                    for attr in ("mom1", "mom2", "averages"):
                        table = getattr(self.inner, attr)
                        if table is not None and local in table:
                            record[attr] = node.ops.to_numpy(table[local]).copy()
                    opt[key] = record
            return {"params": params, "optimizer": opt}

    # -- joining and gathering ---------------------------------------------------

    def gather(self) -> None:
        """Rank 0 before evaluating or saving: pull every owner's current
        parameters and optimizer state (once per step)."""
        if not self.dirty or self.n_workers == 1:
            self.dirty = False
            return
        self.dirty = False
        for peer in range(self.n_workers):
            if peer == self.rank or peer in self.down:
                # A peer being restarted would answer only once it is back;
                # the parameters it owned are trained here meanwhile.
                continue
            try:
                found = self.transport.fetch_state(peer, None, True)
            except Exception:  # a peer being restarted: evaluate with the copies at hand
                continue
            self.install(found, optimizer_state=True)

    def install(self, found: dict[str, Any], *, optimizer_state: bool) -> None:
        """Copy parameters (and optimizer state) fetched from a peer."""
        with self.cond:
            for key, (version, array) in found["params"].items():
                if key not in self.nodes or int(version) < self.versions[key]:
                    continue
                node, name = self.nodes[key]
                node.set_param(name, writable(node.ops, array))
                self.versions[key] = int(version)
            if not optimizer_state:
                return
            for key, record in found.get("optimizer", {}).items():
                if key not in self.nodes:
                    continue
                node, name = self.nodes[key]
                local = (node.id, name)
                self.inner.nr_update[local] = record["nr_update"]
                self.inner.last_seen[local] = record["last_seen"]
                for attr in ("mom1", "mom2", "averages"):
                    table = getattr(self.inner, attr)
                    if attr in record and table is not None:
                        table[local] = writable(node.ops, record[attr])

    def join(self, *, rejoin: bool) -> None:
        """Start from the owners' parameters (all workers start equal even
        without a seed); a restarted worker also takes back the parameters it
        owns from the freshest copy a peer holds."""
        if self.n_workers == 1:
            return
        for peer in range(self.n_workers):
            if peer == self.rank:
                continue
            try:
                self.install(self.transport.fetch_state(peer, None, False), optimizer_state=False)
                if rejoin:
                    self.install(self.transport.fetch_state(peer, self.owned, False), optimizer_state=False)
            except Exception:  # that peer is itself restarting: its broadcasts will come
                continue

    def serve(self, idle: float = 0.1) -> None:
        """Keep applying received gradients to owned parameters until stopped
        (a worker whose data ran out still owns parameters others update).

        Between rounds it sleeps until a gradient arrives or it is stopped
        (``receive_grads`` and ``stop`` wake it), at most `idle` seconds: an
        idle owner takes no CPU from the workers still training.
        """
        self.transport.announce_retired()
        while not self.stopped.is_set():
            self.send({}, self.maybe_broadcast(self.update_owned({})))
            self.transport.poll()
            with self.cond:
                if not self.inbox_grads and not self.stopped.is_set():
                    self.cond.wait(timeout=idle)

    def summary(self) -> dict[str, Any]:
        """RETURNS (dict): message counts, bytes, applied/dropped gradients, staleness."""
        out = dict(self.stats)
        out["staleness"] = {int(k): int(v) for k, v in sorted(self.stats["staleness"].items())}
        out["owned_params"] = len(self.owned)
        out["owned_floats"] = int(sum(self.nodes[k][0].get_param(self.nodes[k][1]).size for k in self.owned))
        return out
