"""Dtype casts, clone, and the non-differentiable helpers (comparisons, all/any)."""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..function import Function
from ..tensor import Tensor
from ._util import as_tensor_arg, pair


class Cast(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype), None


class Clone(Function):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def to(a, dtype) -> Tensor:
    """A copy in another dtype; float-to-float casts stay differentiable."""
    a = as_tensor_arg(a)
    if isinstance(dtype, str) and dtype in ("cpu",):
        return a
    dtype = np.dtype(dtype)
    if dtype == a.data.dtype:
        return a
    if dtype.kind != "f":
        return Tensor._wrap(a.data.astype(dtype))
    return Cast.apply(a, dtype)


def clone(a) -> Tensor:
    """A copy that stays in the graph (its gradient flows back to ``a``)."""
    return Clone.apply(as_tensor_arg(a))


def _compare(op):
    def compare(a, b) -> Tensor:
        a, b = pair(a, b)
        av = a.data if isinstance(a, Tensor) else a
        bv = b.data if isinstance(b, Tensor) else b
        return Tensor._wrap(xp.asarray(op(av, bv)))

    compare.__doc__ = f"Element-wise ``{op.__name__}`` as a bool tensor (not differentiable)."
    return compare


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)


def isnan(a) -> Tensor:
    """Bool tensor marking NaNs."""
    return Tensor._wrap(xp.isnan(as_tensor_arg(a).data))


def isfinite(a) -> Tensor:
    """Bool tensor marking finite values."""
    return Tensor._wrap(xp.isfinite(as_tensor_arg(a).data))


def all(a, axis=None) -> Tensor:  # noqa: A001
    """True where every element (over ``axis``) is true."""
    return Tensor._wrap(xp.asarray(xp.all(as_tensor_arg(a).data, axis=axis)))


def any(a, axis=None) -> Tensor:  # noqa: A001
    """True where some element (over ``axis``) is true."""
    return Tensor._wrap(xp.asarray(xp.any(as_tensor_arg(a).data, axis=axis)))
