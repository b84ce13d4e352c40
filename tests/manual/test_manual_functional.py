"""Seed 001's functional network: init_params, forward, loss_accuracy, backward, sgd."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.manual import backward, check_gradients, forward, init_params, loss_accuracy, sgd


def test_init_params_shapes_follow_seed_001():
    params = init_params([2, 10, 3], generator=0)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (10, 2),
        "b1": (10, 1),
        "W2": (3, 10),
        "b2": (3, 1),
    }
    assert not params["b1"].any() and params["W1"].dtype == np.float32
    deep = init_params([4, 8, 8, 8, 2], sigma=0.3, generator=0, dtype=np.float64)
    assert list(deep) == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    assert abs(np.concatenate([deep[f"W{i}"].ravel() for i in (1, 2, 3)]).std() - 0.3) < 0.05


def test_forward_records_every_intermediate(rng):
    params = init_params([3, 5, 4, 2], generator=0, dtype=np.float64)
    X = rng.normal(size=(6, 3))
    yhat, outputs = forward(params, X)
    assert set(outputs) == {"X", "htilde1", "h1", "htilde2", "h2", "ytilde", "yhat"}
    np.testing.assert_allclose(outputs["h1"], np.tanh(X @ params["W1"].T + params["b1"].T))
    np.testing.assert_allclose(yhat.sum(axis=1), 1)


@pytest.mark.parametrize("sizes", [[3, 2], [3, 5, 2], [3, 6, 5, 4, 2]])
def test_backward_matches_central_differences(sizes, rng, tight):
    params = init_params(sizes, generator=0, dtype=np.float64)
    X, labels = rng.normal(size=(7, 3)), rng.integers(0, 2, size=7)
    Y = np.eye(2)[labels]
    _, outputs = forward(params, X)
    grads = backward(params, outputs, Y)
    assert list(grads) == list(params)

    def loss():
        return loss_accuracy(forward(params, X)[0], Y)[0]

    assert check_gradients(loss, params, grads, subject="functional", **tight).passed
    np.testing.assert_array_equal(backward(params, outputs, labels)["W1"], grads["W1"])


def test_loss_accuracy_is_in_percent():
    yhat = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    Y = np.eye(2)[[0, 1, 1, 1]]
    loss, acc = loss_accuracy(yhat, Y)
    assert acc == 75.0
    assert loss == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.7])))
    assert np.isfinite(loss_accuracy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))[0])


def test_sgd_step_and_training_on_circles(rng):
    X = rng.uniform(-1, 1, size=(200, 2))
    Y = np.eye(2)[(np.hypot(X[:, 0], X[:, 1]) < 0.7).astype(int)]
    params = init_params([2, 10, 2], generator=0, dtype=np.float64)
    before = {k: v.copy() for k, v in params.items()}
    _, outputs = forward(params, X[:10])
    grads = backward(params, outputs, Y[:10])
    params = sgd(params, grads, 0.03)
    for k in params:
        np.testing.assert_allclose(params[k], before[k] - 0.03 * grads[k])
    first = loss_accuracy(forward(params, X)[0], Y)[0]
    for _ in range(300):
        for j in range(0, 200, 10):
            _, outputs = forward(params, X[j : j + 10])
            params = sgd(params, backward(params, outputs, Y[j : j + 10]), 0.1)
    loss, acc = loss_accuracy(forward(params, X)[0], Y)
    assert loss < first and acc > 90
