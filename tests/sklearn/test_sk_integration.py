"""The estimators inside scikit-learn's tooling: pipelines, cross-validation, grid search,
clone and pickle, on real data (digits, iris)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tinyprop
from tinyprop.sklearn import LogisticRegression, MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


@pytest.mark.parametrize("engine", ["autograd", "manual"])
def test_pipeline_cross_val_digits(digits, engine):
    X, y = digits
    model = make_pipeline(
        StandardScaler(), MLPClassifier((64,), max_iter=30, random_state=0, engine=engine)
    )
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.mean() > 0.9, scores


def test_logistic_regression_digits_and_iris(digits, iris_raw):
    X, y = digits
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=30, random_state=0))
    assert cross_val_score(model, X, y, cv=3).mean() > 0.9
    X, y = iris_raw
    clf = LogisticRegression(random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert [c.shape for c in clf.coefs_] == [(4, 3)]
    assert [b.shape for b in clf.intercepts_] == [(3,)]


def test_grid_search(iris_raw):
    X, y = iris_raw
    grid = GridSearchCV(
        make_pipeline(StandardScaler(), MLPClassifier(max_iter=60, random_state=0)),
        {
            "mlpclassifier__hidden_layer_sizes": [(4,), (16,)],
            "mlpclassifier__learning_rate_init": [1e-3, 3e-2],
        },
        cv=3,
    )
    grid.fit(X, y)
    assert grid.best_score_ > 0.9
    assert grid.best_params_["mlpclassifier__learning_rate_init"] == 3e-2
    assert grid.score(X, y) > 0.9
    assert len(grid.cv_results_["params"]) == 4


def test_clone_keeps_params_not_fit(iris_raw):
    X, y = iris_raw
    clf = MLPClassifier((7, 5), activation="tanh", solver="sgd", max_iter=5, random_state=3)
    clf.fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "engine_")
    with pytest.raises(NotFittedError):
        copy.predict(X)


@pytest.mark.parametrize("engine", ["autograd", "manual"])
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_pickle_fitted(iris_raw, cls, engine):
    X, y = iris_raw
    est = cls(hidden_layer_sizes=(8,), max_iter=5, random_state=0, engine=engine).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    if cls is MLPClassifier:
        np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))
    # the optimizer state travels too: continuing gives the same model
    est.partial_fit(X, y)
    restored.partial_fit(X, y)
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    assert restored.loss_curve_ == est.loss_curve_


def test_lazy_import_and_public_names():
    code = "import sys, tinyprop; assert 'sklearn' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
    assert tinyprop.sklearn.MLPClassifier is MLPClassifier
    assert sorted(tinyprop.sklearn.__all__) == [
        "LogisticRegression",
        "MLPClassifier",
        "MLPRegressor",
    ]
