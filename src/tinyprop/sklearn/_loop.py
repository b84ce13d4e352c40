"""The estimators' epoch loop: scikit-learn's ``_fit_stochastic``, on tinyprop's engines.

Per epoch: reorder the rows as scikit-learn's shuffle does, run the batches through the
engine (one optimizer step each), record the loss, then apply scikit-learn's rules in its
order: count an epoch that does not beat the best training loss (or validation score,
with ``early_stopping``) by ``tol``; ``learning_rate='invscaling'`` sets the rate to
``learning_rate_init / (t_ + 1) ** power_t`` (``t_``: samples seen); when the count
passes ``n_iter_no_change``, ``learning_rate='adaptive'`` divides the rate by 5 (and
stops once it is at most 1e-6), anything else stops.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import shuffle as sk_shuffle

from ..data.loader import DataLoader
from ._network import linear_arrays
from ._optim import Stepper, current_lr, set_lr
from ._params import SGD_SOLVERS


def _batch_size(est, p, n: int) -> int:
    if p.batch_size == "auto":
        return min(200, n)
    if p.batch_size > n:
        warnings.warn(
            f"{type(est).__name__}: batch_size={p.batch_size} is larger than the {n} training "
            f"samples; using batches of {n}",
            stacklevel=5,
        )
        return n
    return p.batch_size


def run_epochs(est, p, X, Y, X_val, Y_val, rs, incremental: bool) -> None:
    """Train ``est.engine_`` on (X, Y): one epoch for ``partial_fit``, else up to
    ``max_iter``, recording what scikit-learn's MLPs record."""
    n = len(X)
    engine = est.engine_
    optimizer = engine.optimizer
    # in order (the rows are reordered here); seed=0: tinyprop's generator is not touched
    loader = DataLoader(X, Y, batch_size=_batch_size(est, p, n), shuffle=False, seed=0)
    live = [a for pair in linear_arrays(engine.model) for a in pair]
    weights = live[0::2]
    stepper = Stepper(p, optimizer, weights, est._decay(p, n))
    best = [a.copy() for a in live] if p.early_stopping else None
    scale, offset = est._loss_terms(Y)
    est.n_iter_ = 0
    stopped = False
    for _ in range(1 if incremental else p.max_iter):
        if p.shuffle:  # the rows in scikit-learn's order for this epoch
            perm = sk_shuffle(np.arange(n), random_state=rs)
            loader.X[...] = loader.X[perm]
            loader.y[...] = loader.y[perm]
        total = penalty = 0.0
        for xb, yb in loader:
            penalty += len(xb) * stepper.before_step(len(xb))
            total += engine.train_step(xb, yb)[0]
        loss = total / (n * scale) + offset + penalty / n
        if not math.isfinite(loss):
            raise ValueError(
                f"{type(est).__name__}: training diverged (loss {loss}) in epoch "
                f"{est.n_iter_ + 1}; lower learning_rate_init (now {p.lr}) or scale the "
                "inputs (e.g. StandardScaler)"
            )
        est.n_iter_ += 1
        est.t_ += n
        est.loss_ = loss
        est.loss_curve_.append(loss)
        if p.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        _count_no_improvement(est, p, X_val, Y_val, live, best)
        if _schedule_says_stop(est, p, optimizer):
            stopped = True
            break
    if p.early_stopping:  # back to the weights of the best validation score
        for a, b in zip(live, best):
            a[...] = b
    if not incremental and not stopped and est.n_iter_ == p.max_iter:
        warnings.warn(
            f"{type(est).__name__}: the maximum number of epochs (max_iter={p.max_iter})"
            " was reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=4,
        )


def _schedule_says_stop(est, p, optimizer) -> bool:
    """After an epoch, scikit-learn's order: 'invscaling' sets the rate from ``t_``;
    past ``n_iter_no_change`` epochs without progress, 'adaptive' divides the rate by 5
    (while it is above 1e-6) and everything else stops. Only the SGD solvers schedule."""
    scheduled = p.solver in SGD_SOLVERS
    if scheduled and p.schedule == "invscaling":
        set_lr(optimizer, p.lr / (est.t_ + 1) ** p.power_t)
    if est._no_improvement_count <= p.n_iter_no_change:
        return False
    what = "Validation score" if p.early_stopping else "Training loss"
    msg = (
        f"{what} did not improve more than tol={p.tol} for {p.n_iter_no_change} consecutive epochs."
    )
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


def _count_no_improvement(est, p, X_val, Y_val, live, best) -> None:
    """scikit-learn's rule: count epochs that do not beat the best by ``tol``, reset the
    count on one that does. With ``early_stopping`` the best weights go to ``best``."""
    if p.early_stopping:
        score = est._val_score(est.engine_.predict_logits(X_val), Y_val)
        est.validation_scores_.append(score)
        if p.verbose:
            print(f"Validation score: {score:f}")
        worse = score < est.best_validation_score_ + p.tol
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            for b, a in zip(best, live):
                b[...] = a
    else:
        loss = est.loss_curve_[-1]
        worse = loss > est.best_loss_ - p.tol
        est.best_loss_ = min(est.best_loss_, loss)
    est._no_improvement_count = est._no_improvement_count + 1 if worse else 0
