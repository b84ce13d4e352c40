"""Every op, generated from the registry, and the Tensor operators.

Each op module declares its public functions with ``@register`` (``_registry.py``); this
package imports the modules, then makes from the registry the public names (``tp.exp``,
``tp.cat``), the Tensor methods, ``DIFFERENTIABLE`` (name -> function, the list the
test suite iterates: every entry needs a case in ``op_cases.py``) and
``NON_DIFFERENTIABLE``. The operators (``+``, ``@``, ``[]``, ...) are bound below.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import (
    _numpy,
    activation,
    affine,
    arithmetic,
    elementwise,
    linalg,
    loss,
    misc,
    normalization,
    padding,
    reduce,
    regression,
    shape,
)
from ._registry import OPS

# the ops behind Tensor's operators and special methods, bound in _bind
from .arithmetic import add, div, mul, neg, pow, sub
from .elementwise import abs, where
from .linalg import matmul
from .misc import eq, ge, gt, le, lt, ne, to
from .shape import getitem, transpose

DIFFERENTIABLE = {name: op.fn for name, op in OPS.items() if op.differentiable}
"""Name -> function for every differentiable op (aliases such as ``cat`` excluded)."""

ALIASES = {alias: name for name, op in OPS.items() for alias in op.aliases}
NON_DIFFERENTIABLE = tuple(name for name, op in OPS.items() if not op.differentiable)

globals().update({name: op.fn for name, op in OPS.items()})
globals().update({alias: OPS[name].fn for alias, name in ALIASES.items()})


def _bind() -> None:
    """Attach the registered ops to Tensor as methods, and the operators (PyTorch's
    spellings)."""
    for op in OPS.values():
        for name in op.methods:
            setattr(Tensor, name, op.fn)
    ops = {
        "__add__": add, "__sub__": sub, "__mul__": mul, "__truediv__": div,
        "__pow__": pow, "__matmul__": matmul, "__getitem__": getitem,
        "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    }
    for name, fn in ops.items():
        setattr(Tensor, name, fn)
    Tensor.__radd__ = lambda a, b: add(b, a)
    Tensor.__rsub__ = lambda a, b: sub(b, a)
    Tensor.__rmul__ = lambda a, b: mul(b, a)
    Tensor.__rtruediv__ = lambda a, b: div(b, a)
    Tensor.__rpow__ = lambda a, b: pow(b, a)
    Tensor.__floordiv__ = lambda a, b: div(a, b, rounding_mode="floor")
    Tensor.__rfloordiv__ = lambda a, b: div(b, a, rounding_mode="floor")
    Tensor.__rmatmul__ = lambda a, b: matmul(b, a)
    Tensor.where = lambda a, condition, other: where(condition, a, other)  # PyTorch's order
    Tensor.__neg__ = neg
    Tensor.__pos__ = lambda a: a
    Tensor.__abs__ = abs
    Tensor.__array_ufunc__ = _numpy.array_ufunc  # NumPy's functions on tensors: see _numpy
    Tensor.__array_function__ = _numpy.array_function
    Tensor.T = property(lambda a: transpose(a), doc="All dimensions reversed.")
    Tensor.mT = property(lambda a: transpose(a, -2, -1), doc="Last two dimensions swapped.")
    # memory_format is accepted for PyTorch's signature: NumPy arrays here are contiguous
    Tensor.float = lambda a, memory_format=None: to(a, np.float32)
    Tensor.double = lambda a, memory_format=None: to(a, np.float64)
    Tensor.half = lambda a, memory_format=None: to(a, np.float16)
    Tensor.short = lambda a, memory_format=None: to(a, np.int16)
    Tensor.long = lambda a, memory_format=None: to(a, np.int64)
    Tensor.int = lambda a, memory_format=None: to(a, np.int32)
    Tensor.bool = lambda a, memory_format=None: to(a, np.bool_)
    Tensor.type = lambda a, dtype: to(a, dtype)


_bind()

__all__ = sorted(DIFFERENTIABLE) + sorted(ALIASES) + list(NON_DIFFERENTIABLE) + [
    "activation", "affine", "arithmetic", "elementwise", "linalg", "loss", "misc",
    "normalization", "padding", "reduce", "regression", "shape",
]
