"""Which worker owns which parameter array: a mapping every worker computes alike.

thinc node ids differ between processes, so a parameter is named by
``(component, index of the node in model.walk(), parameter name)`` — the
same naming plait's checkpoints use. Owners are assigned greedily, largest
array first, to the least-loaded worker; the order is fully determined by
the names and shapes, so every worker (and a restarted one) agrees without
talking to the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from thinc.api import Model

ParamKey = tuple[str, int, str]


def iter_params(nlp: Any) -> Iterator[tuple[ParamKey, Model, str]]:
    """Yield ``(stable key, node, parameter name)`` for every allocated parameter.

    A node shared by two components is named after the first one, as in
    plait's checkpoints.
    nlp (Language): the pipeline.
    YIELDS (tuple[ParamKey, Model, str]): the key, the node, the parameter name.
    """
    seen: set[int] = set()
    for pipe_name, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if not isinstance(model, Model):
            continue
        for index, node in enumerate(model.walk()):
            if node.id in seen:
                continue
            seen.add(node.id)
            for name in node.param_names:
                if node.has_param(name):
                    yield (pipe_name, index, name), node, name


def assign_owners(sizes: dict[ParamKey, int], n_workers: int) -> dict[ParamKey, int]:
    """Give every parameter to one worker, balancing the number of floats.

    sizes (dict[ParamKey, int]): parameter key -> number of elements.
    n_workers (int): how many workers share them.
    RETURNS (dict[ParamKey, int]): parameter key -> owning worker rank.
    """
    loads = [0] * n_workers
    owners: dict[ParamKey, int] = {}
    for key in sorted(sizes, key=lambda k: (-sizes[k], k)):
        rank = min(range(n_workers), key=lambda r: (loads[r], r))
        owners[key] = rank
        loads[rank] += sizes[key]
    return owners
