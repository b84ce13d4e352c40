"""``MLPClassifier`` and ``MLPRegressor`` on tinyprop's engines, with scikit-learn's
parameters (names, meanings, defaults and positions)."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from .. import kernels
from . import _docs
from ._base import BaseMLP, store_init_params
from ._losses import poisson_constant


class _ClassifierBase(BaseMLP):
    """Labels of any hashable type via ``classes_``. As in scikit-learn, two classes get
    one logistic output, more get a softmax output, and a label indicator matrix
    (multilabel) gets one logistic output per label."""

    _multi_output_ok = True  # multilabel targets

    def _encode_y(self, y, p, first, incremental):
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if y.ndim == 2 and not multilabel:
            raise ValueError(
                f"{type(self).__name__}: y of shape {y.shape} is {type_of_target(y)!r}; "
                "pass labels (n_samples,) or a 0/1 label indicator matrix (multilabel)"
            )
        if first:
            self._multilabel = multilabel
        elif multilabel != self._multilabel:
            raise ValueError(
                f"{type(self).__name__}: the model was fitted on "
                f"{'multilabel' if self._multilabel else 'single-label'} targets and y is "
                f"{'multilabel' if multilabel else 'single-label'}; refit from scratch"
            )
        classes = np.arange(y.shape[1]) if multilabel else unique_labels(y)
        if not hasattr(self, "classes_") or (not p.warm_start and not incremental):
            self.classes_ = classes
        else:
            if p.warm_start and not incremental and set(classes) != set(self.classes_):
                raise ValueError(
                    f"{type(self).__name__}: warm_start needs y with the same classes as the "
                    f"previous fit; previously {self.classes_}, now {classes}"
                )
            if not np.isin(classes, self.classes_).all():
                raise ValueError(
                    f"{type(self).__name__}: y has classes not in classes_; classes_ is "
                    f"{self.classes_}, y has {classes}"
                )
        k = len(self.classes_)
        self._out = "logistic" if multilabel or k <= 2 else "softmax"
        self._n_out = y.shape[1] if multilabel else (1 if k <= 2 else k)
        self._class_weight = self._class_weights(p, y, incremental)
        if multilabel:
            return y.astype(p.dtype)
        codes = np.searchsorted(self.classes_, y).astype(np.int64)
        if self._out == "softmax":
            return codes
        return (codes == 1).astype(p.dtype).reshape(-1, 1)

    def _class_weights(self, p, y, incremental):
        return None

    def _val_score(self, logits, Y) -> float:
        if self._out == "softmax":
            return float(np.mean(logits.argmax(axis=1) == Y))
        return float(np.mean(np.all((logits > 0) == (Y > 0.5), axis=1)))

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,), or a label
        indicator matrix (n_samples, n_labels) for multilabel classification."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        ``classes`` (every label that will ever be seen) is required on the first call.
        """
        self._check_params()
        _check_partial_fit_first_call(self, classes)
        return self._fit(X, y, incremental=True)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, (n_samples, n_classes) in the order of ``classes_``
        ((n_samples, n_labels) for multilabel)."""
        z = self._logits(X)
        if self._out == "softmax":
            return kernels.softmax(z, axis=1)
        if self._multilabel:
            return kernels.sigmoid(z)
        return np.hstack([kernels.sigmoid(-z), kernels.sigmoid(z)])

    def predict_log_proba(self, X) -> np.ndarray:
        """Log of ``predict_proba``."""
        z = self._logits(X)
        if self._out == "softmax":
            return kernels.log_softmax(z, axis=1)
        if self._multilabel:
            return -kernels.softplus(-z)
        return np.hstack([-kernels.softplus(z), -kernels.softplus(-z)])

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample (multilabel: a 0/1 row per sample)."""
        z = self._logits(X)
        if self._out == "softmax":
            return self.classes_[z.argmax(axis=1)]
        positive = kernels.sigmoid(z) > 0.5
        if self._multilabel:
            return positive.astype(int)
        if len(self.classes_) == 1:
            return np.repeat(self.classes_, len(z))
        return self.classes_[positive[:, 0].astype(int)]


class MLPClassifier(ClassifierMixin, _ClassifierBase):
    __doc__ = (
        """Multi-layer perceptron classifier trained by tinyprop, with scikit-learn's
    parameters: ``MLPClassifier(**sklearn.neural_network.MLPClassifier().get_params())``
    is valid, and every parameter means what it means there (see
    ``docs/scikit-learn.md`` for the full table).

    The loss is the cross-entropy of a softmax output (multiclass) or of one logistic
    output per label (binary, multilabel), as scikit-learn's.

    Parameters
    ----------"""
        + _docs.HIDDEN
        + _docs.mlp_params()
        + _docs.ATTRIBUTES
        + """
    classes_ : ndarray
        The labels, sorted.

    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((16,), learning_rate_init=0.01, max_iter=300, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """
    )

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        engine="autograd",
        dtype="float32",
    ):
        store_init_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor trained by tinyprop, with scikit-learn's
    parameters (``loss`` comes first, as in scikit-learn >= 1.7: pass
    ``hidden_layer_sizes`` by keyword). One or several outputs (``y`` of shape
    (n_samples,) or (n_samples, n_outputs)).

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        As scikit-learn's: half the squared error, reported as ``0.5 * mean((pred - y)
        ** 2)`` over all elements, with an identity output; or half the Poisson deviance
        with an exponential output (needs ``y >= 0``). The gradient is scikit-learn's:
        ``(output - y) / n_samples`` per output."""
        + _docs.HIDDEN
        + _docs.mlp_params()
        + _docs.ATTRIBUTES
        + """

    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh",
    ...                    learning_rate_init=0.01, max_iter=300, random_state=0)
    >>> reg.fit(X, X.ravel() ** 2).score(X, X.ravel() ** 2) > 0.9
    True
    """
    )

    _regression = True
    _multi_output_ok = True

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        engine="autograd",
        dtype="float32",
    ):
        store_init_params(self, locals())

    def _encode_y(self, y, p, first, incremental):
        Y = np.asarray(y, dtype=p.dtype).reshape(len(y), -1)
        if p.loss == "poisson" and (Y < 0).any():
            raise ValueError(
                f"{type(self).__name__}: loss='poisson' needs y >= 0, but y has negative "
                "values; use loss='squared_error' or shift the targets"
            )
        self._out = "exp" if p.loss == "poisson" else "identity"
        self._n_out = Y.shape[1]
        return Y

    def _loss_terms(self, Y):
        if self._out == "exp":
            return 1.0, poisson_constant(Y)
        return float(Y.shape[1]), 0.0  # scikit-learn reports 0.5 * mean over all elements

    def _predict_array(self, logits):
        return np.exp(logits) if self._out == "exp" else logits

    def _val_score(self, logits, Y) -> float:
        return float(r2_score(Y, self._predict_array(np.asarray(logits, np.float64))))

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and targets ``y``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current weights and optimizer state."""
        return self._fit(X, y, incremental=True)

    def predict(self, X) -> np.ndarray:
        """Predictions, (n_samples,) for one output, else (n_samples, n_outputs); float64."""
        out = self._predict_array(self._logits(X))
        return out.ravel() if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
