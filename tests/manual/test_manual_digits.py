"""Real data: scikit-learn's digits, with the seeds' settings (deterministic, no shuffling)."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.manual import (
    MLP,
    Linear,
    LogisticRegression,
    Network,
    SoftmaxCrossEntropy,
    Tanh,
    train,
)


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_digits(return_X_y=True)
    return X / 16, y  # pixels 0..16 normalised to [0, 1], as seed 000


@pytest.fixture(scope="module")
def split(digits):
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y = digits
    return model_selection.train_test_split(X, y, test_size=0.3, random_state=123)


def test_seed_000_mlp_reaches_97_percent_on_digits(digits):
    """MLP 64-50-10 tanh, batch 32, 10 epochs, lr 0.5; train and evaluate on the whole set."""
    X, y = digits
    model = MLP(64, 50, 10, learning_rate=0.5, generator=0)
    assert model.accuracy(X, y) < 0.3  # untrained
    losses = []
    for _ in range(10):
        for i in range(0, len(X), 32):
            model.fit(X[i : i + 32], y[i : i + 32])
        losses.append(model.fit(X, y, train=False))
    assert losses[-1] < losses[0]
    assert model.accuracy(X, y) >= 0.97


def test_logistic_regression_reaches_95_percent_on_held_out_digits(split):
    """Zeros init, lr 0.5, batch 16, 30 epochs on 70 % of digits; tested on the other 30 %."""
    X_train, X_test, y_train, y_test = split
    model = LogisticRegression(64, 10, learning_rate=0.5)
    for _ in range(30):
        for i in range(0, len(X_train), 16):
            model.fit(X_train[i : i + 16], y_train[i : i + 16])
    assert model.accuracy(X_test, y_test) >= 0.95


def test_layer_api_network_on_digits(split):
    """Seed 003's API: Network + SoftmaxCrossEntropy through train(), held-out accuracy."""
    X_train, X_test, y_train, y_test = split
    net = Network(
        [
            Linear(64, 50, init="xavier", generator=0),
            Tanh(),
            Linear(50, 10, init="xavier", generator=1),
        ]
    )
    history = train(
        net,
        SoftmaxCrossEntropy(),
        10,
        32,
        0.5,
        X_train,
        np.eye(10)[y_train],
        X_test,
        y_test,
        progress=False,
    )
    assert history["accuracy"][-1] >= 0.95
