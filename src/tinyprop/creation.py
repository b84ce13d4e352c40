"""Making tensors: from data, filled, ranges, identity and random (seeded)."""

from __future__ import annotations

import functools
import math

import numpy as np

from ._validate import check_allocation, check_shape, check_size
from .backend import get_default_dtype, resolve_generator
from .tensor import Tensor, as_tensor_data, to_array


def _check_factory_kwargs(name, device=None, layout=None, pin_memory=False,
                          memory_format=None, out=None) -> None:
    """PyTorch's factory keywords that only have one meaning on NumPy: accepted when they
    ask for what tinyprop does (a strided CPU tensor), refused clearly otherwise."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise NotImplementedError(
            f"{name}(device={device!r}) is not supported: tinyprop computes on the CPU with "
            "NumPy; leave device out or pass 'cpu'"
        )
    if layout is not None and not str(layout).endswith("strided"):
        raise NotImplementedError(f"{name}(layout={layout!r}) is not supported: tinyprop "
                                  "tensors are dense (strided)")
    if pin_memory:
        raise NotImplementedError(f"{name}(pin_memory=True) is not supported: there is no "
                                  "GPU to pin memory for")
    if out is not None:
        raise NotImplementedError(f"{name}(out=...) is not supported; use the returned tensor")
    del memory_format  # NumPy arrays here are always contiguous: any format is honoured


def factory(fn):
    """Let a creation function take PyTorch's ``device``, ``layout``, ``pin_memory``,
    ``memory_format`` and ``out`` keywords (see :func:`_check_factory_kwargs`)."""

    @functools.wraps(fn)
    def wrapper(*args, device=None, layout=None, pin_memory=False, memory_format=None,
                out=None, **kwargs):
        _check_factory_kwargs(fn.__name__, device, layout, pin_memory, memory_format, out)
        return fn(*args, **kwargs)

    return wrapper


def _shape(shape, what: str, dtype, count: int = 1) -> tuple:
    """``shape`` (sizes, or one tuple/list) as ints >= 0 (``2.9`` is a TypeError, as in
    PyTorch), refused before allocating when ``count`` arrays of ``dtype`` would not fit
    in memory."""
    out = check_shape(shape, f"tp.{what}: size")
    check_allocation(out, dtype, f"tp.{what}", count=count)
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


def _real_dtype(dtype, what: str) -> None:
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise TypeError(
            f"{what} draws real numbers: expected a float dtype, got {np.dtype(dtype)}; "
            "use tp.randint for integers"
        )


def _make(array, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


@factory
def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists or an array).

    Python floats become float32 (the default dtype); float arrays keep their
    float32/float64; pass ``dtype`` to choose.

    >>> import tinyprop as tp
    >>> tp.tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    return _make(to_array(data, dtype, copy=True), requires_grad)


@factory
def as_tensor(data, dtype=None) -> Tensor:
    """Like :func:`tensor` but shares memory with an array when it can.

    >>> import numpy as np, tinyprop as tp
    >>> a = np.zeros(2, dtype=np.float32)
    >>> t = tp.as_tensor(a)
    >>> a[0] = 5.0; t.tolist()
    [5.0, 0.0]
    """
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return Tensor._wrap(to_array(data, dtype, copy=False))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype.

    >>> import numpy as np, tinyprop as tp
    >>> tp.from_numpy(np.arange(3.0)).dtype
    dtype('float64')
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


@factory
def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``tp.zeros(2, 3)`` or ``tp.zeros((2, 3))``.

    >>> import tinyprop as tp
    >>> tp.zeros(2, 3).shape
    tinyprop.Size([2, 3])
    """
    dtype = _dtype(dtype)
    return _make(np.zeros(_shape(shape, "zeros", dtype), dtype=dtype), requires_grad)


@factory
def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    >>> import tinyprop as tp
    >>> tp.ones(2).tolist()
    [1.0, 1.0]
    """
    dtype = _dtype(dtype)
    return _make(np.ones(_shape(shape, "ones", dtype), dtype=dtype), requires_grad)


@factory
def empty(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (contents are arbitrary).

    >>> import tinyprop as tp
    >>> tp.empty(2, 3).shape
    tinyprop.Size([2, 3])
    """
    dtype = _dtype(dtype)
    return _make(np.empty(_shape(shape, "empty", dtype), dtype=dtype), requires_grad)


@factory
def full(shape, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``.

    >>> import tinyprop as tp
    >>> tp.full(2, 7).tolist(), tp.full((1, 2), 0.5).tolist()
    ([7, 7], [[0.5, 0.5]])
    """
    if dtype is None and isinstance(fill_value, (bool, int, np.integer)):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    dtype = _dtype(dtype)
    shape = _shape((shape,) if isinstance(shape, (tuple, list)) else (shape,), "full", dtype)
    return _make(np.full(shape, fill_value, dtype=dtype), requires_grad)


def _arange_count(start, end, step) -> int:
    """How many values ``arange`` makes (0 when NumPy will report the arguments)."""
    try:
        return max(math.ceil((float(end) - float(start)) / float(step)), 0)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return 0


@factory
def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in ``[start, end)``; integers give int64 as in PyTorch.

    >>> import tinyprop as tp
    >>> tp.arange(3).tolist(), tp.arange(0, 1, 0.25).tolist()
    ([0, 1, 2], [0.0, 0.25, 0.5, 0.75])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange step must be non-zero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    check_allocation((_arange_count(start, end, step),), dtype, "tp.arange")
    return _make(np.arange(start, end, step, dtype=np.dtype(dtype)), requires_grad)


@factory
def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end`` inclusive.

    >>> import tinyprop as tp
    >>> tp.linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    dtype = _dtype(dtype)
    steps = check_size(steps, "tp.linspace: steps", fix="pass the number of values, e.g. 5")
    check_allocation((steps,), np.float64, "tp.linspace", count=2)
    return _make(np.linspace(start, end, steps, dtype=dtype), requires_grad)


@factory
def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Identity matrix of shape (n, m).

    >>> import tinyprop as tp
    >>> tp.eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    dtype = _dtype(dtype)
    shape = _shape((n, n if m is None else m), "eye", dtype)
    return _make(np.eye(*shape, dtype=dtype), requires_grad)


@factory
def randn(*shape, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from ``generator`` (default: ``tp.manual_seed``'s).

    >>> import tinyprop as tp
    >>> tp.randn(2, 3, generator=0).shape
    tinyprop.Size([2, 3])
    """
    _real_dtype(dtype, "randn")
    g = resolve_generator(generator)
    shape = _shape(shape, "randn", np.float64, count=2)  # float64 draws, then the cast
    arr = g.standard_normal(shape, dtype=np.float64).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


@factory
def rand(*shape, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1).

    >>> import tinyprop as tp
    >>> tp.rand(4, generator=0).dtype
    dtype('float32')
    """
    _real_dtype(dtype, "rand")
    g = resolve_generator(generator)
    shape = _shape(shape, "rand", np.float64, count=2)  # float64 draws, then the cast
    arr = g.random(shape, dtype=np.float64).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


@factory
def randint(*args, size=None, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)``: ``randint(low, high, size)`` or
    ``randint(high, size)`` (low 0), PyTorch's two forms.

    >>> import tinyprop as tp
    >>> tp.randint(0, 10, (2, 3), generator=0).shape
    tinyprop.Size([2, 3])
    >>> tp.randint(5, (4,), generator=0).shape
    tinyprop.Size([4])
    """
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError(f"randint takes (high, size) or (low, high, size), got {len(args)} "
                        "arguments; e.g. tp.randint(0, 10, (2, 3))")
    g = resolve_generator(generator)
    size = _shape(size if isinstance(size, (tuple, list)) else (size,), "randint", np.int64,
                  count=2)
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    arr = g.integers(int(low), int(high), size=size, dtype=np.int64).astype(dtype, copy=False)
    return _make(arr, requires_grad)


@factory
def randperm(n: int, generator=None) -> Tensor:
    """A random permutation of ``0..n-1`` (int64).

    >>> import tinyprop as tp
    >>> sorted(tp.randperm(4, generator=0).tolist())
    [0, 1, 2, 3]
    """
    (n,) = _shape((n,), "randperm", np.int64, count=2)
    return Tensor._wrap(resolve_generator(generator).permutation(n).astype(np.int64))


def _like(fn):
    def like(t, dtype=None, requires_grad: bool = False, **kwargs) -> Tensor:
        t = as_tensor_data(t)
        return fn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, **kwargs)

    like.__name__ = f"{fn.__name__}_like"
    like.__doc__ = (
        f"Like :func:`{fn.__name__}` with the shape and dtype of ``t``.\n\n"
        "    >>> import tinyprop as tp\n"
        f"    >>> tp.{fn.__name__}_like(tp.ones(2, 3)).shape\n"
        "    tinyprop.Size([2, 3])\n"
    )
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
randn_like = _like(randn)
rand_like = _like(rand)


@factory
def full_like(t, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor shaped like ``t`` filled with ``fill_value``.

    >>> import tinyprop as tp
    >>> tp.full_like(tp.zeros(2), 7).tolist()
    [7.0, 7.0]
    """
    t = as_tensor_data(t)
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)
