"""Activations and the softmax family. The delicate math lives in ``tinyprop.kernels``,
shared with the manual engine."""

from __future__ import annotations

import math

import numpy as np

from .. import kernels
from ..function import Function
from ..tensor import Tensor
from ._registry import register
from ._util import as_tensor_arg, cast_result, float_arg, normalize_axes


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return kernels.tanh_backward(out, g)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        out = kernels.sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * out * (1 - out)


class ReLU(Function):
    """max(a, 0); the derivative is 0 where the output is <= 0 (at 0 too) and passes
    elsewhere, NaN included (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a):
        out = kernels.relu(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return kernels.relu_backward(out, g)


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, a, slope):
        ctx.save_for_backward(a)
        ctx.slope = slope
        return np.where(a > 0, a, a * slope)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return np.where(a > 0, g, g * ctx.slope), None


class ELU(Function):
    """a if a > 0 else alpha * (exp(a) - 1)."""

    @staticmethod
    def forward(ctx, a, alpha):
        neg = alpha * np.expm1(np.minimum(a, 0))
        out = np.where(a > 0, a, neg)
        ctx.save_for_backward(a, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        return np.where(a <= 0, g * (out + ctx.alpha), g), None  # NaN passes, as in PyTorch


_erf = None


def _erf_fn():
    """``erf`` as an array function: SciPy's when available, else ``math.erf`` per element."""
    global _erf
    if _erf is None:
        try:
            from scipy.special import erf as _scipy_erf

            _erf = _scipy_erf
        except ImportError:  # pragma: no cover - scipy ships with scikit-learn
            _erf = np.vectorize(math.erf, otypes=[np.float64])
    return _erf


def _normal_pdf(a):
    return np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)


def _gelu_tanh(a):
    """The tanh term of GELU's tanh approximation (arrays or, recorded, tensors)."""
    return np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3))


class NormalCDF(Function):
    """The standard normal CDF ``(1 + erf(a / sqrt 2)) / 2`` (inside exact GELU)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return 0.5 * (1 + _erf_fn()(a / math.sqrt(2)).astype(a.dtype))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return g * _normal_pdf(a)


class GELU(Function):
    """Gaussian error linear unit, exact (erf) or with the tanh approximation. Saves the
    CDF (or the tanh term) for backward; ``resave`` recomputes it as recorded ops."""

    @staticmethod
    def forward(ctx, a, approximate):
        ctx.approximate = approximate
        if approximate == "tanh":
            t = _gelu_tanh(a)
            ctx.save_for_backward(a, t)
            return 0.5 * a * (1 + t)
        cdf = NormalCDF.forward(ctx, a)
        ctx.save_for_backward(a, cdf)
        return a * cdf

    @staticmethod
    def resave(ctx, inputs, output):
        a = inputs[0]
        return [a, _gelu_tanh(a) if ctx.approximate == "tanh" else NormalCDF.apply(a)]

    @staticmethod
    def backward(ctx, g):
        a, t = ctx.saved
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            dt = (1 - t * t) * k * (1 + 3 * 0.044715 * a * a)
            return g * (0.5 * (1 + t) + 0.5 * a * dt), None
        return g * (t + a * _normal_pdf(a)), None


class Softplus(Function):
    """``log(1 + exp(beta*a)) / beta``, linear above ``threshold`` (PyTorch's definition)."""

    @staticmethod
    def forward(ctx, a, beta, threshold):
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        z = a * beta
        return np.where(z > threshold, a, kernels.softplus(z) / beta)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        z = a * ctx.beta
        return np.where(z > ctx.threshold, g, g * kernels.sigmoid(z)), None, None


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, axis):
        out = kernels.softmax(a, axis=axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return kernels.softmax_backward(out, g, axis=ctx.axis), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, axis):
        out = kernels.log_softmax(a, axis=axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g - np.exp(out) * np.sum(g, axis=ctx.axis, keepdims=True), None


# ---- public functions -----------------------------------------------------------


@register(method=True)
def tanh(a) -> Tensor:
    """Hyperbolic tangent; derivative ``1 - tanh(a)**2``.

    >>> import tinyprop as tp
    >>> round(tp.tanh(tp.tensor(1.0)).item(), 4)
    0.7616
    """
    return Tanh.apply(float_arg(a))


@register(method=True)
def sigmoid(a) -> Tensor:
    """Logistic function ``1 / (1 + exp(-a))``, overflow-free.

    >>> import tinyprop as tp
    >>> tp.sigmoid(tp.tensor([0.0, 1000.0, -1000.0])).tolist()
    [0.5, 1.0, 0.0]
    """
    return Sigmoid.apply(float_arg(a))


@register(method=True)
def relu(a) -> Tensor:
    """``max(a, 0)``.

    >>> import tinyprop as tp
    >>> tp.relu(tp.tensor([-1.0, 0.0, 2.0])).tolist()
    [0.0, 0.0, 2.0]
    """
    return ReLU.apply(as_tensor_arg(a))


@register(method=True)
def leaky_relu(a, negative_slope: float = 0.01) -> Tensor:
    """``a`` where positive, ``negative_slope * a`` elsewhere.

    >>> import tinyprop as tp
    >>> tp.leaky_relu(tp.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    """
    return LeakyReLU.apply(float_arg(a), float(negative_slope))


@register()
def elu(a, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit.

    >>> import tinyprop as tp
    >>> [round(v, 4) for v in tp.elu(tp.tensor([-1.0, 2.0])).tolist()]
    [-0.6321, 2.0]
    """
    return ELU.apply(float_arg(a), float(alpha))


@register()
def gelu(a, approximate: str = "none") -> Tensor:
    """GELU; ``approximate='tanh'`` uses the tanh formula.

    >>> import tinyprop as tp
    >>> [round(v, 4) for v in tp.gelu(tp.tensor([-1.0, 0.0, 2.0])).tolist()]
    [-0.1587, 0.0, 1.9545]
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(float_arg(a), approximate)


@register()
def softplus(a, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Smooth ReLU ``log(1 + exp(beta*a)) / beta``, linear where ``beta * a > threshold``;
    any non-zero ``beta``, as in PyTorch.

    >>> import tinyprop as tp
    >>> round(tp.softplus(tp.tensor(0.0)).item(), 4)
    0.6931
    """
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero (it divides the result), got 0")
    return Softplus.apply(float_arg(a), float(beta), float(threshold))


def _softmax_args(name, a, dim, dtype, axis):
    """The input (cast to ``dtype`` first, as PyTorch does) and one normalised dim."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}: give either dim= or its alias axis=, not both")
        dim = axis
    a = cast_result(as_tensor_arg(a), dtype) if dtype is not None else float_arg(a)
    if a._data.dtype.kind != "f":
        a = float_arg(a)
    if dim is None:
        dim = -1
    if isinstance(dim, (tuple, list, bool)):
        raise TypeError(f"{name} takes one int dim, got {dim!r}")
    axes = normalize_axes(dim, a.ndim)
    return a, (axes[0] if axes else None)


@register(method=True)
def softmax(input, dim=None, dtype=None, *, axis=None) -> Tensor:
    """Probabilities along ``dim`` (the last one when not given); stable for large logits
    such as ``[234., 3., 4.]``. ``dtype=`` casts the input first.

    >>> import tinyprop as tp
    >>> tp.softmax(tp.tensor([234.0, 3.0, 4.0]), dim=0)
    tensor([1., 0., 0.])
    """
    a, axis = _softmax_args("softmax", input, dim, dtype, axis)
    if axis is None:  # a 0-d tensor: a distribution over one value
        return Softmax.apply(a.reshape(1), 0).reshape(())
    if a._data.size == 0:
        return a * 1
    return Softmax.apply(a, axis)


@register(method=True)
def log_softmax(input, dim=None, dtype=None, *, axis=None) -> Tensor:
    """``log(softmax(a))`` computed as ``a - logsumexp(a)`` (finite for any logits).

    >>> import tinyprop as tp
    >>> tp.log_softmax(tp.tensor([1000.0, 0.0]), dim=0).tolist()
    [0.0, -1000.0]
    """
    a, axis = _softmax_args("log_softmax", input, dim, dtype, axis)
    if axis is None:
        return LogSoftmax.apply(a.reshape(1), 0).reshape(())
    if a._data.size == 0:
        return a * 1
    return LogSoftmax.apply(a, axis)
