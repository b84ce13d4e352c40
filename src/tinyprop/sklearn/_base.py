"""What the three estimators share: building the network, fitting, predicting.

Training goes through tinyprop's engines (:class:`~tinyprop.train.AutogradEngine` or
:class:`~tinyprop.train.ManualEngine`) and its one epoch loop,
:class:`~tinyprop.train.Trainer` (:mod:`._loop`); scikit-learn's stopping rules and
learning-rate schedules are callbacks of it (:mod:`._callbacks`).

Randomness follows scikit-learn step for step: one ``RandomState`` from
``check_random_state(random_state)`` per ``fit`` draws the initial weights (first fit
only), then the validation split (``early_stopping``), then each epoch's shuffle. So an
estimator here and scikit-learn's of the same name, given the same ``random_state``,
start from the same weights and see the same batches.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..train.engines import AutogradEngine, ManualEngine
from ._loop import run_epochs
from ._losses import AutogradLoss, ManualLoss
from ._network import build_network, init_arrays, linear_arrays
from ._optim import build_optimizer
from ._params import check_mlp


def store_init_params(estimator, args: dict) -> None:
    """Keep each ``__init__`` argument, unchanged, as the attribute of the same name.

    That is all scikit-learn lets ``__init__`` do (``get_params`` and ``clone`` read the
    attributes back; checking the values is ``fit``'s job, in ``_check_params``). The
    estimators call it as ``store_init_params(self, locals())``, first thing in
    ``__init__``, so that ``args`` holds exactly the parameters.
    """
    for name, value in args.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class BaseMLP(BaseEstimator):
    """Fit machinery. Subclasses say how parameters are checked (``_check_params``), what
    the target is (``_encode_y``, which sets ``_out``, the output activation), how a
    validation set is scored (``_val_score``) and how the L2 penalty scales
    (``_decay``)."""

    _regression = False
    _multi_output_ok = False  # 2-D y: several regression outputs, or multilabel
    _zero_init = False  # LogisticRegression starts from zeros, as scikit-learn's
    _class_weight = None  # per-class loss weights (LogisticRegression's class_weight)

    def _check_params(self):
        return check_mlp(self)

    def _train_bias(self, p) -> bool:
        return True

    def _decay(self, p, n_train: int):
        """rows of a batch -> weight decay: scikit-learn's MLPs use ``alpha / rows``."""
        alpha = p.alpha
        return lambda rows: alpha / rows

    def _loss_terms(self, Y) -> tuple[float, float]:
        """(scale, offset): the epoch's reported loss, penalty aside, is
        ``summed batch losses / (n_samples * scale) + offset`` (see MLPRegressor)."""
        return 1.0, 0.0

    # ---- building ------------------------------------------------------------------
    def _make_engine(self, p, model):
        """A fresh engine and optimizer around ``model`` (group 0: weights; group 1:
        biases, left out when they are not trained)."""
        out, cw = self._out, self._class_weight
        weights = {id(w) for w, _ in linear_arrays(model)}
        train_bias = self._train_bias(p)

        def factory(params):
            ws = [t for t in params if id(t._data) in weights]
            bs = [t for t in params if id(t._data) not in weights] if train_bias else []
            return build_optimizer(p, ws, bs)

        if p.engine == "autograd":
            return AutogradEngine(model, factory(list(model.parameters())), AutogradLoss(out, cw))
        return ManualEngine(model, ManualLoss(out, cw), factory)

    def _reset_tracking(self, early_stopping: bool) -> None:
        self.loss_curve_ = []
        self.t_ = 0
        self._no_improvement_count = 0
        self.validation_scores_ = [] if early_stopping else None
        self.best_validation_score_ = -np.inf if early_stopping else None
        self.best_loss_ = None if early_stopping else np.inf

    # ---- fitting -------------------------------------------------------------------
    def _fit(self, X, y, incremental: bool):
        p = self._check_params()
        if incremental and p.early_stopping:
            raise ValueError(
                f"{type(self).__name__}: partial_fit does not support early_stopping=True; "
                "set early_stopping=False or use fit"
            )
        first = not hasattr(self, "engine_") or (not p.warm_start and not incremental)
        X, Y = validate_data(
            self,
            X,
            y,
            reset=first,
            dtype=p.dtype,
            multi_output=self._regression or self._multi_output_ok,
            y_numeric=self._regression,
        )
        if Y.ndim == 2 and Y.shape[1] == 1:
            Y = column_or_1d(Y, warn=True)
        Y = self._encode_y(Y, p, first, incremental)
        sizes = (X.shape[1], *p.hidden, self._n_out)
        arch = (sizes, p.activation, p.engine, self._out)
        if not first and self._arch != arch:
            raise ValueError(
                f"{type(self).__name__}: warm_start/partial_fit continues the network it has "
                f"(layer sizes, activation, engine, output) = {self._arch}, but the parameters "
                f"and data now ask for {arch}; keep them or refit from scratch "
                "(warm_start=False)"
            )
        rs = check_random_state(p.random_state)
        if first:
            arrays = init_arrays(sizes, p.activation, rs, p.dtype, zeros=self._zero_init)
            model = build_network(arrays, p.activation, p.engine, p.dtype)
            self._arch = arch
            self.n_layers_ = len(sizes)
            self.n_outputs_ = sizes[-1]
            self.out_activation_ = self._out
            self._reset_tracking(p.early_stopping)
        else:
            model = self.engine_.model
            if p.early_stopping != (self.validation_scores_ is not None):
                self._reset_tracking(p.early_stopping)
        X_val = Y_val = None
        if p.early_stopping:
            X, X_val, Y, Y_val = self._split(X, Y, p, rs)
        if first or not incremental:
            self.engine_ = self._make_engine(p, model)
        run_epochs(self, p, X, Y, X_val, Y_val, rs, incremental)
        return self

    def _split(self, X, Y, p, rs):
        """scikit-learn's validation split: same RandomState, stratified only for a
        classifier with one output column (binary), as scikit-learn does."""
        from sklearn.model_selection import train_test_split

        stratify = Y if self._out == "logistic" and Y.shape[1] == 1 else None
        X, X_val, Y, Y_val = train_test_split(
            X, Y, test_size=p.validation_fraction, random_state=rs, stratify=stratify
        )
        if len(X_val) < 2:
            raise ValueError(
                f"{type(self).__name__}: the validation set has {len(X_val)} sample(s); "
                "increase validation_fraction or give more samples"
            )
        return X, X_val, Y, Y_val

    # ---- prediction ----------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "engine_")

    def _logits(self, X) -> np.ndarray:
        """Outputs of the trained network before the output activation, computed in
        float64 from its weights, so that a sample's prediction does not depend on which
        other rows share its batch (float32 products round differently per batch shape)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        engine = self.engine_
        if engine.dtype != np.float64:
            arrays = [
                (w.astype(np.float64), b.reshape(-1).astype(np.float64))
                for w, b in linear_arrays(engine.model)
            ]
            activation, name = self._arch[1], self._arch[2]
            model = build_network(arrays, activation, name, np.float64)
            engine = (
                AutogradEngine(model, optimizer=None)
                if name == "autograd"
                else ManualEngine(model, None, lambda tensors: None)
            )
        return np.asarray(engine.predict_logits(X), dtype=np.float64)

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices in scikit-learn's layout, (n_in, n_out) per layer (copies)."""
        check_is_fitted(self)
        return [w.T.copy() for w, _ in linear_arrays(self.engine_.model)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, one per layer (copies)."""
        check_is_fitted(self)
        return [b.reshape(-1).copy() for _, b in linear_arrays(self.engine_.model)]
