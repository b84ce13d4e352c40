"""scikit-learn's parameters on tinyprop's MLPs: every one is accepted with scikit-learn's
default and position, each has its effect, and what tinyprop cannot do says so."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
import sklearn.neural_network as sk
from sklearn.exceptions import ConvergenceWarning

from tinyprop.sklearn import MLPClassifier, MLPRegressor

PAIRS = [(MLPClassifier, sk.MLPClassifier), (MLPRegressor, sk.MLPRegressor)]
EXTRAS = {"engine", "dtype"}


def _fit(X, y, **kw):
    kw = {"hidden_layer_sizes": (8,), "max_iter": 10, "random_state": 0, **kw}
    return MLPClassifier(**kw).fit(X, y)


def _lr(est) -> float:
    return est.engine_.optimizer.param_groups[0]["lr"]


# ---- the same parameters as scikit-learn -------------------------------------------------
@pytest.mark.parametrize("ours, theirs", PAIRS, ids=lambda c: c.__module__.split(".")[0])
def test_every_sklearn_parameter_with_its_default_and_position(ours, theirs):
    mine, sks = ours().get_params(), theirs().get_params()
    assert set(mine) - set(sks) == EXTRAS
    assert {k: mine[k] for k in sks} == sks
    positional = [
        [
            p.name
            for p in inspect.signature(c.__init__).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        for c in (ours, theirs)
    ]
    assert positional[0] == positional[1]


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=lambda c: c.__module__.split(".")[0])
def test_built_from_sklearns_get_params_fits(iris, ours, theirs):
    X, y = iris
    est = ours(**theirs().get_params())
    est.fit(X, y)
    assert est.n_iter_ >= 1 and len(est.loss_curve_) == est.n_iter_
    assert [c.shape for c in est.coefs_][0] == (4, 100)
    if ours is MLPClassifier:
        assert est.score(X, y) > 0.9


def test_lbfgs_is_not_supported_and_says_what_to_use(iris):
    X, y = iris
    with pytest.raises(ValueError, match="solver='lbfgs' is not supported.*solver='adam'"):
        MLPClassifier(solver="lbfgs").fit(X, y)


def test_regressor_positional_loss_first(iris):
    X, y = iris
    reg = MLPRegressor("poisson", (5,), "tanh", max_iter=3, random_state=0).fit(X, y)
    assert (reg.loss, reg.hidden_layer_sizes, reg.activation) == ("poisson", (5,), "tanh")
    with pytest.raises(TypeError, match=r"pass hidden_layer_sizes by keyword"):
        MLPRegressor((5,)).fit(X, y)


# ---- each parameter does what scikit-learn's does -------------------------------------------
def test_sgd_means_nesterov_momentum_by_default(iris):
    X, y = iris
    kw = dict(solver="sgd", learning_rate_init=0.05)
    nesterov = _fit(X, y, **kw)
    heavy = _fit(X, y, **kw, nesterovs_momentum=False)
    plain = _fit(X, y, **kw, momentum=0.0)
    optimizer = nesterov.engine_.optimizer.param_groups[0]
    assert optimizer["momentum"] == 0.9 and optimizer["nesterov"] is True
    assert heavy.engine_.optimizer.param_groups[0]["nesterov"] is False
    curves = [nesterov.loss_curve_, heavy.loss_curve_, plain.loss_curve_]
    assert len({tuple(c) for c in curves}) == 3
    assert plain.loss_curve_[-1] > nesterov.loss_curve_[-1]  # momentum speeds this one up
    # tinyprop's extra solver names are fixed choices of the same optimizer
    assert _fit(X, y, **{**kw, "solver": "momentum"}).loss_curve_ == heavy.loss_curve_
    assert _fit(X, y, **{**kw, "solver": "nesterov"}).loss_curve_ == nesterov.loss_curve_


def test_invscaling_lowers_the_rate_with_samples_seen(iris):
    X, y = iris
    for power_t in (0.5, 0.25):
        clf = _fit(
            X, y, solver="sgd", learning_rate="invscaling", learning_rate_init=0.1, power_t=power_t
        )
        assert clf.t_ == 10 * len(X)
        assert _lr(clf) == pytest.approx(0.1 / (clf.t_ + 1) ** power_t)
    # only the SGD solvers have a schedule, as in scikit-learn
    adam = _fit(X, y, learning_rate="invscaling", learning_rate_init=0.01)
    assert _lr(adam) == 0.01


def test_adaptive_divides_by_five_then_stops(iris):
    X, y = iris
    kw = dict(solver="sgd", learning_rate_init=0.1, max_iter=200, tol=10.0, n_iter_no_change=1)
    constant = _fit(X, y, **kw)  # tol=10: no epoch after the first counts as progress
    assert constant.n_iter_ == 3 and _lr(constant) == 0.1  # the count passes 1 at epoch 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # it stops: no warning
        adaptive = _fit(X, y, **kw, learning_rate="adaptive")
    # divided at epochs 3, 5, ..., 17 while the rate is > 1e-6, then stopped at epoch 19
    assert _lr(adaptive) == pytest.approx(0.1 / 5**8)
    assert adaptive.n_iter_ == 19
    theirs = sk.MLPClassifier(
        **{**kw, "hidden_layer_sizes": (8,), "random_state": 0}, learning_rate="adaptive"
    ).fit(X, y)
    assert theirs.n_iter_ == 19 and theirs._optimizer.learning_rate == pytest.approx(_lr(adaptive))


def test_adam_betas_and_epsilon_reach_the_optimizer(iris):
    X, y = iris
    clf = _fit(X, y, beta_1=0.5, beta_2=0.75, epsilon=1e-3)
    group = clf.engine_.optimizer.param_groups[0]
    assert group["betas"] == (0.5, 0.75)
    # scikit-learn's epsilon, given to PyTorch's Adam in its place: eps / sqrt(1 - beta_2**t)
    steps = clf.engine_.optimizer.state[group["params"][0]]["step"]
    assert group["eps"] == pytest.approx(1e-3 / math.sqrt(1 - 0.75**steps))
    curves = {
        tuple(_fit(X, y, **kw).loss_curve_)
        for kw in ({}, {"beta_1": 0.5}, {"beta_2": 0.9}, {"epsilon": 1e-1})
    }
    assert len(curves) == 4


def test_max_fun_is_checked_and_has_no_effect(iris):
    X, y = iris
    assert _fit(X, y, max_fun=1).loss_curve_ == _fit(X, y).loss_curve_


def test_n_iter_no_change_inf_never_stops(iris):
    X, y = iris
    assert _fit(X, y, max_iter=30, tol=100.0, n_iter_no_change=2).n_iter_ == 4
    assert _fit(X, y, max_iter=30, tol=100.0, n_iter_no_change=np.inf).n_iter_ == 30


def test_early_stopping_restores_the_best_epoch(iris):
    X, y = iris
    kw = dict(
        learning_rate_init=0.05,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        max_iter=200,
        random_state=2,
    )
    clf = _fit(X, y, **kw)
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert best < clf.n_iter_  # it trained past the best epoch, then went back to it
    # the same run cut at the best epoch (same split, same batches) ends at those weights
    cut = _fit(X, y, **{**kw, "max_iter": best})
    for a, b in zip(cut.coefs_ + cut.intercepts_, clf.coefs_ + clf.intercepts_):
        np.testing.assert_array_equal(a, b)
    n_val = math.ceil(0.2 * len(X))
    assert clf.t_ == clf.n_iter_ * (len(X) - n_val)


def test_batch_size_auto_and_shuffle(iris):
    X, y = iris
    assert _fit(X, y, batch_size="auto").loss_curve_ == _fit(X, y, batch_size=150).loss_curve_
    assert _fit(X, y, batch_size=16).loss_curve_ != _fit(X, y).loss_curve_
    a, b = _fit(X, y, batch_size=16), _fit(X, y, batch_size=16, shuffle=False)
    assert a.loss_curve_ != b.loss_curve_


def test_random_state_gives_sklearns_initial_weights(iris):
    X, y = iris
    rs = np.random.RandomState(4)
    bound = math.sqrt(6 / (4 + 8))
    first_w, first_b = rs.uniform(-bound, bound, (4, 8)), rs.uniform(-bound, bound, 8)
    clf = _fit(X, y, max_iter=1, learning_rate_init=1e-12, random_state=4, dtype="float64")
    np.testing.assert_allclose(clf.coefs_[0], first_w, atol=1e-9)
    np.testing.assert_allclose(clf.intercepts_[0], first_b, atol=1e-9)


def test_poisson_loss(iris):
    X, y = iris
    reg = MLPRegressor(
        "poisson", hidden_layer_sizes=(8,), max_iter=50, random_state=0, learning_rate_init=0.01
    ).fit(X, y)
    assert reg.out_activation_ == "exp" and (reg.predict(X) > 0).all()
    assert reg.score(X, y) > 0.8
    with pytest.raises(ValueError, match="loss='poisson' needs y >= 0"):
        MLPRegressor("poisson").fit(X, y - 1.0)


def test_regressor_reports_sklearns_half_squared_error():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(60, 3)), rng.normal(size=(60, 2))
    reg = MLPRegressor(
        hidden_layer_sizes=(4,),
        max_iter=1,
        alpha=0.0,
        batch_size=60,
        solver="sgd",
        learning_rate_init=1e-12,
        dtype="float64",
        random_state=0,
    ).fit(X, Y)
    # one full batch with a negligible step: the loss is that of the initial weights
    assert reg.loss_ == pytest.approx(0.5 * np.mean((reg.predict(X) - Y) ** 2), rel=1e-9)
