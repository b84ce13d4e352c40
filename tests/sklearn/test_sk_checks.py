"""scikit-learn's own estimator checks (``parametrize_with_checks``) on the three
estimators, with small networks and few epochs to keep the run short."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from tinyprop.sklearn import LogisticRegression, MLPClassifier, MLPRegressor

# No check is marked as an expected failure. The small max_iter makes the estimators stop
# before converging, which they report with a ConvergenceWarning. scikit-learn skips its
# multilabel decision_function check itself: like scikit-learn's MLPClassifier, ours has no
# decision_function.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=20, learning_rate_init=0.05)
ESTIMATORS = [
    MLPClassifier(**SMALL),
    MLPClassifier(**SMALL, activation="tanh", engine="manual"),
    MLPClassifier(**SMALL, activation="logistic", solver="momentum"),
    MLPClassifier(**SMALL, solver="sgd", learning_rate="invscaling", nesterovs_momentum=False),
    MLPClassifier(**SMALL, solver="sgd", learning_rate="adaptive"),
    MLPRegressor(**SMALL),
    MLPRegressor(**SMALL, activation="tanh", engine="manual", solver="rmsprop"),
    LogisticRegression(max_iter=20, learning_rate_init=0.05),
    LogisticRegression(max_iter=20, learning_rate_init=0.05, engine="manual", dtype="float64"),
    LogisticRegression(max_iter=20, C=10.0, solver="sgd", learning_rate_init=0.05),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check, monkeypatch):
    # check_array_api_input (NumPy namespace here) skips itself unless SCIPY_ARRAY_API=1,
    # which scikit-learn reads when the check runs; set it so that no check is skipped.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)
