"""Array-level kernels shared by the autograd and the manual engines.

Each function takes and returns raw arrays through the backend's array module
``xp``; nothing here knows about Tensors. The math of numerically delicate
functions (softmax, log-softmax, log-sum-exp, sigmoid, softplus) is written once
here so both engines compute exactly the same numbers.
"""

from __future__ import annotations

from functools import lru_cache

from .backend import xp


def logsumexp(x, axis=-1, keepdims=False):
    """Stable ``log(sum(exp(x)))`` along ``axis`` (shifts by the max first)."""
    m = xp.max(x, axis=axis, keepdims=True)
    if not xp.isfinite(m).all():  # rows of -inf (or inf) would give nan when shifted
        m = xp.where(xp.isfinite(m), m, 0)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


def log_softmax(x, axis=-1):
    """Stable log-softmax: ``(x - max) - log(sum(exp(x - max)))`` along ``axis``.

    A row of all ``-inf`` gives NaN, as in PyTorch (there is no distribution to normalise).
    """
    s = x - x.max(axis=axis, keepdims=True)
    e = xp.exp(s)
    s -= xp.log(e.sum(axis=axis, keepdims=True))
    return s


def softmax(x, axis=-1):
    """Stable softmax: subtract the row max before exponentiating (seed 000)."""
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def softmax_backward(y, grad, axis=-1):
    """Jacobian-vector product of softmax given its output ``y``: ``y * (g - sum(g*y))``."""
    return y * (grad - xp.sum(grad * y, axis=axis, keepdims=True))


@lru_cache(maxsize=16)
def row_indices(n: int):
    """``arange(n)`` (read-only, cached): the row half of ``x[rows, labels]``."""
    rows = xp.arange(n)
    rows.flags.writeable = False
    return rows


def labels_in_range(labels, n_classes: int) -> bool:
    """Whether every integer label lies in ``0..n_classes-1``, in one pass: read as
    unsigned, a negative label is larger than any class count."""
    if not labels.size:
        return True
    if labels.dtype.kind == "i":
        labels = labels.view(labels.dtype.str.replace("i", "u"))
    return bool(labels.max() < n_classes)


def softmax_cross_entropy(z, labels):
    """Summed cross-entropy of logits ``z`` (N, C) at in-range integer ``labels``, and
    the softmax, from one exponential. The loss terms are ``log_softmax``'s numbers at
    the labels and the softmax is ``softmax``'s, bit for bit."""
    s = z - z.max(axis=1, keepdims=True)
    p = xp.exp(s)
    total = p.sum(axis=1, keepdims=True)
    picked = s[row_indices(len(labels)), labels]
    picked -= xp.log(total)[:, 0]
    p /= total
    return -picked.sum(), p


def softmax_minus_onehot(p, labels):
    """``p - onehot(labels)`` as a new array: the cross-entropy gradient, unscaled."""
    d = p.copy()
    d[row_indices(len(labels)), labels] -= 1
    return d


def sigmoid(x):
    """Logistic function that never overflows: uses ``exp(-|x|)``."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def softplus(x):
    """``log(1 + exp(x))`` computed without overflow."""
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def tanh_backward(y, grad):
    """Derivative of tanh from its output: ``grad * (1 - y**2)``."""
    return grad * (1 - y * y)


def sigmoid_backward(y, grad):
    """Derivative of sigmoid from its output: ``grad * y * (1 - y)``."""
    return grad * y * (1 - y)
