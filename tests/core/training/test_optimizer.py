"""plait's FusedOptimizer against thinc's Optimizer: the same bits after many steps.

Both of its steps are checked: the compiled one-pass kernel (numba) and the
numpy one that runs where numba is missing."""

from __future__ import annotations

import numpy
import pytest
from plait.training._adam_kernel import COMPILED_ADAM_ENV, adam_kernel
from plait.training.optimizer import FusedOptimizer, fuse_optimizer
from thinc.api import SGD, Adam, Optimizer, RAdam

SHAPES = [(50, 8), (7,), (3, 4, 5), (1000, 16)]


def _params(seed: int) -> list[numpy.ndarray]:
    rng = numpy.random.default_rng(seed)
    return [rng.normal(size=shape).astype("f") for shape in SHAPES]


def _run(optimizer: Optimizer, steps: int, seed: int = 0, lr_scale: float = 1.0):
    weights = _params(seed)
    grads = [numpy.zeros_like(w) for w in weights]
    rng = numpy.random.default_rng(seed + 1)
    for _ in range(steps):
        for i, (w, g) in enumerate(zip(weights, grads)):
            # large enough gradients that clipping fires on some steps and not others
            g += rng.normal(scale=rng.choice([0.01, 1.0]), size=g.shape).astype("f")
            new_w, new_g = optimizer((i, "W"), w, g, lr_scale=lr_scale)
            # updated in place, as thinc's CPU path does (what it returns may be a view)
            assert numpy.shares_memory(new_w, w) and numpy.shares_memory(new_g, g)
            weights[i], grads[i] = new_w.reshape(w.shape), new_g.reshape(g.shape)
        optimizer.step_schedules()
    return weights, grads


CONFIGS = {
    "spacy-default": dict(learn_rate=0.001, L2=0.01, L2_is_weight_decay=True, grad_clip=1.0,
                          use_averages=False),
    "averages": dict(learn_rate=0.002, L2=0.01, L2_is_weight_decay=True, grad_clip=1.0,
                     use_averages=True),
    "no-clip-no-l2": dict(learn_rate=0.01, L2=0.0, grad_clip=0.0, use_averages=False),
    "schedule": dict(learn_rate=[0.001 * (i + 1) for i in range(40)], L2=0.01,
                     L2_is_weight_decay=True, grad_clip=1.0),
}


@pytest.fixture(params=["kernel", "numpy"])
def step_path(request, monkeypatch) -> str:
    """Run a test once with the compiled kernel and once with the numpy step."""
    if request.param == "kernel":
        monkeypatch.setenv(COMPILED_ADAM_ENV, "1")
        assert adam_kernel() is not None, "numba is in requirements-dev.txt: the kernel must compile"
    else:
        monkeypatch.delenv(COMPILED_ADAM_ENV, raising=False)
        assert adam_kernel() is None
    return request.param


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("lr_scale", [1.0, 0.5])
def test_fused_adam_is_bit_identical_to_thincs(name: str, lr_scale: float, step_path: str) -> None:
    thinc_opt = Adam(**CONFIGS[name])
    fused_opt = fuse_optimizer(Adam(**CONFIGS[name]))
    assert type(fused_opt) is FusedOptimizer
    w_ref, g_ref = _run(thinc_opt, 30, lr_scale=lr_scale)
    w_new, g_new = _run(fused_opt, 30, lr_scale=lr_scale)
    for a, b in zip(w_ref, w_new):
        assert numpy.array_equal(a, b)
    for a, b in zip(g_ref, g_new):
        assert not b.any() and numpy.array_equal(a, b)
    for key in thinc_opt.mom1:
        assert numpy.array_equal(thinc_opt.mom1[key], fused_opt.mom1[key])
        assert numpy.array_equal(thinc_opt.mom2[key], fused_opt.mom2[key])
        assert thinc_opt.nr_update[key] == fused_opt.nr_update[key]
    if thinc_opt.averages is not None:
        for key in thinc_opt.averages:
            assert numpy.array_equal(thinc_opt.averages[key], fused_opt.averages[key])


@pytest.mark.parametrize("make", [
    lambda: RAdam(0.001), lambda: SGD(0.01), lambda: Adam(0.001, L2=0.01, L2_is_weight_decay=False)
])
def test_steps_the_fused_path_does_not_cover_are_thincs(make) -> None:
    w_ref, _ = _run(make(), 5)
    w_new, _ = _run(fuse_optimizer(make()), 5)
    for a, b in zip(w_ref, w_new):
        assert numpy.array_equal(a, b)


def test_only_thincs_own_optimizer_is_switched() -> None:
    class Custom(Optimizer):
        __slots__ = ()

    custom = Custom(0.001)
    assert type(fuse_optimizer(custom)) is Custom
    assert fuse_optimizer(None) is None


def test_the_kernel_matches_on_a_large_table_with_tiny_and_huge_gradients(monkeypatch) -> None:
    """Vectorised lanes and the scalar tail both exact; values spanning many exponents."""
    monkeypatch.setenv(COMPILED_ADAM_ENV, "1")
    assert adam_kernel() is not None
    rng = numpy.random.default_rng(3)
    size = 100_003  # not a multiple of any vector width
    ref, new = Adam(0.001, L2=0.01, grad_clip=0.0), fuse_optimizer(Adam(0.001, L2=0.01, grad_clip=0.0))
    w_ref = rng.normal(size=size).astype("f")
    w_new = w_ref.copy()
    for step in range(5):
        grad = (rng.normal(size=size) * 10.0 ** rng.integers(-12, 3, size=size)).astype("f")
        grad[:: 7 + step] = 0.0
        ref((0, "W"), w_ref, grad.copy())
        new((0, "W"), w_new, grad.copy())
    assert numpy.array_equal(w_ref, w_new)
    assert numpy.array_equal(ref.mom2[(0, "W")], new.mom2[(0, "W")])


@pytest.mark.parametrize("requested", [False, True])
def test_numba_is_imported_only_when_the_compiled_step_is_requested(requested: bool) -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys, plait, plait.language, plait.training.optimizer as o\n"
        "from thinc.api import Adam\n"
        "print('before', 'numba' in sys.modules)\n"
        "o.fuse_optimizer(Adam(0.001))\n"
        "import plait.training._adam_kernel as k\n"
        "thread = k._STATE.get('thread')\n"
        "thread is None or thread.join()\n"
        "print('after', k.adam_kernel() is not None, 'numba' in sys.modules)\n"
    )
    env = {**os.environ, COMPILED_ADAM_ENV: "1" if requested else "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout
    assert out.split() == ["before", "False", "after", str(requested), str(requested)]


def test_requesting_the_compiled_step_without_numba_is_a_clear_error(monkeypatch) -> None:
    import importlib.util

    from plait.errors import UsageError
    from plait.training import _adam_kernel

    monkeypatch.setenv(COMPILED_ADAM_ENV, "1")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba" else real_find_spec(name, *a))
    monkeypatch.setattr(_adam_kernel, "_STATE", {})
    with pytest.raises(UsageError, match="pip install numba"):
        fuse_optimizer(Adam(0.001))
