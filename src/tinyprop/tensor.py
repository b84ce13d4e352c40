"""The Tensor: an ndarray, its gradient and its place in the graph.

Tensor is thin on purpose (``__slots__``, no per-op bookkeeping beyond the graph
link): ``data`` is the array, ``grad`` a Tensor of the same shape (or None),
``grad_fn`` the graph node of the op that made it (None for leaves). The operations
themselves live in :mod:`tinyprop.ops` and are bound as methods there.
"""

from __future__ import annotations

import weakref

import numpy as np

from ._validate import check_allocation, check_shape, type_error
from .backend import get_default_dtype
from .grad_mode import is_grad_enabled


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``tinyprop.Size([2, 3])`` (``torch.Size``).

    >>> import tinyprop as tp
    >>> tp.zeros(2, 3).shape
    tinyprop.Size([2, 3])
    >>> tp.zeros(2, 3).shape == (2, 3), tp.zeros(2, 3).shape.numel()
    (True, 6)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"tinyprop.Size({list(self)})"

    def __getitem__(self, index):
        out = tuple.__getitem__(self, index)
        return Size(out) if isinstance(index, slice) else out

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for d in self:
            n *= d
        return n


class _Size(int):
    """The number of elements, also callable like PyTorch's ``size()``.

    ``t.size`` compares and computes as an int (NumPy's meaning, an alias), and
    ``t.size()`` returns the shape as a :class:`Size`, ``t.size(d)`` one dimension
    (PyTorch's meaning).
    """

    def __new__(cls, shape):
        obj = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        obj._shape = shape
        return obj

    def __call__(self, dim=None):
        return Size(self._shape) if dim is None else self._shape[dim]


def to_array(data, dtype=None, copy=True):
    """Convert user data to an array following tinyprop's dtype policy.

    Python floats and lists of floats become the default dtype (float32); float arrays
    keep float32/float64; integers become int64 unless an integer array says otherwise;
    ``dtype`` overrides all of that.
    """
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        arr = np.array(data, dtype=dtype, copy=copy or None)
    else:
        from_numpy = isinstance(data, (np.ndarray, np.generic))
        arr = np.array(data, copy=copy or None)
        kind = arr.dtype.kind
        if kind == "f":
            if not from_numpy or arr.dtype not in (np.float32, np.float64):
                arr = arr.astype(get_default_dtype(), copy=False)
        elif kind in "iu":
            if not from_numpy:
                arr = arr.astype(np.int64, copy=False)
        elif kind != "b":
            raise TypeError(
                f"cannot make a tensor from data of dtype {arr.dtype}; expected numbers "
                "(float, int or bool). Convert the data to a numeric array first"
            )
    return arr


def as_tensor_data(data) -> Tensor:
    """Wrap user data (number, list, array or Tensor) as a Tensor under tinyprop's dtype
    policy (:func:`to_array`), sharing an array's memory where it can."""
    if isinstance(data, Tensor):
        return data
    return Tensor._wrap(to_array(data, copy=False))


class Tensor:
    """An n-dimensional array that can record operations for backpropagation.

    >>> import tinyprop as tp
    >>> x = tp.tensor([1.0, 4.0, 2.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([2., 8., 4.])
    """

    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "__weakref__")
    __array_priority__ = 1000  # numpy defers to Tensor's reflected operators

    def __init__(self, *args, requires_grad: bool = False, dtype=None) -> None:
        """PyTorch's legacy constructor: ``Tensor(data)`` holds ``data`` in the default
        float dtype (``tp.tensor`` keeps integer data integer), ``Tensor(2, 3)`` is a
        2x3 tensor (zeros here; PyTorch leaves it uninitialised) and ``Tensor()`` an
        empty one."""
        if len(args) == 1 and isinstance(args[0], Tensor) and dtype is None:
            src = args[0]._data
            arr = src if src.dtype == get_default_dtype() else src.astype(get_default_dtype())
        elif args and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                          for a in args):
            shape = check_shape(args, "Tensor(*sizes): size")
            dtype = dtype or get_default_dtype()
            check_allocation(shape, dtype, "Tensor(*sizes)")
            arr = np.zeros(shape, dtype=dtype)
        elif len(args) == 1 and isinstance(args[0], (bool, float, complex, np.bool_,
                                                     np.inexact)):
            raise type_error("Tensor(*sizes): size", "an integer (or data: a list or array)",
                             args[0], "sizes are counts; for a tensor holding the number, "
                             f"use tp.tensor({args[0]!r}) or Tensor([{args[0]!r}])")
        elif len(args) == 1:
            arr = to_array(args[0], dtype or get_default_dtype())
        elif not args:
            arr = np.zeros((0,), dtype=dtype or get_default_dtype())
        else:
            raise TypeError(
                f"Tensor() takes one data argument or integer sizes, got {len(args)} "
                "arguments; use tp.tensor(data, dtype=..., requires_grad=...)"
            )
        self._data = arr
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array, ctx=None) -> Tensor:
        """Make a Tensor around an array without copying (internal fast path)."""
        t = object.__new__(cls)
        t._data = array
        t.grad = None
        t.grad_fn = ctx
        t.requires_grad = ctx is not None
        return t

    # ---- attributes -------------------------------------------------------------
    def _get_data(self) -> Tensor:
        return Tensor._wrap(self._data)

    def _set_data(self, value) -> None:
        # ``p.data -= lr * p.grad`` (PyTorch's idiom) hands a Tensor back: keep the array
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    data = property(_get_data, _set_data, doc=(
        "The same values as a Tensor outside the graph (PyTorch's ``.data``): it shares "
        "this tensor's array, so ``w.data.zero_()`` or ``w.grad.data.zero_()`` change "
        "them in place without being recorded. Assigning a Tensor or array replaces "
        "the array. ``.numpy()`` gives the NumPy array itself."))

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def size(self) -> _Size:
        """Number of elements; ``t.size()`` gives the shape as in PyTorch."""
        return _Size(self._data.shape)

    def numel(self) -> int:
        return self._data.size

    def dim(self) -> int:
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by a recorded op."""
        return self.grad_fn is None

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors (PyTorch's method)."""
        return self._data.dtype.kind == "f"

    @property
    def device(self) -> str:
        """Always ``'cpu'``: tinyprop computes with NumPy."""
        return "cpu"

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor; use .item() to read its value")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ---- conversion -------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, got shape {tuple(self.shape)}; "
                "reduce it first (e.g. .sum() or .mean()) or index one element"
            )
        return self._data.reshape(()).item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._data.reshape(()))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self._data.reshape(()))

    def __format__(self, spec: str) -> str:
        # PyTorch formats a 0-d tensor as its number: f"{loss}" prints 0.1234..., not tensor(...)
        if self._data.ndim == 0 or (self._data.size == 1 and spec):
            return format(self.item(), spec)
        return format(str(self), spec)

    __hash__ = object.__hash__

    # ---- graph ------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaf, floating-point tensors only)."""
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.dtype}; "
                "convert with .float() or .double() first (labels and indices never need one)"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad cannot be turned off on a tensor made by a recorded op; "
                "use .detach() to get a tensor outside the graph"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor sharing the same data, cut from the graph."""
        return Tensor._wrap(self._data)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")

    # ---- in-place (not recorded) --------------------------------------------------
    def _check_inplace(self) -> None:
        if self.requires_grad and is_grad_enabled():
            if self.grad_fn is not None:
                # PyTorch records this; tinyprop's graph does not rewrite nodes in place
                raise NotImplementedError(
                    "in-place change of a tensor made by a recorded op is not supported; use "
                    "the out-of-place op (e.g. x * 0 or tp.zeros_like(x) for x.zero_()), or "
                    "do it under `with tp.no_grad():`"
                )
            raise RuntimeError(
                "in-place change of a tensor that requires grad while recording; "
                "wrap it in `with tp.no_grad():` or change `.data` instead"
            )

    def zero_(self) -> Tensor:
        """Fill with zeros in place (e.g. ``x.grad.zero_()``)."""
        self._check_inplace()
        self._data[...] = 0
        return self

    def fill_(self, value) -> Tensor:
        self._check_inplace()
        self._data[...] = value
        return self

    def copy_(self, src) -> Tensor:
        """Copy values from ``src`` (broadcast to this shape) in place."""
        self._check_inplace()
        self._data[...] = src._data if isinstance(src, Tensor) else src
        return self

    def add_(self, other, alpha=1) -> Tensor:
        self._check_inplace()
        o = other._data if isinstance(other, Tensor) else other
        self._data += o if alpha == 1 else alpha * o
        return self

    def sub_(self, other, alpha=1) -> Tensor:
        return self.add_(other, alpha=-alpha)

    def mul_(self, other) -> Tensor:
        self._check_inplace()
        self._data *= other._data if isinstance(other, Tensor) else other
        return self

    def div_(self, other) -> Tensor:
        self._check_inplace()
        self._data /= other._data if isinstance(other, Tensor) else other
        return self

    def _inplace(self, op, other):
        """``a op= b``: in place on the data when nothing is being recorded (PyTorch's
        ``with no_grad(): w -= lr * w.grad``); a new graph node otherwise."""
        if self.requires_grad and is_grad_enabled():
            if self.grad_fn is None:
                raise RuntimeError(
                    "in-place change of a leaf tensor that requires grad while recording; "
                    "wrap it in `with tp.no_grad():` or use an out-of-place op (w = w - ...)"
                )
            return NotImplemented  # Python falls back to the recorded out-of-place op
        o = other._data if isinstance(other, Tensor) else other
        result = op(self._data, o)
        if not np.can_cast(result.dtype, self._data.dtype, casting="same_kind"):
            raise TypeError(
                f"in-place result of dtype {result.dtype} cannot be stored in a tensor of "
                f"dtype {self.dtype}; convert first (e.g. .float()) or use an out-of-place op"
            )
        if result.shape != self._data.shape:
            raise ValueError(
                f"in-place result shape {tuple(result.shape)} differs from the tensor's shape "
                f"{tuple(self.shape)}; use an out-of-place op"
            )
        self._data[...] = result
        return self

    def __iadd__(self, other):
        return self._inplace(np.add, other)

    def __isub__(self, other):
        return self._inplace(np.subtract, other)

    def __imul__(self, other):
        return self._inplace(np.multiply, other)

    def __itruediv__(self, other):
        return self._inplace(np.true_divide, other)

    def __setitem__(self, index, value) -> None:
        self._check_inplace()
        if isinstance(index, Tensor):
            index = index._data
        self._data[index] = value._data if isinstance(value, Tensor) else value

    # ---- repr ---------------------------------------------------------------------
    def __repr__(self) -> str:
        from ._print import tensor_repr

        extras = []
        dt = self._data.dtype
        if dt != get_default_dtype() and dt != np.int64 and dt != np.bool_:
            extras.append(f"dtype=tinyprop.{dt}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return tensor_repr(np.asarray(self._data), extras)

    def __str__(self) -> str:
        return self.__repr__()
