"""An in-process transport for ``ShardedOptimizer``: many workers, one process.

It checks the algorithm past what one machine's Ray actors can show: the
messages workers post are delivered after ``latency`` ticks of a simulated
clock, so message volume and gradient staleness can be measured for 4, 8 or
more workers stepping at different speeds (``bench/ray.py``), and the unit
tests exercise the exchange without starting Ray.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from functools import partial
from typing import Any

from .ownership import ParamKey

Payload = dict[ParamKey, tuple[int, Any]]


def _copy(payload: dict[ParamKey, tuple[int, Any]]) -> dict[ParamKey, tuple[int, Any]]:
    # Each receiver gets its own arrays, as it would over the wire, read-only
    # as Ray's object store hands them out.
    out = {}
    for key, (version, array) in payload.items():
        array = array.copy()
        array.flags.writeable = False
        out[key] = (version, array)
    return out


class SimHub:
    """The simulated network: a clock and a queue of messages in flight.

    latency (int): ticks between posting a message and its delivery.
    """

    def __init__(self, latency: int = 1) -> None:
        self.latency = latency
        self.tick = 0
        self.workers: dict[int, Any] = {}
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = 0

    def transport(self, rank: int) -> SimTransport:
        """RETURNS (SimTransport): the transport of worker `rank`."""
        return SimTransport(self, rank)

    def post(self, deliver: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (self.tick + self.latency, self._seq, deliver))

    def advance(self, ticks: int = 1) -> None:
        """Move the clock and deliver what is due."""
        self.tick += ticks
        while self._queue and self._queue[0][0] <= self.tick:
            _, _, deliver = heapq.heappop(self._queue)
            deliver()

    def flush(self) -> None:
        """Deliver everything in flight."""
        while self._queue:
            self.advance(max(1, self._queue[0][0] - self.tick))


class SimTransport:
    """``Transport`` over a ``SimHub``; state requests are answered at once."""

    def __init__(self, hub: SimHub, rank: int) -> None:
        self.hub = hub
        self.rank = rank

    def send(self, messages: dict[int, tuple[Payload | None, Payload | None]]) -> None:
        for peer, (grads, params) in sorted(messages.items()):
            # Gradients are the sender's own arrays of the step (never written
            # again); parameters are live arrays: copied at once, per peer.
            copied = _copy(params) if params is not None else None
            self.hub.post(partial(self.hub.workers[peer].receive, self.rank, grads, copied))

    def announce_retired(self) -> None:
        for rank, target in self.hub.workers.items():
            if rank != self.rank:
                self.hub.post(partial(target.retire, self.rank))

    def fetch_state(self, peer: int, keys: list[ParamKey] | None, optimizer_state: bool) -> dict[str, Any]:
        return self.hub.workers[peer].state(keys, optimizer_state)

    def poll(self) -> None:
        pass
