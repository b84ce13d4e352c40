"""Element-wise ops: arithmetic, powers, exp/log/sqrt/abs, clip, maximum/minimum, where.

Each op's forward and its local derivative sit together. Gradients may come back
with a broadcast shape; the engine sums them to each input's shape.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..function import Function
from ..tensor import Tensor, as_tensor_data
from ._util import _as_float, _kind, as_tensor_arg, float_arg, pair


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
                return xp.floor_divide(a, b)
            q = xp.floor_divide(xp.abs(a), xp.abs(b))
            return xp.where((a < 0) != (np.asarray(b) < 0), -q, q).astype(np.result_type(a, b))
        with np.errstate(divide="ignore", invalid="ignore"):
            if mode == "floor":  # Python's a // b (exact, unlike floor(a / b))
                return xp.floor_divide(a, b)
            return xp.trunc(a / b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return xp.zeros(sa, g.dtype), xp.zeros(sb, g.dtype), None


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
            ga = xp.where(b == 0, 0, ga)
        if nb:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * xp.log(a)
            gb = xp.where((a == 0) & (b >= 0), 0, gb)
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
            return xp.zeros_like(g), None
        if c == 2:
            return g * 2 * a, None
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * c * a ** (c - 1), None


class RPowScalar(Function):
    """``c ** a`` for a Python number ``c`` (d/da = c**a * log c)."""

    @staticmethod
    def forward(ctx, a, c):
        out = xp.asarray(c, dtype=a.dtype) ** a
        ctx.save_for_backward(a, out)
        ctx.c = c
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        if ctx.c == 0:
            return xp.where(a >= 0, 0, g * out * -np.inf).astype(g.dtype), None
        return g * out * np.log(ctx.c), None


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):  # overflow gives inf silently, as in PyTorch
            out = xp.exp(a)
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
            return xp.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        with np.errstate(divide="ignore"):
            return g / a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = xp.sqrt(a)
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
        return xp.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        s = xp.sign(a)
        return g * xp.where(s == s, s, 0)  # sgn(NaN) is 0, as in PyTorch


class Clip(Function):
    """Clamp to [lo, hi] (numbers, arrays or tensors; either may be None), computed as
    ``minimum(maximum(a, lo), hi)``. The gradient passes to ``a`` where lo <= a <= hi;
    to ``lo`` where a < lo < hi, to ``hi`` where a > hi or hi < lo (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a, lo, hi)
        out = a if lo is None else xp.maximum(a, lo)
        return out if hi is None else xp.minimum(out, hi)

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved
        _, n_lo, n_hi = ctx.needs_input_grad
        zero = xp.zeros((), dtype=g.dtype)
        mask = True
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            mask = mask & (a <= hi)
        g_lo = g_hi = None
        if n_lo:
            below = a < lo if hi is None else (a < lo) & (lo < hi)
            g_lo = xp.where(below, g, zero)
        if n_hi:
            above = a > hi if lo is None else (a > hi) | (hi < lo)
            g_hi = xp.where(above, g, zero)
        return xp.where(mask, g, zero), g_lo, g_hi


def _extreme_grads(g, a, b, a_loses, b_loses):
    """PyTorch's gradients of maximum/minimum: a tie splits the gradient in half, the
    losing side gets 0, and where a NaN makes the comparison false both sides get it all."""
    zero = xp.zeros((), g.dtype)
    g = xp.where(a == b, g / 2, g)
    return xp.where(a_loses, zero, g), xp.where(b_loses, zero, g)


class Maximum(Function):
    """Element-wise max; ties split the gradient in half (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return _extreme_grads(g, a, b, a < b, a > b)


class Minimum(Function):
    """Element-wise min; ties split the gradient in half."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return _extreme_grads(g, a, b, a > b, a < b)


class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved
        _, na, nb = ctx.needs_input_grad
        zero = xp.zeros((), dtype=g.dtype)
        return None, (xp.where(cond, g, zero) if na else None), (
            xp.where(cond, zero, g) if nb else None
        )


# ---- public functions -----------------------------------------------------------


def _binary(fn, name, a, b, *extra):
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


def _scaled(b, alpha, what):
    if alpha == 1:
        return b
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)):
        raise TypeError(f"{what}: alpha must be a number, got {type(alpha).__name__}")
    return mul(b, alpha) if isinstance(b, Tensor) else np.multiply(b, alpha)


def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other`` with broadcasting.

    >>> import tinyprop as tp
    >>> (tp.ones(2, 3) + tp.arange(3.0)).tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    >>> tp.add(tp.tensor([1.0, 2.0]), tp.tensor([1.0, 1.0]), alpha=10).tolist()
    [11.0, 12.0]
    """
    return _binary(Add, "add", *pair(input, _scaled(other, alpha, "add")))


def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other`` with broadcasting.

    >>> import tinyprop as tp
    >>> tp.sub(tp.tensor([3.0, 4.0]), 1).tolist()
    [2.0, 3.0]
    """
    return _binary(Sub, "sub", *pair(input, _scaled(other, alpha, "sub")))


def mul(a, b) -> Tensor:
    """``a * b`` with broadcasting.

    >>> import tinyprop as tp
    >>> tp.mul(tp.tensor([1.0, 2.0]), tp.tensor([3.0, 4.0])).tolist()
    [3.0, 8.0]
    """
    return _binary(Mul, "mul", *pair(a, b))


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
        return _binary(DivRounded, "div", a, b, rounding_mode)
    if _kind(a) in "iub" and _kind(b) in "iub":  # true division of integers: default float
        a, b = _as_float(a, 1.0), _as_float(b, 1.0)
    return _binary(Div, "div", a, b)


def neg(a) -> Tensor:
    """``-a``.

    >>> import tinyprop as tp
    >>> tp.neg(tp.tensor([1.0, -2.0])).tolist()
    [-1.0, 2.0]
    """
    return Neg.apply(as_tensor_arg(a))


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
    return _binary(Pow, "pow", *pair(a, b))


def exp(a) -> Tensor:
    """Element-wise ``e ** a``.

    >>> import tinyprop as tp
    >>> round(tp.exp(tp.tensor(1.0)).item(), 4)
    2.7183
    """
    return Exp.apply(float_arg(a))


def log(a) -> Tensor:
    """Natural logarithm; gives -inf at 0 and NaN below, like NumPy and PyTorch.

    >>> import tinyprop as tp
    >>> round(tp.log(tp.tensor(2.0)).item(), 4)
    0.6931
    """
    return Log.apply(float_arg(a))


def sqrt(a) -> Tensor:
    """Square root; its gradient at 0 is +inf, as in PyTorch.

    >>> import tinyprop as tp
    >>> tp.sqrt(tp.tensor([4.0, 9.0])).tolist()
    [2.0, 3.0]
    """
    return Sqrt.apply(float_arg(a))


def abs(a) -> Tensor:  # noqa: A001 - PyTorch's name
    """Absolute value; gradient ``sign(a)`` (0 at 0).

    >>> import tinyprop as tp
    >>> tp.abs(tp.tensor([-1.5, 2.0])).tolist()
    [1.5, 2.0]
    """
    return Abs.apply(as_tensor_arg(a))


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


def maximum(a, b) -> Tensor:
    """Element-wise maximum of two tensors (or a tensor and a number).

    >>> import tinyprop as tp
    >>> tp.maximum(tp.tensor([1.0, 3.0]), 2.0).tolist()
    [2.0, 3.0]
    """
    return _binary(Maximum, "maximum", *pair(a, b))


def minimum(a, b) -> Tensor:
    """Element-wise minimum of two tensors (or a tensor and a number).

    >>> import tinyprop as tp
    >>> tp.minimum(tp.tensor([1.0, 3.0]), 2.0).tolist()
    [1.0, 2.0]
    """
    return _binary(Minimum, "minimum", *pair(a, b))


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
