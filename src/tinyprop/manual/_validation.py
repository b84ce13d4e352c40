"""Checks run at the manual engine's public entry points (never inside the hot loop).

Every error says what was expected, what was received and how to fix it.
"""

from __future__ import annotations

import numpy as np

from .. import _validate, kernels
from .._validate import check_finite
from ..backend import get_default_dtype
from ..errors import DataError, TinypropTypeError


def as_float_array(x, name: str = "input", ndim: int | None = None, dtype=None):
    """Return ``x`` as a finite float array (ints and bools become ``dtype`` or the default).

    >>> as_float_array([[1, 2]]).dtype
    dtype('float32')
    """
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        arr = arr.astype(dtype or get_default_dtype())
    elif arr.dtype.kind != "f":
        raise TinypropTypeError(
            f"{name} must be a numeric array, got dtype {arr.dtype}; "
            "convert it with np.asarray(..., dtype=np.float32)"
        )
    elif dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    if ndim is not None and arr.ndim != ndim:
        shape = "(batch, features)" if ndim == 2 else f"{ndim} dimensions"
        raise DataError(
            f"{name} must have {ndim} dimensions {shape}, got shape {tuple(arr.shape)}; "
            + (
                "add a batch dimension with x.reshape(1, -1)"
                if arr.ndim == 1
                else "flatten each sample with x.reshape(len(x), -1)"
            )
        )
    check_finite(arr, name)
    return arr


def check_learning_rate(learning_rate) -> float:
    """Return ``learning_rate`` as a float after checking it is a finite positive number.

    >>> check_learning_rate(1)
    1.0
    """
    return _validate.check_float(
        learning_rate, "learning_rate", low=0, closed="neither", fix="pass e.g. learning_rate=0.1"
    )


def one_hot_targets(targets, n_samples: int, n_classes: int, dtype, name: str = "targets"):
    """Return targets as a ``(n_samples, n_classes)`` float array.

    ``targets`` is either one-hot / probability rows of that shape, or a vector of
    ``n_samples`` integer class labels in ``[0, n_classes)``.

    >>> one_hot_targets([2, 0], 2, 3, np.float32)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    t = np.asarray(targets)
    if t.dtype.kind not in "biuf":
        raise TinypropTypeError(
            f"{name} must be numeric, got dtype {t.dtype}; pass integer labels or one-hot rows"
        )
    if t.ndim == 1:
        labels = _labels(t, n_classes, name)
        if labels.shape[0] != n_samples:
            raise DataError(
                f"{name} holds {labels.shape[0]} labels but there are {n_samples} samples; "
                "pass one label per row of the inputs"
            )
        out = np.zeros((n_samples, n_classes), dtype=dtype)
        out[np.arange(n_samples), labels] = 1
        return out
    if t.ndim != 2:
        raise DataError(
            f"{name} must be integer labels of shape ({n_samples},) or one-hot rows of shape "
            f"({n_samples}, {n_classes}), got shape {tuple(t.shape)}"
        )
    if t.shape[1] != n_classes:
        raise DataError(
            f"{name} have {t.shape[1]} classes (shape {tuple(t.shape)}) but the model predicts "
            f"{n_classes} classes; expected shape ({n_samples}, {n_classes}) — one-hot encode "
            f"with {n_classes} columns or pass integer labels in [0, {n_classes})"
        )
    if t.shape[0] != n_samples:
        raise DataError(
            f"{name} have {t.shape[0]} rows but there are {n_samples} samples; "
            "pass one target row per input row"
        )
    t = t.astype(dtype, copy=False)
    check_finite(t, name)
    return t


def _labels(t, n_classes: int, name: str):
    """Integer labels from a 1-D array (integral floats are accepted), range-checked."""
    if t.dtype.kind == "f":
        check_finite(t, name)
        if not bool(np.all(t == np.round(t))):
            raise DataError(
                f"1-D {name} are read as class labels and must be whole numbers, "
                f"got e.g. {t[t != np.round(t)][0]!r}; pass integer labels or one-hot rows"
            )
    labels = t.astype(np.int64)  # a copy: the cost keeps it for its gradient
    if not kernels.labels_in_range(labels, n_classes):
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= n_classes:
            bad = lo if lo < 0 else hi
            raise DataError(
                f"{name} labels must lie in [0, {n_classes}) for {n_classes} classes, "
                f"got label {bad}; check the number of classes or relabel the data"
            )
    return labels


def label_indices(targets):
    """Class index per sample from integer labels ``(N,)`` or one-hot rows ``(N, C)``.

    >>> label_indices([2, 0]).tolist(), label_indices([[0, 1], [1, 0]]).tolist()
    ([2, 0], [1, 0])
    """
    t = np.asarray(targets)
    if t.ndim == 1:
        return t.astype(np.int64)
    return np.argmax(t, axis=1)
