"""Element-wise ops: exp/log/sqrt/abs, clamp, maximum/minimum, where (arithmetic and
powers are in :mod:`.arithmetic`).

Each op's forward and its local derivative sit together. Gradients may come back
with a broadcast shape; the engine sums them to each input's shape.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from ..tensor import Tensor, as_tensor_data
from ._registry import register
from ._util import _kind, as_tensor_arg, binary, float_arg, pair


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):  # overflow gives inf silently, as in PyTorch
            out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        with np.errstate(divide="ignore"):
            return g / a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        with np.errstate(divide="ignore"):
            return g / (2 * out)


class Abs(Function):
    """|a|; the derivative at 0 is 0 (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        s = np.sign(a)
        return g * np.where(s == s, s, 0)  # sgn(NaN) is 0, as in PyTorch


class Clip(Function):
    """Clamp to [lo, hi] (numbers, arrays or tensors; either may be None), computed as
    ``minimum(maximum(a, lo), hi)``. The gradient passes to ``a`` where lo <= a <= hi;
    to ``lo`` where a < lo < hi, to ``hi`` where a > hi or hi < lo (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a, lo, hi)
        out = a if lo is None else np.maximum(a, lo)
        return out if hi is None else np.minimum(out, hi)

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved
        _, n_lo, n_hi = ctx.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        mask = True
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            mask = np.logical_and(mask, a <= hi)
        g_lo = g_hi = None
        if n_lo:
            below = a < lo if hi is None else np.logical_and(a < lo, lo < hi)
            g_lo = np.where(below, g, zero)
        if n_hi:
            above = a > hi if lo is None else np.logical_or(a > hi, hi < lo)
            g_hi = np.where(above, g, zero)
        return np.where(mask, g, zero), g_lo, g_hi


def _extreme_grads(g, a, b, a_loses, b_loses):
    """PyTorch's gradients of maximum/minimum: a tie splits the gradient in half, the
    losing side gets 0, and where a NaN makes the comparison false both sides get it all."""
    zero = np.zeros((), g.dtype)
    g = np.where(a == b, g / 2, g)
    return np.where(a_loses, zero, g), np.where(b_loses, zero, g)


class Maximum(Function):
    """Element-wise max; ties split the gradient in half (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return _extreme_grads(g, a, b, a < b, a > b)


class Minimum(Function):
    """Element-wise min; ties split the gradient in half."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return _extreme_grads(g, a, b, a > b, a < b)


class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved
        _, na, nb = ctx.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        return None, (np.where(cond, g, zero) if na else None), (
            np.where(cond, zero, g) if nb else None
        )


# ---- public functions -----------------------------------------------------------


@register(method=True)
def exp(a) -> Tensor:
    """Element-wise ``e ** a``.

    >>> import tinyprop as tp
    >>> round(tp.exp(tp.tensor(1.0)).item(), 4)
    2.7183
    """
    return Exp.apply(float_arg(a))


@register(method=True)
def log(a) -> Tensor:
    """Natural logarithm; gives -inf at 0 and NaN below, like NumPy and PyTorch.

    >>> import tinyprop as tp
    >>> round(tp.log(tp.tensor(2.0)).item(), 4)
    0.6931
    """
    return Log.apply(float_arg(a))


@register(method=True)
def sqrt(a) -> Tensor:
    """Square root; its gradient at 0 is +inf, as in PyTorch.

    >>> import tinyprop as tp
    >>> tp.sqrt(tp.tensor([4.0, 9.0])).tolist()
    [2.0, 3.0]
    """
    return Sqrt.apply(float_arg(a))


@register(method=True)
def abs(a) -> Tensor:  # noqa: A001 - PyTorch's name
    """Absolute value; gradient ``sign(a)`` (0 at 0).

    >>> import tinyprop as tp
    >>> tp.abs(tp.tensor([-1.5, 2.0])).tolist()
    [1.5, 2.0]
    """
    return Abs.apply(as_tensor_arg(a))


@register(method=True, aliases=('clamp',))
def clip(input, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Clamp values into ``[min, max]``; either bound may be None, a number or a tensor
    (a tensor bound that requires grad gets its gradient). Where ``min > max`` the
    result is ``max``, as in PyTorch. Alias: ``clamp``.

    >>> import tinyprop as tp
    >>> tp.clip(tp.tensor([-1.0, 0.5, 2.0]), 0, 1).tolist()
    [0.0, 0.5, 1.0]
    """
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min= or max=; got neither")
    a = as_tensor_arg(input)
    lo, hi = min, max
    if lo is not None:
        a, lo = pair(a, lo)
    if hi is not None:
        a, hi = pair(a, hi)
        if lo is not None and isinstance(a, Tensor) and _kind(hi) == "f":
            a, lo = pair(a, lo)  # a float max promoted an integer input: promote min too
    try:
        return Clip.apply(a, lo, hi)
    except ValueError:
        shapes = [tuple(np.shape(getattr(x, "_data", x))) for x in (a, lo, hi) if x is not None]
        raise ValueError(f"clamp: shapes {shapes} do not broadcast; bounds must broadcast "
                         "to the input's shape") from None


clamp = clip


@register(method=True)
def maximum(a, b) -> Tensor:
    """Element-wise maximum of two tensors (or a tensor and a number).

    >>> import tinyprop as tp
    >>> tp.maximum(tp.tensor([1.0, 3.0]), 2.0).tolist()
    [2.0, 3.0]
    """
    return binary(Maximum, "maximum", *pair(a, b))


@register(method=True)
def minimum(a, b) -> Tensor:
    """Element-wise minimum of two tensors (or a tensor and a number).

    >>> import tinyprop as tp
    >>> tp.minimum(tp.tensor([1.0, 3.0]), 2.0).tolist()
    [1.0, 2.0]
    """
    return binary(Minimum, "minimum", *pair(a, b))


@register()
def where(condition, a, b) -> Tensor:
    """Pick from ``a`` where ``condition`` is true, else from ``b``; grads flow to both.

    >>> import tinyprop as tp
    >>> x = tp.tensor([-1.0, 2.0])
    >>> tp.where(x > 0, x, 0).tolist()
    [0.0, 2.0]
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        raise TypeError(
            f"where() needs a bool condition, got dtype {cond.dtype}; compare first, "
            "e.g. tp.where(x > 0, x, 0)"
        )
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_tensor_data(a)
    a, b = pair(a, b)
    return Where.apply(cond, a, b)
