"""tinyprop's MLPs against scikit-learn's, on digits, with the same parameters.

The same ``random_state`` gives the same initial weights, validation split and batch
order as scikit-learn (both draw from one ``RandomState`` in the same order), so in
float64 the two must give the same learning curve, not just a similar one: every epoch's
loss, the stopping epoch, the weights and the predictions agree to rounding, for each
solver, schedule and stopping rule, on both engines. In tinyprop's default float32 they
agree to float32 rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.neural_network as sk
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from tinyprop.sklearn import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, random_state=0)  # X_train, X_test, y_train, y_test


CLASSIFIER_CASES = {
    "sgd-defaults": dict(solver="sgd", learning_rate_init=0.05),  # momentum 0.9, Nesterov
    "sgd-heavy-ball": dict(solver="sgd", learning_rate_init=0.05, nesterovs_momentum=False),
    "sgd-plain": dict(solver="sgd", learning_rate_init=0.2, momentum=0.0),
    "adam": dict(solver="adam"),
    "adam-betas": dict(solver="adam", beta_1=0.5, beta_2=0.9, epsilon=1e-4),
    "invscaling": dict(
        solver="sgd", learning_rate="invscaling", learning_rate_init=0.2, power_t=0.25
    ),
    "adaptive": dict(
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.3,
        tol=0.05,
        n_iter_no_change=1,
    ),
    "early-stopping": dict(
        solver="adam", learning_rate_init=0.02, early_stopping=True, n_iter_no_change=2
    ),
    "alpha-batches": dict(solver="sgd", learning_rate_init=0.05, batch_size=64, alpha=1e-2),
    "tol-stop": dict(solver="adam", learning_rate_init=0.01, tol=0.02, n_iter_no_change=2),
}


def _assert_same_fit(ours, theirs, rtol=1e-9, atol=1e-10):
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol, atol=atol)
    for name in ("validation_scores_", "best_validation_score_", "best_loss_"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=100 * atol)
    assert ours.out_activation_ == theirs.out_activation_
    assert (ours.n_layers_, ours.n_outputs_) == (theirs.n_layers_, theirs.n_outputs_)


@pytest.mark.parametrize("engine", ["autograd", "manual"])
@pytest.mark.parametrize("case", CLASSIFIER_CASES)
def test_classifier_learning_curve_equals_sklearn(digits, case, engine):
    X_train, X_test, y_train, _ = digits
    kw = dict(hidden_layer_sizes=(32,), max_iter=20, random_state=0, **CLASSIFIER_CASES[case])
    theirs = sk.MLPClassifier(**kw).fit(X_train, y_train)
    ours = MLPClassifier(**kw, engine=engine, dtype="float64").fit(X_train, y_train)
    _assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))


def test_schedules_and_stopping_rules_did_their_part(digits):
    """The cases above exercise what they say: the adaptive rate was divided, the tol rule
    and early stopping stopped before max_iter."""
    X_train, _, y_train, _ = digits
    fits = {
        case: MLPClassifier(
            hidden_layer_sizes=(32,),
            max_iter=20,
            random_state=0,
            dtype="float64",
            **CLASSIFIER_CASES[case],
        ).fit(X_train, y_train)
        for case in ("adaptive", "tol-stop", "early-stopping", "invscaling")
    }
    assert fits["adaptive"].engine_.optimizer.param_groups[0]["lr"] < 0.3 / 5**3
    assert fits["tol-stop"].n_iter_ < 20
    early = fits["early-stopping"]
    assert early.n_iter_ < 20 and np.argmax(early.validation_scores_) < early.n_iter_ - 1
    inv = fits["invscaling"]
    assert inv.engine_.optimizer.param_groups[0]["lr"] == pytest.approx(0.2 / (inv.t_ + 1) ** 0.25)


def _targets(y, kind):
    if kind == "binary":
        return y % 2
    return np.stack([y % 2, (y > 4).astype(int), (y % 3 == 0).astype(int)], axis=1)


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_logistic_outputs_equal_sklearn(digits, kind):
    X_train, X_test, y_train, _ = digits
    kw = dict(
        hidden_layer_sizes=(16,),
        max_iter=10,
        random_state=1,
        solver="sgd",
        early_stopping=kind == "binary",
    )
    theirs = sk.MLPClassifier(**kw).fit(X_train, _targets(y_train, kind))
    ours = MLPClassifier(**kw, dtype="float64").fit(X_train, _targets(y_train, kind))
    _assert_same_fit(ours, theirs)
    assert ours.out_activation_ == "logistic"
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))


@pytest.mark.parametrize("engine", ["autograd", "manual"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_equals_sklearn(digits, loss, engine):
    X_train, X_test, y_train, _ = digits
    if loss == "squared_error":  # two outputs: scikit-learn's per-output gradient scaling
        Y = np.stack([X_train[:, 10] + X_train[:, 20], X_train[:, 30]], axis=1)
        kw = dict(solver="sgd", learning_rate_init=0.01, alpha=1e-3)
    else:
        Y, kw = y_train.astype(float), dict(early_stopping=True)
    kw.update(hidden_layer_sizes=(16,), max_iter=15, random_state=1)
    theirs = sk.MLPRegressor(loss, **kw).fit(X_train, Y)
    ours = MLPRegressor(loss, **kw, engine=engine, dtype="float64").fit(X_train, Y)
    _assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.predict(X_test), theirs.predict(X_test), rtol=1e-9)


def test_warm_start_and_partial_fit_continue_as_sklearn(digits):
    X_train, _, y_train, _ = digits
    kw = dict(
        hidden_layer_sizes=(16,),
        random_state=3,
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.1,
    )
    theirs = sk.MLPClassifier(**kw, max_iter=8, warm_start=True)
    ours = MLPClassifier(**kw, max_iter=8, warm_start=True, dtype="float64")
    for _ in range(2):
        theirs.fit(X_train, y_train)
        ours.fit(X_train, y_train)
    _assert_same_fit(ours, theirs)
    theirs, ours = sk.MLPClassifier(**kw), MLPClassifier(**kw, dtype="float64")
    for chunk in np.array_split(np.arange(len(X_train)), 4):
        theirs.partial_fit(X_train[chunk], y_train[chunk], classes=np.arange(10))
        ours.partial_fit(X_train[chunk], y_train[chunk], classes=np.arange(10))
    _assert_same_fit(ours, theirs)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_float32_default_tracks_sklearn(digits, solver):
    """tinyprop's default dtype (float32) against scikit-learn fed float32 data: the same
    run up to float32 rounding; the test accuracies match."""
    X_train, X_test, y_train, y_test = digits
    kw = dict(
        hidden_layer_sizes=(32,),
        max_iter=30,
        random_state=0,
        solver=solver,
        learning_rate_init=0.05 if solver == "sgd" else 0.001,
    )
    theirs = sk.MLPClassifier(**kw).fit(X_train.astype(np.float32), y_train)
    ours = MLPClassifier(**kw).fit(X_train, y_train)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.01
