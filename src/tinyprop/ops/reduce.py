"""Reductions over any axis or axes, with ``keepdims``: sum, mean, max, min, var, std,
logsumexp; and the non-differentiable argmax/argmin."""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import kernels
from ..backend import xp
from ..function import Function
from ..tensor import Tensor
from ._util import as_tensor_arg, axis_args, expand_reduced, float_arg, normalize_axes

MaxResult = namedtuple("MaxResult", ["values", "indices"])


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
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        return xp.broadcast_to(g, ctx.shape), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return a.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        n = _count(ctx.shape, ctx.axes)
        return xp.broadcast_to(g / builtins.max(n, 1), ctx.shape), None, None


class Extreme(Function):
    """Max (or min) along axes; tied elements share the gradient evenly."""

    @staticmethod
    def forward(ctx, a, axes, keepdims, op):
        out = op(a, axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return out if keepdims else xp.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        mask = a == out
        count = xp.sum(mask, axis=ctx.axes, keepdims=True)
        return mask * (g / count), None, None, None


class Var(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims, correction):
        mean = xp.mean(a, axis=axes, keepdims=True)
        d = a - mean
        n = _count(a.shape, axes)
        denom = builtins.max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = xp.sum(d * d, axis=axes, keepdims=keepdims) / denom
        ctx.save_for_backward(d)
        ctx.shape, ctx.axes, ctx.keepdims, ctx.denom = a.shape, axes, keepdims, denom
        return out

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * (2 / ctx.denom) * d, None, None, None


class Std(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims, correction):
        v = Var.forward(ctx, a, axes, True, correction)
        with np.errstate(invalid="ignore"):
            out = xp.sqrt(v)
        ctx.out, ctx.keepdims = out, keepdims
        return out if keepdims else xp.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        out = ctx.out
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = xp.where(out > 0, g / (ctx.denom * out), 0)
        return scale * d, None, None, None


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdims):
        out = kernels.logsumexp(a, axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return out if keepdims else xp.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        g = expand_reduced(g, ctx.shape, ctx.axes, ctx.keepdims)
        return g * xp.exp(a - out), None, None


# ---- public functions -----------------------------------------------------------


def _prep(a, axis, dim, keepdims, keepdim, real=False):
    a = float_arg(a) if real else as_tensor_arg(a)
    axis, keepdims = axis_args(axis, dim, keepdims, keepdim)
    return a, normalize_axes(axis, a.ndim), keepdims


def sum(a, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (int, tuple or None for all). ``dim``/``keepdim`` also accepted.

    >>> import tinyprop as tp
    >>> tp.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0)
    tensor([4., 6.])
    """
    a, axes, keepdims = _prep(a, axis, dim, keepdims, keepdim)
    return Sum.apply(a, axes, keepdims)


def mean(a, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
    """Mean over ``axis``; the gradient is spread as ``1/n``.

    >>> import tinyprop as tp
    >>> tp.mean(tp.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=1).tolist()
    [1.5, 4.0]
    """
    a, axes, keepdims = _prep(a, axis, dim, keepdims, keepdim)
    if a.data.dtype.kind != "f":
        a = a.float()
    return Mean.apply(a, axes, keepdims)


def _extreme(a, axis, dim, keepdims, keepdim, op, arg):
    a = as_tensor_arg(a)
    if a.data.size == 0:
        raise ValueError(f"cannot take {op.__name__} of an empty tensor (shape {a.shape})")
    torch_style = dim is not None and isinstance(dim, (int, np.integer))
    axis, keepdims = axis_args(axis, dim, keepdims, keepdim)
    axes = normalize_axes(axis, a.ndim)
    if torch_style and a.ndim:
        # PyTorch's max(dim=...): values and indices; the gradient goes to that index
        ax = axes[0]
        idx = arg(a.data, axis=ax, keepdims=True)
        index = tuple(idx if d == ax else np.arange(n).reshape([-1 if k == d else 1
                                                                 for k in range(a.ndim)])
                      for d, n in enumerate(a.shape))
        from .shape import getitem

        values = getitem(a, index)
        if not keepdims:
            values = values.squeeze(ax)
            idx = np.squeeze(idx, axis=ax)
        return MaxResult(values, Tensor._wrap(np.asarray(idx, dtype=np.int64)))
    values = Extreme.apply(a, axes, keepdims, op)
    if torch_style:
        return MaxResult(values, Tensor._wrap(np.zeros((), dtype=np.int64)))
    return values


def max(a, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    """Largest value over ``axis``; ties share the gradient evenly.

    Called PyTorch's way with an int ``dim=``, it returns ``(values, indices)`` and the
    gradient goes to the returned index, as in ``torch.max(x, dim)``.

    >>> import tinyprop as tp
    >>> tp.tensor([[1.0, 5.0], [7.0, 0.0]]).max(dim=1).indices.tolist()
    [1, 0]
    """
    return _extreme(a, axis, dim, keepdims, keepdim, xp.max, xp.argmax)


def min(a, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    """Smallest value over ``axis``; with an int ``dim=`` returns ``(values, indices)``.

    >>> import tinyprop as tp
    >>> r = tp.tensor([[1.0, 5.0], [7.0, 0.0]]).min(dim=1)
    >>> r.values.tolist(), r.indices.tolist()
    ([1.0, 0.0], [0, 1])
    """
    return _extreme(a, axis, dim, keepdims, keepdim, xp.min, xp.argmin)


def amax(a, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
    """Largest value over ``axis`` (values only, whatever the spelling).

    >>> import tinyprop as tp
    >>> tp.amax(tp.tensor([[1.0, 5.0], [7.0, 0.0]]), axis=0).tolist()
    [7.0, 5.0]
    """
    a, axes, keepdims = _prep(a, axis, dim, keepdims, keepdim)
    return Extreme.apply(a, axes, keepdims, xp.max)


def amin(a, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
    """Smallest value over ``axis`` (values only).

    >>> import tinyprop as tp
    >>> tp.amin(tp.tensor([[1.0, 5.0], [7.0, 0.0]]), axis=1).tolist()
    [1.0, 0.0]
    """
    a, axes, keepdims = _prep(a, axis, dim, keepdims, keepdim)
    return Extreme.apply(a, axes, keepdims, xp.min)


def var(a, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None,
        unbiased=None) -> Tensor:
    """Variance over ``axis``; ``correction=1`` (Bessel, PyTorch's default), 0 for NumPy's.

    >>> import tinyprop as tp
    >>> x = tp.tensor([1.0, 2.0, 3.0, 4.0])
    >>> round(x.var().item(), 4), x.var(correction=0).item()
    (1.6667, 1.25)
    """
    a, axes, keepdims = _prep(a, axis, dim, keepdims, keepdim, real=True)
    if unbiased is not None:
        correction = 1 if unbiased else 0
    return Var.apply(a, axes, keepdims, correction)


def std(a, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None,
        unbiased=None) -> Tensor:
    """Standard deviation, ``sqrt(var)``; its gradient is 0 where the spread is 0
    (PyTorch's convention) instead of 0/0.

    >>> import tinyprop as tp
    >>> tp.std(tp.tensor([2.0, 4.0]), correction=0).item()
    1.0
    """
    a, axes, keepdims = _prep(a, axis, dim, keepdims, keepdim, real=True)
    if unbiased is not None:
        correction = 1 if unbiased else 0
    return Std.apply(a, axes, keepdims, correction)


def logsumexp(a, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
    """``log(sum(exp(a)))`` over ``axis`` without overflow; its gradient is softmax.

    >>> import tinyprop as tp
    >>> round(tp.logsumexp(tp.tensor([1000.0, 1000.0])).item(), 2)
    1000.69
    """
    a, axes, keepdims = _prep(a, axis, dim, keepdims, keepdim, real=True)
    return LogSumExp.apply(a, axes, keepdims)


def argmax(a, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the largest value (int64 tensor, not differentiable).

    >>> import tinyprop as tp
    >>> tp.argmax(tp.tensor([[1.0, 5.0], [7.0, 0.0]]), dim=1).tolist()
    [1, 0]
    """
    a = as_tensor_arg(a)
    axis, keepdims = axis_args(axis, dim, keepdims, keepdim)
    return Tensor._wrap(np.asarray(xp.argmax(a.data, axis=axis, keepdims=keepdims), np.int64))


def argmin(a, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the smallest value (int64 tensor, not differentiable).

    >>> import tinyprop as tp
    >>> tp.argmin(tp.tensor([3.0, 1.0, 2.0])).item()
    1
    """
    a = as_tensor_arg(a)
    axis, keepdims = axis_args(axis, dim, keepdims, keepdim)
    return Tensor._wrap(np.asarray(xp.argmin(a.data, axis=axis, keepdims=keepdims), np.int64))
