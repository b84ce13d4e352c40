"""NumPy's functions on tensors that require grad record tinyprop's ops.

This is what lets each derivative be written once: a ``backward`` written in NumPy
(``g * np.exp(x)``, ``np.where(mask, g, 0)``, ``np.sum(g, axis=1)``) runs on arrays in an
ordinary backward pass, and on Tensors when the engine differentiates the backward pass
itself (``create_graph=True``). On Tensors, NumPy hands the call to
``Tensor.__array_ufunc__`` / ``Tensor.__array_function__`` (NEP 13 and NEP 18), which
run the tinyprop op, so the computation is recorded.

The rules, for users as for the engine:

- a NumPy ufunc that tinyprop has (``add``, ``multiply``, ``exp``, ``tanh``, ``maximum``,
  ``matmul``, ...) runs tinyprop's op and returns a Tensor, as PyTorch returns tensors
  from NumPy's ufuncs (and as ``ndarray + tensor`` always did here);
- another ufunc computes on the values and returns a Tensor that records nothing: right
  for piecewise-constant ones (comparisons, ``sign``, ``isnan``, ...); any other one on a
  tensor that requires grad raises, since it would silently cut the gradient;
- a NumPy function (``where``, ``sum``, ``broadcast_to``, ...) on a tensor that requires
  grad runs tinyprop's op, or raises when tinyprop has none; on other tensors it computes
  on the values and returns what NumPy returns.
"""

from __future__ import annotations

import numpy as np

from ..grad_mode import is_grad_enabled
from ..tensor import Tensor

# ufuncs whose result does not depend differentiably on the inputs
CONSTANT_UFUNCS = frozenset({
    np.sign, np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.isnan, np.isfinite, np.isinf, np.signbit, np.floor, np.ceil, np.trunc, np.rint,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.bitwise_and,
    np.bitwise_or, np.bitwise_xor, np.invert, np.floor_divide,
})


def _values(x):
    """``x`` with every Tensor (also inside lists and tuples) replaced by its array."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v) for v in x)
    return x


def _records(args) -> bool:
    """Whether a call on ``args`` must be recorded: a Tensor in them requires grad."""
    if not is_grad_enabled():
        return False
    for a in args:
        if isinstance(a, Tensor):
            if a.requires_grad:
                return True
        elif isinstance(a, (list, tuple)) and _records(a):
            return True
    return False


def _ufuncs():
    from . import (
        abs,
        add,
        div,
        exp,
        log,
        matmul,
        maximum,
        minimum,
        mul,
        neg,
        pow,
        sqrt,
        sub,
        tanh,
    )

    return {
        np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div,
        np.negative: neg, np.power: pow, np.exp: exp, np.log: log, np.sqrt: sqrt,
        np.absolute: abs, np.tanh: tanh, np.maximum: maximum, np.minimum: minimum,
        np.matmul: matmul,
        np.square: lambda x: mul(x, x), np.positive: lambda x: x,
    }


def _functions():
    from ..creation import zeros_like
    from . import (
        broadcast_to,
        clip,
        concatenate,
        mean,
        reshape,
        squeeze,
        stack,
        sum,
        transpose,
        unsqueeze,
        where,
    )

    def expand_dims(a, axis):
        for ax in sorted(axis) if isinstance(axis, tuple) else (axis,):
            a = unsqueeze(a, ax)
        return a

    return {
        np.where: where, np.sum: sum, np.mean: mean, np.reshape: reshape,
        np.broadcast_to: broadcast_to, np.squeeze: squeeze, np.expand_dims: expand_dims,
        np.concatenate: concatenate, np.stack: stack, np.clip: clip,
        np.transpose: lambda a, axes=None: transpose(a) if axes is None else a.permute(*axes),
        np.zeros_like: lambda a, dtype=None: zeros_like(a, dtype=dtype),
        np.swapaxes: transpose,
    }


_TABLES = []


def _table(i: int) -> dict:
    if not _TABLES:
        _TABLES.extend((_ufuncs(), _functions()))
    return _TABLES[i]


def _not_recorded(name: str) -> TypeError:
    return TypeError(
        f"numpy.{name} on a tensor that requires grad would cut the gradient: tinyprop "
        f"does not record it. Use tinyprop's op, or pass the values (t.detach().numpy())"
    )


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """``Tensor.__array_ufunc__`` (see the module docstring)."""
    if method == "__call__" and not kwargs:
        op = _table(0).get(ufunc)
        if op is not None:
            return op(*inputs)
        if ufunc in CONSTANT_UFUNCS or not _records(inputs):
            return Tensor._wrap(np.asarray(ufunc(*_values(inputs))))
    if _records(inputs) or _records(tuple(kwargs.get("out", ()))):
        raise _not_recorded(ufunc.__name__ if method == "__call__"
                            else f"{ufunc.__name__}.{method}")
    kwargs = {k: _values(v) for k, v in kwargs.items()}
    return getattr(ufunc, method)(*_values(inputs), **kwargs)


def array_function(self, func, types, args, kwargs):
    """``Tensor.__array_function__`` (see the module docstring)."""
    if _records(args) or _records(tuple(kwargs.values())):
        op = _table(1).get(func)
        if op is None:
            raise _not_recorded(func.__name__)
        return op(*args, **kwargs)
    return func(*_values(args), **{k: _values(v) for k, v in kwargs.items()})
