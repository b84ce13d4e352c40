"""Dtype casts, clone, and the non-differentiable helpers (comparisons, all/any)."""

from __future__ import annotations

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._registry import register
from ._util import as_tensor_arg, axis_args, normalize_axes, pair


class Cast(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        if dtype == np.float16 and a.dtype == np.float64:  # through float32, as PyTorch rounds
            a = a.astype(np.float32)
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype), None


class Clone(Function):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def _device(d) -> None:
    name = str(d).split(":")[0]
    if name != "cpu":
        raise NotImplementedError(
            f"device {d!r} is not available: tinyprop computes on the CPU with NumPy; "
            "use 'cpu' (or leave the device out)"
        )


@register(method=("to", "astype"))
def to(input, *args, dtype=None, device=None, copy=False, non_blocking=False,
       memory_format=None) -> Tensor:
    """PyTorch's ``Tensor.to``: ``x.to(dtype)``, ``x.to('cpu')``, ``x.to(other)`` (other's
    dtype), ``x.to('cpu', dtype)``, or keywords. Returns ``x`` itself when nothing
    changes (unless ``copy=True``); float-to-float casts stay differentiable.

    >>> import tinyprop as tp
    >>> tp.to(tp.tensor([1.7, -1.7]), tp.int64).tolist()
    [1, -1]
    >>> tp.tensor([1.0]).to("cpu", tp.float64).dtype
    dtype('float64')
    """
    a = as_tensor_arg(input)
    flags = [arg for arg in args if isinstance(arg, bool)]  # (non_blocking, copy)
    if len(flags) > 1:
        copy = flags[1]
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg._data.dtype
        elif (isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps", "meta", "xpu")
              or type(arg).__name__ == "device"):
            _device(arg)
        elif isinstance(arg, bool):
            continue
        else:
            dtype = arg
    if device is not None:
        _device(device)
    if dtype is None:
        return Clone.apply(a) if copy else a
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"to(): expected a dtype (e.g. tp.float64), a device ('cpu') or a "
                        f"tensor, got {dtype!r}") from None
    if dtype == a._data.dtype:
        return Clone.apply(a) if copy else a
    if dtype.kind != "f" or a._data.dtype.kind != "f":
        return Tensor._wrap(a._data.astype(dtype))
    return Cast.apply(a, dtype)


@register(method=True)
def clone(a, *, memory_format=None) -> Tensor:
    """A copy that stays in the graph (its gradient flows back to ``a``).

    >>> import tinyprop as tp
    >>> x = tp.tensor([1.0, 2.0], requires_grad=True)
    >>> tp.clone(x).sum().backward()
    >>> x.grad.tolist()
    [1.0, 1.0]
    """
    return Clone.apply(as_tensor_arg(a))


def _compare(op):
    def compare(a, b) -> Tensor:
        a, b = pair(a, b)
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else b
        return Tensor._wrap(np.asarray(op(av, bv)))

    compare.__doc__ = (
        f"Element-wise ``{op.__name__}`` as a bool tensor (not differentiable).\n\n"
        "    >>> import tinyprop as tp\n"
        "    >>> x = tp.tensor([1, 2, 3])\n"
        "    >>> (x == 2).tolist(), (x < 2).tolist(), tp.ge(x, 2).tolist()\n"
        "    ([False, True, False], [True, False, False], [False, True, True])\n"
    )
    return compare


eq = register("eq", method=True, differentiable=False)(_compare(np.equal))
ne = register("ne", method=True, differentiable=False)(_compare(np.not_equal))
lt = register("lt", method=True, differentiable=False)(_compare(np.less))
le = register("le", method=True, differentiable=False)(_compare(np.less_equal))
gt = register("gt", method=True, differentiable=False)(_compare(np.greater))
ge = register("ge", method=True, differentiable=False)(_compare(np.greater_equal))


@register(method=True, differentiable=False)
def isnan(a) -> Tensor:
    """Bool tensor marking NaNs.

    >>> import tinyprop as tp
    >>> tp.isnan(tp.tensor([1.0, float("nan")])).tolist()
    [False, True]
    """
    return Tensor._wrap(np.isnan(as_tensor_arg(a)._data))


@register(method=True, differentiable=False)
def isfinite(a) -> Tensor:
    """Bool tensor marking finite values.

    >>> import tinyprop as tp
    >>> tp.isfinite(tp.tensor([1.0, float("inf")])).tolist()
    [True, False]
    """
    return Tensor._wrap(np.isfinite(as_tensor_arg(a)._data))


def _logical(name, fn, a, dim, keepdim, axis, keepdims, out):
    if out is not None:
        raise TypeError(f"{name}(out=...) is not supported; use the returned tensor")
    a = as_tensor_arg(a)
    dim, keepdim = axis_args(dim, keepdim, axis, keepdims)
    axes = normalize_axes(dim, a.ndim)
    res = np.asarray(fn(a._data, axis=axes, keepdims=keepdim))
    # PyTorch keeps uint8 for uint8 input and gives bool otherwise
    return Tensor._wrap(res.astype(np.uint8) if a._data.dtype == np.uint8 else res)


@register(method=True, differentiable=False)
def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None) -> Tensor:  # noqa: A001
    """True where every element (over ``dim``, an int or tuple) is nonzero.

    >>> import tinyprop as tp
    >>> tp.all(tp.tensor([[True, False], [True, True]]), dim=1).tolist()
    [False, True]
    """
    return _logical("all", np.all, input, dim, keepdim, axis, keepdims, out)


@register(method=True, differentiable=False)
def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None) -> Tensor:  # noqa: A001
    """True where some element (over ``dim``, an int or tuple) is nonzero.

    >>> import tinyprop as tp
    >>> tp.any(tp.tensor([False, True])).item()
    True
    """
    return _logical("any", np.any, input, dim, keepdim, axis, keepdims, out)


@register(method=True, differentiable=False)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values, sorted (PyTorch's ``torch.unique``; not differentiable).

    With ``return_inverse`` also the index of each input element in the result, with
    ``return_counts`` how often each value occurs; ``dim`` takes unique slices.

    >>> import tinyprop as tp
    >>> tp.unique(tp.tensor([3, 1, 3, 2]))
    tensor([1, 2, 3])
    >>> len(tp.unique(tp.tensor([3, 1, 3, 2])))
    3
    """
    a = as_tensor_arg(input)
    if dim is not None:
        dim = normalize_axes(dim, a.ndim)
        dim = dim[0] if dim else None
    values, inverse, counts = np.unique(a._data, return_inverse=True, return_counts=True,
                                        axis=dim)
    out = [Tensor._wrap(values)]
    if return_inverse:
        shape = a.shape if dim is None else (a.shape[dim],)
        out.append(Tensor._wrap(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
