"""``LogisticRegression`` on tinyprop's engines, with scikit-learn's parameters."""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

from . import _docs
from ._base import store_init_params
from ._estimators import _ClassifierBase
from ._network import linear_arrays
from ._params import check_logreg


class LogisticRegression(ClassifierMixin, _ClassifierBase):
    __doc__ = (
        """Logistic regression trained by tinyprop: one linear layer, a logistic output for
    two classes and a softmax (multinomial) output for more, as scikit-learn's; it starts
    from zero weights, as scikit-learn's does.

    It takes scikit-learn's parameters with their meaning. The objective is
    scikit-learn's divided by ``C * n_samples``: the mean (class-weighted) log-loss plus
    ``||W||^2 / (2 * C * n_samples)``, minimised by mini-batch steps of a tinyprop
    solver, so ``solver`` takes tinyprop's solvers, and scikit-learn's solvers raise a
    ``ValueError`` saying so, as do the L1 and elastic-net penalties and ``dual=True``.

    Parameters
    ----------
    penalty : {'l2', None}, default='deprecated'
        Deprecated by scikit-learn 1.8 (a ``FutureWarning`` here too): use ``l1_ratio=0``
        for 'l2' and ``C=numpy.inf`` for None. 'l1' and 'elasticnet' are not supported.
    C : float in (0, inf], default=1.0
        Inverse regularisation strength: L2 penalty ``||W||^2 / (2 * C * n_samples)`` on
        the weights (not the intercepts); ``numpy.inf``: none.
    l1_ratio : float, default=0.0
        Only 0 (L2) is supported; other values raise ``ValueError``.
    dual : bool, default=False
        Only False (primal) is supported.
    tol : float, default=1e-4
        Stop when the training loss has not improved by ``tol`` for more than
        ``n_iter_no_change`` epochs.
    fit_intercept : bool, default=True
        False: the intercepts stay 0.
    intercept_scaling : float, default=1
        Accepted and checked; only scikit-learn's 'liblinear' uses it (no effect).
    class_weight : dict, 'balanced' or None, default=None
        Weight of each class in the loss; 'balanced' is
        ``n_samples / (n_classes * np.bincount(y))`` (not with ``partial_fit``).
    random_state : int, RandomState instance or None, default=None
        Shuffles the data (and draws the validation split with ``early_stopping``).
    solver : {'adam', 'sgd', 'momentum', 'nesterov', 'adamw', 'rmsprop'}, default='adam'
        tinyprop's solvers (see ``MLPClassifier``); scikit-learn's 'lbfgs', 'liblinear',
        'newton-cg', 'newton-cholesky', 'sag' and 'saga' raise ``ValueError``.
    max_iter : int, default=100
        Epochs.
    verbose : int, default=0
    warm_start : bool, default=False
        ``fit`` starts from the previous solution.
    n_jobs : int or None, default=None
        Accepted; no effect (as in scikit-learn >= 1.8).

    tinyprop's extras, as for ``MLPClassifier``:"""
        + _docs.TRAINING.replace("{lr}", "1e-2")
        .replace("{max_iter}", "100")
        .replace("{verbose}", "0")
        .split("    max_iter :")[0]
        .rstrip()
        + "\n    shuffle, momentum, nesterovs_momentum, early_stopping, validation_fraction,\n"
        "    beta_1, beta_2, epsilon, n_iter_no_change : as for ``MLPClassifier``."
        + _docs.EXTRAS
        + """

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_, n_features_in_, feature_names_in_ : as scikit-learn's
    n_iter_ : ndarray of shape (1,)
        Epochs run by the last ``fit``.
    coefs_, intercepts_, loss_curve_, engine_, ... : as ``MLPClassifier``'s.

    >>> import numpy as np
    >>> X, y = np.array([[-2.0], [-1.0], [1.0], [2.0]]), ["no", "no", "yes", "yes"]
    >>> clf = LogisticRegression(learning_rate_init=0.1, random_state=0).fit(X, y)
    >>> clf.predict(X).tolist(), clf.predict_proba(X).shape, clf.coef_.shape
    (['no', 'no', 'yes', 'yes'], (4, 2), (1, 1))
    """
    )

    _zero_init = True
    _multi_output_ok = False

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="adam",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-2,
        power_t=0.5,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        engine="autograd",
        dtype="float32",
    ):
        store_init_params(self, locals())

    def _check_params(self):
        return check_logreg(self)

    def _train_bias(self, p) -> bool:
        return p.fit_intercept

    def _decay(self, p, n_train: int):
        wd = 0.0 if math.isinf(p.C) else 1.0 / (p.C * n_train)
        return lambda rows: wd

    def _class_weights(self, p, y, incremental):
        cw = p.class_weight
        if cw is None:
            return None
        if incremental and cw == "balanced":
            raise ValueError(
                f"{type(self).__name__}: class_weight='balanced' is not supported by "
                "partial_fit (the class frequencies of all the data are unknown); pass a "
                "dict of weights or use fit"
            )
        return compute_class_weight(cw, classes=self.classes_, y=y).astype(p.dtype)

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,)."""
        self._fit(X, y, incremental=False)
        self.n_iter_ = np.array([self.n_iter_])  # scikit-learn's shape
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state
        (a tinyprop extra). ``classes`` is required on the first call."""
        super().partial_fit(X, y, classes)
        self.n_iter_ = np.array([self.n_iter_])
        return self

    def decision_function(self, X) -> np.ndarray:
        """Logits: (n_samples,) for two classes, else (n_samples, n_classes)."""
        z = self._logits(X)
        return z[:, 0] if self._out == "logistic" else z

    @property
    def coef_(self) -> np.ndarray:
        """Weights, (1, n_features) for two classes, else (n_classes, n_features)."""
        check_is_fitted(self)
        return linear_arrays(self.engine_.model)[0][0].copy()

    @property
    def intercept_(self) -> np.ndarray:
        """Intercepts, (1,) for two classes, else (n_classes,); zeros without
        ``fit_intercept``."""
        check_is_fitted(self)
        return linear_arrays(self.engine_.model)[0][1].reshape(-1).copy()
