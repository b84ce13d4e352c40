"""The training losses of scikit-learn's MLPs, for both engines.

scikit-learn pairs each output activation with its canonical loss, so the gradient with
respect to the last layer's pre-activation ``z`` is always ``(output - y) / n_samples``
(times the sample's weight, for ``LogisticRegression(class_weight=...)``):

=============  ==================  ============================================
output          used for            loss of a batch of ``n`` rows (summed over outputs)
=============  ==================  ============================================
'softmax'       multiclass          ``sum_i s_i * cross_entropy(z_i, y_i) / n``
'logistic'      binary, multilabel  ``sum_i s_i * sum_k bce_with_logits(z_ik, y_ik) / n``
'identity'      squared_error       ``sum_ik 0.5 * (z_ik - y_ik)**2 / n``
'exp'           poisson             ``sum_ik (exp(z_ik) - y_ik * z_ik) / n``
=============  ==================  ============================================

The autograd engine gets :class:`AutogradLoss` (composed from tinyprop's ops, so autograd
derives it); the manual engine gets :class:`ManualLoss`, whose gradient is written out by
hand. Both are plain classes, so a fitted estimator pickles.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..manual.costs import Cost

OUTPUTS = ("softmax", "logistic", "identity", "exp")


def sample_weights(out: str, class_weight, y):
    """Per-row weights (n, 1) from per-class weights, or None."""
    if class_weight is None:
        return None
    if out == "softmax":
        return class_weight[y].reshape(-1, 1)
    w0, w1 = class_weight  # binary: y is a (n, 1) column of 0/1
    return w0 + (w1 - w0) * y


class AutogradLoss:
    """The loss of one output kind as a function of (logits Tensor, target array)."""

    def __init__(self, out: str, class_weight=None) -> None:
        self.out = out
        self.class_weight = class_weight

    def __call__(self, z, y):
        from ..ops import loss as L

        n = len(y)
        if self.out == "softmax":
            if self.class_weight is None:
                return L.cross_entropy(z, y)
            return L.cross_entropy(z, y, weight=self.class_weight, reduction="sum") / n
        if self.out == "logistic":
            w = sample_weights(self.out, self.class_weight, y)
            return L.binary_cross_entropy_with_logits(z, y, weight=w, reduction="sum") / n
        if self.out == "identity":
            return ((z - y) ** 2).sum() * (0.5 / n)
        return (z.exp() - z * y).sum() / n  # 'exp': Poisson, up to a constant


class ManualLoss(Cost):
    """The same losses with hand-derived gradients, for the manual engine's cost slot."""

    def __init__(self, out: str, class_weight=None) -> None:
        super().__init__()
        self.out = out
        self.class_weight = class_weight
        self._grad = None

    def estimate(self, target, prediction) -> float:
        z, y = prediction, target
        n = len(z)
        s = sample_weights(self.out, self.class_weight, y)
        if self.out == "softmax":
            rows = kernels.row_indices(n)
            if s is None:
                total, grad = kernels.softmax_cross_entropy(z, y)
            else:
                total = -np.sum(kernels.log_softmax(z, axis=1)[rows, y] * s[:, 0])
                grad = kernels.softmax(z, axis=1)
            grad[rows, y] -= 1
            if s is not None:
                grad *= s
            loss = float(total) / n
        elif self.out == "logistic":
            # bce_with_logits(z, y) = softplus(z) - y * z; d/dz = sigmoid(z) - y
            loss_el = kernels.softplus(z) - y * z
            grad = kernels.sigmoid(z) - y
            if s is not None:
                loss_el = loss_el * s
                grad *= s
            loss = float(np.sum(loss_el)) / n
        elif self.out == "identity":
            grad = z - y
            loss = 0.5 * float(np.sum(grad * grad)) / n
        else:  # 'exp'
            mu = np.exp(z)
            loss = float(np.sum(mu - y * z)) / n
            grad = mu - y
        grad /= n
        self.target, self.prediction, self._grad = y, z, grad
        return loss

    def gradient(self, cost: object = None):
        self._require_estimate()
        return self._grad


def poisson_constant(Y) -> float:
    """The term of scikit-learn's half Poisson deviance that does not depend on the
    prediction, ``mean_i sum_k (y log y - y)``, added to the reported loss only."""
    from scipy.special import xlogy

    return float(np.sum(xlogy(Y, Y) - Y, dtype=np.float64)) / max(len(Y), 1)
