"""scikit-learn's solvers on tinyprop's optimizers.

tinyprop's optimizers follow PyTorch; scikit-learn's ``_stochastic_optimizers`` write the
same methods a little differently. The estimators keep scikit-learn's meaning with
tinyprop's optimizers by adjusting them between steps:

- ``solver='sgd'``: scikit-learn keeps a velocity ``v = momentum * v - lr * g`` and steps
  by ``v`` (or, with Nesterov, by ``momentum * v - lr * g``). PyTorch's ``SGD`` keeps
  ``b = momentum * b + g`` and steps by ``-lr * b`` (Nesterov: ``-lr * (g + momentum * b)``).
  They agree while ``lr`` is constant (``v == -lr * b``); when the learning rate changes
  (``'invscaling'``, ``'adaptive'``) scikit-learn's old velocity keeps its old scale, so
  :func:`set_lr` rescales ``b`` by ``old_lr / new_lr`` to keep ``v == -lr * b`` true.
- ``solver='adam'``: scikit-learn adds ``epsilon`` to ``sqrt(v)`` before the bias
  correction ``sqrt(1 - beta_2**t)``, PyTorch after it; :meth:`Stepper.before_step` passes
  ``epsilon / sqrt(1 - beta_2**t)`` for step ``t``, which gives scikit-learn's update.
- ``alpha``: scikit-learn adds ``alpha * W / batch_rows`` to the weights' gradient (not
  the biases'): weight decay ``alpha / batch_rows`` on the weights' group, set per batch
  (the last batch of an epoch may be shorter).
"""

from __future__ import annotations

import math

import numpy as np

from .. import optim
from ._params import SGD_SOLVERS


def build_optimizer(p, weights: list, biases: list):
    """The optimizer for ``p.solver``: group 0 holds the weights, group 1 the biases."""
    groups = [{"params": weights, "weight_decay": 0.0}]
    if biases:
        groups.append({"params": biases, "weight_decay": 0.0})
    if p.solver in SGD_SOLVERS:
        nesterov = {"sgd": p.nesterov, "momentum": False, "nesterov": True}[p.solver]
        return optim.SGD(groups, lr=p.lr, momentum=p.momentum, nesterov=nesterov and p.momentum > 0)
    if p.solver in ("adam", "adamw"):
        cls = optim.Adam if p.solver == "adam" else optim.AdamW
        return cls(groups, lr=p.lr, betas=(p.beta_1, p.beta_2), eps=p.epsilon)
    return optim.RMSprop(groups, lr=p.lr, eps=p.epsilon)


def current_lr(optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def set_lr(optimizer, lr: float) -> None:
    """Change the learning rate as scikit-learn's SGD does: past steps keep their size
    (the momentum buffers are rescaled so that ``-lr * buffer`` stays the velocity)."""
    for group in optimizer.param_groups:
        old = float(group["lr"])
        if old == lr:
            continue
        for param in group["params"]:
            buf = optimizer.state.get(param, {}).get("momentum_buffer")
            if buf is not None:
                buf *= old / lr
        group["lr"] = lr


class Stepper:
    """What changes between two steps: weight decay from ``alpha`` (or ``C``), Adam's
    ``epsilon``. ``before_step`` returns the batch's L2 term for the reported loss,
    computed from the weights the batch's forward pass uses (as scikit-learn does)."""

    def __init__(self, p, optimizer, weights: list, decay) -> None:
        self.optimizer = optimizer
        self.weights = weights  # live arrays
        self.decay = decay  # rows of the batch -> weight decay
        self.adam = p.solver in ("adam", "adamw")
        self.epsilon, self.beta_2 = p.epsilon, p.beta_2
        self.first = optimizer.param_groups[0]["params"][0]

    def before_step(self, rows: int) -> float:
        groups = self.optimizer.param_groups
        if self.adam:
            t = self.optimizer.state.get(self.first, {}).get("step", 0) + 1
            eps = self.epsilon / math.sqrt(1.0 - self.beta_2**t)
            for group in groups:
                group["eps"] = eps
        wd = self.decay(rows)
        groups[0]["weight_decay"] = wd
        if not wd:
            return 0.0
        sq = sum(float(np.dot(w.ravel(), w.ravel())) for w in self.weights)
        return 0.5 * wd * sq
