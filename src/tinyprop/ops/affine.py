"""The affine map ``linear(input, weight, bias) = input @ weight.T + bias``, PyTorch's
``torch.nn.functional.linear``: one fused op, one graph node, the training hot path of
``nn.Linear``. Its backward is :func:`tinyprop.kernels.affine_backward`, which the manual
engine's ``Linear``, ``Affine``, ``MLP`` and seed-001 functions call too.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import kernels
from ..function import Function
from ..tensor import Tensor, as_tensor_data
from ._registry import register
from .linalg import matmul

__all__ = ["LinearFunction", "checked_tensor", "linear"]


class LinearFunction(Function):
    """``y = x @ W.T + b`` for ``x`` of shape (..., in), ``W`` (out, in), ``b`` (out,) or
    None. Backward: ``dx = g @ W``, ``dW = g.T @ x`` (leading dims flattened),
    ``db = sum(g)``, each only when that input needs a gradient."""

    @staticmethod
    def forward(ctx, x, w, b):
        out = kernels.linear_product(x, w)
        if b is not None:
            kernels.add_rows_(out, b)
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        nx, nw, nb = ctx.needs_input_grad
        return kernels.affine_backward(x, g, w if nx else None, weight=nw, bias=nb)


def checked_tensor(x, what: str) -> Tensor:
    """``x`` as a Tensor (arrays, lists and numbers are wrapped), or a TypeError naming
    ``what`` for anything else."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic, list, tuple, numbers.Number)):
        return as_tensor_data(x)
    raise TypeError(f"{what}: expected a Tensor or array, got {type(x).__name__}")


@register()
def linear(input, weight, bias=None) -> Tensor:
    """``input @ weight.T + bias`` (weight of shape (out, in)), as
    ``torch.nn.functional.linear`` (also ``tinyprop.nn.functional.linear``).

    ``input`` has any number of leading dimensions; a 1-D ``weight`` (in,) gives one
    output per input row without the last dimension; ``bias`` is (out,) or anything that
    broadcasts to the output. The (out, in) case is one fused op: its backward computes
    ``dW = g.T @ x``, ``db = g.sum(0)`` and, only when the input needs it, ``dx = g @ W``.

    >>> import tinyprop as tp
    >>> w = tp.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> tp.linear(tp.tensor([[1.0, 2.0, 3.0]]), w, tp.tensor([0.5, -1.0])).tolist()
    [[1.5, 4.0]]
    """
    x = checked_tensor(input, "linear")
    w = checked_tensor(weight, "linear")
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
    b = None if bias is None else checked_tensor(bias, "linear")
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
