"""``tinyprop.nn.functional`` (imported as ``F``): ``torch.nn.functional``'s names with
its signatures, positional order included.

The losses, ``one_hot``, ``pad``, ``linear``, ``batch_norm``, ``layer_norm`` and most
activations are the ops themselves (one home each, in :mod:`tinyprop.ops`); the
activations that take PyTorch's ``inplace`` flag, ``softmax`` / ``log_softmax``
(``dim=None`` and ``dtype``) and ``dropout`` live here.

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

import warnings

import numpy as np

from .._validate import check_float, value_error
from ..backend import resolve_generator
from ..functional import (  # the ops themselves, as tinyprop.functional exports them
    binary_cross_entropy_with_logits,
    cross_entropy,
    gelu,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    one_hot,
    pad,
    sigmoid,
    smooth_l1_loss,
    tanh,
)
from ..grad_mode import is_grad_enabled
from ..ops import activation as _act
from ..ops._util import float_arg
from ..ops.affine import checked_tensor as _tensor
from ..ops.affine import linear
from ..ops.normalization import batch_norm, layer_norm
from ..tensor import Tensor

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
    slope = check_float(negative_slope, "leaky_relu: negative_slope")
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
    alpha = check_float(alpha, "elu: alpha")
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
    beta = check_float(beta, "softplus: beta")
    threshold = check_float(threshold, "softplus: threshold", finite=False)
    if beta == 0:
        raise value_error("softplus: beta", "non-zero", beta, "it divides the result")
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
    return check_float(
        p, "dropout probability", low=0, high=1, expected="a number in [0, 1]",
        fix="it is the chance that each element is zeroed (e.g. 0.5)",
    )


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
        mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = resolve_generator(generator).random(x.shape) >= p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    if inplace:
        return _inplace(x, lambda t: t * Tensor._wrap(mask), "dropout")
    return x * Tensor._wrap(mask)
