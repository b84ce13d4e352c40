"""Seed 000's models: hand-derived gradients against central differences, and behaviour."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinyprop.manual import MLP, LogisticRegression, check_gradients


def _data(rng, n=8, d=5, c=3):
    return rng.normal(size=(n, d)), rng.integers(0, c, size=n)


def _check_model(model, X, y, tight):
    model.forward(X)
    grads = (
        model.backward(X, y) if isinstance(model, MLP) else model.backward(X, model.forward(X), y)
    )
    assert set(grads) == set(model.params)
    assert all(grads[k].shape == model.params[k].shape for k in grads)
    return check_gradients(
        lambda: model.fit(X, y, train=False), model.params, grads, subject="model", **tight
    )


@pytest.mark.parametrize("init", ["zeros", "normal", "xavier"])
def test_logistic_regression_gradients(init, rng, tight):
    X, y = _data(rng)
    model = LogisticRegression(5, 3, init=init, generator=0, dtype=np.float64)
    assert _check_model(model, X, y, tight).passed


@pytest.mark.parametrize(
    "hidden, activation",
    [
        (4, "tanh"),
        ([], "tanh"),
        ([6, 4, 3], "tanh"),
        ([4, 4], "sigmoid"),
        ([7, 5], "relu"),
        ([4], "leaky_relu"),
    ],
)
def test_mlp_gradients_any_depth(hidden, activation, rng, tight):
    X, y = _data(rng)
    model = MLP(5, hidden, 3, activation=activation, init="xavier", generator=0, dtype=np.float64)
    assert _check_model(model, X, y, tight).passed


def test_logistic_regression_gradient_formula(rng):
    X, y = _data(rng)
    model = LogisticRegression(5, 3, init="normal", generator=0, dtype=np.float64)
    probs = model.forward(X)
    grads = model.backward(X, probs, y)
    d = (probs - np.eye(3)[y]) / len(X)
    np.testing.assert_allclose(grads["w"], X.T @ d)
    np.testing.assert_allclose(grads["b"], d.sum(0))


def test_labels_and_one_hot_targets_agree(rng):
    X, y = _data(rng)
    a = MLP(5, 4, 3, generator=0, dtype=np.float64)
    b = MLP(5, 4, 3, generator=0, dtype=np.float64)
    assert a.fit(X, y) == b.fit(X, np.eye(3)[y])
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert a.accuracy(X, y) == b.accuracy(X, np.eye(3)[y])


def test_fit_takes_one_sgd_step(rng):
    X, y = _data(rng)
    model = MLP(5, [4, 4], 3, learning_rate=0.3, generator=0, dtype=np.float64)
    before = {k: v.copy() for k, v in model.params.items()}
    model.forward(X)
    grads = {k: v.copy() for k, v in model.backward(X, y).items()}
    loss = model.fit(X, y)
    assert isinstance(loss, float)
    for k in before:
        np.testing.assert_allclose(model.params[k], before[k] - 0.3 * grads[k])


def test_fit_without_training_changes_nothing(rng):
    X, y = _data(rng)
    model = MLP(5, 4, 3, generator=0)
    before = {k: v.copy() for k, v in model.params.items()}
    model.fit(X, y, train=False)
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])


def test_seed_shapes_and_names():
    model = MLP(64, 50, 10, generator=0)
    assert model.w_hidden.shape == (64, 50) and model.b_hidden.shape == (50,)
    assert model.w_output.shape == (50, 10) and model.b_output.shape == (10,)
    assert list(model.params) == ["w1", "b1", "w2", "b2"]
    assert model.w_hidden.dtype == np.float32
    logreg = LogisticRegression(64, 10)
    assert logreg.w.shape == (64, 10) and logreg.b.shape == (10,)
    assert not logreg.w.any()  # zeros by default
    with pytest.raises(AttributeError, match="exactly one hidden layer"):
        _ = MLP(64, [20, 20], 10).w_hidden


def test_float32_model_stays_float32_on_float64_data(rng):
    X, y = _data(rng)
    model = MLP(5, 4, 3, generator=0)
    model.fit(X, y)
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.forward(X).dtype == np.float32


def test_untrained_accuracy_and_probabilities(rng):
    X, y = _data(rng, n=30)
    model = LogisticRegression(5, 3)
    probs = model.forward(X)
    np.testing.assert_allclose(probs, 1 / 3, rtol=1e-6)
    assert model.accuracy(X, y) == pytest.approx(np.mean(y == 0))  # ties resolve to class 0
    np.testing.assert_array_equal(model.predict(X), 0)


def test_init_schemes_for_mlp():
    he = MLP(400, 300, 10, init="he", generator=0, dtype=np.float64).params["w1"]
    assert abs(he.std() - np.sqrt(2 / 400)) < 0.05 * np.sqrt(2 / 400)
    xav = MLP(400, 300, 10, init="xavier", generator=0).params["w1"]
    assert np.abs(xav).max() <= np.sqrt(6 / 700)
    seed = MLP(400, 300, 10, init="seed", sigma=0.2, generator=0, dtype=np.float64)
    assert abs(seed.params["w1"].std() - 0.2) < 0.01
    with pytest.warns(UserWarning, match="symmetry"):
        zero = MLP(5, 4, 3, init="zeros")
    assert not any(p.any() for p in zero.params.values())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MLP(5, [], 3, init="zeros")  # no hidden layer: zeros are fine, no warning


def test_same_generator_gives_same_model():
    a, b = MLP(5, [4, 3], 2, generator=3), MLP(5, [4, 3], 2, generator=3)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_mlp_learns_a_nonlinear_problem(rng):
    X = rng.uniform(-1, 1, size=(200, 2))
    y = (np.hypot(X[:, 0], X[:, 1]) < 0.7).astype(int)  # circles: not linearly separable
    model = MLP(2, 16, 2, learning_rate=0.5, generator=0)
    for _ in range(300):
        for i in range(0, 200, 20):
            model.fit(X[i : i + 20], y[i : i + 20])
    assert model.accuracy(X, y) > 0.9
