"""Element-wise ops: arithmetic, powers, exp/log/sqrt/abs, clip, maximum/minimum, where.

Each op's forward and its local derivative sit together. Gradients may come back
with a broadcast shape; the engine sums them to each input's shape.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..function import Function
from ..tensor import Tensor
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
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        na, nb = ctx.needs_input_grad
        ga = g / b if na else None
        gb = -g * a / (b * b) if nb else None
        return ga, gb


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
        return g * xp.sign(a)


class Clip(Function):
    """Clamp to [lo, hi]; the gradient passes where lo <= a <= hi (edges included)."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        return xp.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        mask = xp.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            mask &= a >= ctx.lo
        if ctx.hi is not None:
            mask &= a <= ctx.hi
        return g * mask, None, None


class Maximum(Function):
    """Element-wise max; ties split the gradient in half (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        share = xp.where(a > b, 1.0, xp.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Minimum(Function):
    """Element-wise min; ties split the gradient in half."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        share = xp.where(a < b, 1.0, xp.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


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


def _binary(fn, name, a, b):
    """Apply a broadcasting binary op, turning NumPy's shape error into a clear one."""
    try:
        return fn.apply(a, b)
    except ValueError as e:
        sa, sb = np.shape(getattr(a, "data", a)), np.shape(getattr(b, "data", b))
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            raise ValueError(
                f"{name}: shapes {sa} and {sb} do not broadcast: trailing dimensions must be "
                "equal or 1; reshape one operand (e.g. x.reshape(-1, 1)) or check the inputs"
            ) from None
        raise e


def add(a, b) -> Tensor:
    """``a + b`` with broadcasting.

    >>> import tinyprop as tp
    >>> (tp.ones(2, 3) + tp.arange(3.0)).tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    """
    return _binary(Add, "add", *pair(a, b))


def sub(a, b) -> Tensor:
    """``a - b`` with broadcasting.

    >>> import tinyprop as tp
    >>> tp.sub(tp.tensor([3.0, 4.0]), 1).tolist()
    [2.0, 3.0]
    """
    return _binary(Sub, "sub", *pair(a, b))


def mul(a, b) -> Tensor:
    """``a * b`` with broadcasting.

    >>> import tinyprop as tp
    >>> tp.mul(tp.tensor([1.0, 2.0]), tp.tensor([3.0, 4.0])).tolist()
    [3.0, 8.0]
    """
    return _binary(Mul, "mul", *pair(a, b))


def div(a, b) -> Tensor:
    """``a / b`` with broadcasting (true division).

    >>> import tinyprop as tp
    >>> tp.div(tp.tensor([1, 2]), 2).tolist()
    [0.5, 1.0]
    """
    a, b = pair(a, b)
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
        if b.data.dtype.kind != "f":
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


def clip(a, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Clamp values into ``[min, max]`` (either bound may be None). Alias: ``clamp``.

    >>> import tinyprop as tp
    >>> tp.clip(tp.tensor([-1.0, 0.5, 2.0]), 0, 1).tolist()
    [0.0, 0.5, 1.0]
    """
    if min is None and max is None:
        raise ValueError("clip needs at least one of min= or max=; got neither")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clip needs min <= max, got min={min}, max={max}")
    return Clip.apply(as_tensor_arg(a), min, max)


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
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        raise TypeError(
            f"where() needs a bool condition, got dtype {cond.dtype}; compare first, "
            "e.g. tp.where(x > 0, x, 0)"
        )
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    a, b = pair(a, b)
    return Where.apply(cond, a, b)
