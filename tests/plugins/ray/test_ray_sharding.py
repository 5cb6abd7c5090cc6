"""The sharded update without Ray: owners, versions, staleness, all-reduce.

Workers are ``ShardedOptimizer``s over small thinc models, connected by the
in-process ``SimHub`` (messages delivered after a tick), so these run in
well under a second.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy
import pytest
from thinc.api import Adam, Linear, NumpyOps, Relu, chain

pytest.importorskip("plait_ray")
from plait_ray.arrays import mean_gradient, pack_rows  # noqa: E402
from plait_ray.ownership import assign_owners, iter_params  # noqa: E402
from plait_ray.sharding import ShardedOptimizer  # noqa: E402
from plait_ray.simulate import SimHub  # noqa: E402


def _nlp(seed: int = 0) -> SimpleNamespace:
    """A stand-in pipeline: one component holding a small two-layer model."""
    model = chain(Relu(nO=8, nI=6), Linear(nO=3, nI=8))
    model.initialize()
    rng = numpy.random.default_rng(seed)
    for node in model.walk():
        for name in node.param_names:
            node.set_param(name, rng.normal(size=node.get_param(name).shape).astype("f"))
    return SimpleNamespace(pipeline=[("comp", SimpleNamespace(model=model))])


def _step(nlp: SimpleNamespace, opt: ShardedOptimizer, X: numpy.ndarray, Y: numpy.ndarray) -> None:
    model = nlp.pipeline[0][1].model
    out, backprop = model(X, is_train=True)
    backprop((out - Y) / len(X))
    model.finish_update(opt)
    opt.step_schedules()


def _params(nlp: SimpleNamespace) -> dict:
    return {key: node.get_param(name).copy() for key, node, name in iter_params(nlp)}


def _workers(n: int, *, strategy: str = "async", max_staleness: int = 2, latency: int = 1,
             broadcast_every: int = 1, send_every: int = 1):
    hub = SimHub(latency=latency)
    nlps = [_nlp() for _ in range(n)]
    opts = [ShardedOptimizer(Adam(0.01), nlps[r], r, n, hub.transport(r), strategy=strategy,
                             max_staleness=max_staleness, broadcast_every=broadcast_every,
                             send_every=send_every, sync_timeout=20) for r in range(n)]
    for r, opt in enumerate(opts):
        hub.workers[r] = opt
    return hub, nlps, opts


def _batch(seed: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    rng = numpy.random.default_rng(seed)
    return rng.normal(size=(5, 6)).astype("f"), rng.normal(size=(5, 3)).astype("f")


def test_every_parameter_has_one_owner_and_loads_balance():
    sizes = {("tagger", i, name): size for i, (name, size) in
             enumerate([("W", 6000), ("b", 60), ("E", 5000), ("W2", 900), ("b2", 3), ("E2", 2500)])}
    owners = assign_owners(sizes, 3)
    assert set(owners) == set(sizes) and set(owners.values()) == {0, 1, 2}
    # The mapping depends on names and sizes only, not on dict order.
    assert assign_owners(dict(reversed(list(sizes.items()))), 3) == owners
    loads = [sum(s for k, s in sizes.items() if owners[k] == r) for r in range(3)]
    assert max(loads) - min(loads) <= max(sizes.values())
    assert assign_owners(sizes, 1) == {k: 0 for k in sizes}


def test_async_owner_applies_fresh_gradients_and_broadcasts():
    hub, nlps, opts = _workers(2)
    before = _params(nlps[1])
    for r in range(2):
        _step(nlps[r], opts[r], *_batch(r))
    hub.flush()
    for opt in opts:
        opt.take_params()
    # Each parameter moved once on its owner; every worker now holds version 1
    # of the parameters it received, and the same arrays as their owner.
    p0, p1 = _params(nlps[0]), _params(nlps[1])
    for key in before:
        assert not numpy.allclose(p1[key], before[key]), key
    assert all(v == 1 for opt in opts for v in opt.versions.values())
    _step(nlps[0], opts[0], *_batch(5))
    _step(nlps[1], opts[1], *_batch(6))
    hub.flush()
    for opt in opts:
        opt.take_params()
    p0, p1 = _params(nlps[0]), _params(nlps[1])
    assert all(numpy.array_equal(p0[k], p1[k]) for k in p0)
    applied = sum(o.stats["grads_applied"] for o in opts)
    assert applied >= 4 and sum(o.stats["grads_dropped"] for o in opts) == 0


def test_stale_gradients_are_dropped_by_version():
    hub, nlps, opts = _workers(2, max_staleness=0, latency=1)
    owner = opts[0]
    key = owner.owned[0]
    owner.versions[key] = 5  # the owner moved on five versions
    grad = numpy.ones_like(owner.nodes[key][0].get_param(owner.nodes[key][1]))
    owner.receive_grads(1, {key: (3, grad)})
    before = owner.nodes[key][0].get_param(owner.nodes[key][1]).copy()
    owner.update_owned({})
    assert owner.stats["grads_dropped"] == 1
    assert numpy.array_equal(before, owner.nodes[key][0].get_param(owner.nodes[key][1]))
    owner.receive_grads(1, {key: (5, grad)})
    owner.update_owned({})
    assert owner.stats["grads_applied"] == 1 and owner.versions[key] == 6
    assert owner.stats["staleness"] == {0: 1}


def test_sync_is_an_all_reduce():
    """Two sync workers equal one optimizer stepping on the mean gradient."""
    n = 2
    hub, nlps, opts = _workers(n, strategy="sync", latency=0)
    errors: list[BaseException] = []

    def run(r: int) -> None:
        try:
            for step in range(3):
                _step(nlps[r], opts[r], *_batch(10 * step + r))
        except BaseException as err:  # surfaced in the main thread
            errors.append(err)

    lock = threading.Lock()
    # The hub is not thread-safe: deliver under a lock, at once (latency 0).
    original_post = hub.post

    def post(deliver):
        with lock:
            original_post(deliver)
            hub.advance(0)

    hub.post = post  # type: ignore[method-assign]
    threads = [threading.Thread(target=run, args=(r,)) for r in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    p0, p1 = _params(nlps[0]), _params(nlps[1])
    assert all(numpy.array_equal(p0[k], p1[k]) for k in p0)
    # Reference: one model, one Adam, the mean of both workers' gradients.
    ref = _nlp()
    model = ref.pipeline[0][1].model
    adam = Adam(0.01)
    for step in range(3):
        for r in range(n):
            X, Y = _batch(10 * step + r)
            out, backprop = model(X, is_train=True)
            backprop((out - Y) / len(X) / n)
        model.finish_update(adam)
    pr = _params(ref)
    for key in pr:
        numpy.testing.assert_allclose(p0[key], pr[key], rtol=1e-5, atol=1e-6)
    assert all(o.stats["grads_dropped"] == 0 for o in opts)


def test_rank0_gathers_the_whole_model_state():
    hub, nlps, opts = _workers(3)
    for r in range(3):
        _step(nlps[r], opts[r], *_batch(r))
    hub.flush()
    averages = opts[0].averages  # pulls every owner's state
    keys = {(node.id, name) for _, node, name in iter_params(nlps[0])}
    assert set(averages) == keys
    assert set(opts[0].mom1) == keys
    for key, node, name in iter_params(nlps[0]):
        owner = opts[0].owners[key]
        other = dict((k, (n, nm)) for k, n, nm in iter_params(nlps[owner]))[key]
        assert numpy.array_equal(node.get_param(name), other[0].get_param(other[1]))


def test_a_dead_workers_parameters_are_shared_out_and_handed_back():
    hub, nlps, opts = _workers(3)
    orphaned = [k for k, r in opts[0].base_owners.items() if r == 2]
    assert orphaned
    for opt in opts[:2]:
        opt.set_down(2, True)
    # Both survivors agree on who trains the dead worker's parameters now.
    assert opts[0].owners == opts[1].owners
    assert all(opts[0].owners[k] in (0, 1) for k in orphaned)
    before = {k: opts[0].nodes[k][0].get_param(opts[0].nodes[k][1]).copy() for k in orphaned}
    for r in range(2):
        _step(nlps[r], opts[r], *_batch(r))
    hub.flush()
    for opt in opts[:2]:
        opt.take_params()
    # They kept training: every orphaned parameter moved and has a new version.
    for key in orphaned:
        node, name = opts[0].nodes[key]
        assert not numpy.array_equal(before[key], node.get_param(name)), key
        assert opts[0].versions[key] >= 1
    # The restarted worker takes back its parameters from the freshest copies.
    for opt in opts[:2]:
        opt.set_down(2, False)
    assert opts[0].owners == opts[0].base_owners
    fresh = _nlp(seed=7)  # a rebuilt process: different weights
    rejoined = ShardedOptimizer(Adam(0.01), fresh, 2, 3, hub.transport(2), sync_timeout=20)
    hub.workers[2] = rejoined
    rejoined.join(rejoin=True)
    for key in orphaned:
        node, name = rejoined.nodes[key]
        ref_node, ref_name = opts[0].nodes[key]
        assert numpy.array_equal(node.get_param(name), ref_node.get_param(ref_name))
        assert rejoined.versions[key] == opts[0].versions[key]


def _threaded_hub(hub: SimHub) -> None:
    """Deliver at once, under a lock (the hub is not thread-safe)."""
    lock = threading.Lock()
    original_post = hub.post

    def post(deliver):
        with lock:
            original_post(deliver)
            hub.advance(0)

    hub.post = post  # type: ignore[method-assign]


def test_sync_round_does_not_wait_for_a_dead_peer_which_rejoins():
    """Worker 1 dies in the middle of a sync step: once the driver reports it
    down, worker 0 finishes the step without it (not after the timeout), and
    the restarted worker 1 rejoins with the current parameters, after which
    the all-reduce is in lockstep again (both replicas equal)."""
    n = 2
    hub, nlps, opts = _workers(n, strategy="sync", latency=0)
    for opt in opts:
        opt.sync_timeout = 300.0  # a wait that ran out would fail the join below
    _threaded_hub(hub)

    def steps(r: int, opt: ShardedOptimizer, seeds: list[int], errors: list) -> None:
        try:
            for seed in seeds:
                _step(nlps[r], opt, *_batch(seed))
        except BaseException as err:  # surfaced in the main thread
            errors.append(err)

    errors: list[BaseException] = []
    threads = [threading.Thread(target=steps, args=(r, opts[r], [r], errors)) for r in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    # Step 2: worker 0 sends its gradients to worker 1 and waits; worker 1 is dead.
    alone = threading.Thread(target=steps, args=(0, opts[0], [10], errors), daemon=True)
    alone.start()
    alone.join(timeout=0.5)
    assert alone.is_alive()  # waiting for the dead peer
    opts[0].set_down(1, True)  # what the driver does when Ray reports the death
    alone.join(timeout=30)
    if alone.is_alive():
        opts[0].stop()
        raise AssertionError("the sync step still waited for the dead worker after set_down")
    assert not errors, errors
    assert opts[0].stats["sync_timeouts"] == 0
    # Worker 0 trains worker 1's parameters while 1 is down (the gradient it
    # had sent to the dead worker in that step is lost: one step's share).
    orphaned = [k for k, r in opts[0].base_owners.items() if r == 1]
    assert orphaned and all(opts[0].versions[k] == 1 for k in orphaned)
    steps(0, opts[0], [11], errors)
    assert not errors, errors
    assert all(opts[0].versions[k] == 2 for k in orphaned)
    # Restarted: a rebuilt process (other weights) rejoins with the current parameters.
    opts[0].set_down(1, False)
    nlps[1] = _nlp(seed=7)
    rejoined = ShardedOptimizer(Adam(0.01), nlps[1], 1, n, hub.transport(1), strategy="sync",
                                sync_timeout=300.0)
    hub.workers[1] = rejoined
    rejoined.join(rejoin=True)
    assert all(numpy.array_equal(a, b) for a, b in zip(_params(nlps[0]).values(), _params(nlps[1]).values()))
    threads = [threading.Thread(target=steps, args=(r, o, [20 + r, 30 + r], errors))
               for r, o in enumerate([opts[0], rejoined])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and not any(t.is_alive() for t in threads), errors
    assert opts[0].stats["sync_timeouts"] == 0 and rejoined.stats["sync_timeouts"] == 0
    p0, p1 = _params(nlps[0]), _params(nlps[1])
    assert all(numpy.array_equal(p0[k], p1[k]) for k in p0)
    assert all(opts[0].versions[k] == 4 for k in orphaned)
    assert opts[0].versions == rejoined.versions


def test_a_peer_back_in_the_middle_of_a_sync_step_gets_its_gradients():
    """Worker 1 comes back while worker 0, which trained its parameters
    meanwhile, is inside a sync step: its gradients of the step include
    worker 1's parameters again. Worker 0 must hand those gradients to worker
    1 (which waits for them) and wait only for the parameters it still owns;
    the rejoined worker's first gradients carry the versions it fetched. Both
    finish their steps without running into the timeout, and the replicas
    are equal again after the next all-reduce."""
    n = 2
    hub, nlps, opts = _workers(n, strategy="sync", latency=0)
    _threaded_hub(hub)
    opts[0].set_down(1, True)
    errors: list[BaseException] = []

    def steps(opt: ShardedOptimizer, nlp: SimpleNamespace, seeds: list[int]) -> None:
        try:
            for seed in seeds:
                _step(nlp, opt, *_batch(seed))
        except BaseException as err:  # surfaced in the main thread
            errors.append(err)

    steps(opts[0], nlps[0], [0])  # alone, owning everything
    nlps[1] = _nlp(seed=7)
    rejoined = ShardedOptimizer(Adam(0.01), nlps[1], 1, n, hub.transport(1), strategy="sync", sync_timeout=20)
    original_wait = opts[0]._wait_for_grads
    started: list[threading.Thread] = []

    def wait_while_worker_1_comes_back(keys):
        # What the driver and the restarted worker do, mid-step: worker 1 is
        # reported back, fetches the current parameters and starts its step.
        if not started:
            opts[0].cond.release()
            try:
                opts[0].set_down(1, False)
                hub.workers[1] = rejoined
                rejoined.join(rejoin=True)
                thread = threading.Thread(target=steps, args=(rejoined, nlps[1], [21, 31]))
                started.append(thread)
                thread.start()
            finally:
                opts[0].cond.acquire()
        return original_wait(keys)

    opts[0]._wait_for_grads = wait_while_worker_1_comes_back  # type: ignore[method-assign]
    steps(opts[0], nlps[0], [20, 30])
    started[0].join(timeout=60)
    assert not errors and not started[0].is_alive(), errors
    assert opts[0].stats["sync_timeouts"] == 0 and rejoined.stats["sync_timeouts"] == 0
    p0, p1 = _params(nlps[0]), _params(nlps[1])
    assert all(numpy.array_equal(p0[k], p1[k]) for k in p0)


def test_mostly_zero_gradients_travel_as_rows_and_sum_the_same():
    """An embedding table's gradient is sent as its nonzero rows; the owner's
    mean of packed and dense messages is the dense mean, bit for bit."""
    ops = NumpyOps()
    rng = numpy.random.default_rng(0)
    grads = []
    for _ in range(3):
        grad = numpy.zeros((1000, 8), dtype="f")
        rows = rng.choice(1000, 200, replace=False)
        grad[rows] = rng.normal(size=(200, 8))
        grads.append(grad)
    packed = pack_rows(grads[1])
    assert isinstance(packed, tuple) and len(packed[0]) == 200 and packed[2] == 1000
    assert packed[0].nbytes + packed[1].nbytes < grads[1].nbytes / 4
    # Dense ones stay arrays: small tables, and tables whose rows are mostly touched.
    assert pack_rows(grads[1][:100]) is not None and not isinstance(pack_rows(grads[1][:100]), tuple)
    assert not isinstance(pack_rows(rng.normal(size=(1000, 8)).astype("f")), tuple)
    param = numpy.zeros((1000, 8), dtype="f")
    reference = (grads[0] + grads[1] + grads[2]) / 3
    dense = mean_gradient(ops, param, [(0, grads[0].copy()), (1, grads[1]), (2, grads[2])], own_rank=0)
    mixed = mean_gradient(ops, param, [(0, grads[0].copy()), (1, pack_rows(grads[1])), (2, pack_rows(grads[2]))],
                  own_rank=0)
    received = mean_gradient(ops, param, [(1, pack_rows(grads[0])), (2, grads[1]), (3, pack_rows(grads[2]))],
                     own_rank=0)
    assert numpy.array_equal(dense, reference)
    assert numpy.array_equal(mixed, reference) and numpy.array_equal(received, reference)
    # A received read-only array is never written to.
    frozen = grads[1].copy()
    frozen.flags.writeable = False
    alone = mean_gradient(ops, param, [(1, frozen)], own_rank=0)
    assert alone is not frozen and numpy.array_equal(alone, grads[1])


def _run_steps(k: int, steps: int, send_every: int = 1):
    hub, nlps, opts = _workers(2, broadcast_every=k, send_every=send_every)
    for step in range(steps):
        for r in range(2):
            _step(nlps[r], opts[r], *_batch(10 * step + r))
        hub.advance()
    return hub, nlps, opts


@pytest.mark.parametrize("k", [1, 3])
def test_broadcast_every_k_sends_k_times_fewer_parameter_messages(k):
    steps = 6
    hub, nlps, opts = _run_steps(k, steps)
    for opt in opts:
        # One broadcast (read by the one peer) every k-th step; every step
        # still sends its gradients and updates the owned parameters.
        assert opt.stats["param_msgs"] == steps // k
        assert opt.stats["grad_msgs"] == steps
        assert all(opt.versions[key] >= steps for key in opt.owned)
    hub.flush()
    for opt in opts:
        opt.take_params()
    # After a broadcast step every worker holds its peer's owned arrays exactly.
    p0, p1 = _params(nlps[0]), _params(nlps[1])
    assert all(numpy.array_equal(p0[key], p1[key]) for key in p0)
    # Between broadcasts a peer computes on older versions: with k = 3 the
    # gradients it sends are up to k - 1 versions older, and still applied.
    ages = set(opts[0].stats["staleness"]) | set(opts[1].stats["staleness"])
    assert max(ages) >= (k - 1) and max(ages) <= 2 + k - 1
    assert sum(o.stats["grads_dropped"] for o in opts) == 0


@pytest.mark.parametrize("option", ["broadcast_every", "send_every"])
def test_a_period_widens_the_staleness_bound_by_k_minus_1(option):
    hub, nlps, opts = _workers(2, max_staleness=1, **{option: 3})
    owner = opts[0]
    key = owner.owned[0]
    node, name = owner.nodes[key]
    owner.versions[key] = 10
    grad = numpy.ones_like(node.get_param(name))
    owner.receive_grads(1, {key: (10 - 3, grad)})  # 3 = max_staleness + k - 1 behind: applied
    owner.update_owned({})
    assert owner.stats["grads_applied"] == 1 and owner.stats["grads_dropped"] == 0
    owner.receive_grads(1, {key: (11 - 4, grad)})  # 4 behind: dropped
    owner.update_owned({})
    assert owner.stats["grads_dropped"] == 1


@pytest.mark.parametrize("option", ["broadcast_every", "send_every"])
def test_a_period_needs_async(option):
    with pytest.raises(ValueError, match=option):
        _workers(2, strategy="sync", **{option: 2})
    with pytest.raises(ValueError, match=option):
        _workers(2, **{option: 0})


@pytest.mark.parametrize("k", [1, 3])
def test_send_every_k_sends_one_message_per_peer_every_k_steps(k):
    steps = 6
    hub, nlps, opts = _run_steps(k, steps, send_every=k)
    for opt in opts:
        # Gradients every k-th step, with the broadcast in the same call.
        assert opt.stats["grad_msgs"] == steps // k
        assert opt.stats["param_msgs"] == steps // k
        assert opt.stats["calls"] == steps // k
        assert all(opt.versions[key] >= steps for key in opt.owned)
    assert sum(o.stats["grads_dropped"] for o in opts) == 0
    assert sum(o.stats["grads_applied"] for o in opts) > 2 * steps  # peers' sums were applied
    hub.flush()
    for opt in opts:
        opt.take_params()
    p0, p1 = _params(nlps[0]), _params(nlps[1])
    assert all(numpy.array_equal(p0[key], p1[key]) for key in p0)


class _Recorder:
    """A transport that keeps what a lone worker (of two) sends."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, messages):
        for grads, _params in messages.values():
            if grads:
                self.sent.append({k: (v, numpy.array(g)) for k, (v, g) in grads.items()})

    def announce_retired(self) -> None:
        pass

    def poll(self) -> None:
        pass


def test_send_every_sends_the_sum_of_k_steps_tagged_with_the_oldest_version():
    runs = {}
    for k in (1, 3):
        nlp = _nlp()
        transport = _Recorder()
        opt = ShardedOptimizer(Adam(0.01), nlp, 1, 2, transport, send_every=k)
        peer_key = next(key for key in sorted(opt.owners) if opt.owners[key] == 0)
        for step in range(3):
            _step(nlp, opt, *_batch(step))
            if step == 0:
                # As if the owner's broadcast of version 7 came in mid-window.
                opt.versions[peer_key] = 7
        runs[k] = (transport.sent, peer_key)
    (each, key), (summed, _) = runs[1], runs[3]
    assert len(each) == 3 and len(summed) == 1
    numpy.testing.assert_allclose(summed[0][key][1], sum(m[key][1] for m in each), rtol=1e-6, atol=1e-7)
    # Sent every step, each gradient carries the version it was computed on;
    # the sum carries its first gradient's (the oldest).
    assert [m[key][0] for m in each] == [0, 7, 7]
    assert summed[0][key][0] == 0


def test_ray_transport_sends_from_its_own_thread_in_order():
    from plait_ray.worker import RayTransport

    calls: list[tuple] = []
    done = threading.Event()

    class Method:
        def __init__(self, peer: str, name: str) -> None:
            self.peer, self.name = peer, name

        def remote(self, rank: int, grads: object, params: object) -> object:
            calls.append((self.peer, self.name, rank, grads, params, threading.current_thread().name))
            if grads == "last":
                done.set()
            return object()

    class Peer:
        def __init__(self, name: str) -> None:
            self.receive = Method(name, "receive")
            self.retire = Method(name, "retire")

    transport = RayTransport(rank=0)
    transport.peers = [Peer("p0"), Peer("p1")]
    for i in range(20):
        transport.send({1: (i, None)})
    transport.send({1: ("last", None)})
    assert done.wait(10)
    transport.close()
    assert [c[3] for c in calls] == [*range(20), "last"]
    assert {c[:3] for c in calls} == {("p1", "receive", 0)}
    # Submitted by the sender thread, not the caller's (the training thread).
    assert {c[5] for c in calls} == {"plait-ray-sender"}
    assert transport.sent == 21 and len(transport.pending) == 21


def test_ray_transport_copies_the_parameters_once_into_one_buffer():
    from plait_ray.messages import unpack_params
    from plait_ray.worker import RayTransport

    posted: list[tuple] = []
    transport = RayTransport(rank=0)
    transport._post = lambda method, peer, *args: posted.append((method, peer, *args))  # type: ignore[method-assign]
    live = {("c", 1, "W"): (3, numpy.arange(6, dtype="f").reshape(2, 3)),
            ("c", 2, "b"): (5, numpy.ones(4, dtype="f"))}
    grads = {("c", 3, "W"): (2, numpy.zeros(2, dtype="f"))}
    transport.send({1: (grads, live), 2: (None, live)})
    # The live arrays change after the post: what was posted does not.
    live[("c", 1, "W")][1][:] = -1
    assert [(m, peer) for m, peer, *_ in posted] == [("receive", 1), ("receive", 2)]
    assert posted[0][2] is grads and posted[1][2] is None
    shared = posted[0][3]
    assert shared is posted[1][3]  # one copy for every peer, stored once (two readers)
    assert shared.readers == 2 and shared.nbytes == 40
    packed = shared.value
    index, buffer = packed
    assert isinstance(buffer, numpy.ndarray) and buffer.size == 10
    got = unpack_params(packed)
    assert got[("c", 1, "W")][0] == 3 and got[("c", 2, "b")][0] == 5
    numpy.testing.assert_array_equal(got[("c", 1, "W")][1], numpy.arange(6, dtype="f").reshape(2, 3))
    numpy.testing.assert_array_equal(got[("c", 2, "b")][1], numpy.ones(4, dtype="f"))
    # Views of the one buffer, not copies.
    assert all(numpy.shares_memory(a, buffer) for _, a in got.values())


def test_ray_transport_sends_one_peer_one_object():
    from plait_ray.messages import unpack_params
    from plait_ray.worker import RayTransport

    posted: list[tuple] = []
    transport = RayTransport(rank=1)
    transport._post = lambda method, peer, *args: posted.append((method, peer, *args))  # type: ignore[method-assign]
    live = {("c", 1, "W"): (3, numpy.ones((2, 3), dtype="f"))}
    grads = {("c", 0, "W"): (2, numpy.full(5, 2.0, dtype="f"))}
    transport.send({0: (grads, live)})
    live[("c", 1, "W")][1][:] = 0
    ((method, peer, shared),) = posted
    assert (method, peer) == ("receive_message", 0)
    assert shared.readers == 1 and shared.nbytes == 24 + 20
    sent_grads, packed = shared.value
    assert sent_grads is grads
    numpy.testing.assert_array_equal(unpack_params(packed)[("c", 1, "W")][1], numpy.ones((2, 3), dtype="f"))


class _Spy:
    """Wraps an optimizer and records the gradient arrays it is given."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.seen: list[numpy.ndarray] = []

    def __call__(self, key, weights, gradient, **kwargs):
        self.seen.append(gradient)
        return self.inner(key, weights, gradient, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_gradients_are_handed_over_not_copied_and_the_sum_is_unchanged():
    """The model's gradient array itself goes to the exchange (the model gets
    a zeroed spare in its place), and the owner updates from it: after a
    first step no gradient is copied, and the parameters are bit for bit
    those of the copying update (the sum of two gradients in either order)."""
    hub, nlps, opts = _workers(2, latency=0)
    ref_hub, ref_nlps, ref_opts = _workers(2, latency=0)
    for opt in ref_opts:
        opt.spares = _NoSpares()  # the copying update: never hands over a buffer
    spy = _Spy(opts[1].inner)
    opts[1].inner = spy  # type: ignore[assignment]
    model = nlps[1].pipeline[0][1].model
    owned = {opts[1].nodes[k] for k in opts[1].owned}
    for step in range(4):
        for r in range(2):
            for which_nlps, _which_opts in ((nlps, opts), (ref_nlps, ref_opts)):
                m = which_nlps[r].pipeline[0][1].model
                X, Y = _batch(10 * step + r)
                out, backprop = m(X, is_train=True)
                backprop((out - Y) / len(X))
        filled = {(node.id, name): node.get_grad(name) for node, name in owned}
        spy.seen.clear()
        for r in range(2):
            nlps[r].pipeline[0][1].model.finish_update(opts[r])
            ref_nlps[r].pipeline[0][1].model.finish_update(ref_opts[r])
        for r in range(2):
            opts[r].step_schedules()
            ref_opts[r].step_schedules()
        for h in (hub, ref_hub):
            h.flush()
        for opt in (*opts, *ref_opts):
            opt.take_params()
        if step > 0:
            # Worker 1's owned parameters were updated from the very arrays
            # its model filled, and the model now holds zeroed other ones.
            assert {id(g) for g in spy.seen} >= {id(g) for g in filled.values()}
            for node, name in owned:
                assert node.get_grad(name) is not filled[(node.id, name)]
        assert all(not node.get_grad(name).any() for node in model.walk() for name in node.param_names
                   if node.has_grad(name))
        for r in range(2):
            p, q = _params(nlps[r]), _params(ref_nlps[r])
            assert all(numpy.array_equal(p[k], q[k]) for k in p)


class _NoSpares(dict):
    """A spares table that keeps nothing (the copying update, for reference)."""

    def __setitem__(self, key, value) -> None:
        pass


def test_received_parameters_are_copied_into_place():
    from plait_ray.arrays import copy_param

    model = Linear(nO=3, nI=4)
    model.initialize()
    current = model.get_param("W")
    sent = numpy.arange(12, dtype="f").reshape(3, 4)
    sent.flags.writeable = False  # as Ray's object store hands them out
    copy_param(model, "W", sent)
    assert model.get_param("W") is current and numpy.array_equal(current, sent)
    # Another shape (a resized layer): the parameter is replaced, writable.
    copy_param(model, "W", numpy.ones((2, 4), dtype="f"))
    replaced = model.get_param("W")
    assert replaced.shape == (2, 4) and replaced.flags.writeable


def test_step_split_accounts_for_a_steps_wall_time():
    from plait_ray.worker import _step_split, _thread_clocks

    wall = [0.0, 0.030, 0.060, 0.200, 0.230]
    process = [0.0, 0.020, 0.040, 0.170, 0.190]
    thread = [(0.0, 0.0), (0.015, 0.010), (0.030, 0.020), (0.160, 0.025), (0.175, 0.035)]
    split = _step_split(wall, process, thread, [False, False, True, False, False])
    # Steps 0, 1 and 3 (step 2 evaluated): 30 ms each, 15 on a core, 10
    # waiting for one, 5 blocked; the process's other threads 5 ms.
    assert split["step_ms"] == pytest.approx(30.0)
    assert split["compute_ms"] == pytest.approx(15.0)
    assert split["runqueue_ms"] == pytest.approx(10.0)
    assert split["blocked_ms"] == pytest.approx(5.0)
    assert split["others_cpu_ms"] == pytest.approx(5.0)
    assert _step_split([0.0], [0.0], [(0.0, 0.0)], [False]) == {}
    cpu, waited = _thread_clocks()
    assert cpu > 0 and waited >= 0


def test_a_serving_owner_sleeps_until_a_gradient_comes_and_stops_at_once():
    import time

    hub, nlps, opts = _workers(2, latency=0)
    owner = opts[0]
    key = owner.owned[0]
    node, name = owner.nodes[key]
    before = node.get_param(name).copy()
    rounds = 0
    inner_update = owner.update_owned

    def counting(own, keys=None):
        nonlocal rounds
        rounds += 1
        return inner_update(own, keys)

    owner.update_owned = counting  # type: ignore[method-assign]
    server = threading.Thread(target=owner.serve, kwargs={"idle": 5.0})
    server.start()
    time.sleep(0.3)
    # Idle: one round, then asleep (not a round every few milliseconds).
    assert rounds <= 2
    owner.receive_grads(1, {key: (0, numpy.ones_like(before))})
    # Applied when it comes, not at the end of the 5 s idle wait.
    deadline = time.monotonic() + 1.5
    while numpy.array_equal(before, node.get_param(name)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not numpy.array_equal(before, node.get_param(name)) and owner.versions[key] == 1
    started = time.monotonic()
    owner.stop()
    server.join(timeout=5)
    assert not server.is_alive() and time.monotonic() - started < 2
