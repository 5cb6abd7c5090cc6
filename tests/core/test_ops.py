"""PlaitOps: gemm through numpy.matmul must equal thinc's NumpyOps gemm."""

from __future__ import annotations

import numpy
import pytest
from plait.errors import UsageError
from plait.ops import PlaitOps, default_cpu_ops, require_cpu, require_gpu, use_default_cpu_ops
from thinc.api import NumpyOps, get_current_ops, get_ops, set_current_ops


@pytest.fixture(autouse=True)
def _restore_ops():
    before = get_current_ops()
    yield
    set_current_ops(before)


@pytest.mark.parametrize("trans1", [False, True])
@pytest.mark.parametrize("trans2", [False, True])
@pytest.mark.parametrize("use_out", [False, True])
def test_gemm_equals_numpy_ops(trans1, trans2, use_out):
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((7, 5) if not trans1 else (5, 7)).astype("float32")
    y = rng.standard_normal((5, 3) if not trans2 else (3, 5)).astype("float32")
    ref = NumpyOps().gemm(x, y, trans1=trans1, trans2=trans2)
    ops = PlaitOps()
    if use_out:
        out = numpy.full((7, 3), 99.0, dtype="float32")
        got = ops.gemm(x, y, out=out, trans1=trans1, trans2=trans2)
        assert got is out
    else:
        got = ops.gemm(x, y, trans1=trans1, trans2=trans2)
    assert got.shape == (7, 3)
    assert got.dtype == numpy.float32
    numpy.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_plait_ops_registered_with_thinc():
    assert isinstance(get_ops("plait"), PlaitOps)
    assert PlaitOps.name == "plait"


def test_default_cpu_ops_and_override(monkeypatch):
    monkeypatch.delenv("PLAIT_CPU_OPS", raising=False)
    assert isinstance(default_cpu_ops(), PlaitOps)
    monkeypatch.setenv("PLAIT_CPU_OPS", "numpy")
    ops = default_cpu_ops()
    assert type(ops) is NumpyOps
    monkeypatch.setenv("PLAIT_CPU_OPS", "nosuch")
    with pytest.raises(UsageError, match="PLAIT_CPU_OPS='nosuch'"):
        default_cpu_ops()


def test_use_default_and_require_cpu(monkeypatch):
    monkeypatch.delenv("PLAIT_CPU_OPS", raising=False)
    set_current_ops(NumpyOps())
    use_default_cpu_ops()
    assert isinstance(get_current_ops(), PlaitOps)
    set_current_ops(NumpyOps())
    assert require_cpu() is True
    assert isinstance(get_current_ops(), PlaitOps)


def test_model_layers_use_plait_ops():
    from thinc.api import Linear
    set_current_ops(PlaitOps())
    model = Linear(3, 4)
    model.initialize()
    assert isinstance(model.ops, PlaitOps)
    X = numpy.ones((2, 4), dtype="float32")
    Y, backprop = model.begin_update(X)
    assert Y.shape == (2, 3)
    dX = backprop(numpy.ones((2, 3), dtype="float32"))
    assert dX.shape == (2, 4)


def test_require_gpu_without_gpu_is_a_usage_error():
    from thinc.util import has_cupy_gpu
    if has_cupy_gpu:
        pytest.skip("a GPU is present")
    with pytest.raises(UsageError, match="cannot use GPU 0"):
        require_gpu(0)
