"""Seed 003's train / train_epoch / validate_epoch on arbitrary arrays."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.manual import (
    CrossEntropy,
    Linear,
    MeanSquareError,
    Network,
    SoftMax,
    SoftmaxCrossEntropy,
    Tanh,
    train,
    train_epoch,
    validate_epoch,
)


def _blobs(rng, n=120):
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return centres[y] + 0.5 * rng.normal(size=(n, 2)), y


def _net():
    return Network([Linear(2, 8, generator=0), Tanh(), Linear(8, 3, generator=1)])


def test_train_returns_a_history_and_learns(rng):
    X, y = _blobs(rng)
    history = train(_net(), SoftmaxCrossEntropy(), 10, 16, 0.5, X, y, progress=False)
    assert set(history) == {"cost", "accuracy"}
    assert len(history["cost"]) == len(history["accuracy"]) == 10
    assert history["cost"][-1] < history["cost"][0]
    assert history["accuracy"][-1] > 0.95


def test_train_with_validation_data_and_one_hot_targets(rng):
    X, y = _blobs(rng, 200)
    Y = np.eye(3)[y]
    net = Network([Linear(2, 8, generator=0), Tanh(), Linear(8, 3, generator=1), SoftMax()])
    history = train(
        net, CrossEntropy(), 8, 20, 0.5, X[:150], Y[:150], X[150:], Y[150:], progress=False
    )
    assert history["accuracy"][-1] == validate_epoch(0, net, X[150:], Y[150:], 7, progress=False)


def test_train_epoch_returns_the_mean_batch_cost(rng):
    X, y = _blobs(rng, 64)
    net = _net()
    ref = _net()
    cost = MeanSquareError()
    mean_cost = train_epoch(0, net, X, np.eye(3)[y], cost, 16, 0.1, progress=False)
    costs = []
    for i in range(0, 64, 16):
        ref.zero_gradients()
        c = cost.estimate(np.eye(3)[y[i : i + 16]], ref.forward(X[i : i + 16]))
        ref.backward(cost.gradient(c))
        ref.update_parameters(0.1)
        costs.append(c)
    assert mean_cost == pytest.approx(np.mean(costs))


def test_shuffle_is_reproducible(rng):
    X, y = _blobs(rng)
    a = train(
        _net(), SoftmaxCrossEntropy(), 3, 16, 0.5, X, y, progress=False, shuffle=True, generator=5
    )
    b = train(
        _net(), SoftmaxCrossEntropy(), 3, 16, 0.5, X, y, progress=False, shuffle=True, generator=5
    )
    assert a == b


def test_progress_bars_and_summary_lines(rng, capsys):
    pytest.importorskip("tqdm")
    X, y = _blobs(rng, 40)
    train(_net(), SoftmaxCrossEntropy(), 2, 16, 0.5, X, y, progress=True)
    captured = capsys.readouterr()
    assert "epoch 1: cost=" in captured.out + captured.err


def test_zero_epochs_is_a_no_op(rng):
    X, y = _blobs(rng, 10)
    net = _net()
    w = net[0].w.copy()
    assert train(net, SoftmaxCrossEntropy(), 0, 4, 0.5, X, y, progress=False) == {
        "cost": [],
        "accuracy": [],
    }
    np.testing.assert_array_equal(net[0].w, w)


def test_train_runs_its_epochs_on_the_trainer(rng, monkeypatch):
    from tinyprop.train import Callback, LayerEngine, Trainer

    seen = []

    class Observer(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            seen.append((epoch, type(trainer.engine), trainer.totals[2]))

    original = Trainer.__init__

    def init(self, *args, callbacks=(), **kwargs):
        original(self, *args, callbacks=[*callbacks, Observer()], **kwargs)

    monkeypatch.setattr(Trainer, "__init__", init)
    X, y = _blobs(rng, 50)
    history = train(_net(), SoftmaxCrossEntropy(), 3, 16, 0.5, X, y, progress=False)
    assert seen == [(e, LayerEngine, 50) for e in range(3)]
    assert len(history["cost"]) == 3


def test_fit_layers_takes_callbacks_and_matches_the_seeds_loop(rng):
    from tinyprop.train import Callback
    from tinyprop.train.layer_loop import fit_layers

    class Batches(Callback):
        def __init__(self):
            self.sizes = []

        def on_batch_begin(self, trainer, batch, size):
            self.sizes.append(size)

    X, y = _blobs(rng, 40)
    Y = np.eye(3)[y]
    net, ref = _net(), _net()
    batches = Batches()
    history = fit_layers(net, MeanSquareError(), 2, 16, 0.1, X, Y, callbacks=[batches])
    assert batches.sizes == [16, 16, 8] * 2
    cost = MeanSquareError()
    for _ in range(2):  # the seed's loop, written out
        costs = []
        for i in range(0, 40, 16):
            ref.zero_gradients()
            c = cost.estimate(Y[i : i + 16], ref.forward(X[i : i + 16]))
            ref.backward(cost.gradient(c))
            ref.update_parameters(0.1)
            costs.append(float(np.mean(c)))
    assert history["cost"][-1] == sum(costs) / len(costs)
    np.testing.assert_array_equal(net[0].w, ref[0].w)


def test_shuffled_train_takes_the_generators_permutations(rng):
    X, y = _blobs(rng, 30)
    net, ref = _net(), _net()
    train(net, SoftmaxCrossEntropy(), 2, 8, 0.5, X, y, progress=False, shuffle=True,
          generator=np.random.default_rng(4))
    g = np.random.default_rng(4)
    for _ in range(2):
        perm = g.permutation(30)
        train_epoch(0, ref, X[perm], y[perm], SoftmaxCrossEntropy(), 8, 0.5, progress=False)
    np.testing.assert_array_equal(net[0].w, ref[0].w)
