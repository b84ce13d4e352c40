"""Checking a state dict against a model before anything is copied."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._validate import lossless_cast
from ..errors import CheckpointError, TinypropTypeError
from ..tensor import Tensor

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = """What ``load_state_dict`` returns: keys the model expected but did
not get, and the reverse.

>>> from tinyprop import nn
>>> nn.Linear(2, 1, generator=0).load_state_dict({"weight": [[1.0, 2.0]]}, strict=False)
IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
"""


def check_state_dict(targets, state_dict, strict: bool, owner: str):
    """Validate ``state_dict`` against ``targets`` (name -> Tensor) without writing.

    Returns ``(values, IncompatibleKeys)`` with ``values`` name -> array ready to copy
    (already cast to the target's dtype), or raises a
    :class:`~tinyprop.errors.CheckpointError` (a ValueError) listing every problem. A cast
    that would turn a finite value into an infinity (``1e300`` into float32) or wrap an
    integer (``2**40`` into int32) is a problem; ordinary float64 -> float32 rounding is
    not (PyTorch's ``copy_`` rounds the same way).
    """
    if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
        raise TinypropTypeError(
            f"load_state_dict expects a mapping name -> array, got {type(state_dict).__name__}"
        )
    missing = [k for k in targets if k not in state_dict]
    unexpected = [k for k in state_dict if k not in targets]
    problems = []
    if strict:
        if missing:
            problems.append("missing keys: " + ", ".join(missing))
        if unexpected:
            problems.append("unexpected keys: " + ", ".join(map(str, unexpected)))
    values = {}
    for key, target in targets.items():
        if key not in state_dict:
            continue
        arr, why = _convert_value(state_dict[key], target._data)
        if why:
            problems.append(f"{key}: {why}")
        else:
            values[key] = arr
    if problems:
        # The first line stands alone (the CLI shows only it): the first problem (what was
        # expected, what was got) and the fix; every problem is listed below it.
        more = f" (and {len(problems) - 1} more, listed below)" if len(problems) > 1 else ""
        raise CheckpointError(
            f"load_state_dict for {owner} failed; nothing was changed: {problems[0]}{more}. "
            "Check that the state dict comes from the same architecture (same layer names "
            "and sizes); pass strict=False to skip missing/unexpected keys:\n  "
            + "\n  ".join(problems)
        )
    return values, IncompatibleKeys(missing, unexpected)


def _convert_value(value, target):
    """``(array, None)`` if ``value`` can be copied into ``target``, else ``(None, reason)``."""
    if isinstance(value, Tensor):
        value = value._data
    elif not isinstance(value, np.ndarray) and hasattr(value, "detach"):
        value = value.detach()  # e.g. a torch tensor that requires grad
    try:
        arr = np.asarray(value)
    except Exception as e:  # noqa: BLE001 - report any conversion failure
        return None, f"cannot convert a {type(value).__name__} to an array ({e})"
    if arr.shape != target.shape:
        return None, f"shape mismatch: expected {tuple(target.shape)}, got {tuple(arr.shape)}"
    if arr.dtype.kind not in "biuf":
        return None, f"expected numbers, got dtype {arr.dtype}"
    if target.dtype.kind in "iub" and arr.dtype.kind == "f":
        return None, f"expected integers ({target.dtype}), got floating dtype {arr.dtype}"
    return lossless_cast(arr, target.dtype)
