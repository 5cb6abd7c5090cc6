"""plait's FusedOptimizer against thinc's Optimizer: the same bits after many steps.

Both of its steps are checked: the compiled one-pass C step and the numpy one
that runs where the C step was not built (or PLAIT_COMPILED_ADAM=0)."""

from __future__ import annotations

import shutil

import numpy
import pytest
from plait.training._adam_kernel import COMPILED_ADAM_ENV, adam_kernel, library_path
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


def _kernel_or_skip() -> None:
    """The C step must be built wherever a C compiler was there at install time."""
    if adam_kernel() is None:
        if shutil.which("cc") is None and shutil.which("gcc") is None:
            pytest.skip("no C compiler here: plait was installed without its C Adam step")
        raise AssertionError(f"the C Adam step was not built ({library_path()}); reinstall core")


@pytest.fixture(params=["kernel", "numpy"])
def step_path(request, monkeypatch) -> str:
    """Run a test once with the compiled C step and once with the numpy step."""
    if request.param == "kernel":
        monkeypatch.delenv(COMPILED_ADAM_ENV, raising=False)
        _kernel_or_skip()
    else:
        monkeypatch.setenv(COMPILED_ADAM_ENV, "0")
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


def test_a_large_table_with_tiny_and_huge_gradients_matches(step_path: str) -> None:
    """The kernel's vector lanes and scalar tail both exact; values spanning many exponents."""
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


def test_the_kernel_is_a_small_library_loaded_without_a_compiler_at_run_time() -> None:
    """No JIT (numba and LLVM cost +140 MiB of memory) is imported to get it."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, plait.training._adam_kernel as k\n"
        "print(k.adam_kernel() is not None, 'numba' in sys.modules, 'llvmlite' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != COMPILED_ADAM_ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout
    built = library_path() is not None
    assert out.split() == [str(built), "False", "False"]
