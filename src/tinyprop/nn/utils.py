"""Gradient clipping and parameter/vector conversion (``torch.nn.utils``)."""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_float
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _params(parameters, what: str) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        params = list(parameters)
    except TypeError:
        raise TypeError(
            f"{what} expects a Tensor or an iterable of Tensors (e.g. model.parameters()), "
            f"got {type(parameters).__name__}"
        ) from None
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{what}: every parameter must be a Tensor, got {type(p).__name__}")
    return params




def clip_grad_norm_(
    parameters,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:
    """Rescale the gradients in place so that their joint norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients taken together (``inf``
    for the largest absolute value). When it exceeds ``max_norm`` every gradient is
    multiplied by ``max_norm / (total + 1e-6)``, as PyTorch. Returns the total norm
    (before clipping) as a 0-d Tensor. ``foreach`` is accepted for compatibility.

    >>> import tinyprop as tp
    >>> w = tp.tensor([3.0, 4.0], requires_grad=True)
    >>> w.grad = tp.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], 1.0).item()
    5.0
    >>> [round(v, 4) for v in w.grad.tolist()]
    [0.6, 0.8]
    """
    what = "clip_grad_norm_"
    max_norm = check_float(max_norm, f"{what}: max_norm", low=0, finite=False)
    norm_type = check_float(
        norm_type, f"{what}: norm_type", low=0, closed="neither", finite=False,
        expected="> 0 or inf", fix="2.0 for the Euclidean norm",
    )
    grads = [p.grad._data for p in _params(parameters, what) if p.grad is not None]
    if not grads:
        return Tensor._wrap(np.zeros((), dtype=np.float32))
    dtype = grads[0].dtype
    if math.isinf(norm_type):
        total = float(max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads))
    else:
        total = float(
            sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads)
            ** (1.0 / norm_type)
        )
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{what}: the total norm of order {norm_type} of the gradients is {total}; "
            "non-finite gradients cannot be clipped. Look for a NaN/inf in the loss (lower "
            "the learning rate, check the inputs) or pass error_if_nonfinite=False"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return Tensor._wrap(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place.

    >>> import tinyprop as tp
    >>> w = tp.tensor([1.0, -5.0], requires_grad=True)
    >>> w.grad = tp.tensor([3.0, -0.5])
    >>> clip_grad_value_([w], 1.0)
    >>> w.grad.tolist()
    [1.0, -0.5]
    """
    what = "clip_grad_value_"
    clip_value = check_float(clip_value, f"{what}: clip_value", low=0, finite=False)
    for p in _params(parameters, what):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def parameters_to_vector(parameters) -> Tensor:
    """All parameters' values flattened into one 1-D Tensor (a copy, not in the graph).

    >>> from tinyprop import nn
    >>> parameters_to_vector(nn.Linear(2, 3, generator=0).parameters()).shape
    tinyprop.Size([9])
    """
    params = _params(parameters, "parameters_to_vector")
    if not params:
        return Tensor._wrap(np.zeros((0,), dtype=np.float32))
    return Tensor._wrap(np.concatenate([p._data.reshape(-1) for p in params]))


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> layer = nn.Linear(2, 1, generator=0)
    >>> vector_to_parameters(tp.tensor([1.0, 2.0, 3.0]), layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[1.0, 2.0]], [3.0])
    """
    params = _params(parameters, "vector_to_parameters")
    v = vec._data if isinstance(vec, Tensor) else np.asarray(vec)
    total = sum(p._data.size for p in params)
    if v.ndim != 1 or v.size != total:
        raise ValueError(
            f"vector_to_parameters: expected a 1-D vector of {total} values (the parameters' "
            f"total size), got shape {tuple(v.shape)}"
        )
    i = 0
    for p in params:
        n = p._data.size
        p._data[...] = v[i : i + n].reshape(p._data.shape)
        i += n
