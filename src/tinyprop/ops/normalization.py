"""Normalisation: one fused op, ``Normalize``, behind ``layer_norm`` and ``batch_norm``
(``torch.nn.functional``'s signatures; the ``LayerNorm`` and ``BatchNorm`` modules call
them). ``layer_norm`` is also ``tinyprop.layer_norm``, as ``torch.layer_norm``;
``batch_norm`` is not exported at the top level, since ``torch.batch_norm`` orders its
arguments differently.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._registry import register
from .affine import checked_tensor

__all__ = ["Normalize", "batch_norm", "layer_norm"]


class Normalize(Function):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the statistics taken
    over ``axes`` (batch norm: batch and length axes; layer norm: the last axes).

    ``mean`` and ``var`` (biased, keepdims) are computed by the caller and passed in, so
    batch norm can reuse them for its running statistics. With ``n`` elements reduced
    and ``h = g * weight``, the input gradient is
    ``inv_std * (h - mean(h) - xhat * mean(h * xhat))``; ``dweight = g * xhat`` and
    ``dbias = g`` are summed back to the parameters' shapes by the engine. With
    ``batch_stats=False`` (batch norm in eval mode) the statistics are constants and the
    input gradient is just ``inv_std * h``.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, eps, mean, var, batch_stats=True):
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = (x - mean) * inv_std
        out = xhat
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        ctx.save_for_backward(xhat, inv_std, weight)
        ctx.axes, ctx.batch_stats, ctx.eps = axes, batch_stats, eps
        return out

    @staticmethod
    def resave(ctx, inputs, output):
        x, weight = inputs[:2]
        xhat, inv_std, w = ctx.saved
        weight = w if weight is None else weight
        if x is None:
            return [xhat, inv_std, weight]
        if not ctx.batch_stats:  # constant statistics: xhat is affine in x
            return [x * inv_std + (xhat - x._data * inv_std), inv_std, weight]
        d = x - np.mean(x, axis=ctx.axes, keepdims=True)
        inv_std = 1 / np.sqrt(np.mean(d * d, axis=ctx.axes, keepdims=True) + ctx.eps)
        return [d * inv_std, inv_std, weight]

    @staticmethod
    def backward(ctx, g):
        xhat, inv_std, weight = ctx.saved
        nx, nw, nb = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if nx:
            h = g if weight is None else g * weight
            axes = ctx.axes
            if ctx.batch_stats:
                gx = inv_std * (
                    h
                    - np.mean(h, axis=axes, keepdims=True)
                    - xhat * np.mean(h * xhat, axis=axes, keepdims=True)
                )
            else:
                gx = inv_std * h
        if nw:
            gw = g * xhat
        if nb:
            gb = g
        return gx, gw, gb, None, None, None, None, None


def _param(p, what: str, name: str, shape: tuple):
    """Optional weight/bias argument as a Tensor of ``shape`` (or None)."""
    if p is None:
        return None
    p = checked_tensor(p, what)
    if p.shape != shape:
        raise ValueError(f"{what}: {name} must have shape {shape}, got {tuple(p.shape)}")
    return p


def _number(value, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: {name} must be a number, got {value!r}")
    return float(value)


def _float_input(x: Tensor, what: str) -> None:
    if x._data.dtype.kind != "f":
        raise TypeError(
            f"{what}: input must be floating point, got {x.dtype}; convert it with .float()"
        )


def _check_eps(eps, what, positive: bool = True) -> float:
    """``eps`` as a float; PyTorch insists on ``eps > 0`` only for training batch norm."""
    eps = _number(eps, "eps", what)
    if positive and not eps > 0:
        raise ValueError(f"{what}: eps must be a positive number (e.g. 1e-5), got {eps!r}")
    return eps


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of an (N, C, *) input -- (N, C), (N, C, L), (N, C, H, W), ...
    -- per channel C, with statistics over every other axis.

    With ``training=True`` the batch mean and (biased) variance normalise the input and,
    if the running buffers are given (Tensors, both or neither), they are updated in
    place: ``running = (1 - momentum) * running + momentum * batch`` with the *unbiased*
    batch variance, as PyTorch. With ``training=False`` the running statistics are used.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> rm, rv = tp.zeros(2), tp.ones(2)
    >>> y = F.batch_norm(tp.tensor([[1.0, 2.0], [3.0, 6.0]]), rm, rv, training=True)
    >>> [round(v, 4) for v in y.tolist()[0]], [round(v, 4) for v in rv.tolist()]
    ([-1.0, -1.0], [1.1, 1.7])
    """
    what = "batch_norm"
    x, momentum, eps = _batch_norm_input(input, momentum, eps, training, what)
    c = x.shape[1]
    w, b, axes = _batch_norm_params(x, weight, bias, running_mean, running_var, what)
    if training:
        mean, var = _batch_stats(x, running_mean, running_var, momentum, axes, what)
        return Normalize.apply(x, w, b, axes, eps, mean, var)
    if running_mean is None:
        raise ValueError(
            f"{what}: training=False needs running_mean and running_var (or pass "
            "training=True to use the batch statistics)"
        )
    shape = (1, c) + (1,) * (x.ndim - 2)
    mean = running_mean._data.reshape(shape).astype(x.dtype, copy=False)
    var = running_var._data.reshape(shape).astype(x.dtype, copy=False)
    return Normalize.apply(x, w, b, axes, eps, mean, var, False)


def _batch_norm_input(input, momentum, eps, training, what):
    """Check ``batch_norm``'s input, momentum and eps; return ``(x, momentum, eps)``."""
    x = checked_tensor(input, what)
    if x.ndim < 2:
        raise NotImplementedError(
            f"{what}: input of shape {tuple(x.shape)} is not supported (PyTorch only takes an "
            "empty 1-D one); expected (N, C, *) -- (N, C), (N, C, L), (N, C, H, W), ... -- "
            "add a batch dimension with x.unsqueeze(0)"
        )
    _float_input(x, what)
    if momentum is None:
        raise TypeError(
            f"{what}: momentum must be a number, got None; a cumulative average "
            "(momentum=None) is kept by the BatchNorm layers, or pass 1 / batches_seen"
        )
    momentum = _number(momentum, "momentum", what)
    eps = _check_eps(eps, what, positive=bool(training))
    return x, momentum, eps


def _batch_norm_params(x, weight, bias, running_mean, running_var, what):
    """Check ``batch_norm``'s affine parameters and running buffers; return
    ``(w, b, axes)`` with w and b shaped to broadcast over the non-channel axes."""
    c = x.shape[1]
    w = _param(weight, what, "weight", (c,))
    b = _param(bias, what, "bias", (c,))
    if (running_mean is None) != (running_var is None):
        raise ValueError(
            f"{what}: running_mean and running_var must both be Tensors or both be None"
        )
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        if r is not None and (not isinstance(r, Tensor) or r.shape != (c,)):
            raise ValueError(f"{what}: {name} must be a Tensor of shape ({c},) or None")
    axes = (0,) + tuple(range(2, x.ndim))
    if x.ndim > 2:  # broadcast the per-channel vectors over the other axes
        per_channel = (c,) + (1,) * (x.ndim - 2)
        w = None if w is None else w.reshape(per_channel)
        b = None if b is None else b.reshape(per_channel)
    return w, b, axes


def _batch_stats(x, running_mean, running_var, momentum, axes, what):
    """The batch mean and biased variance (keepdims) of a training ``batch_norm``,
    updating the running buffers in place when given."""
    c = x.shape[1]
    n = x._data.size // c if c else 0
    if n <= 1:
        raise ValueError(
            f"{what}: expected more than 1 value per channel when training, got input "
            f"of shape {tuple(x.shape)}; use a batch larger than 1 or call .eval()"
        )
    mean = np.mean(x._data, axis=axes, keepdims=True)
    d = x._data - mean
    var = np.mean(d * d, axis=axes, keepdims=True)
    if running_mean is not None:
        rm, rv = running_mean._data, running_var._data
        rm *= 1.0 - momentum
        rm += momentum * mean.reshape(c)
        rv *= 1.0 - momentum
        rv += (momentum * n / (n - 1)) * var.reshape(c)
    return mean, var


@register()
def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions of each sample
    (biased variance), then scale and shift by ``weight`` and ``bias`` of that shape.

    >>> import tinyprop as tp
    >>> y = tp.layer_norm(tp.tensor([[1.0, 3.0], [0.0, 10.0]]), 2)
    >>> [[round(v, 4) for v in row] for row in y.tolist()]
    [[-1.0, 1.0], [-1.0, 1.0]]
    """
    what = "layer_norm"
    x = checked_tensor(input, what)
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    shape = tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k :]) != shape:
        raise ValueError(
            f"{what}: input of shape {tuple(x.shape)} does not end with normalized_shape "
            f"{shape}; expected input of shape (*, {', '.join(map(str, shape))}) and at "
            "least one normalized dimension"
        )
    _float_input(x, what)
    eps = _check_eps(eps, what, positive=False)
    w = _param(weight, what, "weight", shape)
    b = _param(bias, what, "bias", shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = np.mean(x._data, axis=axes, keepdims=True)
    d = x._data - mean
    var = np.mean(d * d, axis=axes, keepdims=True)
    return Normalize.apply(x, w, b, axes, eps, mean, var)

