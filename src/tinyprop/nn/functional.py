"""``tinyprop.nn.functional`` (imported as ``F``): ``torch.nn.functional``'s names with
its signatures, positional order included.

The losses, ``one_hot``, ``pad`` and most activations are the ops themselves (one home
each, in :mod:`tinyprop.ops`); the activations that take PyTorch's ``inplace`` flag,
``softmax`` / ``log_softmax`` (``dim=None`` and ``dtype``), ``linear``, ``dropout``,
``batch_norm`` and ``layer_norm`` live here and are what the modules call.

``inplace=True`` writes the result into the input and returns the input, as PyTorch,
when nothing is being recorded for backward. On a tensor that requires grad it raises:
tinyprop never changes recorded tensors in place (use ``inplace=False``; the values and
gradients are the same).

>>> import tinyprop as tp
>>> from tinyprop.nn import functional as F
>>> F.linear(tp.ones(2, 3), tp.ones(4, 3)).shape
tinyprop.Size([2, 4])
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..backend import resolve_generator, xp
from ..grad_mode import is_grad_enabled
from ..ops import activation as _act
from ..ops._util import float_arg
from ..ops.activation import gelu, sigmoid, tanh
from ..ops.linalg import matmul
from ..ops.loss import cross_entropy, nll_loss, one_hot
from ..ops.padding import pad
from ..ops.regression import (
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from ..tensor import Tensor, as_tensor_data
from ._functions import LinearFunction, Normalize

__all__ = [
    "linear",
    "dropout",
    "batch_norm",
    "layer_norm",
    "pad",
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
    "smooth_l1_loss",
]


def _tensor(x, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic, list, tuple, numbers.Number)):
        return as_tensor_data(x)
    raise TypeError(f"{what}: expected a Tensor or array, got {type(x).__name__}")


def _param(p, what: str, name: str, shape: tuple):
    """Optional weight/bias argument as a Tensor of ``shape`` (or None)."""
    if p is None:
        return None
    p = _tensor(p, what)
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


# ---- activations ----------------------------------------------------------------------


def _inplace(x, fn, what: str) -> Tensor:
    """PyTorch's ``inplace=True``: write ``fn(x)`` into ``x`` and return ``x``."""
    if not isinstance(x, Tensor):
        return fn(x)
    if x.requires_grad and is_grad_enabled():
        if x.grad_fn is None:
            raise RuntimeError(
                f"{what}(inplace=True): a leaf tensor that requires grad cannot be changed in "
                "place (as in PyTorch); use inplace=False"
            )
        raise NotImplementedError(
            f"{what}(inplace=True) on a tensor recorded for backward is not supported: "
            f"tinyprop never changes recorded tensors in place; use inplace=False "
            f"(x = {what}(x)), which gives the same values and gradients"
        )
    out = fn(x)
    x.copy_(out)
    return x


def relu(input, inplace: bool = False) -> Tensor:
    """``max(input, 0)``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> x = tp.tensor([-1.0, 2.0])
    >>> F.relu(x, inplace=True) is x, x.tolist()
    (True, [0.0, 2.0])
    """
    if inplace:
        return _inplace(input, _act.relu, "relu")
    return _act.relu(input)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, ``negative_slope * input`` elsewhere.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> F.leaky_relu(tp.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    """
    slope = _number(negative_slope, "negative_slope", "leaky_relu")
    if inplace:
        return _inplace(input, lambda t: _act.leaky_relu(t, slope), "leaky_relu")
    return _act.leaky_relu(input, slope)


def elu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, ``alpha * (exp(input) - 1)`` elsewhere.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> [round(v, 4) for v in F.elu(tp.tensor([-1.0, 2.0])).tolist()]
    [-0.6321, 2.0]
    """
    alpha = _number(alpha, "alpha", "elu")
    if inplace:
        return _inplace(input, lambda t: _act.elu(t, alpha), "elu")
    return _act.elu(input, alpha)


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, linear where ``beta * input > threshold``;
    any non-zero ``beta`` (a negative one gives ``-softplus(-|beta| x) / |beta|``, as
    PyTorch).

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> round(F.softplus(tp.tensor(0.0)).item(), 4)
    0.6931
    """
    beta = _number(beta, "beta", "softplus")
    threshold = _number(threshold, "threshold", "softplus")
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero (it divides the result), got 0")
    return _act.Softplus.apply(float_arg(input), beta, threshold)


def _softmax_dim(dim, x, what: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(
        f"implicit dimension choice for {what} is deprecated (as in PyTorch); pass dim= "
        "explicitly, e.g. dim=1 for (N, C) logits",
        UserWarning,
        stacklevel=3,
    )
    return 0 if x.ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """Softmax along ``dim`` (PyTorch's signature; without ``dim`` PyTorch's legacy
    rule picks it, with a warning); ``dtype`` casts the input first.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> F.softmax(tp.tensor([[1.0, 1.0]]), dim=1).tolist()
    [[0.5, 0.5]]
    """
    x = _tensor(input, "softmax")
    if dtype is not None:
        x = x.to(dtype)
    return _act.softmax(x, _softmax_dim(dim, x, "softmax"))


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``log(softmax(input))`` along ``dim``, computed stably (signature as ``softmax``).

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> F.log_softmax(tp.tensor([[1000.0, 0.0]]), dim=1).tolist()
    [[0.0, -1000.0]]
    """
    x = _tensor(input, "log_softmax")
    if dtype is not None:
        x = x.to(dtype)
    return _act.log_softmax(x, _softmax_dim(dim, x, "log_softmax"))


# ---- layers ---------------------------------------------------------------------------


def linear(input, weight, bias=None) -> Tensor:
    """``input @ weight.T + bias`` (weight of shape (out, in), as ``torch.nn.functional``).

    ``input`` has any number of leading dimensions; a 1-D ``weight`` (in,) gives one
    output per input row without the last dimension; ``bias`` is (out,) or anything that
    broadcasts to the output. The (out, in) case is one fused op: its backward computes
    ``dW = g.T @ x``, ``db = g.sum(0)`` and, only when the input needs it, ``dx = g @ W``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> w = tp.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> F.linear(tp.tensor([[1.0, 2.0, 3.0]]), w, tp.tensor([0.5, -1.0])).tolist()
    [[1.5, 4.0]]
    """
    x = _tensor(input, "linear")
    w = _tensor(weight, "linear")
    if w.ndim not in (1, 2):
        raise ValueError(
            f"linear: weight must be 2-D (out_features, in_features) or 1-D (in_features,), "
            f"got {tuple(w.shape)}"
        )
    if x.ndim == 0 or x.shape[-1] != w.shape[-1]:
        raise ValueError(
            f"linear: input of shape {tuple(x.shape)} does not fit weight of shape "
            f"{tuple(w.shape)}: expected the input's last dimension to be {w.shape[-1]}"
        )
    out_shape = tuple(x.shape[:-1]) + tuple(w.shape[:-1])
    b = None if bias is None else _tensor(bias, "linear")
    if b is not None:
        try:
            fits = np.broadcast_shapes(tuple(b.shape), out_shape) == out_shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"linear: bias of shape {tuple(b.shape)} does not broadcast to the output's "
                f"shape {out_shape}; expected shape {out_shape[-1:]}"
            )
    if w.ndim == 1:
        out = matmul(x, w)
        return out if b is None else out + b
    if b is None or tuple(b.shape) == (w.shape[0],):
        return LinearFunction.apply(x, w, b)
    return LinearFunction.apply(x, w, None) + b


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one (``torch.flatten``).

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> F.flatten(tp.zeros(2, 3, 4)).shape
    tinyprop.Size([24])
    >>> F.flatten(tp.zeros(2, 3, 4), start_dim=1).shape
    tinyprop.Size([2, 12])
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
    ``1 / (1 - p)``; the input itself when ``training`` is False or ``p == 0``.

    The mask comes from ``generator`` (a ``numpy.random.Generator`` or an int seed; a
    tinyprop extra), else from tinyprop's default generator (``tp.manual_seed``).
    ``p == 1`` zeroes everything, like PyTorch. ``inplace=True`` writes into the input
    (see the module docstring).

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
    if x._data.dtype.kind != "f":
        raise TypeError(f"dropout needs a floating-point input, got dtype {x.dtype}")
    if p == 1.0:
        mask = xp.zeros(x.shape, dtype=x.dtype)
    else:
        keep = resolve_generator(generator).random(x.shape) >= p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    if inplace:
        return _inplace(x, lambda t: t * Tensor._wrap(mask), "dropout")
    return x * Tensor._wrap(mask)


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
    x = _tensor(input, what)
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
    if training:
        n = x._data.size // c if c else 0
        if n <= 1:
            raise ValueError(
                f"{what}: expected more than 1 value per channel when training, got input "
                f"of shape {tuple(x.shape)}; use a batch larger than 1 or call .eval()"
            )
        mean = xp.mean(x._data, axis=axes, keepdims=True)
        d = x._data - mean
        var = xp.mean(d * d, axis=axes, keepdims=True)
        if running_mean is not None:
            rm, rv = running_mean._data, running_var._data
            rm *= 1.0 - momentum
            rm += momentum * mean.reshape(c)
            rv *= 1.0 - momentum
            rv += (momentum * n / (n - 1)) * var.reshape(c)
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
            f"{what}: input of shape {tuple(x.shape)} does not end with normalized_shape "
            f"{shape}; expected input of shape (*, {', '.join(map(str, shape))}) and at "
            "least one normalized dimension"
        )
    _float_input(x, what)
    eps = _check_eps(eps, what, positive=False)
    w = _param(weight, what, "weight", shape)
    b = _param(bias, what, "bias", shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = xp.mean(x._data, axis=axes, keepdims=True)
    d = x._data - mean
    var = xp.mean(d * d, axis=axes, keepdims=True)
    return Normalize.apply(x, w, b, axes, eps, mean, var)
