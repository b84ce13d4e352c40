"""Every differentiable op, and their binding as Tensor methods and operators.

``DIFFERENTIABLE`` lists each public differentiable function by name; the test suite
holds a table with sample inputs for every entry and fails when one is missing.
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
from .activation import elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .affine import linear
from .arithmetic import add, div, mul, neg, pow, sub
from .elementwise import abs, clamp, clip, exp, log, maximum, minimum, sqrt, where
from .linalg import dot, matmul, mm, mv, outer
from .loss import cross_entropy, nll_loss, one_hot
from .misc import all, any, clone, eq, ge, gt, isfinite, isnan, le, lt, ne, to, unique
from .normalization import layer_norm
from .padding import pad
from .reduce import amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var
from .regression import (
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from .shape import (
    broadcast_to,
    cat,
    concatenate,
    expand,
    flatten,
    getitem,
    permute,
    reshape,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
    view,
)

DIFFERENTIABLE = {
        "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow,
        "matmul": matmul, "exp": exp, "log": log, "sqrt": sqrt, "abs": abs, "tanh": tanh,
        "sigmoid": sigmoid, "relu": relu, "leaky_relu": leaky_relu, "elu": elu, "gelu": gelu,
        "softplus": softplus, "clip": clip, "maximum": maximum, "minimum": minimum,
        "where": where, "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax,
        "amin": amin, "var": var, "std": std, "logsumexp": logsumexp, "reshape": reshape,
        "flatten": flatten, "transpose": transpose, "permute": permute, "squeeze": squeeze,
        "unsqueeze": unsqueeze, "broadcast_to": broadcast_to, "expand": expand,
        "getitem": getitem, "concatenate": concatenate, "stack": stack, "pad": pad,
        "softmax": softmax, "log_softmax": log_softmax, "cross_entropy": cross_entropy,
        "nll_loss": nll_loss, "mse_loss": mse_loss,
        "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
        "l1_loss": l1_loss, "huber_loss": huber_loss, "smooth_l1_loss": smooth_l1_loss,
        "to": to, "clone": clone,
        "mm": mm, "mv": mv, "dot": dot, "outer": outer, "t": t,
        "linear": linear, "layer_norm": layer_norm,
}
"""Name -> function for every differentiable op (aliases such as ``cat`` excluded)."""

ALIASES = {"cat": "concatenate", "clamp": "clip", "view": "reshape"}
NON_DIFFERENTIABLE = ("argmax", "argmin", "one_hot", "eq", "ne", "lt", "le", "gt", "ge",
                      "isnan", "isfinite", "all", "any", "unique")


def _bind() -> None:
    """Attach the ops to Tensor as methods and operators (PyTorch's spellings)."""
    methods = {
        name: DIFFERENTIABLE[name] for name in (
            "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sum", "mean", "max", "min",
            "amax", "amin", "var", "std", "logsumexp", "reshape", "flatten", "permute",
            "squeeze", "unsqueeze", "broadcast_to", "expand", "softmax", "log_softmax",
            "matmul", "clip", "maximum", "minimum", "pow", "to", "clone", "transpose", "mm",
            "mv", "dot", "pad", "t", "add", "sub", "mul", "div", "neg",
        )
    }
    methods.update(view=reshape, clamp=clip, argmax=argmax, argmin=argmin, all=all, any=any,
                   leaky_relu=leaky_relu, isnan=isnan, isfinite=isfinite, astype=to,
                   eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, unique=unique)
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
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
