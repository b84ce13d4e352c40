"""Helpers shared by the op modules: operand coercion and axis arguments."""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_bool, type_error, value_error
from ..backend import get_default_dtype
from ..errors import TinypropError, TinypropTypeError
from ..tensor import Tensor, as_tensor_data


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
    if arr.dtype.kind == "f" and like._data.dtype.kind == "f" and arr.dtype != like._data.dtype:
        arr = arr.astype(like._data.dtype) if arr.dtype == np.float64 else arr
    return arr


def pair(a, b):
    """Coerce a binary op's operands; at least one of them must be a Tensor.

    An integer tensor meeting a float operand is promoted to the float dtype first
    (the default dtype for Python floats), as PyTorch does.
    """
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):  # tp.add(2, 3.5): numbers become tensors, as in PyTorch
            a = as_tensor_data(a)
            b = operand(b, a)
        else:
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
        return x._data.dtype.kind
    if isinstance(x, bool):
        return "b"
    if isinstance(x, int):
        return "i"
    if isinstance(x, float):
        return "f"
    return np.asarray(x).dtype.kind


def _as_float(x, other):
    dt = other._data.dtype if isinstance(other, Tensor) else (
        get_default_dtype() if isinstance(other, float) else np.asarray(other).dtype
    )
    if isinstance(x, Tensor):
        return Tensor._wrap(x._data.astype(dt))
    if isinstance(x, (bool, int)):
        return float(x) if dt.kind == "f" and isinstance(other, float) else x
    return np.asarray(x).astype(dt)


class DimensionError(TinypropError, IndexError, ValueError):
    """A dimension out of range: one of tinyprop's errors (:mod:`tinyprop.errors`), an
    ``IndexError`` as in PyTorch, and a ``ValueError`` by tinyprop's policy (a wrong value).
    """


def axis_args(dim, keepdim, axis=None, keepdims=None):
    """PyTorch's ``dim``/``keepdim``, with NumPy's ``axis``/``keepdims`` as exact aliases
    (as PyTorch itself accepts them). An empty ``dim`` (``()`` or ``[]``) means all
    dimensions, as in ``torch.sum(x, dim=())``."""
    if axis is not None:
        if dim is not None:
            raise TinypropTypeError("give either dim= or its alias axis=, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, (list, tuple)):
        dim = tuple(dim) or None
    if keepdim is not True and keepdim is not False:  # the common case costs two `is`
        keepdim = check_bool(keepdim, "keepdim", fix="pass keepdim=True or keepdim=False")
    return dim, keepdim


def normalize_axes(axis, ndim: int) -> tuple:
    """Axis argument (None, int or tuple) as a sorted tuple of non-negative ints.

    A 0-d tensor accepts dimension 0 or -1 (PyTorch's rule) and has no axis to reduce.
    """
    if axis is None:
        return tuple(range(ndim))
    n = max(ndim, 1)
    if type(axis) is int:  # fast path: one plain int
        if not -n <= axis < n:
            raise _out_of_range(axis, ndim)
        return (axis % ndim,) if ndim else ()
    try:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    except TypeError:  # not a sequence (dim=1.0): refused below as one wrong dimension
        axes = (axis,)
    out = []
    for a in axes:
        if type(a) is not int:
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
                raise type_error("dim", "an integer", a,
                                 "pass an int such as dim=0 or dim=-1")
            a = int(a)
        if not -n <= a < n:
            raise _out_of_range(a, ndim)
        if ndim:
            out.append(a % ndim)
    if len(set(out)) != len(out):
        raise value_error("dim", "a list of distinct dimensions", axis,
                          "a dimension appears more than once; list each dimension once")
    return tuple(sorted(out))


def _out_of_range(a: int, ndim: int) -> DimensionError:
    n = max(ndim, 1)
    return DimensionError(
        f"dim must be in [{-n}, {n - 1}] for a tensor with {ndim} dimension(s), got "
        f"dimension {a} (out of range); negative dims count from the end (-1 is the last)"
    )


def expand_reduced(g, shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input ``shape``."""
    if keepdims or not shape:
        return g
    if len(axes) == len(shape):  # reduced over every axis
        return g.reshape((1,) * len(shape))
    return g.reshape(tuple([1 if i in axes else n for i, n in enumerate(shape)]))


def broadcast_grad(g, shape):
    """``np.broadcast_to(g, shape)`` for a gradient that ``expand_reduced`` shaped (same
    number of dimensions): a contiguous array gets its read-only zero-stride view built
    directly (about 10 x cheaper than NumPy's general routine); anything else, a Tensor
    of a recorded backward included, goes through ``np.broadcast_to``."""
    if type(g) is np.ndarray and g.size == 1 and g.ndim <= len(shape):
        # a full reduction's gradient (a size-1 array is contiguous): every stride 0
        out = np.ndarray(shape, g.dtype, g, 0, (0,) * len(shape))
        out.setflags(write=False)  # cheaper than out.flags.writeable = False
        return out
    if type(g) is np.ndarray and g.ndim == len(shape) and g.flags.c_contiguous:
        gs = g.shape
        strides = []
        for n, m, st in zip(gs, shape, g.strides):
            if n == m:
                strides.append(st)
            elif n == 1:
                strides.append(0)
            else:
                return np.broadcast_to(g, shape)  # NumPy's error for shapes that differ
        out = np.ndarray(shape, g.dtype, g, 0, tuple(strides))
        out.setflags(write=False)
        return out
    return np.broadcast_to(g, shape)


def as_tensor_arg(x):
    """Wrap a non-Tensor argument of a unary op as a constant Tensor."""
    return x if isinstance(x, Tensor) else as_tensor_data(x)


def float_arg(x):
    """Wrap as a Tensor; integer and bool tensors become the default float dtype (for ops
    whose result is real-valued: exp, log, tanh, softmax, ...)."""
    t = as_tensor_arg(x)
    if t._data.dtype.kind != "f":
        t = Tensor._wrap(t._data.astype(get_default_dtype()))
    return t


def cast_result(a: Tensor, dtype) -> Tensor:
    """PyTorch's ``dtype=`` argument of reductions and softmax: cast the input first
    (differentiably, for float dtypes); bool and integer input reduce to int64."""
    if dtype is not None:
        from .misc import to

        return to(a, dtype)
    if a._data.dtype.kind in "bu" or a._data.dtype.kind == "i" and a._data.dtype != np.int64:
        return Tensor._wrap(a._data.astype(np.int64))
    return a


def binary(fn, name, a, b, *extra):
    """Apply a broadcasting binary op, turning NumPy's shape error into a clear one."""
    try:
        return fn.apply(a, b, *extra)
    except ValueError as e:
        sa, sb = np.shape(getattr(a, "_data", a)), np.shape(getattr(b, "_data", b))
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            raise ValueError(
                f"{name}: shapes {sa} and {sb} do not broadcast: trailing dimensions must be "
                "equal or 1; reshape one operand (e.g. x.reshape(-1, 1)) or check the inputs"
            ) from None
        raise e
