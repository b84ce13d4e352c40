"""What the estimators promise on their own: engines agree, fits are reproducible,
partial_fit/warm_start continue, early stopping, labels, multi-output, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning

import tinyprop
from tinyprop.sklearn import LogisticRegression, MLPClassifier, MLPRegressor
from tinyprop.sklearn._params import SOLVERS


def _regression_data(n=200, n_out=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    Y = np.column_stack([np.sin(2 * X[:, 0]) + X[:, 1] * k for k in range(1, n_out + 1)])
    return X, Y


# ---- both engines, one model ------------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_engines_match_classifier(iris, activation):
    X, y = iris
    kw = dict(
        hidden_layer_sizes=(8, 6),
        activation=activation,
        max_iter=15,
        learning_rate_init=0.01,
        batch_size=32,
        random_state=0,
    )
    a = MLPClassifier(engine="autograd", **kw).fit(X, y)
    m = MLPClassifier(engine="manual", **kw).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), m.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(a.loss_curve_, m.loss_curve_, rtol=1e-5)
    np.testing.assert_array_equal(a.predict(X), m.predict(X))


@pytest.mark.parametrize("solver", ["sgd", "momentum", "adam"])
def test_engines_match_regressor(solver):
    X, Y = _regression_data(n_out=2)
    kw = dict(
        hidden_layer_sizes=(10,),
        activation="tanh",
        solver=solver,
        max_iter=10,
        learning_rate_init=0.01,
        batch_size=20,
        alpha=1e-3,
        random_state=1,
    )
    a = MLPRegressor(engine="autograd", **kw).fit(X, Y)
    m = MLPRegressor(engine="manual", **kw).fit(X, Y)
    np.testing.assert_allclose(a.predict(X), m.predict(X), atol=1e-5)
    np.testing.assert_allclose(a.loss_curve_, m.loss_curve_, rtol=1e-5)


# ---- reproducibility ---------------------------------------------------------------------
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor, LogisticRegression])
def test_same_random_state_same_model(iris, cls):
    X, y = iris
    kw = {} if cls is LogisticRegression else {"hidden_layer_sizes": (5,)}
    est = cls(max_iter=5, random_state=42, early_stopping=True, **kw)
    first = [c.copy() for c in est.fit(X, y).coefs_]
    tinyprop.manual_seed(123)  # the global generator plays no part
    second = est.fit(X, y).coefs_
    for c1, c2 in zip(first, second):
        np.testing.assert_array_equal(c1, c2)
    other = cls(max_iter=5, random_state=7, early_stopping=True, **kw).fit(X, y).coefs_
    assert not np.array_equal(first[0], other[0])


def test_fit_leaves_tinyprop_generator_alone(iris):
    X, y = iris
    tinyprop.manual_seed(5)
    expected = np.random.default_rng(5).random(3)
    for engine in ("autograd", "manual"):
        MLPClassifier((4,), max_iter=2, random_state=0, engine=engine).fit(X, y)
    np.testing.assert_array_equal(tinyprop.rand(3).numpy(), expected.astype(np.float32))


# ---- partial_fit and warm_start ----------------------------------------------------------
def test_partial_fit_equals_fit_without_shuffle(iris):
    X, y = iris
    kw = dict(
        hidden_layer_sizes=(6,),
        shuffle=False,
        learning_rate_init=0.01,
        batch_size=50,
        random_state=0,
    )
    full = MLPClassifier(max_iter=5, **kw).fit(X, y)
    inc = MLPClassifier(**kw)
    for _ in range(5):
        inc.partial_fit(X, y, classes=np.unique(y))
    assert inc.n_iter_ == 1 and inc.t_ == 5 * len(X)
    np.testing.assert_allclose(inc.loss_curve_, full.loss_curve_, rtol=1e-6)
    for c1, c2 in zip(inc.coefs_, full.coefs_):
        np.testing.assert_allclose(c1, c2, rtol=1e-6, atol=1e-7)


def test_partial_fit_over_chunks_learns_and_checks_classes(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica", "unseen"])[y]
    clf = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, labels)
    order = np.random.default_rng(0).permutation(len(X))
    for epoch in range(20):
        for chunk in np.array_split(order, 3):
            classes = ["setosa", "unseen", "versicolor", "virginica"] if epoch == 0 else None
            clf.partial_fit(X[chunk], labels[chunk], classes=classes)
    assert list(clf.classes_) == ["setosa", "unseen", "versicolor", "virginica"]
    assert clf.predict_proba(X).shape == (150, 4)
    assert clf.score(X, labels) > 0.9
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    with pytest.raises(ValueError, match="y has classes not in classes_"):
        clf.partial_fit(X[:5], np.array(["dog"] * 5))


def test_partial_fit_regressor():
    X, Y = _regression_data()
    reg = MLPRegressor(
        hidden_layer_sizes=(16,), activation="tanh", learning_rate_init=0.01, random_state=0
    )
    for _ in range(100):
        reg.partial_fit(X, Y.ravel())
    assert reg.score(X, Y.ravel()) > 0.9
    assert reg.predict(X).shape == (200,)


def test_warm_start_continues(iris):
    X, y = iris
    clf = MLPClassifier((8,), max_iter=10, warm_start=True, random_state=0)
    clf.fit(X, y)
    first_curve = list(clf.loss_curve_)
    clf.fit(X, y)
    assert len(clf.loss_curve_) == 20 and clf.loss_curve_[:10] == first_curve
    assert clf.loss_curve_[10] < first_curve[0]
    with pytest.raises(ValueError, match="warm_start needs y with the same classes"):
        clf.fit(X[y < 2], y[y < 2])
    clf.set_params(hidden_layer_sizes=(9,))
    with pytest.raises(ValueError, match="layer sizes"):
        clf.fit(X, y)


# ---- early stopping and convergence ---------------------------------------------------------
def test_early_stopping(iris):
    X, y = iris
    clf = MLPClassifier(
        (16,),
        learning_rate_init=0.05,
        max_iter=500,
        early_stopping=True,
        n_iter_no_change=3,
        validation_fraction=0.2,
        random_state=1,
    )
    clf.fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        clf.partial_fit(X, y)


def test_training_loss_stopping_and_convergence_warning(iris):
    X, y = iris
    clf = MLPClassifier((16,), max_iter=1000, tol=1e-2, n_iter_no_change=2, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ < 1000 and clf.validation_scores_ is None
    assert clf.best_loss_ == min(clf.loss_curve_)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)


# ---- labels, outputs, dtypes --------------------------------------------------------------
def test_string_labels_and_binary():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    labels = np.where(y == 1, "spam", "ham")
    clf = MLPClassifier((8,), learning_rate_init=0.02, max_iter=50, random_state=0)
    clf.fit(X, labels)
    assert list(clf.classes_) == ["ham", "spam"]
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10)
    assert set(clf.predict(X)) <= {"ham", "spam"}
    assert clf.score(X, labels) > 0.85


def test_multi_output_regression():
    X, Y = _regression_data(n=300, n_out=3)
    reg = MLPRegressor(
        hidden_layer_sizes=(32,),
        activation="tanh",
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    ).fit(X, Y)
    pred = reg.predict(X)
    assert pred.shape == (300, 3) and pred.dtype == np.float64
    assert reg.n_outputs_ == 3 and reg.score(X, Y) > 0.95
    assert [c.shape for c in reg.coefs_] == [(2, 32), (32, 3)]


def test_float64_on_request(iris):
    X, y = iris
    clf = MLPClassifier((4,), max_iter=3, random_state=0, dtype="float64").fit(X, y)
    assert all(c.dtype == np.float64 for c in clf.coefs_)
    clf32 = MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    assert all(c.dtype == np.float32 for c in clf32.coefs_)


def test_alpha_shrinks_weights(iris):
    X, y = iris
    norms = [
        np.linalg.norm(
            MLPClassifier((16,), alpha=a, max_iter=100, learning_rate_init=0.01, random_state=0)
            .fit(X, y)
            .coefs_[0]
        )
        for a in (0.0, 10.0)
    ]
    assert norms[1] < 0.7 * norms[0]


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_learns(iris, solver):
    X, y = iris
    lr = 0.01 if solver in ("adam", "adamw", "rmsprop") else 0.1
    clf = MLPClassifier(
        (16,), solver=solver, learning_rate_init=lr, max_iter=60, batch_size=32, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=False)
    df = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    clf = MLPClassifier((4,), max_iter=3, random_state=0).fit(df, y)
    assert list(clf.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    assert clf.n_features_in_ == 4
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[["sw", "sl", "pl", "pw"]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X)


def test_verbose_prints(iris, capsys):
    X, y = iris
    MLPClassifier((4,), max_iter=2, verbose=True, early_stopping=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Validation score: " in out


# ---- errors -------------------------------------------------------------------------------
# (parameter, value, exception, what the message says is allowed)
BAD = [
    ("learning_rate_init", -0.1, ValueError, "a finite number in (0.0, inf)"),
    ("learning_rate_init", float("nan"), ValueError, "a finite number"),
    ("learning_rate_init", "0.1", TypeError, "a finite number in (0.0, inf)"),
    ("hidden_layer_sizes", (0,), ValueError, "a tuple of positive integers"),
    ("hidden_layer_sizes", (10, -2), ValueError, "a tuple of positive integers"),
    ("hidden_layer_sizes", "big", TypeError, "a tuple of positive integers"),
    ("hidden_layer_sizes", (10.5,), TypeError, "a tuple of positive integers"),
    ("activation", "softmax", ValueError, "'identity', 'logistic', 'tanh', 'relu'"),
    ("activation", None, TypeError, "'identity', 'logistic', 'tanh', 'relu'"),
    ("solver", "lbfgs", ValueError, "is not supported"),
    ("solver", "newton", ValueError, "'sgd', 'adam', 'momentum', 'nesterov', 'adamw', 'rmsprop'"),
    ("engine", "gpu", ValueError, "'autograd', 'manual'"),
    ("batch_size", 0, ValueError, "an integer >= 1 or 'auto'"),
    ("batch_size", "big", ValueError, "an integer >= 1 or 'auto'"),
    ("batch_size", 2.5, TypeError, "an integer >= 1 or 'auto'"),
    ("max_iter", 0, ValueError, "an integer >= 1"),
    ("max_iter", 10.0, TypeError, "an integer >= "),
    ("alpha", -1.0, ValueError, "a finite number in [0.0, inf)"),
    ("momentum", 1.5, ValueError, "a finite number in [0.0, 1.0]"),
    ("validation_fraction", 1.0, ValueError, "a finite number in [0.0, 1.0)"),
    ("n_iter_no_change", 0, ValueError, "an integer >= 1 or numpy.inf"),
    ("early_stopping", "yes", TypeError, "True or False"),
    ("nesterovs_momentum", 1, TypeError, "True or False"),
    ("dtype", "float16", ValueError, "'float32' or 'float64'"),
    ("tol", -1, ValueError, "a finite number in [0.0, inf)"),
    ("learning_rate", "optimal", ValueError, "'constant', 'invscaling', 'adaptive'"),
    ("power_t", -0.5, ValueError, "a finite number in [0.0, inf)"),
    ("beta_1", 1.0, ValueError, "a finite number in [0.0, 1.0)"),
    ("beta_2", -0.1, ValueError, "a finite number in [0.0, 1.0)"),
    ("epsilon", 0.0, ValueError, "a finite number in (0.0, inf)"),
    ("max_fun", 0, ValueError, "an integer >= 1"),
    ("random_state", -1, ValueError, "None, an integer in [0, 2**32 - 1]"),
    ("random_state", np.random.default_rng(0), TypeError, "take a RandomState, not a Generator"),
    ("verbose", "loud", TypeError, "a bool or an integer >= 0"),
    ("loss", "huber", ValueError, "'squared_error', 'poisson'"),
    ("loss", (8,), TypeError, "pass hidden_layer_sizes by keyword"),
    ("C", 0.0, ValueError, "a number in (0.0, inf]"),
    ("class_weight", "auto", ValueError, "None, 'balanced' or a dict"),
    ("class_weight", [1, 2], TypeError, "None, 'balanced' or a dict"),
]


CASES = [
    pytest.param(cls, *bad, id=f"{cls.__name__}-{bad[0]}={bad[1]!r}")
    for cls in (MLPClassifier, MLPRegressor, LogisticRegression)
    for bad in BAD
    if bad[0] in cls().get_params()
    and not (cls is LogisticRegression and bad[:2] == ("max_iter", 0))  # 0 is allowed there
]


@pytest.mark.parametrize("cls, name, value, exc, allowed", CASES)
def test_bad_params_raise_at_fit(iris, cls, name, value, exc, allowed):
    X, y = iris
    est = cls(**{name: value})  # __init__ stores, never checks
    assert est.get_params()[name] is value
    with pytest.raises(exc) as err:
        est.fit(X, y)
    assert type(err.value) is exc
    msg = str(err.value)
    assert cls.__name__ in msg and f"{name}={value!r}" in msg and allowed in msg, msg
    with pytest.raises(exc):
        est.partial_fit(X, y, **({"classes": np.unique(y)} if cls is not MLPRegressor else {}))


def test_bad_data_errors(iris):
    X, y = iris
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MLPClassifier().fit(bad, y)
    clf = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="training diverged"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        MLPRegressor(
            hidden_layer_sizes=(4,),
            solver="sgd",
            learning_rate_init=1e3,
            max_iter=50,
            random_state=0,
        ).fit(X, X @ np.arange(4.0) * 1000)
