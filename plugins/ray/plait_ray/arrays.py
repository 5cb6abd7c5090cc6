"""Gradient and parameter arrays as ``ShardedOptimizer`` moves them: packed
for the wire, averaged by an owner, copied into place on arrival.

Why it exists: these are array operations with no state of the exchange
(sharding.py holds that); the packing rule and the order of the sum decide
what travels and that sums are reproducible, and are tested on their own.
"""

from __future__ import annotations

from typing import Any

import numpy

__all__ = ["SPARSE_MIN_ROWS", "SPARSE_ROWS_SHARE", "copy_param", "mean_gradient", "pack_rows", "packed_nbytes",
           "writable"]

# A gradient travels as its nonzero rows when at most this share of a table's
# rows is nonzero: a batch touches a fifth to a third of a hash-embedding
# table's rows, and those tables are most of a model's floats (about 70% of
# the gradient bytes of the test tagger were zero rows).
SPARSE_ROWS_SHARE = 0.5
SPARSE_MIN_ROWS = 256


def pack_rows(grad: Any) -> Any:
    """A gradient as sent: the array, or ``(row indices, rows, n_rows)`` for
    a large 2D one whose rows are mostly zero (embedding tables).

    grad (numpy.ndarray): the gradient (a CPU array).
    RETURNS (numpy.ndarray | tuple): what goes into the message.
    """
    if grad.ndim != 2 or grad.shape[0] < SPARSE_MIN_ROWS:
        return grad
    rows = numpy.flatnonzero(grad.any(axis=1))
    if len(rows) > SPARSE_ROWS_SHARE * grad.shape[0]:
        return grad
    return (rows.astype(numpy.int32), grad[rows], grad.shape[0])


def packed_nbytes(value: Any) -> int:
    if isinstance(value, tuple):
        return int(value[0].nbytes + value[1].nbytes)
    return int(value.nbytes)


def mean_gradient(ops: Any, param: Any, grads: list[tuple[int, Any]], *, own_rank: int) -> Any:
    """The mean of gradients (arrays or packed rows), summed in the given
    order, as a fresh writable array on the ops' device (the optimizer
    zeroes it). Adding a zero row changes no float, so sparse and dense
    messages give the same sum, bit for bit."""
    first_rank, first = grads[0]
    if isinstance(first, tuple):
        total = ops.alloc(param.shape, dtype=param.dtype)
        rows, values, _ = first
        total[ops.asarray(rows)] = ops.asarray(values)
    elif first_rank == own_rank:
        total = first  # this worker's own copy (see ShardedOptimizer.__call__)
    else:
        total = ops.asarray(first).copy()  # a received array may be a read-only view
    for _, grad in grads[1:]:
        if isinstance(grad, tuple):
            rows, values, _ = grad
            # Row indices are unique, so fancy-indexed += adds each row once.
            total[ops.asarray(rows)] += ops.asarray(values)
        else:
            total += ops.asarray(grad)
    if len(grads) > 1:
        total /= len(grads)
    return total


def copy_param(node: Any, name: str, array: Any) -> None:
    """Set a parameter to a received array's values: copied into the current
    parameter array when it is a writable numpy array of the same shape and
    type (nothing else holds it: the owner broadcasts only what it owns),
    else set as a writable array on the node's device.

    node (Model): the layer. name (str): the parameter. array (ArrayXd): the values.
    """
    current = node.get_param(name)
    if (isinstance(current, numpy.ndarray) and isinstance(array, numpy.ndarray) and current.flags.writeable
            and current.shape == array.shape and current.dtype == array.dtype):
        numpy.copyto(current, array)
    else:
        node.set_param(name, writable(node.ops, array))


def writable(ops: Any, array: Any) -> Any:
    """The array on the ops' device, writable (Ray hands out read-only views
    of its object store, and thinc updates parameters in place)."""
    arr = ops.asarray(array)
    flags = getattr(arr, "flags", None)
    if flags is not None and not getattr(flags, "writeable", True):
        arr = arr.copy()
    return arr
