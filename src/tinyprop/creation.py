"""Making tensors: from data, filled, ranges, identity and random (seeded)."""

from __future__ import annotations

import numpy as np

from .backend import get_default_dtype, resolve_generator, xp
from .tensor import Tensor, to_array


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    out = tuple(int(s) for s in shape)
    if any(s < 0 for s in out):
        raise ValueError(f"shape dimensions must be >= 0, got {out}")
    return out


def _dtype(dtype):
    if dtype is None:
        return get_default_dtype()
    d = np.dtype(dtype)
    if d.kind not in "biuf":
        raise TypeError(
            f"tensors hold numbers: expected a bool, integer or float dtype, got {d}; "
            "use e.g. tp.float32 or tp.int64"
        )
    return d


def _make(array, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists or an array).

    Python floats become float32 (the default dtype); float arrays keep their
    float32/float64; pass ``dtype`` to choose.

    >>> import tinyprop as tp
    >>> tp.tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    return _make(to_array(data, dtype, copy=True), requires_grad)


def as_tensor(data, dtype=None) -> Tensor:
    """Like :func:`tensor` but shares memory with an array when it can."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return Tensor._wrap(to_array(data, dtype, copy=False))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``tp.zeros(2, 3)`` or ``tp.zeros((2, 3))``."""
    return _make(xp.zeros(_shape(shape), dtype=_dtype(dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make(xp.ones(_shape(shape), dtype=_dtype(dtype)), requires_grad)


def empty(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (contents are arbitrary)."""
    return _make(xp.empty(_shape(shape), dtype=_dtype(dtype)), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``."""
    if dtype is None and isinstance(fill_value, (bool, int, np.integer)):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    shape = _shape((shape,) if isinstance(shape, (tuple, list)) else (shape,))
    return _make(xp.full(shape, fill_value, dtype=_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in ``[start, end)``; integers give int64 as in PyTorch."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange step must be non-zero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _make(xp.arange(start, end, step, dtype=np.dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end`` inclusive."""
    return _make(xp.linspace(start, end, int(steps), dtype=_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Identity matrix of shape (n, m)."""
    return _make(xp.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def randn(*shape, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from ``generator`` (default: ``tp.manual_seed``'s)."""
    g = resolve_generator(generator)
    arr = g.standard_normal(_shape(shape), dtype=np.float64).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


def rand(*shape, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    g = resolve_generator(generator)
    arr = g.random(_shape(shape), dtype=np.float64).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


def randint(low: int, high: int, size, generator=None, dtype=np.int64) -> Tensor:
    """Random integers in ``[low, high)``."""
    g = resolve_generator(generator)
    size = (size,) if isinstance(size, int) else tuple(size)
    return Tensor._wrap(g.integers(low, high, size=size, dtype=dtype))


def randperm(n: int, generator=None) -> Tensor:
    """A random permutation of ``0..n-1`` (int64)."""
    return Tensor._wrap(resolve_generator(generator).permutation(n).astype(np.int64))


def _like(fn):
    def like(t, dtype=None, requires_grad: bool = False, **kwargs) -> Tensor:
        t = t if isinstance(t, Tensor) else Tensor(t)
        return fn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, **kwargs)

    like.__name__ = f"{fn.__name__}_like"
    like.__doc__ = f"Like :func:`{fn.__name__}` with the shape and dtype of ``t``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
randn_like = _like(randn)
rand_like = _like(rand)


def full_like(t, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor shaped like ``t`` filled with ``fill_value``."""
    t = t if isinstance(t, Tensor) else Tensor(t)
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)
