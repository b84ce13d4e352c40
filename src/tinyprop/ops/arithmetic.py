"""Arithmetic with broadcasting: add/sub (with ``alpha``), mul, div (true or rounded),
neg and pow, each op's forward next to its local derivative. Gradients may come back
with a broadcast shape; the engine sums them to each input's shape.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_float
from ..function import Function
from ..tensor import Tensor
from ._registry import register
from ._util import _as_float, _kind, as_tensor_arg, binary, pair


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        na, nb = ctx.needs_input_grad
        return (g * b if na else None), (g * a if nb else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # inf and NaN, silently, as PyTorch
            return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        na, nb = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ga = g / b if na else None
            gb = -g * a / (b * b) if nb else None
        return ga, gb


class DivRounded(Function):
    """Division rounded towards zero or down; piecewise constant, so its gradient is 0."""

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.shapes = (np.shape(a), np.shape(b))
        if a.dtype.kind in "iu" and np.asarray(b).dtype.kind in "iub":
            if mode == "floor":
                return np.floor_divide(a, b)
            q = np.floor_divide(np.abs(a), np.abs(b))
            return np.where((a < 0) != (np.asarray(b) < 0), -q, q).astype(np.result_type(a, b))
        with np.errstate(divide="ignore", invalid="ignore"):
            if mode == "floor":  # Python's a // b (exact, unlike floor(a / b))
                return np.floor_divide(a, b)
            return np.trunc(a / b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return np.zeros(sa, g.dtype), np.zeros(sb, g.dtype), None


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    """``a ** b`` with both sides possibly tensors (d/db = a**b * log a)."""

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            with np.errstate(divide="ignore", invalid="ignore"):
                ga = g * b * a ** (b - 1)
            ga = np.where(b == 0, 0, ga)
        if nb:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.log(a)
            gb = np.where(np.logical_and(a == 0, b >= 0), 0, gb)
        return ga, gb


class PowScalar(Function):
    """``a ** c`` for a Python number ``c``."""

    @staticmethod
    def forward(ctx, a, c):
        ctx.save_for_backward(a)
        ctx.c = c
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return a**c

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        c = ctx.c
        if c == 0:
            return np.zeros_like(g), None
        if c == 2:
            return g * 2 * a, None
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * c * a ** (c - 1), None


class RPowScalar(Function):
    """``c ** a`` for a Python number ``c`` (d/da = c**a * log c)."""

    @staticmethod
    def forward(ctx, a, c):
        out = np.asarray(c, dtype=a.dtype) ** a
        ctx.save_for_backward(a, out)
        ctx.c = c
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        if ctx.c == 0:
            return np.where(a >= 0, 0, g * out * -np.inf).astype(g.dtype), None
        return g * out * np.log(ctx.c), None


# ---- public functions -----------------------------------------------------------


def _same_float(a, b) -> bool:
    """Both Tensors of the same float dtype: ``pair`` would pass them through unchanged."""
    return (isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype
            and a._data.dtype.kind == "f")


def _scaled(b, alpha, what):
    if alpha is True:  # PyTorch's alpha for bool tensors; a no-op, as it always was here
        return b
    if type(alpha) is not int and type(alpha) is not float:  # the common cases skip this
        # validated, not converted: an int alpha keeps an int tensor int
        check_float(alpha, f"{what}: alpha", finite=False, fix="pass a number, e.g. alpha=2")
    if alpha == 1:
        return b
    return mul(b, alpha) if isinstance(b, Tensor) else np.multiply(b, alpha)


@register(method=True)
def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other`` with broadcasting.

    >>> import tinyprop as tp
    >>> (tp.ones(2, 3) + tp.arange(3.0)).tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    >>> tp.add(tp.tensor([1.0, 2.0]), tp.tensor([1.0, 1.0]), alpha=10).tolist()
    [11.0, 12.0]
    """
    if alpha == 1 and _same_float(input, other):  # the common case: nothing to coerce
        try:  # binary(), inlined
            return Add.apply(input, other)
        except ValueError:
            pass  # binary() runs it again, to turn a shape error into a clear one
        return binary(Add, "add", input, other)
    return binary(Add, "add", *pair(input, _scaled(other, alpha, "add")))


@register(method=True)
def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other`` with broadcasting.

    >>> import tinyprop as tp
    >>> tp.sub(tp.tensor([3.0, 4.0]), 1).tolist()
    [2.0, 3.0]
    """
    if alpha == 1 and _same_float(input, other):
        return binary(Sub, "sub", input, other)
    return binary(Sub, "sub", *pair(input, _scaled(other, alpha, "sub")))


@register(method=True)
def mul(a, b) -> Tensor:
    """``a * b`` with broadcasting.

    >>> import tinyprop as tp
    >>> tp.mul(tp.tensor([1.0, 2.0]), tp.tensor([3.0, 4.0])).tolist()
    [3.0, 8.0]
    """
    if _same_float(a, b):
        return binary(Mul, "mul", a, b)
    return binary(Mul, "mul", *pair(a, b))


@register(method=True)
def div(input, other, *, rounding_mode=None) -> Tensor:
    """``input / other`` with broadcasting: true division, or rounded with
    ``rounding_mode='trunc'`` (towards zero) or ``'floor'`` (down), which keep integer
    dtypes and have a zero gradient, as in PyTorch.

    >>> import tinyprop as tp
    >>> tp.div(tp.tensor([1, 2]), 2).tolist()
    [0.5, 1.0]
    >>> tp.div(tp.tensor([-7, 7]), 2, rounding_mode="floor").tolist()
    [-4, 3]
    """
    a, b = pair(input, other)
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        if not isinstance(a, Tensor):
            a = Tensor._wrap(np.asarray(a))
        return binary(DivRounded, "div", a, b, rounding_mode)
    if _kind(a) in "iub" and _kind(b) in "iub":  # true division of integers: default float
        a, b = _as_float(a, 1.0), _as_float(b, 1.0)
    return binary(Div, "div", a, b)


@register(method=True)
def neg(a) -> Tensor:
    """``-a``.

    >>> import tinyprop as tp
    >>> tp.neg(tp.tensor([1.0, -2.0])).tolist()
    [-1.0, 2.0]
    """
    return Neg.apply(as_tensor_arg(a))


@register(method=True)
def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """``a ** b``: tensor or number on either side.

    >>> import tinyprop as tp
    >>> tp.pow(tp.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and np.ndim(b) == 0:
        return PowScalar.apply(a, float(b) if not float(b).is_integer() else int(b))
    if isinstance(b, Tensor) and not isinstance(a, Tensor) and np.ndim(a) == 0:
        if b._data.dtype.kind != "f":
            b = b.float()
        return RPowScalar.apply(b, float(a))
    return binary(Pow, "pow", *pair(a, b))
