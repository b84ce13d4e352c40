"""What the three estimators share: building the network, the epoch loop, early stopping.

Training goes through tinyprop's engines (:class:`~tinyprop.train.AutogradEngine` or
:class:`~tinyprop.train.ManualEngine`) fed by a :class:`~tinyprop.data.DataLoader`; the
loop here only adds what scikit-learn's estimators report per epoch (``loss_curve_``,
``validation_scores_``) and their stopping rule.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import manual, nn
from ..data.loader import DataLoader
from ..nn.functional import mse_loss
from ..train.build import build_optimizer
from ..train.config import TrainConfig
from ..train.engines import AutogradEngine, ManualEngine
from ._params import check_params

_NN_ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid}
_MANUAL_ACT = {"relu": manual.ReLU, "tanh": manual.Tanh, "logistic": manual.Sigmoid}


def init_arrays(sizes, activation: str, seed: int, dtype) -> list[tuple[np.ndarray, np.ndarray]]:
    """scikit-learn's initialisation: weight (out, in) and bias drawn from U(-a, a) with
    ``a = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for 'logistic')."""
    g = np.random.default_rng(seed)
    factor = 2.0 if activation == "logistic" else 6.0
    arrays = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        a = math.sqrt(factor / (fan_in + fan_out))
        w = g.uniform(-a, a, (fan_out, fan_in)).astype(dtype)
        arrays.append((w, g.uniform(-a, a, fan_out).astype(dtype)))
    return arrays


def build_network(arrays, activation: str, engine: str, dtype):
    """An ``nn.Sequential`` (autograd) or ``manual.Network`` holding ``arrays``, with
    ``activation`` between the layers ('identity': none) and none after the last."""
    layers = []
    for i, (w, b) in enumerate(arrays):
        n_out, n_in = w.shape
        if engine == "autograd":
            lin = nn.Linear(n_in, n_out, dtype=dtype, generator=0)  # overwritten below
            lin.weight.data[...] = w
            lin.bias.data[...] = b
        else:
            lin = manual.Linear(n_in, n_out, init="zeros", dtype=dtype)
            lin.w[...] = w
            lin.b[...] = b
        layers.append(lin)
        if i < len(arrays) - 1 and activation != "identity":
            layers.append((_NN_ACT if engine == "autograd" else _MANUAL_ACT)[activation]())
    return nn.Sequential(*layers) if engine == "autograd" else manual.Network(layers)


def linear_arrays(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The live (weight (out, in), bias) arrays of the model's linear layers."""
    if isinstance(model, nn.Module):
        return [(m.weight.data, m.bias.data) for m in model if isinstance(m, nn.Linear)]
    return [(m.w, m.b) for m in model if isinstance(m, manual.Linear)]


class BaseMLP(BaseEstimator):
    """Fit machinery; subclasses say what the target is (``_encode_y``) and how a
    validation set is scored (``_val_score``)."""

    _regression = False

    def _hidden_and_activation(self) -> tuple[tuple[int, ...], str]:
        raise NotImplementedError

    # ---- building ------------------------------------------------------------------
    def _make_engine(self, p, model):
        """A fresh engine (and optimizer) around ``model``. ``alpha`` is weight decay on
        the weights only (group 0), set per fit to ``alpha / batch_size``."""
        momentum = p.momentum if p.solver in ("momentum", "nesterov") else 0.0
        cfg = TrainConfig(optimizer=p.solver, lr=p.lr, momentum=momentum)
        weights = {id(w) for w, _ in linear_arrays(model)}

        def factory(tensors):
            groups = [
                {"params": [t for t in tensors if id(t.data) in weights], "weight_decay": 0.0},
                {"params": [t for t in tensors if id(t.data) not in weights], "weight_decay": 0.0},
            ]
            return build_optimizer(cfg, groups)

        if p.engine == "autograd":
            loss_fn = mse_loss if self._regression else None
            return AutogradEngine(model, factory(list(model.parameters())), loss_fn)
        cost = manual.MeanSquareError() if self._regression else manual.SoftmaxCrossEntropy()
        return ManualEngine(model, cost, factory)

    def _reset_tracking(self, early_stopping: bool) -> None:
        self.loss_curve_ = []
        self.t_ = 0
        self._no_improvement_count = 0
        self.validation_scores_ = [] if early_stopping else None
        self.best_validation_score_ = -np.inf if early_stopping else None
        self.best_loss_ = None if early_stopping else np.inf

    # ---- fitting -------------------------------------------------------------------
    def _fit(self, X, y, incremental: bool):
        p = check_params(self, *self._hidden_and_activation())
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
            multi_output=self._regression,
            y_numeric=self._regression,
        )
        Y = self._encode_y(Y, p, first, incremental)
        sizes = (X.shape[1], *p.hidden, Y.shape[1] if self._regression else len(self.classes_))
        arch = (sizes, p.activation, p.engine)
        if not first and self._arch != arch:
            raise ValueError(
                f"{type(self).__name__}: warm_start/partial_fit continues the network it has "
                f"(layer sizes, activation, engine) = {self._arch}, but the parameters now "
                f"ask for {arch}; keep them or refit from scratch (warm_start=False)"
            )
        rs = check_random_state(self.random_state)
        init_seed, loader_seed, split_seed = (int(s) for s in rs.randint(0, 2**31 - 1, 3))
        X_val = Y_val = None
        if p.early_stopping:  # split before the network is touched
            X, X_val, Y, Y_val = self._split(X, Y, p, split_seed)
        if first:
            arrays = init_arrays(sizes, p.activation, init_seed, p.dtype)
            model = build_network(arrays, p.activation, p.engine, p.dtype)
            self._arch = arch
            self.n_layers_ = len(sizes)
            self.n_outputs_ = sizes[-1]
            self.out_activation_ = "identity" if self._regression else "softmax"
            self._reset_tracking(p.early_stopping)
        else:
            model = self.engine_.model
            if p.early_stopping != (self.validation_scores_ is not None):
                self._reset_tracking(p.early_stopping)
        if first or not incremental:
            self.engine_ = self._make_engine(p, model)
        self._run_epochs(p, X, Y, X_val, Y_val, incremental, loader_seed)
        return self

    def _split(self, X, Y, p, seed):
        from sklearn.model_selection import train_test_split

        stratify = None if self._regression else Y
        X, X_val, Y, Y_val = train_test_split(
            X, Y, test_size=p.validation_fraction, random_state=seed, stratify=stratify
        )
        if len(X_val) < 2:
            raise ValueError(
                f"{type(self).__name__}: the validation set has {len(X_val)} sample(s); "
                "increase validation_fraction or give more samples"
            )
        return X, X_val, Y, Y_val

    def _run_epochs(self, p, X, Y, X_val, Y_val, incremental, loader_seed) -> None:
        n = len(X)
        bs = min(200, n) if p.batch_size == "auto" else p.batch_size
        if bs > n:
            warnings.warn(
                f"batch_size={bs} is larger than the {n} training samples; using batches of {n}",
                stacklevel=4,
            )
            bs = n
        engine = self.engine_
        engine.optimizer.param_groups[0]["weight_decay"] = p.alpha / bs
        loader = DataLoader(X, Y, batch_size=bs, shuffle=p.shuffle, seed=loader_seed)
        best = [a.copy() for pair in linear_arrays(engine.model) for a in pair]
        self.n_iter_ = 0
        stopped = False
        for _ in range(1 if incremental else p.max_iter):
            total = sum(engine.train_step(xb, yb)[0] for xb, yb in loader)
            loss = total / n
            if p.alpha:
                sq = sum(
                    float(np.sum(np.square(w, dtype=np.float64)))
                    for w, _ in linear_arrays(engine.model)
                )
                loss += 0.5 * p.alpha * sq / bs
            if not math.isfinite(loss):
                raise ValueError(
                    f"{type(self).__name__}: training diverged (loss {loss}) in epoch "
                    f"{self.n_iter_ + 1}; lower learning_rate_init (now {p.lr}) or scale the "
                    "inputs (e.g. StandardScaler)"
                )
            self.n_iter_ += 1
            self.t_ += n
            self.loss_ = loss
            self.loss_curve_.append(loss)
            if p.verbose:
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
            if self._no_improvement(p, X_val, Y_val, best):
                stopped = True
                if p.verbose:
                    what = "Validation score" if p.early_stopping else "Training loss"
                    print(
                        f"{what} did not improve more than tol={p.tol} for "
                        f"{p.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
        if p.early_stopping:  # back to the weights with the best validation score
            live = [a for pair in linear_arrays(engine.model) for a in pair]
            for a, b in zip(live, best):
                a[...] = b
        if not incremental and not stopped and self.n_iter_ == p.max_iter:
            warnings.warn(
                f"{type(self).__name__}: the maximum number of epochs (max_iter={p.max_iter})"
                " was reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _no_improvement(self, p, X_val, Y_val, best) -> bool:
        """scikit-learn's rule: count epochs that do not beat the best by ``tol``; stop
        when the count exceeds ``n_iter_no_change``. Keeps the best weights in ``best``."""
        if p.early_stopping:
            score = self._val_score(self.engine_.predict_logits(X_val), Y_val)
            self.validation_scores_.append(score)
            if p.verbose:
                print(f"Validation score: {score:f}")
            worse = score < self.best_validation_score_ + p.tol
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                live = [a for pair in linear_arrays(self.engine_.model) for a in pair]
                for b, a in zip(best, live):
                    b[...] = a
        else:
            loss = self.loss_curve_[-1]
            worse = loss > self.best_loss_ - p.tol
            self.best_loss_ = min(self.best_loss_, loss)
        self._no_improvement_count = self._no_improvement_count + 1 if worse else 0
        return self._no_improvement_count > p.n_iter_no_change

    # ---- prediction ----------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "engine_")

    def _logits(self, X) -> np.ndarray:
        """Outputs of the trained network, computed in float64 from its weights, so that a
        sample's prediction does not depend on which other rows share its batch (float32
        matrix products round differently for different batch shapes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        engine = self.engine_
        if engine.dtype != np.float64:
            arrays = [
                (w.astype(np.float64), b.reshape(-1).astype(np.float64))
                for w, b in linear_arrays(engine.model)
            ]
            _, activation, name = self._arch
            model = build_network(arrays, activation, name, np.float64)
            engine = (
                AutogradEngine(model, optimizer=None)
                if name == "autograd"
                else ManualEngine(model, None, lambda tensors: None)
            )
        return engine.predict_logits(X)

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
