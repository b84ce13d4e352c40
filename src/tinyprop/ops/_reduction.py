"""How a loss is reduced, shared by the loss modules (:mod:`.loss`, :mod:`.regression`):
the ``reduction`` names, PyTorch's legacy ``size_average`` / ``reduce`` pair, and the
reduced value and gradient factor of a loss."""

from __future__ import annotations

import warnings

import numpy as np

from .._validate import check_choice

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> str:
    """``reduction`` itself, if it is one of ``REDUCTIONS`` (a non-string is a TypeError,
    an unknown name a ValueError, both from :mod:`tinyprop.errors`)."""
    if reduction == "mean" and type(reduction) is str:  # the common case
        return reduction
    return check_choice(reduction, "reduction", REDUCTIONS,
                        fix="pass reduction='mean', 'sum' or 'none'")


def legacy_reduction(size_average, reduce, reduction: str, what: str) -> str:
    """PyTorch's deprecated ``size_average`` / ``reduce`` pair as a ``reduction`` name
    (with PyTorch's deprecation warning); ``reduction`` itself when both are None."""
    if size_average is None and reduce is None:
        return check_reduction(reduction)
    size_average = True if size_average is None else bool(size_average)
    reduce = True if reduce is None else bool(reduce)
    new = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(
        f"{what}: size_average and reduce are deprecated (as in PyTorch); use "
        f"reduction={new!r} instead",
        UserWarning,
        stacklevel=3,
    )
    return new


def reduce_loss(loss, reduction):
    """A loss (array or Tensor) reduced as ``reduction`` says."""
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def row_scale(g, reduction, denom):
    """Per-row gradient factor (N, 1) for a loss reduced by ``reduction``."""
    if reduction == "none":
        return g[:, None]
    return g / denom if reduction == "mean" else g


def safe_mean(total, denom):
    """``total / denom``; 0 / 0 is NaN without a warning (PyTorch's mean of nothing)."""
    if denom:
        return total / denom
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / denom
