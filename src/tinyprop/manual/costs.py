"""Seed 003's cost API: ``estimate(target, prediction) -> cost``, ``gradient() -> d_prediction``.

Targets follow the seeds' convention (one-hot rows, batch first); integer label vectors
are accepted too and converted to one-hot with as many classes as the prediction has.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from .._validate import check_finite
from ._validation import _labels, as_float_array, one_hot_targets
from .layers import Array


class Cost:
    """Base class of the manual costs.

    ``estimate`` checks its inputs, caches what the derivative needs and returns the cost
    as a float; ``gradient`` returns ``d cost / d prediction`` with the prediction's shape.
    ``gradient(cost)`` (the seed's call form) is accepted: the argument is ignored.

    >>> mse = MeanSquareError()
    >>> mse.estimate(np.zeros((1, 2)), np.ones((1, 2)))
    1.0
    """

    target = None
    prediction = None

    def __init__(self) -> None:
        self.target = None
        self.prediction = None

    def estimate(self, target: Array, prediction: Array) -> float:
        """Return the cost of ``prediction`` against ``target`` and remember both."""
        raise NotImplementedError(f"{type(self).__name__} must implement estimate")

    def gradient(self, cost: object = None) -> Array:
        """Return ``d cost / d prediction`` for the last ``estimate`` call."""
        raise NotImplementedError(f"{type(self).__name__} must implement gradient")

    def __call__(self, target: Array, prediction: Array) -> float:
        return self.estimate(target, prediction)

    def _prepare(self, target: Array, prediction: Array, classes: bool = False):
        """Validate and cache ``(target, prediction)``; return them as float arrays."""
        p = as_float_array(prediction, f"{type(self).__name__} prediction")
        if classes and p.ndim != 2:
            raise ValueError(
                f"{type(self).__name__} expects a prediction of shape (batch, classes), got "
                f"{tuple(p.shape)}; add a batch dimension with reshape(1, -1)"
            )
        t = np.asarray(target)
        label_kinds = "iuf" if classes else "iu"  # a float vector is a label vector for CE only
        if p.ndim == 2 and t.ndim == 1 and t.shape[0] == p.shape[0] and t.dtype.kind in label_kinds:
            t = one_hot_targets(t, p.shape[0], p.shape[1], p.dtype)  # integer labels
        else:
            t = as_float_array(t, f"{type(self).__name__} target", dtype=p.dtype)
            if t.shape != p.shape:
                n = f"{p.shape[1]} " if p.ndim == 2 else ""
                raise ValueError(
                    f"{type(self).__name__} target has shape {tuple(t.shape)} but the "
                    f"prediction has shape {tuple(p.shape)}; pass targets of the prediction's "
                    f"shape (one-hot rows with {n}classes) or a vector of integer labels"
                )
        self.target, self.prediction = t, p
        return t, p

    def _require_estimate(self) -> None:
        if self.prediction is None:
            raise RuntimeError(
                f"{type(self).__name__}.gradient was called before estimate; call "
                "estimate(target, prediction) first"
            )


class MeanSquareError(Cost):
    """Mean over **all elements** of ``(prediction - target)**2``, as
    ``torch.nn.functional.mse_loss(..., reduction="mean")``; gradient
    ``2 * (prediction - target) / prediction.size``.

    >>> MeanSquareError().estimate(np.array([[0.0, 0.0]]), np.array([[1.0, 3.0]]))
    5.0
    """

    def estimate(self, target: Array, prediction: Array) -> float:
        t, p = self._prepare(target, prediction)
        return float(np.mean((p - t) ** 2))

    def gradient(self, cost: object = None) -> Array:
        self._require_estimate()
        return 2 * (self.prediction - self.target) / self.prediction.size


class CrossEntropy(Cost):
    """Cross-entropy of probabilities (e.g. a ``SoftMax`` output), seed 003:
    ``-sum(target * log(prediction + eps)) / batch`` with ``eps = 1e-12``; gradient
    ``-target / (prediction + eps) / batch``.

    >>> round(CrossEntropy().estimate([0], np.array([[0.5, 0.5]])), 4)
    0.6931
    """

    def __init__(self, eps: float = 1e-12) -> None:
        super().__init__()
        self.eps = float(eps)

    def estimate(self, target: Array, prediction: Array) -> float:
        t, p = self._prepare(target, prediction, classes=True)
        return float(-np.sum(t * np.log(p + self.eps)) / p.shape[0])

    def gradient(self, cost: object = None) -> Array:
        self._require_estimate()
        return -self.target / (self.prediction + self.eps) / self.prediction.shape[0]


class SoftmaxCrossEntropy(Cost):
    """Softmax and cross-entropy fused, on **logits** (seeds 000/004):
    ``-sum(target * log_softmax(logits)) / batch``; gradient ``(softmax(logits) - target) / batch``
    for one-hot or probability rows. (For rows that do not sum to 1 the exact gradient
    ``(softmax * rowsum(target) - target) / batch`` is returned, which reduces to the former.)

    >>> bool(SoftmaxCrossEntropy().estimate([1], np.zeros((1, 2))) == np.log(2))
    True
    """

    labels = None

    def estimate(self, target: Array, prediction: Array) -> float:
        tgt = np.asarray(target)
        z = np.asarray(prediction)
        if (tgt.ndim == 1 and tgt.dtype.kind in "iu" and z.ndim == 2
                and z.dtype.kind == "f" and tgt.shape[0] == z.shape[0]):
            # integer labels: the same cost, indexing the true class instead of a one-hot
            # product (no (batch, classes) target is built)
            check_finite(z, "SoftmaxCrossEntropy prediction")
            self.labels = _labels(tgt, z.shape[1], "targets")
            self.prediction, self.target = z, None
            total, self.probabilities = kernels.softmax_cross_entropy(z, self.labels)
            return float(total / z.shape[0])
        self.labels = None
        t, z = self._prepare(target, prediction, classes=True)
        log_p = kernels.log_softmax(z, axis=-1)
        self.probabilities = kernels.softmax(z, axis=-1)  # the label path's numbers
        return float(-np.sum(t * log_p) / z.shape[0])

    def gradient(self, cost: object = None) -> Array:
        self._require_estimate()
        p = self.probabilities
        # integer labels: (softmax - onehot) / batch with the one-hot implicit; target rows:
        # (softmax * rowsum(target) - target) / batch
        d = kernels.softmax_xent_grad(p, self.target if self.labels is None else self.labels)
        d /= p.shape[0]
        return d
