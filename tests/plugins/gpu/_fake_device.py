"""A stand-in GPU for CPU-only tests: thinc ops whose arrays live on a "device".

Why it exists: on a GPU, CuPy refuses to mix its arrays with numpy's
(``TypeError: Unsupported type <class 'numpy.ndarray'>``), so a model that
builds an array with ``numpy`` instead of ``model.ops`` / ``ops.xp`` breaks
there while every CPU test passes. ``FakeDeviceOps`` makes the same mistake
fail on the CPU:

- its arrays are ``DeviceArray`` (an ndarray subclass: thinc's compiled CPU
  kernels still run on them);
- a numpy ufunc or function that mixes a ``DeviceArray`` with a plain numpy
  array of one or more dimensions raises ``HostArrayMixed``, as CuPy does;
- an ops method given a plain float numpy array raises too (CuPy's kernels
  take only device arrays); ``asarray*``/``to_numpy`` are the transfers;
- ``ops.xp`` is numpy whose results are ``DeviceArray`` (like ``cupy``);
- ``device_type`` is ``"gpu"``, so code paths written for a GPU run.

``LayerRecorder`` wraps thinc's ``Model.__call__`` and records, per layer,
whether its outputs and input gradients were device or host float arrays.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from thinc.api import Model, NumpyOps, Padded, Ragged, get_current_ops, set_current_ops


class HostArrayMixed(TypeError):
    """A host numpy array reached an operation on device arrays."""


class DeviceArray(np.ndarray):
    """An array on the fake device."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out") or ()
        _check_mixed(f"numpy.{ufunc.__name__}", (*inputs, *out))
        if out:
            kwargs["out"] = tuple(_host(o) for o in out)
        result = getattr(ufunc, method)(*(_host(x) for x in inputs), **kwargs)
        if out:
            return out[0] if len(out) == 1 else out
        return to_device(result)

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        _check_mixed(f"numpy.{func.__name__}", [*_leaves(args), *_leaves(kwargs)])
        return to_device(func(*_unwrap(args), **_unwrap(kwargs)))

    def get(self) -> np.ndarray:
        """The array copied to the host (CuPy's ``ndarray.get``)."""
        return np.array(self.view(np.ndarray))


def _host(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, DeviceArray) else x


def to_device(x: Any) -> Any:
    """Arrays in `x` (nested in tuples, lists, Ragged, Padded) as DeviceArray."""
    if isinstance(x, DeviceArray):
        return x
    if isinstance(x, np.ndarray):
        return x.view(DeviceArray)
    if isinstance(x, tuple):
        return tuple(to_device(v) for v in x)
    if isinstance(x, list):
        return [to_device(v) for v in x]
    if isinstance(x, Ragged):
        return Ragged(to_device(x.dataXd), to_device(x.lengths))
    if isinstance(x, Padded):
        return Padded(to_device(x.data), to_device(x.size_at_t), to_device(x.lengths), to_device(x.indices))
    return x


def _unwrap(x: Any) -> Any:
    if isinstance(x, DeviceArray):
        return x.view(np.ndarray)
    if isinstance(x, tuple):
        return tuple(_unwrap(v) for v in x)
    if isinstance(x, list):
        return [_unwrap(v) for v in x]
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _leaves(x: Any) -> Iterator[Any]:
    if isinstance(x, (tuple, list)):
        for v in x:
            yield from _leaves(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _leaves(v)
    else:
        yield x


def is_host_array(x: Any, *, floats_only: bool = False) -> bool:
    """RETURNS (bool): `x` is a plain numpy array of >= 1 dimension (float only if asked)."""
    if not isinstance(x, np.ndarray) or isinstance(x, DeviceArray) or x.ndim == 0:
        return False
    return not floats_only or x.dtype.kind == "f"


def _check_mixed(what: str, values: Any) -> None:
    values = list(values)
    if any(isinstance(v, DeviceArray) for v in values):
        host = [v for v in values if is_host_array(v)]
        if host:
            raise HostArrayMixed(
                f"{what}: a host numpy array {host[0].dtype}{list(host[0].shape)} mixed with "
                f"device arrays (CuPy raises 'Unsupported type numpy.ndarray' here)"
            )


class _Xp(types.SimpleNamespace):
    """numpy, with device arrays out (what ``cupy`` is to a GPU model)."""

    def __init__(self, module: types.ModuleType) -> None:
        super().__init__()
        self._module = module

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._module, name)
        if isinstance(attr, types.ModuleType):
            return _Xp(attr)
        if callable(attr) and not isinstance(attr, type):
            def call(*args: Any, **kwargs: Any) -> Any:
                return to_device(attr(*_unwrap(args), **_unwrap(kwargs)))

            return call
        return attr


# Ops methods that move data between host and device: host arrays are fine.
_TRANSFERS = {"asarray", "asarray1i", "asarray2i", "asarray1f", "asarray2f", "asarray3f",
              "asarray4f", "asarray_f", "asarray_i", "to_numpy", "alloc", "alloc1f", "alloc2f",
              "alloc3f", "alloc4f", "alloc_f", "alloc1i", "alloc2i", "alloc3i", "alloc4i",
              "alloc_i", "xp", "device_type", "device_id", "name"}


class FakeDeviceOps(NumpyOps):
    """NumpyOps pretending to be a GPU backend (see the module docstring)."""

    name = "fake-device"

    def __init__(self) -> None:
        super().__init__()
        self.device_type = "gpu"
        self.xp = _Xp(np)
        for attr in dir(NumpyOps):
            if attr.startswith("_") or attr in ("xp", "device_type", "device_id", "name"):
                continue
            method = getattr(self, attr)
            if callable(method):
                setattr(self, attr, self._wrap(attr, method))

    @staticmethod
    def _wrap(name: str, method: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if name not in _TRANSFERS:
                host = [v for v in _leaves([args, kwargs]) if is_host_array(v, floats_only=True)]
                if host:
                    raise HostArrayMixed(
                        f"ops.{name}: given a host numpy array {host[0].dtype}{list(host[0].shape)}; "
                        f"on a GPU it needs a device array (use ops.asarray)"
                    )
            result = method(*args, **kwargs)
            return result if name == "to_numpy" else to_device(result)

        return call

    def to_numpy(self, data: Any, *, byte_order: Any = None) -> Any:  # noqa: D102 - thinc's
        data = data.get() if isinstance(data, DeviceArray) else data
        return super().to_numpy(data, byte_order=byte_order)


class LayerRecorder:
    """Which kind of float arrays each thinc layer produced, forward and backward."""

    def __init__(self) -> None:
        self.kinds: dict[str, set[str]] = {}
        self.host: list[str] = []

    def note(self, layer: str, direction: str, value: Any) -> None:
        for leaf in _leaves(_arrays_in(value)):
            if not isinstance(leaf, np.ndarray) or leaf.dtype.kind != "f" or leaf.ndim == 0:
                continue
            kind = "device" if isinstance(leaf, DeviceArray) else "numpy"
            self.kinds.setdefault(layer, set()).add(kind)
            if kind == "numpy":
                self.host.append(f"{layer} ({direction}): numpy {leaf.dtype}{list(leaf.shape)}")


def _arrays_in(value: Any) -> Any:
    if isinstance(value, Ragged):
        return [value.dataXd]
    if isinstance(value, Padded):
        return [value.data]
    if isinstance(value, (tuple, list)):
        return [_arrays_in(v) for v in value]
    return value


@contextmanager
def fake_device(recorder: LayerRecorder) -> Iterator[FakeDeviceOps]:
    """Make FakeDeviceOps current and record every layer's arrays meanwhile."""
    previous_ops = get_current_ops()
    original_call = Model.__call__

    def recording_call(self: Model, X: Any, is_train: bool) -> Any:
        Y, backprop = original_call(self, X, is_train)
        if not isinstance(self.ops, FakeDeviceOps):
            return Y, backprop  # a layer put on the CPU on purpose (thinc's with_cpu)
        recorder.note(self.name, "forward", Y)

        def recording_backprop(dY: Any) -> Any:
            dX = backprop(dY)
            recorder.note(self.name, "backward", dX)
            return dX

        return Y, recording_backprop

    ops = FakeDeviceOps()
    # thinc picks the array module from an array (cupy for a CuPy array):
    # make it pick the fake device's for a DeviceArray, in every module that
    # imported the function by name.
    originals = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("thinc") and hasattr(module, "get_array_module"):
            originals[module] = module.get_array_module
            module.get_array_module = _make_get_array_module(module.get_array_module, ops.xp)
    set_current_ops(ops)
    Model.__call__ = recording_call  # type: ignore[method-assign]
    try:
        yield ops
    finally:
        Model.__call__ = original_call  # type: ignore[method-assign]
        for module, function in originals.items():
            module.get_array_module = function
        set_current_ops(previous_ops)


def _make_get_array_module(original: Any, xp: Any) -> Any:
    def get_array_module(arr: Any) -> Any:
        return xp if isinstance(arr, DeviceArray) else original(arr)

    return get_array_module
