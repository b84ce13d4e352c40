"""The estimators' epochs: scikit-learn's ``_fit_stochastic``, run by tinyprop's one
:class:`~tinyprop.train.Trainer`.

The Trainer runs the batches through the engine (one optimizer step each); the loader
takes the rows in scikit-learn's shuffled order (:class:`._callbacks.SklearnShuffle`),
and :class:`._callbacks.SklearnEpochRules` applies scikit-learn's rules in its order:
count an epoch that does not beat the best training loss (or validation score, with
``early_stopping``) by ``tol``; ``learning_rate='invscaling'`` sets the rate to
``learning_rate_init / (t_ + 1) ** power_t`` (``t_``: samples seen); when the count
passes ``n_iter_no_change``, ``learning_rate='adaptive'`` divides the rate by 5 (and
stops once it is at most 1e-6), anything else stops.
"""

from __future__ import annotations

import warnings

from sklearn.exceptions import ConvergenceWarning

from ..data.loader import DataLoader
from ..train.loop import Trainer, TrainingDiverged
from ._callbacks import SklearnEpochRules, SklearnShuffle, diverged
from ._network import linear_arrays


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


def run_epochs(est, p, X, Y, X_val, Y_val, rs, incremental: bool, callbacks=()) -> Trainer:
    """Train ``est.engine_`` on (X, Y) with a :class:`Trainer`: one epoch for
    ``partial_fit``, else up to ``max_iter``, recording what scikit-learn's MLPs record.
    ``callbacks`` run after scikit-learn's rules. Returns the Trainer."""
    n = len(X)
    engine = est.engine_
    order = SklearnShuffle(n, rs) if p.shuffle else None
    # seed=0: tinyprop's generator is not touched (the order, if any, is scikit-learn's)
    loader = DataLoader(X, Y, batch_size=_batch_size(est, p, n), shuffle=False, seed=0,
                        order=order)
    live = [a for pair in linear_arrays(engine.model) for a in pair]
    rules = SklearnEpochRules(est, p, Y, X_val, Y_val, live)
    trainer = Trainer(engine, loader, epochs=1 if incremental else p.max_iter,
                      callbacks=[rules, *callbacks], verbose=False, evaluate=False,
                      handle_sigint=False)
    try:
        trainer.fit()
    except TrainingDiverged as e:  # scikit-learn's error, naming its parameters
        raise diverged(est, p, getattr(e, "loss", float("nan"))) from None
    if not incremental and not rules.stopped and est.n_iter_ == p.max_iter:
        warnings.warn(
            f"{type(est).__name__}: the maximum number of epochs (max_iter={p.max_iter})"
            " was reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=4,
        )
    return trainer
