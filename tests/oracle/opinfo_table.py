"""The op table of the OpInfo oracle: which tinyprop spellings stand for each OpInfo.

``OPS`` maps an OpInfo name to the tinyprop spellings of that op (``tp.x``, ``F.x`` for
``tinyprop.nn.functional``, ``Tensor.x`` for a method); every variant of the OpInfo runs.
Spellings that tinyprop does not have are left out, and spellings that are the same
function object (``tp.clamp``/``Tensor.clamp``/``tp.clip``) run once. Also here: PyTorch's
OpInfo database, the entries of the table in it, the dtype each runs in, and the torch to
NumPy dtype maps.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

import tinyprop as tp
from tinyprop.nn import functional as F


def _fn(name: str) -> tuple[str, ...]:
    return (f"tp.{name}", f"Tensor.{name}")


def _nn(name: str) -> tuple[str, ...]:
    return (f"F.{name}", f"tp.{name}", f"Tensor.{name}")


_FUNCTIONS = (
    # elementwise, comparisons and predicates
    "abs", "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "tanh", "sigmoid",
    "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isfinite",
    # reductions
    "sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp", "argmax", "argmin",
    "all", "any", "unique",
    # linear algebra
    "matmul", "mm", "mv", "dot", "outer",
    # shape and conversion
    "reshape", "view", "flatten", "transpose", "permute", "squeeze", "unsqueeze",
    "broadcast_to", "expand", "clone", "to", "t",
)
_METHODS = (
    "T", "mT", "float", "double", "half", "short", "int", "long", "bool", "item", "zero_",
    "__getitem__",
    "__radd__", "__rsub__", "__rmul__", "__rpow__", "__rmatmul__",
)
_FUNCTIONAL = (
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
    "binary_cross_entropy_with_logits", "one_hot", "linear", "layer_norm", "batch_norm",
    "dropout", "pad",
)
_CREATION = (
    "zeros", "ones", "full", "eye", "arange", "linspace", "zeros_like", "ones_like",
    "full_like", "empty", "empty_like", "randn", "randn_like", "rand_like", "randint",
)

OPS: dict[str, tuple[str, ...]] = {
    **{n: _fn(n) for n in _FUNCTIONS},
    "clamp": (*_fn("clamp"), *_fn("clip")),
    "where": ("tp.where", "Tensor.where"),
    "cat": ("tp.cat", "tp.concatenate"),
    "stack": ("tp.stack",),
    **{n: (f"Tensor.{n}",) for n in _METHODS},
    "__rdiv__": ("Tensor.__rtruediv__",),
    "softmax": _nn("softmax"),
    "log_softmax": _nn("log_softmax"),
    **{f"nn.functional.{n}": _nn(n) for n in ("relu", "elu", "gelu", "leaky_relu", "softplus")},
    **{f"nn.functional.{n}": (f"F.{n}", f"tp.{n}") for n in _FUNCTIONAL},
    **{n: (f"tp.{n}",) for n in _CREATION},
}
"""OpInfo name -> tinyprop spellings of the op, the PyTorch spelling first."""

META_ONLY = frozenset({"empty", "empty_like", "randn", "randn_like", "rand_like", "randint"})
"""Ops whose values are arbitrary: only type, shape, dtype and requires_grad are compared."""

_CALLS: dict[str, Callable] = {
    "Tensor.T": lambda x: x.T,
    "Tensor.mT": lambda x: x.mT,
    "Tensor.zero_": lambda x: x.clone().zero_(),  # OpInfo: torch.zero_(x.clone())
    "Tensor.__getitem__": lambda x, index: x[index],
    # OpInfo's where takes (self, condition, other) and calls torch.where(condition, self, other)
    "tp.where": lambda x, condition, other, **kw: tp.where(condition, x, other, **kw),
    "Tensor.where": lambda x, condition, other, **kw: x.where(condition, other, **kw),
}

# torch dtype -> (NumPy dtype, the short name a sample description uses)
_DTYPES = {
    torch.float64: (np.float64, "f64"), torch.float32: (np.float32, "f32"),
    torch.float16: (np.float16, "f16"), torch.int64: (np.int64, "i64"),
    torch.int32: (np.int32, "i32"), torch.int16: (np.int16, "i16"),
    torch.int8: (np.int8, "i8"), torch.uint8: (np.uint8, "u8"), torch.bool: (np.bool_, "bool"),
}
_NP_DTYPES = {t: np.dtype(n) for t, (n, _) in _DTYPES.items()}
_SHORT = {t: short for t, (_, short) in _DTYPES.items()}


@dataclass(frozen=True)
class Form:
    """One tinyprop spelling of an op and the callable a sample runs through."""

    spelling: str
    call: Callable


@functools.cache
def op_db() -> tuple:
    """PyTorch's OpInfo list (imported once per process: it takes a few seconds)."""
    from torch.testing._internal.common_methods_invocations import op_db as db

    return tuple(db)


def forms(name: str) -> list[Form]:
    """The tinyprop spellings of OpInfo ``name`` that exist, one per distinct function."""
    out, seen = [], []
    for spelling in OPS[name]:
        space, attr = spelling.split(".", 1)
        if space == "Tensor":
            target = inspect.getattr_static(tp.Tensor, attr, None)
            call = _CALLS.get(spelling) or _method(attr)
        else:
            target = getattr(tp if space == "tp" else F, attr, None)
            call = _CALLS.get(spelling, target)
        if target is None or any(target is t for t in seen):
            continue
        seen.append(target)
        out.append(Form(spelling, call))
    return out


def _method(attr: str) -> Callable:
    # called through the class, as OpInfo calls torch.Tensor.<name>(input, ...): the input
    # of a reflected operator's sample may be a Python number
    return lambda x, *args, **kwargs: getattr(tp.Tensor, attr)(x, *args, **kwargs)


def opinfos(names=None) -> list:
    """The OpInfo entries (every variant) of ``names`` (default: all of ``OPS``), sorted."""
    wanted = set(OPS if names is None else names)
    found = [o for o in op_db() if o.name in wanted]
    return sorted(found, key=lambda o: (o.name, o.variant_test_name))


def sample_dtype(opinfo):
    """float64 when the op supports it on CPU, else int64 or bool; None when none is."""
    supported = opinfo.supported_dtypes("cpu")
    return next((d for d in (torch.float64, torch.int64, torch.bool) if d in supported), None)

