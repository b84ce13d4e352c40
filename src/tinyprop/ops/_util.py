"""Helpers shared by the op modules: operand coercion and axis arguments."""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import get_default_dtype
from ..tensor import Tensor


def operand(x, like: Tensor):
    """Turn a non-Tensor operand into something that does not up-cast ``like``.

    Python numbers are passed through (NumPy treats them as "weak" and keeps the
    tensor's dtype); NumPy scalars become Python numbers for the same reason; lists
    and arrays become arrays.
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool):
        return x
    if isinstance(x, numbers.Number):
        if isinstance(x, np.generic):
            return x.item()
        return x
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and like.data.dtype.kind == "f" and arr.dtype != like.data.dtype:
        arr = arr.astype(like.data.dtype) if arr.dtype == np.float64 else arr
    return arr


def pair(a, b):
    """Coerce a binary op's operands; at least one of them must be a Tensor.

    An integer tensor meeting a float operand is promoted to the float dtype first
    (the default dtype for Python floats), as PyTorch does.
    """
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise TypeError("expected at least one Tensor operand")
        a = operand(a, b)
    else:
        b = operand(b, a)
    ka = _kind(a)
    kb = _kind(b)
    if ka in "iub" and kb == "f":
        a = _as_float(a, b)
    elif kb in "iub" and ka == "f":
        b = _as_float(b, a)
    return a, b


def _kind(x) -> str:
    if isinstance(x, Tensor):
        return x.data.dtype.kind
    if isinstance(x, bool):
        return "b"
    if isinstance(x, int):
        return "i"
    if isinstance(x, float):
        return "f"
    return np.asarray(x).dtype.kind


def _as_float(x, other):
    dt = other.data.dtype if isinstance(other, Tensor) else (
        get_default_dtype() if isinstance(other, float) else np.asarray(other).dtype
    )
    if isinstance(x, Tensor):
        return Tensor._wrap(x.data.astype(dt))
    if isinstance(x, (bool, int)):
        return float(x) if dt.kind == "f" and isinstance(other, float) else x
    return np.asarray(x).astype(dt)


def axis_args(axis, dim, keepdims, keepdim):
    """Accept NumPy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` spellings."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give either axis= or dim=, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, bool(keepdims)


def normalize_axes(axis, ndim: int) -> tuple:
    """Axis argument (None, int or tuple) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(
                f"axis {a} is out of range for a tensor with {ndim} dimensions; "
                f"use an axis in [{-ndim}, {ndim - 1}]"
            )
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def expand_reduced(g, shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input ``shape``."""
    if not keepdims and shape:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return g


def as_tensor_arg(x):
    """Wrap a non-Tensor argument of a unary op as a constant Tensor."""
    return x if isinstance(x, Tensor) else Tensor(x)


def float_arg(x):
    """Wrap as a Tensor; integer and bool tensors become the default float dtype (for ops
    whose result is real-valued: exp, log, tanh, softmax, ...)."""
    t = as_tensor_arg(x)
    if t.data.dtype.kind != "f":
        t = Tensor._wrap(t.data.astype(get_default_dtype()))
    return t
