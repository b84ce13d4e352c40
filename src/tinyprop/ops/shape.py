"""Shape ops: reshape/view/flatten, transpose/permute, squeeze/unsqueeze,
broadcast_to/expand, indexing, concatenate/stack (``pad`` is in :mod:`.padding`)."""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from .._validate import check_shape
from ..function import Function
from ..tensor import Tensor
from ._registry import register
from ._util import as_tensor_arg, normalize_axes


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Permute(Function):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, np.argsort(ctx.axes)), None


class BroadcastTo(Function):
    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums it back to the input's shape


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(
        i is None or i is Ellipsis or isinstance(i, slice)
        or (isinstance(i, numbers.Integral) and not isinstance(i, bool))
        for i in items
    )


class GetItem(Function):
    """``a[index]``; repeated integer indices accumulate in backward."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.call(g, ctx.shape, ctx.index), None


class IndexAdd(Function):
    """``g`` added into zeros of ``shape`` at ``index`` (repeated indices accumulate): the
    backward of indexing, whose own backward is indexing again. Backward passes call it
    through ``IndexAdd.call``, so a recorded backward (``create_graph``) records it."""

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.index], None, None


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        bounds = [0, *ctx.splits.tolist(), g.shape[ctx.axis]]
        return tuple(g[lead + (slice(lo, hi),)] for lo, hi in zip(bounds, bounds[1:]))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        return tuple(g[lead + (i,)] for i in range(g.shape[ctx.axis]))


def _shape_arg(shape, name: str = "size"):
    """Sizes (or axes) given as ints or one tuple/list: integers only (``2.5`` is a
    TypeError, as in PyTorch); -1 and negative axes pass to the caller's checks."""
    return check_shape(shape, name, low=None)


@register(method=True, aliases=('view',))
def reshape(a, *shape) -> Tensor:
    """A tensor with the same data in a new shape (one entry may be -1).

    >>> import tinyprop as tp
    >>> tp.arange(6).reshape(2, 3).shape
    tinyprop.Size([2, 3])
    """
    a = as_tensor_arg(a)
    shape = _shape_arg(shape)
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    free = sum(1 for s in shape if s == -1)
    size = a._data.size
    if (free > 1 or any(s < -1 for s in shape)
            or (free == 0 and known != size)
            or (free == 1 and (known == 0 or size % known))):
        raise ValueError(
            f"cannot reshape a tensor of shape {tuple(a.shape)} ({size} elements) into "
            f"{shape}; the new shape must hold the same number of elements (at most one -1)"
        )
    return Reshape.apply(a, shape)


view = reshape


@register(method=True)
def flatten(a, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one (PyTorch's ``flatten``).

    >>> import tinyprop as tp
    >>> tp.flatten(tp.zeros(2, 3, 4), 1).shape
    tinyprop.Size([2, 12])
    """
    a = as_tensor_arg(a)
    if a.ndim == 0:
        return reshape(a, 1)
    s, e = start_dim % a.ndim, end_dim % a.ndim
    if s > e:
        raise ValueError(f"flatten needs start_dim <= end_dim, got {start_dim}, {end_dim}")
    shape = a.shape[:s] + (-1,) + a.shape[e + 1:]
    if a._data.size == 0:
        shape = a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:]
    return Reshape.apply(a, shape)


@register(method=True)
def permute(a, *axes) -> Tensor:
    """Reorder all dimensions: ``permute(x, 1, 0)`` transposes a matrix.

    >>> import tinyprop as tp
    >>> tp.permute(tp.zeros(2, 3, 4), 2, 0, 1).shape
    tinyprop.Size([4, 2, 3])
    """
    a = as_tensor_arg(a)
    axes = _shape_arg(axes)
    if sorted(i % max(a.ndim, 1) for i in axes) != list(range(a.ndim)):
        raise ValueError(f"permute needs a permutation of 0..{a.ndim - 1}, got {axes}")
    return Permute.apply(a, tuple(i % a.ndim for i in axes))


@register(method=True)
def transpose(input, dim0=None, dim1=None) -> Tensor:
    """Swap two dimensions (PyTorch); with no dims, reverse them all (NumPy's ``.T``).
    A 0-d tensor accepts dims 0 and -1 and comes back as it is.

    >>> import tinyprop as tp
    >>> tuple(tp.transpose(tp.zeros(2, 3, 4), 0, 2).shape), tuple(tp.zeros(2, 3).T.shape)
    ((4, 3, 2), (3, 2))
    """
    a = as_tensor_arg(input)
    if dim0 is None and dim1 is None:
        return Permute.apply(a, tuple(reversed(range(a.ndim))))
    if dim0 is None or dim1 is None:
        raise TypeError("transpose needs both dim0 and dim1 (or neither to reverse all)")
    d0, d1 = normalize_axes(dim0, a.ndim), normalize_axes(dim1, a.ndim)
    axes = list(range(a.ndim))
    if a.ndim:
        axes[d0[0]], axes[d1[0]] = axes[d1[0]], axes[d0[0]]
    return Permute.apply(a, tuple(axes))


@register(method=True)
def t(input) -> Tensor:
    """PyTorch's ``t()``: transpose a 2-D tensor; 0-d and 1-D tensors come back as they are.

    >>> import tinyprop as tp
    >>> tp.tensor([[1, 2, 3]]).t().tolist()
    [[1], [2], [3]]
    """
    a = as_tensor_arg(input)
    if a.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got {a.ndim}; use "
                         "transpose(dim0, dim1) or permute(...) for more")
    return Permute.apply(a, tuple(reversed(range(a.ndim))))


@register(method=True)
def squeeze(a, axis=None, *, dim=None) -> Tensor:
    """Drop size-1 dimensions (all, or those in ``axis``; others are left alone).

    >>> import tinyprop as tp
    >>> tp.squeeze(tp.zeros(1, 3, 1)).shape, tp.squeeze(tp.zeros(1, 3, 1), 0).shape
    (tinyprop.Size([3]), tinyprop.Size([3, 1]))
    """
    a = as_tensor_arg(a)
    axis = dim if dim is not None else axis
    axes = normalize_axes(axis, a.ndim) if a.ndim else ()
    shape = tuple(n for i, n in enumerate(a.shape) if not (i in axes and n == 1))
    return Reshape.apply(a, shape)


@register(method=True)
def unsqueeze(a, axis=None, *, dim=None) -> Tensor:
    """Insert a size-1 dimension at ``axis`` (negative counts from the new end).

    >>> import tinyprop as tp
    >>> tp.unsqueeze(tp.zeros(3), 0).shape
    tinyprop.Size([1, 3])
    """
    a = as_tensor_arg(a)
    axis = dim if dim is not None else axis
    if axis is None:
        raise TypeError("unsqueeze needs an axis (dim)")
    n = a.ndim + 1
    if not -n <= axis < n:
        raise ValueError(f"unsqueeze axis {axis} out of range for a result of {n} dims")
    axis %= n
    return Reshape.apply(a, a.shape[:axis] + (1,) + a.shape[axis:])


@register(method=True)
def broadcast_to(a, *shape) -> Tensor:
    """View ``a`` broadcast to ``shape``; the gradient is summed back.

    >>> import tinyprop as tp
    >>> tp.broadcast_to(tp.tensor([1.0, 2.0]), (2, 2)).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    a = as_tensor_arg(a)
    shape = _shape_arg(shape)
    try:
        np.broadcast_shapes(a.shape, shape)
    except ValueError:
        raise ValueError(f"cannot broadcast shape {tuple(a.shape)} to {shape}") from None
    return BroadcastTo.apply(a, shape)


@register(method=True)
def expand(a, *sizes) -> Tensor:
    """PyTorch's ``expand``: like broadcast_to, with -1 keeping a dimension.

    >>> import tinyprop as tp
    >>> tp.expand(tp.ones(3, 1), -1, 4).shape
    tinyprop.Size([3, 4])
    """
    a = as_tensor_arg(a)
    sizes = _shape_arg(sizes)
    lead = len(sizes) - a.ndim
    shape = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(a, shape)


def _index_arg(index):
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


@register()
def getitem(a, index) -> Tensor:
    """``a[index]`` with ints, slices, integer arrays or boolean masks.

    >>> import tinyprop as tp
    >>> x = tp.arange(6).reshape(2, 3)
    >>> tp.getitem(x, x > 2).tolist(), x[:, 0].tolist()
    ([3, 4, 5], [0, 3])
    """
    a = as_tensor_arg(a)
    index = _index_arg(index)
    try:
        return GetItem.apply(a, index)
    except IndexError as e:
        raise IndexError(f"{e} (tensor shape {tuple(a.shape)})") from None


def _tensors(tensors, what):
    if isinstance(tensors, Tensor) or not len(tensors):
        raise ValueError(f"{what} needs a non-empty sequence of tensors")
    return [as_tensor_arg(t) for t in tensors]


@register(aliases=('cat',))
def concatenate(tensors, axis: int = 0, *, dim=None) -> Tensor:
    """Join tensors along an existing axis. Alias: ``cat``.

    >>> import tinyprop as tp
    >>> tp.concatenate([tp.ones(2), tp.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    ts = _tensors(tensors, "concatenate")
    axis = dim if dim is not None else axis
    if builtins.any(t.ndim != 1 for t in ts):  # PyTorch's legacy rule: skip 1-D empty tensors
        ts = [t for t in ts if t.shape != (0,)] or ts[:1]
    axis = normalize_axes(axis, ts[0].ndim)[0]
    for t in ts[1:]:
        if t.ndim != ts[0].ndim or any(
            t.shape[i] != ts[0].shape[i] for i in range(t.ndim) if i != axis
        ):
            raise ValueError(
                f"concatenate along axis {axis} needs equal shapes elsewhere, got "
                f"{tuple(ts[0].shape)} and {tuple(t.shape)}"
            )
    return Concatenate.apply(*ts, axis=axis)


cat = concatenate


@register()
def stack(tensors, axis: int = 0, *, dim=None) -> Tensor:
    """Join same-shaped tensors along a new axis.

    >>> import tinyprop as tp
    >>> tp.stack([tp.ones(2), tp.zeros(2)], dim=1).tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    ts = _tensors(tensors, "stack")
    axis = dim if dim is not None else axis
    if any(t.shape != ts[0].shape for t in ts):
        raise ValueError(f"stack needs tensors of one shape, got {[t.shape for t in ts]}")
    axis = normalize_axes(axis, ts[0].ndim + 1)[0]
    return Stack.apply(*ts, axis=axis)

