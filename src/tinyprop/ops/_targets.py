"""Inputs, class-index targets and class weights of the classification losses
(:mod:`.loss`): each checked with a message that says what to pass instead, and
``(N, C, d1, ..., dK)`` scores flattened to ``(N * d1 * ... * dK, C)`` rows and back."""

from __future__ import annotations

import numpy as np

from .. import _validate, kernels
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._util import as_tensor_arg


def check_labels(t, c: int, ignore_index: int, what: str) -> bool:
    """Raise if a label (other than ``ignore_index``) is outside 0..c-1; return whether
    every label is in range (then no row can be ignored)."""
    in_range = kernels.labels_in_range(t, c)
    if not in_range:
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
        if bad.any():
            v = t[bad][0]
            raise ValueError(
                f"{what}: target label {v} is out of range for {c} classes (expected 0..{c - 1}); "
                "check the labels or the model's number of outputs"
            )
    return bool(in_range)


def class_weight(weight, c: int, dtype, what: str):
    """The (C,) class ``weight`` as an array of ``dtype`` (None stays None); it may not
    require grad."""
    if weight is None:
        return None
    if isinstance(weight, Tensor) and weight.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{what}: the class weight cannot require grad (PyTorch does not differentiate "
            "it either); pass weight.detach()"
        )
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w.shape != (c,):
        raise ValueError(
            f"{what}: weight must have shape ({c},) (one per class), got {tuple(w.shape)}"
        )
    return w


def check_int(value, name: str, what: str) -> int:
    """``value`` as an int (:func:`tinyprop._validate.check_int`: a bool or a float is a
    TypeError); the message names the argument as ``what``'s (``cross_entropy: ignore_index``)."""
    if type(value) is int:  # the common case
        return value
    return _validate.check_int(value, f"{what}: {name}")


_SHAPES = "(C,), (N, C) or (N, C, d1, ..., dK)"


def class_input(input, what: str) -> Tensor:
    """Scores of shape (C,), (N, C) or (N, C, d1, ..., dK), floating point."""
    x = as_tensor_arg(input)
    if x.ndim == 0:
        raise ValueError(f"{what}: expected input of shape {_SHAPES}, got a 0-d tensor")
    if x._data.dtype.kind != "f":
        raise TypeError(
            f"{what}: input must be floating point, got {x.dtype}; convert it with .float()"
        )
    return x


def index_shape(x) -> tuple:
    """Shape of class-index targets for input ``x``: (), (N,) or (N, d1, ..., dK)."""
    shape = x._data.shape
    return () if len(shape) == 1 else (shape[0],) + shape[2:]


def index_target(target, tdata, x, what: str):
    """Class-index targets checked (integer dtype, shape) and flattened to (M,); a Tensor
    stays a Tensor, so a compiled loss reads it as an input."""
    expected = index_shape(x)
    if tdata.shape != expected:
        raise ValueError(
            f"{what}: expected class-index targets of shape {expected} for input of shape "
            f"{tuple(x.shape)} (input (N, C) takes (N,) targets, (N, C, d1, ..., dK) takes "
            f"(N, d1, ..., dK), (C,) a 0-d target), got {tuple(tdata.shape)}"
        )
    if tdata.dtype.kind not in "iu":
        hint = ("use .long() on labels" if tdata.dtype.kind in "fb" else "pass integer labels")
        raise TypeError(
            f"{what}: class-index targets must be integers, got dtype {tdata.dtype}; {hint}"
            + (f", or pass probabilities of the input's shape {tuple(x.shape)}"
               if what == "cross_entropy" else "")
        )
    if x.ndim == 2 and isinstance(target, Tensor):
        return target
    if isinstance(target, Tensor):
        return target.reshape(-1)
    return tdata.reshape(-1)


def rows(x):
    """(N, C, d1, ..., dK) scores (Tensor or array) as (N * d1 * ... * dK, C) rows."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x.reshape(1, -1)
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim)) + (1,)
    if isinstance(x, Tensor):
        return x.permute(*axes).reshape(-1, c)
    return np.transpose(x, axes).reshape(-1, c)


def unrows(out, x, reduction):
    """A per-row ('none') loss back in the shape of the targets."""
    if reduction != "none" or x.ndim == 2:
        return out
    return out.reshape(index_shape(x))
