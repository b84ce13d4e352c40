"""``tinyprop.nn.functional`` (imported as ``F``): the functional forms of the layers.

Activations, softmax and the losses are re-exported from :mod:`tinyprop.functional`;
``linear``, ``dropout``, ``batch_norm`` and ``layer_norm`` live here and are what the
modules call.

>>> import tinyprop as tp
>>> from tinyprop.nn import functional as F
>>> F.linear(tp.ones(2, 3), tp.ones(4, 3)).shape
(2, 4)
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import resolve_generator, xp
from ..functional import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    elu,
    gelu,
    huber_loss,
    l1_loss,
    leaky_relu,
    log_softmax,
    mse_loss,
    nll_loss,
    one_hot,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from ..tensor import Tensor
from ._functions import LinearFunction, Normalize

__all__ = [
    "linear",
    "dropout",
    "batch_norm",
    "layer_norm",
    "flatten",
    "elu",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "one_hot",
]


def _tensor(x, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic, list, tuple, numbers.Number)):
        return Tensor(x)
    raise TypeError(f"{what}: expected a Tensor or array, got {type(x).__name__}")


def _param(p, what: str, name: str, shape: tuple):
    """Optional weight/bias argument as a Tensor of ``shape`` (or None)."""
    if p is None:
        return None
    p = _tensor(p, what)
    if p.shape != shape:
        raise ValueError(f"{what}: {name} must have shape {shape}, got {p.shape}")
    return p


def linear(input, weight, bias=None) -> Tensor:
    """``input @ weight.T + bias`` (weight of shape (out, in), as ``torch.nn.functional``).

    One fused op: its backward computes ``dW = g.T @ x``, ``db = g.sum(0)`` and, only
    when the input needs it, ``dx = g @ W``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> w = tp.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> F.linear(tp.tensor([[1.0, 2.0, 3.0]]), w, tp.tensor([0.5, -1.0])).tolist()
    [[1.5, 4.0]]
    """
    x = _tensor(input, "linear")
    w = _tensor(weight, "linear")
    if w.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {w.shape}: "
            f"expected the input's last dimension to be {w.shape[1]}"
        )
    b = _param(bias, "linear", "bias", (w.shape[0],))
    return LinearFunction.apply(x, w, b)


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> F.flatten(tp.zeros(2, 3, 4)).shape
    (24,)
    >>> F.flatten(tp.zeros(2, 3, 4), start_dim=1).shape
    (2, 12)
    """
    return _tensor(input, "flatten").flatten(start_dim, end_dim)


def _check_p(p) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(
            f"dropout probability must be a number in [0, 1], got {p!r}; it is the chance "
            "that each element is zeroed (e.g. 0.5)"
        )
    return float(p)


def dropout(
    input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None
) -> Tensor:
    """Inverted dropout: zero each element with probability ``p``, scale the rest by
    ``1 / (1 - p)``; the identity when ``training`` is False or ``p == 0``.

    The mask comes from ``generator`` (a ``numpy.random.Generator`` or an int seed),
    else from tinyprop's default generator (``tp.manual_seed``). ``p == 1`` zeroes
    everything, like PyTorch. ``inplace`` is accepted for PyTorch compatibility; the
    result is always a new tensor.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> F.dropout(tp.ones(6), p=0.5, generator=0).tolist()
    [2.0, 0.0, 0.0, 0.0, 2.0, 2.0]
    >>> F.dropout(tp.ones(3), p=0.5, training=False).tolist()
    [1.0, 1.0, 1.0]
    """
    p = _check_p(p)
    x = _tensor(input, "dropout")
    if not training or p == 0.0:
        return x
    if x.data.dtype.kind != "f":
        raise TypeError(f"dropout needs a floating-point input, got dtype {x.dtype}")
    if p == 1.0:
        return x * xp.zeros(x.shape, dtype=x.dtype)
    keep = resolve_generator(generator).random(x.shape) >= p
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor._wrap(mask)


def _check_eps(eps, what):
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"{what}: eps must be a positive number (e.g. 1e-5), got {eps!r}")


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
    """Batch normalisation over an (N, C) or (N, C, L) input, per channel C.

    With ``training=True`` the batch mean and (biased) variance normalise the input and,
    if the running buffers are given (Tensors), they are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` with the *unbiased* batch
    variance, as PyTorch. With ``training=False`` the running statistics are used.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> rm, rv = tp.zeros(2), tp.ones(2)
    >>> y = F.batch_norm(tp.tensor([[1.0, 2.0], [3.0, 6.0]]), rm, rv, training=True)
    >>> [round(v, 4) for v in y.tolist()[0]], [round(v, 4) for v in rv.tolist()]
    ([-1.0, -1.0], [1.1, 1.7])
    """
    what = "batch_norm"
    x = _tensor(input, what)
    if x.ndim not in (2, 3):
        raise ValueError(f"{what}: expected input of shape (N, C) or (N, C, L), got {x.shape}")
    _check_eps(eps, what)
    c = x.shape[1]
    w = _param(weight, what, "weight", (c,))
    b = _param(bias, what, "bias", (c,))
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        if r is not None and (not isinstance(r, Tensor) or r.shape != (c,)):
            raise ValueError(f"{what}: {name} must be a Tensor of shape ({c},) or None")
    axes = (0,) if x.ndim == 2 else (0, 2)
    if x.ndim == 3:  # broadcast the per-channel vectors over L
        w = None if w is None else w.reshape(c, 1)
        b = None if b is None else b.reshape(c, 1)
    if training:
        n = x.shape[0] * (x.shape[2] if x.ndim == 3 else 1)
        if n <= 1:
            raise ValueError(
                f"{what}: expected more than 1 value per channel when training, got input "
                f"of shape {x.shape}; use a batch larger than 1 or call .eval()"
            )
        mean = xp.mean(x.data, axis=axes, keepdims=True)
        d = x.data - mean
        var = xp.mean(d * d, axis=axes, keepdims=True)
        if running_mean is not None or running_var is not None:
            m = float(momentum)
            if running_mean is not None:
                rm = running_mean.data
                rm *= 1.0 - m
                rm += m * mean.reshape(c)
            if running_var is not None:
                rv = running_var.data
                rv *= 1.0 - m
                rv += (m * n / (n - 1)) * var.reshape(c)
        return Normalize.apply(x, w, b, axes, float(eps), mean, var)
    if running_mean is None or running_var is None:
        raise ValueError(f"{what}: training=False needs running_mean and running_var")
    shape = (1, c) if x.ndim == 2 else (1, c, 1)
    mean = running_mean.data.reshape(shape).astype(x.dtype, copy=False)
    var = running_var.data.reshape(shape).astype(x.dtype, copy=False)
    return Normalize.apply(x, w, b, axes, float(eps), mean, var, False)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions of each sample
    (biased variance), then scale and shift by ``weight`` and ``bias`` of that shape.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> y = F.layer_norm(tp.tensor([[1.0, 3.0], [0.0, 10.0]]), 2)
    >>> [[round(v, 4) for v in row] for row in y.tolist()]
    [[-1.0, 1.0], [-1.0, 1.0]]
    """
    what = "layer_norm"
    x = _tensor(input, what)
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    shape = tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k :]) != shape:
        raise ValueError(
            f"{what}: input of shape {x.shape} does not end with normalized_shape {shape}; "
            f"expected input of shape (*, {', '.join(map(str, shape))})"
        )
    _check_eps(eps, what)
    w = _param(weight, what, "weight", shape)
    b = _param(bias, what, "bias", shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = xp.mean(x.data, axis=axes, keepdims=True)
    d = x.data - mean
    var = xp.mean(d * d, axis=axes, keepdims=True)
    return Normalize.apply(x, w, b, axes, float(eps), mean, var)
