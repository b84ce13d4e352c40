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
    """A copy in another dtype; float-to-float casts stay differentiable.

    >>> import tinyprop as tp
    >>> tp.to(tp.tensor([1.7, -1.7]), tp.int64).tolist()
    [1, -1]
    """
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
    """A copy that stays in the graph (its gradient flows back to ``a``).

    >>> import tinyprop as tp
    >>> x = tp.tensor([1.0, 2.0], requires_grad=True)
    >>> tp.clone(x).sum().backward()
    >>> x.grad.tolist()
    [1.0, 1.0]
    """
    return Clone.apply(as_tensor_arg(a))


def _compare(op):
    def compare(a, b) -> Tensor:
        a, b = pair(a, b)
        av = a.data if isinstance(a, Tensor) else a
        bv = b.data if isinstance(b, Tensor) else b
        return Tensor._wrap(xp.asarray(op(av, bv)))

    compare.__doc__ = (
        f"Element-wise ``{op.__name__}`` as a bool tensor (not differentiable).\n\n"
        "    >>> import tinyprop as tp\n"
        "    >>> x = tp.tensor([1, 2, 3])\n"
        "    >>> (x == 2).tolist(), (x < 2).tolist(), tp.ge(x, 2).tolist()\n"
        "    ([False, True, False], [True, False, False], [False, True, True])\n"
    )
    return compare


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)


def isnan(a) -> Tensor:
    """Bool tensor marking NaNs.

    >>> import tinyprop as tp
    >>> tp.isnan(tp.tensor([1.0, float("nan")])).tolist()
    [False, True]
    """
    return Tensor._wrap(xp.isnan(as_tensor_arg(a).data))


def isfinite(a) -> Tensor:
    """Bool tensor marking finite values.

    >>> import tinyprop as tp
    >>> tp.isfinite(tp.tensor([1.0, float("inf")])).tolist()
    [True, False]
    """
    return Tensor._wrap(xp.isfinite(as_tensor_arg(a).data))


def all(a, axis=None) -> Tensor:  # noqa: A001
    """True where every element (over ``axis``) is true.

    >>> import tinyprop as tp
    >>> tp.all(tp.tensor([[True, False], [True, True]]), axis=1).tolist()
    [False, True]
    """
    return Tensor._wrap(xp.asarray(xp.all(as_tensor_arg(a).data, axis=axis)))


def any(a, axis=None) -> Tensor:  # noqa: A001
    """True where some element (over ``axis``) is true.

    >>> import tinyprop as tp
    >>> tp.any(tp.tensor([False, True])).item()
    True
    """
    return Tensor._wrap(xp.asarray(xp.any(as_tensor_arg(a).data, axis=axis)))
