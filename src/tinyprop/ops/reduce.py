"""Reductions over any axis or axes, with ``keepdims``: sum, mean, max, min, var, std,
logsumexp; and the non-differentiable argmax/argmin."""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import kernels
from .._validate import check_float
from ..function import Function
from ..tensor import Tensor
from ._registry import register
from ._util import (
    DimensionError,
    as_tensor_arg,
    axis_args,
    broadcast_grad,
    cast_result,
    expand_reduced,
    float_arg,
    normalize_axes,
)
from .shape import IndexAdd


def _return_type(name: str):
    """A named ``(values, indices)`` pair that prints as PyTorch's ``return_types``."""
    cls = namedtuple(name, ["values", "indices"])
    cls.__repr__ = lambda self: (f"tinyprop.return_types.{name}(\nvalues={self.values!r},"
                                 f"\nindices={self.indices!r})")
    cls.__module__ = "tinyprop.return_types"
    return cls


MaxResult = _return_type("max")
MinResult = _return_type("min")


_ALL_AXES = [tuple(range(n)) for n in range(8)]  # x.sum()'s axes, built once


def _count(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return a.sum(axis=axes, keepdims=keepdims)  # the method skips np.sum's wrapper

    @staticmethod
    def backward(ctx, g):
        if type(g) is not np.ndarray or g.size != 1:  # a one-element g broadcasts as it is
            g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        return broadcast_grad(g, ctx.shape), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return a.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        n = _count(ctx.shape, ctx.axes)
        return broadcast_grad(g / builtins.max(n, 1), ctx.shape), None, None


class Extreme(Function):
    """Max (or min) along axes; tied elements share the gradient evenly."""

    @staticmethod
    def forward(ctx, a, axes, keepdims, op):
        out = op(a, axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        mask = a == out
        count = np.sum(mask, axis=ctx.axes, keepdims=True)
        return mask * (g / count), None, None, None


class ExtremeDim(Function):
    """``max``/``min`` along one dimension, PyTorch's way: the values at the returned
    indices, and the gradient goes to those indices only."""

    @staticmethod
    def forward(ctx, a, dim, keepdim, arg):
        idx = arg(a, axis=dim, keepdims=True)
        out = np.take_along_axis(a, idx, axis=dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.idx = a.shape, dim, keepdim, idx
        return out if keepdim else np.squeeze(out, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.dim)
        idx, dim = ctx.idx, ctx.dim
        index = tuple(idx if i == dim else np.arange(n).reshape(
            [-1 if j == i else 1 for j in range(idx.ndim)]) for i, n in enumerate(idx.shape))
        return IndexAdd.call(g, ctx.shape, index), None, None, None


def _deviation(ctx, a, axes, correction):
    """``a - mean(a)`` over ``axes`` and the sum of its squares over ``n - correction``
    (kept dims), with what Var's and Std's backward read stored on ``ctx``."""
    d = a - np.mean(a, axis=axes, keepdims=True)
    denom = builtins.max(_count(a.shape, axes) - correction, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.sum(d * d, axis=axes, keepdims=True) / denom
    ctx.shape, ctx.axes, ctx.denom = a.shape, axes, denom
    return d, var


class Var(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims, correction):
        d, var = _deviation(ctx, a, axes, correction)
        ctx.save_for_backward(d)
        ctx.keepdims = keepdims
        return var if keepdims else np.squeeze(var, axis=axes)

    @staticmethod
    def resave(ctx, inputs, output):
        (a,) = inputs[:1]
        return [a - np.mean(a, axis=ctx.axes, keepdims=True)]

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * (2 / ctx.denom) * d, None, None, None


class Std(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims, correction):
        d, var = _deviation(ctx, a, axes, correction)
        with np.errstate(invalid="ignore"):
            out = np.sqrt(var)
        ctx.keepdims = keepdims
        ctx.save_for_backward(d, out)
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def resave(ctx, inputs, output):
        (d,) = Var.resave(ctx, inputs, output)
        return [d, expand_reduced(output, ctx.shape, ctx.axes, ctx.keepdims)]

    @staticmethod
    def backward(ctx, g):
        d, out = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(out > 0, g / (ctx.denom * out), 0)
        return scale * d, None, None, None


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        if a.size == 0:  # the log of an empty sum: -inf (PyTorch's answer)
            kept = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
            out = np.full(kept, -np.inf, dtype=a.dtype)
        else:
            out = kernels.logsumexp(a, axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def resave(ctx, inputs, output):
        return [inputs[0], expand_reduced(output, ctx.shape, ctx.axes, ctx.keepdims)]

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        return g * np.exp(a - out), None, None


# ---- public functions -----------------------------------------------------------
# Signatures are PyTorch's: the second positional argument is ``dim``; ``axis`` and
# ``keepdims`` are accepted as aliases with exactly the same meaning.


def _prep(a, dim, keepdim, axis, keepdims, real=False):
    a = float_arg(a) if real else as_tensor_arg(a)
    dim, keepdim = axis_args(dim, keepdim, axis, keepdims)
    return a, normalize_axes(dim, a.ndim), keepdim


@register(method=True)
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (int, tuple or None for all); bools and integers sum to int64.

    >>> import tinyprop as tp
    >>> tp.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(0)
    tensor([4., 6.])
    """
    if (dim is None and axis is None and keepdims is None and dtype is None
            and keepdim is False and isinstance(input, Tensor)
            and input._data.dtype.kind == "f"):  # x.sum() of a float tensor: no casting
        ndim = input._data.ndim
        return Sum.apply(input, _ALL_AXES[ndim] if ndim < 8 else tuple(range(ndim)), False)
    a, axes, keepdim = _prep(input, dim, keepdim, axis, keepdims)
    a = cast_result(a, dtype)
    return Sum.apply(a, axes, keepdim)


@register(method=True)
def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Mean over ``dim``; the gradient is spread as ``1/n``. Integer input gives the
    default float dtype (PyTorch asks for ``dtype=`` there).

    >>> import tinyprop as tp
    >>> tp.mean(tp.tensor([[1.0, 2.0], [3.0, 5.0]]), 1).tolist()
    [1.5, 4.0]
    """
    a, axes, keepdim = _prep(input, dim, keepdim, axis, keepdims)
    a = cast_result(a, dtype)
    if a._data.dtype.kind != "f":  # PyTorch refuses; tinyprop takes NumPy's way here
        a = a.float()
    return Mean.apply(a, axes, keepdim)


def _extreme(name, a, dim, keepdim, axis, keepdims, op, arg, pair_op):
    if isinstance(dim, Tensor) or (dim is None and axis is None and isinstance(keepdim, Tensor)):
        other = dim if isinstance(dim, Tensor) else keepdim
        return pair_op(a, other)  # torch.max(a, b): the element-wise maximum
    result = MaxResult if name == "max" else MinResult
    a = as_tensor_arg(a)
    dim, keepdim = axis_args(dim, keepdim, axis, keepdims)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() with keepdim=True needs a dim; use amax/amin for all")
        if a._data.size == 0:
            raise ValueError(f"{name}() of an empty tensor (shape {tuple(a.shape)}) has no "
                             f"value; give a dim, or check the input is not empty")
        return Extreme.apply(a, normalize_axes(None, a.ndim), False, op)
    if isinstance(dim, tuple):
        raise TypeError(f"{name}(dim=...) takes one int dimension and returns (values, "
                        f"indices), got {dim}; use amax/amin to reduce several dimensions")
    axes = normalize_axes(dim, a.ndim)
    if not axes:  # a 0-d tensor: itself, at index 0
        values = Extreme.apply(a, (), False, op)
        return result(values, Tensor._wrap(np.zeros((), dtype=np.int64)))
    if a.shape[axes[0]] == 0:
        raise DimensionError(f"{name}(): dimension {dim} has size 0, so there is no "
                             f"{name}imum to take; reduce a non-empty dimension")
    values = ExtremeDim.apply(a, axes[0], keepdim, arg)
    idx = arg(a._data, axis=axes[0], keepdims=keepdim)
    return result(values, Tensor._wrap(np.asarray(idx, dtype=np.int64)))


@register(method=True)
def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """PyTorch's ``max``: of all elements (``x.max()``), or along ``dim`` returning
    ``(values, indices)`` (the gradient goes to the returned index), or element-wise
    with a tensor second argument (``tp.max(a, b)`` is ``tp.maximum(a, b)``).

    >>> import tinyprop as tp
    >>> x = tp.tensor([[1.0, 5.0], [7.0, 0.0]])
    >>> x.max()
    tensor(7.)
    >>> values, indices = tp.max(x, 1)
    >>> values.tolist(), indices.tolist()
    ([5.0, 7.0], [1, 0])
    """
    from .elementwise import maximum

    return _extreme("max", input, dim, keepdim, axis, keepdims, np.max, np.argmax, maximum)


@register(method=True)
def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """PyTorch's ``min``: of all elements, along ``dim`` as ``(values, indices)``, or
    element-wise with a tensor second argument.

    >>> import tinyprop as tp
    >>> r = tp.tensor([[1.0, 5.0], [7.0, 0.0]]).min(dim=1)
    >>> r.values.tolist(), r.indices.tolist()
    ([1.0, 0.0], [0, 1])
    """
    from .elementwise import minimum

    return _extreme("min", input, dim, keepdim, axis, keepdims, np.min, np.argmin, minimum)


def _check_nonempty(name, a, axes):
    if a._data.size == 0 and (not axes or builtins.any(a.shape[i] == 0 for i in axes)):
        raise ValueError(f"{name}() over an empty dimension (shape {tuple(a.shape)}) has no "
                         f"value; reduce a non-empty dimension")


@register(method=True)
def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Largest value over ``dim`` (values only; ``()`` means all); ties share the gradient.

    >>> import tinyprop as tp
    >>> tp.amax(tp.tensor([[1.0, 5.0], [7.0, 0.0]]), 0).tolist()
    [7.0, 5.0]
    """
    a, axes, keepdim = _prep(input, dim, keepdim, axis, keepdims)
    _check_nonempty("amax", a, axes)
    return Extreme.apply(a, axes, keepdim, np.max)


@register(method=True)
def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Smallest value over ``dim`` (values only; ``()`` means all).

    >>> import tinyprop as tp
    >>> tp.amin(tp.tensor([[1.0, 5.0], [7.0, 0.0]]), 1).tolist()
    [1.0, 0.0]
    """
    a, axes, keepdim = _prep(input, dim, keepdim, axis, keepdims)
    _check_nonempty("amin", a, axes)
    return Extreme.apply(a, axes, keepdim, np.min)


def _var_args(dim, unbiased, keepdim, correction):
    """PyTorch's overloads: ``var(x, unbiased)``, ``var(x, dim, unbiased, keepdim)`` and
    ``var(x, dim, *, correction, keepdim)``; ``correction=None`` means 1."""
    if isinstance(dim, (bool, np.bool_)):  # var(x, True): the legacy unbiased flag
        dim, unbiased = None, dim
    if unbiased is not None:
        if correction is not None:
            raise TypeError("give either unbiased= or correction=, not both")
        correction = 1 if unbiased else 0
    if correction is None:
        correction = 1
    elif type(correction) is not int and type(correction) is not float:
        check_float(correction, "correction", finite=False,
                    fix="pass correction=1 (Bessel's, the default) or correction=0")
    return dim, keepdim, correction


@register(method=True)
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None) -> Tensor:
    """Variance over ``dim``; ``correction=1`` (Bessel, PyTorch's default), 0 for NumPy's.

    >>> import tinyprop as tp
    >>> x = tp.tensor([1.0, 2.0, 3.0, 4.0])
    >>> round(x.var().item(), 4), x.var(correction=0).item()
    (1.6667, 1.25)
    """
    dim, keepdim, correction = _var_args(dim, unbiased, keepdim, correction)
    a, axes, keepdim = _prep(input, dim, keepdim, axis, keepdims, real=True)
    return Var.apply(a, axes, keepdim, correction)


@register(method=True)
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None) -> Tensor:
    """Standard deviation, ``sqrt(var)``; its gradient is 0 where the spread is 0
    (PyTorch's convention) instead of 0/0.

    >>> import tinyprop as tp
    >>> tp.std(tp.tensor([2.0, 4.0]), correction=0).item()
    1.0
    """
    dim, keepdim, correction = _var_args(dim, unbiased, keepdim, correction)
    a, axes, keepdim = _prep(input, dim, keepdim, axis, keepdims, real=True)
    return Std.apply(a, axes, keepdim, correction)


@register(method=True)
def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """``log(sum(exp(a)))`` over ``dim`` without overflow; its gradient is softmax.

    >>> import tinyprop as tp
    >>> round(tp.logsumexp(tp.tensor([1000.0, 1000.0]), 0).item(), 2)
    1000.69
    """
    a, axes, keepdim = _prep(input, dim, keepdim, axis, keepdims, real=True)
    return LogSumExp.apply(a, axes, keepdim)


def _arg(name, fn, a, dim, keepdim, axis, keepdims):
    a = as_tensor_arg(a)
    dim, keepdim = axis_args(dim, keepdim, axis, keepdims)
    if isinstance(dim, tuple):
        raise TypeError(f"{name} takes one int dim, got {dim}")
    if dim is None:
        if a._data.size == 0:
            raise ValueError(f"{name}() of an empty tensor has no index; check the input")
        idx = fn(a._data.reshape(-1), axis=0)
        out = np.full((1,) * a.ndim, idx) if keepdim else idx
    else:
        axes = normalize_axes(dim, a.ndim)
        if not axes:
            return Tensor._wrap(np.zeros((), dtype=np.int64))
        if a.shape[axes[0]] == 0:
            raise DimensionError(f"{name}(): dimension {dim} has size 0; reduce a "
                                 "non-empty dimension")
        out = fn(a._data, axis=axes[0], keepdims=keepdim)
    return Tensor._wrap(np.asarray(out, dtype=np.int64))


@register(method=True, differentiable=False)
def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Index of the largest value (int64 tensor, not differentiable); with no ``dim``,
    the index into the flattened tensor.

    >>> import tinyprop as tp
    >>> tp.argmax(tp.tensor([[1.0, 5.0], [7.0, 0.0]]), dim=1).tolist()
    [1, 0]
    """
    return _arg("argmax", np.argmax, input, dim, keepdim, axis, keepdims)


@register(method=True, differentiable=False)
def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Index of the smallest value (int64 tensor, not differentiable).

    >>> import tinyprop as tp
    >>> tp.argmin(tp.tensor([3.0, 1.0, 2.0])).item()
    1
    """
    return _arg("argmin", np.argmin, input, dim, keepdim, axis, keepdims)
