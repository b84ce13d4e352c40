"""scikit-learn's per-epoch rules as callbacks of tinyprop's one :class:`~tinyprop.train.Trainer`.

The estimators' epochs run through the Trainer (see :mod:`._loop`); what scikit-learn's
``_fit_stochastic`` does around them is here, in its order:

- :class:`SklearnShuffle`: each epoch's row order, drawn as scikit-learn draws it (the
  loader's ``order``);
- :class:`SklearnEpochRules`: before each batch, the solver's adjustments and the L2 term
  of the reported loss; after each epoch, ``loss_curve_``/``n_iter_``/``t_``, the verbose
  line, the no-improvement count (training loss, or validation score with
  ``early_stopping``), the ``'invscaling'``/``'adaptive'`` learning rates and the stop;
  at the end, the weights of the best validation score (a snapshot of the weights only).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils import shuffle as sk_shuffle

from ..train.callbacks import Callback
from ._optim import Stepper, current_lr, set_lr
from ._params import SGD_SOLVERS


class SklearnShuffle:
    """Each epoch's order of the rows, as scikit-learn's ``shuffle`` draws it from the
    fit's ``RandomState``: the previous order permuted again (so the same batches)."""

    def __init__(self, n: int, rs) -> None:
        self.index = np.arange(n)
        self.rs = rs

    def __call__(self) -> np.ndarray:
        self.index = self.index[sk_shuffle(np.arange(len(self.index)), random_state=self.rs)]
        return self.index


class SklearnEpochRules(Callback):
    """What scikit-learn's MLPs record and decide per batch and per epoch (see the module)."""

    def __init__(self, est, p, Y, X_val, Y_val, live: list) -> None:
        self.est, self.p = est, p
        self.X_val, self.Y_val = X_val, Y_val
        self.live = live  # the network's live (weight, bias, ...) arrays
        self.best = [a.copy() for a in live] if p.early_stopping else None
        self.stepper = None
        self.penalty = 0.0
        self.scale, self.offset = est._loss_terms(Y)
        self.stopped = False  # by the rules (not by running out of epochs)

    def on_train_begin(self, trainer) -> None:
        est, p = self.est, self.p
        n = len(trainer.loader.X)
        self.stepper = Stepper(p, trainer.engine.optimizer, self.live[0::2], est._decay(p, n))
        est.n_iter_ = 0

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        self.penalty = 0.0

    def on_batch_begin(self, trainer, batch: int, size: int) -> None:
        self.penalty += size * self.stepper.before_step(size)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        est, p = self.est, self.p
        total, _, n = trainer.totals
        loss = total / (n * self.scale) + self.offset + self.penalty / n
        if not math.isfinite(loss):
            raise diverged(est, p, loss)
        est.n_iter_ += 1
        est.t_ += n
        est.loss_ = loss
        est.loss_curve_.append(loss)
        if p.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        self._count_no_improvement(trainer.engine)
        if self._schedule_says_stop(trainer.engine.optimizer):
            self.stopped = trainer.stop = True
            trainer.stop_reason = "no improvement (scikit-learn's tol / n_iter_no_change)"

    def on_train_end(self, trainer) -> None:
        if self.best is not None:  # back to the weights of the best validation score
            for a, b in zip(self.live, self.best):
                a[...] = b

    def _count_no_improvement(self, engine) -> None:
        """scikit-learn's rule: count epochs that do not beat the best by ``tol``, reset
        the count on one that does. With ``early_stopping`` the best weights are kept."""
        est, p = self.est, self.p
        if p.early_stopping:
            score = est._val_score(engine.predict_logits(self.X_val), self.Y_val)
            est.validation_scores_.append(score)
            if p.verbose:
                print(f"Validation score: {score:f}")
            worse = score < est.best_validation_score_ + p.tol
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                for b, a in zip(self.best, self.live):
                    b[...] = a
        else:
            loss = est.loss_curve_[-1]
            worse = loss > est.best_loss_ - p.tol
            est.best_loss_ = min(est.best_loss_, loss)
        est._no_improvement_count = est._no_improvement_count + 1 if worse else 0

    def _schedule_says_stop(self, optimizer) -> bool:
        """scikit-learn's order: 'invscaling' sets the rate from ``t_``; past
        ``n_iter_no_change`` epochs without progress, 'adaptive' divides the rate by 5
        (while it is above 1e-6) and everything else stops. Only the SGD solvers schedule."""
        est, p = self.est, self.p
        scheduled = p.solver in SGD_SOLVERS
        if scheduled and p.schedule == "invscaling":
            set_lr(optimizer, p.lr / (est.t_ + 1) ** p.power_t)
        if est._no_improvement_count <= p.n_iter_no_change:
            return False
        what = "Validation score" if p.early_stopping else "Training loss"
        msg = (f"{what} did not improve more than tol={p.tol} for {p.n_iter_no_change} "
               "consecutive epochs.")
        lr = current_lr(optimizer)
        adaptive = scheduled and p.schedule == "adaptive"
        if adaptive and lr > 1e-6:
            set_lr(optimizer, lr / 5.0)
            est._no_improvement_count = 0
            if p.verbose:
                print(f"{msg} Setting learning rate to {lr / 5.0:f}")
            return False
        if p.verbose:
            print(f"{msg}{' Learning rate too small.' if adaptive else ''} Stopping.")
        return True


def diverged(est, p, loss) -> ValueError:
    """The error for a loss that became NaN or infinite in the epoch ``est.n_iter_ + 1``."""
    return ValueError(
        f"{type(est).__name__}: training diverged (loss {loss}) in epoch "
        f"{est.n_iter_ + 1}; lower learning_rate_init (now {p.lr}) or scale the "
        "inputs (e.g. StandardScaler)"
    )
