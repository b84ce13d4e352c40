"""Matrix products: ``matmul`` (1-D, 2-D and batched) and the named forms built on it."""

from __future__ import annotations

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._registry import register
from ._util import as_tensor_arg


class MatMul(Function):
    """``a @ b`` with NumPy's rules: 1-D operands are promoted, batch dims broadcast."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if na else None), (g * a if nb else None)
        if a.ndim == 1:  # (k) @ (..., k, n) -> (..., n)
            if na:
                ga = (b @ g[..., None])[..., 0]
            if nb:
                gb = a[:, None] * g[..., None, :]
            return ga, gb
        if b.ndim == 1:  # (..., m, k) @ (k) -> (..., m)
            if na:
                ga = g[..., None] * b
            if nb:
                gb = (np.swapaxes(a, -1, -2) @ g[..., None])[..., 0]
            return ga, gb
        if na:
            ga = g @ np.swapaxes(b, -1, -2)
        if nb:
            gb = np.swapaxes(a, -1, -2) @ g
        return ga, gb


@register(method=True)
def matmul(a, b) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics.

    >>> import tinyprop as tp
    >>> (tp.ones(2, 3) @ tp.ones(3)).tolist()
    [3.0, 3.0]
    """
    a, b = as_tensor_arg(a), as_tensor_arg(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul needs tensors with at least one dimension; use * for scalars")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(
            f"matmul shapes {a._data.shape} and {b._data.shape} do not line up: the last "
            f"dimension of "
            f"the first ({ka}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} "
            f"dimension of the second ({kb}); transpose one of them (.T) if needed"
        )
    return MatMul.apply(a, b)


@register(method=True)
def mm(a, b) -> Tensor:
    """2-D matrix product (``torch.mm``).

    >>> import tinyprop as tp
    >>> a = tp.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> tp.mm(a, a).tolist()
    [[7.0, 10.0], [15.0, 22.0]]
    """
    a, b = as_tensor_arg(a), as_tensor_arg(b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm needs two 2-D tensors, got "
                         f"shapes {a._data.shape} and {b._data.shape}")
    return matmul(a, b)


@register(method=True)
def mv(a, v) -> Tensor:
    """Matrix-vector product (``torch.mv``).

    >>> import tinyprop as tp
    >>> tp.mv(tp.tensor([[1.0, 2.0], [3.0, 4.0]]), tp.ones(2)).tolist()
    [3.0, 7.0]
    """
    a, v = as_tensor_arg(a), as_tensor_arg(v)
    if a.ndim != 2 or v.ndim != 1:
        raise ValueError(f"mv needs a 2-D and a 1-D tensor, got "
                         f"{a._data.shape} and {v._data.shape}")
    return matmul(a, v)


@register(method=True)
def dot(a, b) -> Tensor:
    """Inner product of two 1-D tensors (``torch.dot``).

    >>> import tinyprop as tp
    >>> tp.dot(tp.tensor([1.0, 2.0]), tp.tensor([3.0, 4.0])).item()
    11.0
    """
    a, b = as_tensor_arg(a), as_tensor_arg(b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot needs two 1-D tensors, got "
                         f"shapes {a._data.shape} and {b._data.shape}")
    return matmul(a, b)


@register()
def outer(a, b) -> Tensor:
    """Outer product of two 1-D tensors: ``a[:, None] * b[None, :]``.

    >>> import tinyprop as tp
    >>> tp.outer(tp.tensor([1.0, 2.0]), tp.tensor([1.0, 10.0])).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    a, b = as_tensor_arg(a), as_tensor_arg(b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer needs two 1-D tensors, got "
                         f"shapes {a._data.shape} and {b._data.shape}")
    return a.reshape(-1, 1) * b.reshape(1, -1)
