"""``MLPClassifier``, ``MLPRegressor`` and ``LogisticRegression`` on tinyprop's engines."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d

from .. import kernels
from ._base import BaseMLP
from ._params import ACTIVATIONS, check_params, choice, hidden_sizes

_COMMON_DOC = """
    solver : {'adam', 'adamw', 'sgd', 'momentum', 'nesterov', 'rmsprop'}, default='adam'
        The tinyprop optimizer (PyTorch's update rules): plain SGD, SGD with heavy-ball or
        Nesterov momentum (``momentum``), Adam, AdamW or RMSprop.
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases). As in scikit-learn, its gradient is
        ``alpha * W / batch_size``: it is given to the optimizer as weight decay
        ``alpha / batch_size`` on the weights (decoupled for 'adamw'), and
        ``0.5 * alpha * ||W||^2 / batch_size`` is added to the reported loss.
    batch_size : int or 'auto', default='auto'
        Mini-batch size; 'auto' is ``min(200, n_samples)``. Larger than the data: clipped
        with a warning.
    learning_rate_init : float, default={lr}
        The optimizer's (constant) learning rate.
    max_iter : int, default=200
        Epochs (passes over the data); ``partial_fit`` does one.
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the validation split; an int
        makes ``fit`` deterministic. Explicit generators are used: tinyprop's global
        generator (``tinyprop.manual_seed``) is neither read nor advanced.
    tol : float, default=1e-4
        Minimum improvement of the loss (or of the validation score) that resets the
        ``n_iter_no_change`` count.
    verbose : bool or int, default=False
        Print the loss (and validation score) every epoch.
    warm_start : bool, default=False
        ``fit`` continues from the current weights (with a fresh optimizer) instead of
        re-initialising.
    momentum : float, default=0.9
        Momentum of the 'momentum' and 'nesterov' solvers.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for classifiers), stop when
        its score (accuracy or R^2) has not improved by ``tol`` for more than
        ``n_iter_no_change`` epochs, and keep the weights of the best epoch.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    engine : {'autograd', 'manual'}, default='autograd'
        'autograd': an ``nn.Sequential`` trained by reverse-mode autograd; 'manual': a
        ``manual.Network`` with hand-derived backward passes. Same initial weights and
        batches for the same ``random_state``, so both give the same model up to rounding.
    dtype : {'float32', 'float64'}, default='float32'
        Training precision: weights, gradients and optimizer state. Predictions are
        computed in float64 from the trained weights (so a sample's prediction does not
        depend on the rest of its batch); probabilities and regression outputs are float64.

    Attributes
    ----------
    engine_ : AutogradEngine or ManualEngine
        The fitted tinyprop engine (``engine_.model``, ``engine_.optimizer``).
    coefs_, intercepts_ : list of ndarray
        Copies of the weights, (n_in, n_out) per layer, and biases (scikit-learn's layout).
    n_features_in_, feature_names_in_ : int, ndarray
        Set by ``fit`` (names only when X has string column names, e.g. a DataFrame).
    loss_, loss_curve_ : float, list of float
        Training loss (mean loss of the epoch plus the penalty), last and per epoch.
    best_loss_ : float or None
        Lowest training loss (None with ``early_stopping``).
    validation_scores_, best_validation_score_ : list of float, float or None
        Per-epoch and best validation score with ``early_stopping`` (else None).
    n_iter_ : int
        Epochs run by the last ``fit`` (1 after ``partial_fit``).
    t_ : int
        Training samples seen since initialisation.
    n_layers_, n_outputs_, out_activation_ : int, int, str
"""


class _ClassifierBase(BaseMLP):
    """Labels of any hashable type, mapped to 0..n_classes-1 via ``classes_``."""

    def _encode_y(self, y, p, first, incremental):
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not p.warm_start and not incremental):
            self.classes_ = unique_labels(y)
        else:
            classes = unique_labels(y)
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
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _val_score(self, logits, y) -> float:
        return float(np.mean(logits.argmax(axis=1) == y))

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,)."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        ``classes`` (every label that will ever be seen) is required on the first call.
        """
        check_params(self, *self._hidden_and_activation())
        _check_partial_fit_first_call(self, classes)
        return self._fit(X, y, incremental=True)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, (n_samples, n_classes) in the order of ``classes_``."""
        return kernels.softmax(self._logits(X).astype(np.float64), axis=1)

    def predict_log_proba(self, X) -> np.ndarray:
        """Log of ``predict_proba``."""
        return kernels.log_softmax(self._logits(X).astype(np.float64), axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample."""
        logits = self._logits(X)
        return self.classes_[logits.argmax(axis=1)]


class MLPClassifier(ClassifierMixin, _ClassifierBase):
    __doc__ = (
        """Multi-layer perceptron classifier trained by tinyprop (softmax
    cross-entropy, scikit-learn's interface).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden layer; ``()`` is softmax regression.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Non-linearity after each hidden layer."""
        + _COMMON_DOC.replace("{lr}", "1e-3")
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
        learning_rate_init=1e-3,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        engine="autograd",
        dtype="float32",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.engine = engine
        self.dtype = dtype

    def _hidden_and_activation(self):
        return hidden_sizes(self), choice(self, "activation", ACTIVATIONS)


class LogisticRegression(ClassifierMixin, _ClassifierBase):
    __doc__ = (
        """Multinomial (softmax) logistic regression trained by tinyprop: an MLP
    with no hidden layer, one linear layer and softmax cross-entropy. Binary problems get
    two outputs (softmax over two logits), which is equivalent to the sigmoid model.

    Parameters
    ----------"""
        + _COMMON_DOC.replace("{lr}", "1e-2")
        + """
    classes_ : ndarray
        The labels, sorted.

    >>> import numpy as np
    >>> X, y = np.array([[-2.0], [-1.0], [1.0], [2.0]]), ["no", "no", "yes", "yes"]
    >>> clf = LogisticRegression(learning_rate_init=0.1, random_state=0).fit(X, y)
    >>> clf.predict(X).tolist(), clf.predict_proba(X).shape
    (['no', 'no', 'yes', 'yes'], (4, 2))
    """
    )

    def __init__(
        self,
        *,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-2,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        engine="autograd",
        dtype="float32",
    ):
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.engine = engine
        self.dtype = dtype

    def _hidden_and_activation(self):
        return (), "identity"


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor trained by tinyprop: mean squared error,
    one or several outputs (``y`` of shape (n_samples,) or (n_samples, n_outputs)).

    The loss is ``mean((prediction - y) ** 2)`` over all elements (PyTorch's
    ``mse_loss``; scikit-learn reports half of it).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'"""
        + (_COMMON_DOC.replace("{lr}", "1e-3"))
        + """
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> reg = MLPRegressor((32,), activation="tanh", learning_rate_init=0.01,
    ...                    max_iter=300, random_state=0)
    >>> reg.fit(X, X.ravel() ** 2).score(X, X.ravel() ** 2) > 0.9
    True
    """
    )

    _regression = True

    __init__ = MLPClassifier.__init__

    def _hidden_and_activation(self):
        return hidden_sizes(self), choice(self, "activation", ACTIVATIONS)

    def _encode_y(self, y, p, first, incremental):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return np.asarray(y, dtype=p.dtype).reshape(len(y), -1)

    def _val_score(self, pred, y) -> float:
        return float(r2_score(y, pred))

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and targets ``y``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current weights and optimizer state."""
        return self._fit(X, y, incremental=True)

    def predict(self, X) -> np.ndarray:
        """Predictions, (n_samples,) for one output, else (n_samples, n_outputs); float64."""
        out = self._logits(X).astype(np.float64)
        return out.ravel() if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
