"""``LogisticRegression`` with scikit-learn's parameters: what it accepts, what it refuses
and why, and that ``C``, ``class_weight`` and ``fit_intercept`` mean what they mean there
(it converges to scikit-learn's solution)."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import sklearn.linear_model as linear_model
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from tinyprop.sklearn import LogisticRegression

EXTRAS = {
    "batch_size",
    "learning_rate",
    "learning_rate_init",
    "power_t",
    "shuffle",
    "momentum",
    "nesterovs_momentum",
    "early_stopping",
    "validation_fraction",
    "beta_1",
    "beta_2",
    "epsilon",
    "n_iter_no_change",
    "engine",
    "dtype",
}


def _ours_converged(X, y, **kw):
    """A long full-batch Adam run in float64: close to the exact optimum."""
    kw = dict(
        max_iter=400,
        tol=0.0,
        n_iter_no_change=np.inf,
        learning_rate_init=0.1,
        batch_size=len(X),
        dtype="float64",
        random_state=0,
        **kw,
    )
    return LogisticRegression(**kw).fit(X, y)


def _theirs_converged(X, y, **kw):
    return linear_model.LogisticRegression(max_iter=10_000, tol=1e-12, **kw).fit(X, y)


def test_sklearns_parameters_defaults_and_positions():
    mine, theirs = LogisticRegression().get_params(), linear_model.LogisticRegression().get_params()
    assert set(mine) - set(theirs) == EXTRAS
    differ = {k for k in theirs if mine[k] != theirs[k]}
    assert differ == {"solver"}  # 'lbfgs' is not one of tinyprop's: 'adam'
    for cls in (LogisticRegression, linear_model.LogisticRegression):
        first = list(inspect.signature(cls.__init__).parameters.values())[1]
        assert first.name == "penalty" and first.kind is first.POSITIONAL_OR_KEYWORD


def test_sklearns_get_params_fit_once_the_solver_is_ours(iris):
    X, y = iris
    params = linear_model.LogisticRegression().get_params()
    with pytest.raises(ValueError, match="solver='lbfgs' .* is not supported"):
        LogisticRegression(**params).fit(X, y)
    clf = LogisticRegression(**{**params, "solver": "adam"}).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.coef_.shape == (3, 4) and clf.intercept_.shape == (3,)
    assert isinstance(clf.n_iter_, np.ndarray) and clf.n_iter_.shape == (1,)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"solver": "liblinear"}, "solver='liblinear' .* is not supported"),
        ({"solver": "saga"}, "solver='saga' .* is not supported"),
        ({"l1_ratio": 1.0}, "l1_ratio=1.0 is not supported: L1 and elastic-net"),
        ({"l1_ratio": 0.5}, "l1_ratio=0.5 is not supported"),
        ({"penalty": "l1"}, "penalty='l1' is not supported"),
        ({"penalty": "elasticnet", "l1_ratio": 0.5}, "penalty='elasticnet' is not supported"),
        ({"dual": True}, "dual=True is not supported"),
    ],
)
def test_unsupported_values_say_why(iris, params, message):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match=message):
            LogisticRegression(**params).fit(X, y)


def test_penalty_is_deprecated_as_in_sklearn(iris):
    X, y = iris
    with pytest.warns(FutureWarning, match="'penalty' is deprecated"):
        l2 = LogisticRegression(penalty="l2", random_state=0).fit(X, y)
    np.testing.assert_array_equal(l2.coef_, LogisticRegression(random_state=0).fit(X, y).coef_)
    with pytest.warns(FutureWarning):
        none = LogisticRegression(penalty=None, random_state=0).fit(X, y)
    unpenalised = LogisticRegression(C=np.inf, random_state=0).fit(X, y)
    np.testing.assert_array_equal(none.coef_, unpenalised.coef_)
    assert none.engine_.optimizer.param_groups[0]["weight_decay"] == 0.0


def test_accepted_without_effect(iris):
    X, y = iris
    base = LogisticRegression(random_state=0).fit(X, y).coef_
    for kw in ({"n_jobs": 4}, {"intercept_scaling": 3.0}):
        np.testing.assert_array_equal(
            LogisticRegression(random_state=0, **kw).fit(X, y).coef_, base
        )


@pytest.mark.parametrize("C", [1.0, 0.1])
def test_converges_to_sklearns_solution(iris, C):
    X, y = iris
    theirs = _theirs_converged(X, y, C=C)
    ours = _ours_converged(X, y, C=C)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=2e-3)
    # the softmax intercepts are defined up to a common shift: compare them centred
    centred = [b - b.mean() for b in (ours.intercept_, theirs.intercept_)]
    np.testing.assert_allclose(*centred, atol=2e-3)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-3)


def test_binary_matches_sklearns_shapes_and_solution():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    theirs = _theirs_converged(X, y, C=0.5)
    ours = _ours_converged(X, y, C=0.5)
    assert ours.coef_.shape == (1, 30) and ours.intercept_.shape == (1,)
    assert ours.out_activation_ == "logistic" and ours.n_outputs_ == 1
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=2e-3)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-3)
    scores = ours.decision_function(X)
    assert scores.shape == (len(X),)
    np.testing.assert_array_equal(ours.predict(X), (scores > 0).astype(int))


def test_class_weight_and_fit_intercept_as_in_sklearn(iris):
    X, y = iris
    X, y = X[:110], y[:110]  # 50, 50, 10: unbalanced
    for kw in (
        {"class_weight": "balanced"},
        {"class_weight": {0: 1.0, 1: 2.0, 2: 5.0}},
        {"fit_intercept": False},
    ):
        theirs = _theirs_converged(X, y, **kw)
        ours = _ours_converged(X, y, **kw)
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-3)
    assert not ours.intercept_.any()
    balanced = LogisticRegression(class_weight="balanced", random_state=0).fit(X, y)
    np.testing.assert_allclose(
        balanced._class_weight, compute_class_weight("balanced", classes=np.arange(3), y=y)
    )
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        LogisticRegression(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("engine", ["autograd", "manual"])
def test_engines_agree_with_class_weights(iris, engine):
    X, y = iris
    kw = dict(
        class_weight={0: 3.0, 1: 1.0, 2: 0.5},
        max_iter=20,
        dtype="float64",
        random_state=0,
        solver="sgd",
        learning_rate_init=0.1,
    )
    ref = LogisticRegression(**kw).fit(X, y)
    other = LogisticRegression(**kw, engine=engine).fit(X, y)
    np.testing.assert_allclose(other.loss_curve_, ref.loss_curve_, rtol=1e-12)
    binary = LogisticRegression(**{**kw, "class_weight": {0: 3.0, 1: 1.0}}, engine=engine)
    ref_b = LogisticRegression(**{**kw, "class_weight": {0: 3.0, 1: 1.0}})
    np.testing.assert_allclose(
        binary.fit(X, y % 2).loss_curve_, ref_b.fit(X, y % 2).loss_curve_, rtol=1e-12
    )
