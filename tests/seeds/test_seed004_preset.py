"""``tinyprop train --preset seed004`` prints seed 004's numbers.

Seed 004 is the one seed whose numbers its text fixes completely: its data split
(``np.random.seed(123)`` then ``train_test_split(test_size=0.3)``), zero initial weights and
full-batch gradient descent leave nothing to chance. The seed's cells are run here as the
seed wrote them (NumPy, float64); the preset's run (tinyprop's Trainer, float32) must print
the same losses, to the 4 decimals the seed prints, and the same test accuracy.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinyprop.train import TrainConfig, train_run

pytest.importorskip("sklearn")


def _seed004_cells():
    """Seed 004, cells 2 and 16-21, as written (its ``print`` lines collected instead)."""
    from sklearn.datasets import load_digits
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import label_binarize

    X, y = load_digits(return_X_y=True)
    Y = label_binarize(y, classes=np.unique(y))
    K, D = Y.shape[1], X.shape[1]
    state = np.random.get_state()
    try:
        np.random.seed(123)
        X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3)
    finally:
        np.random.set_state(state)

    def softmax(x, axis=None):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def predict(X, W, b):
        return softmax(X @ W + b, axis=1)

    def nll_loss(X, W, b, Y):
        N = X.shape[0]
        logits = X @ W + b
        logits_shifted = logits - logits.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.sum(np.exp(logits_shifted), axis=1, keepdims=True))
        log_probs = logits_shifted - log_sum_exp
        return -np.sum(Y * log_probs) / N

    def nll_grad(X, W, b, Y):
        N = X.shape[0]
        probas = softmax(X @ W + b, axis=1) - Y
        return X.T @ probas / N, probas.sum(axis=0) / N

    W, b = np.zeros([D, K]), np.zeros([K])
    learning_rate, max_epochs = 1e-2, 301
    losses = []
    for _epoch in range(max_epochs):
        losses.append(nll_loss(X_train, W, b, Y_train))
        d_W, d_b = nll_grad(X_train, W, b, Y_train)
        W = W - learning_rate * d_W
        b = b - learning_rate * d_b
    loss_test = nll_loss(X_test, W, b, Y_test)
    acc_test = accuracy_score(Y_test.argmax(axis=1), predict(X_test, W, b).argmax(axis=1))
    return losses, loss_test, acc_test, len(X_train), len(X_test)


@pytest.fixture(scope="module")
def preset_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed004") / "run"
    summary = train_run(TrainConfig(preset="seed004", plots=False, progress=False),
                        out=str(out), verbose=False)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return summary, [r for r in rows if "train_loss" in r]


def test_preset_prints_seed004s_losses_and_accuracy(preset_run):
    summary, rows = preset_run
    losses, loss_test, acc_test, _, _ = _seed004_cells()
    assert len(rows) == 301
    # the seed prints 'Epoch {epoch:4d}, loss = {loss:.4f}' every 25 epochs
    # (epoch e+1's loss over its one batch, before the step: train_batch_loss)
    for epoch in range(0, 301, 25):
        assert f"{rows[epoch]['train_batch_loss']:.4f}" == f"{losses[epoch]:.4f}", epoch
    np.testing.assert_allclose([r["train_batch_loss"] for r in rows], losses, rtol=2e-5)
    # after the step, on the whole training set: the seed's next line
    np.testing.assert_allclose([r["train_loss"] for r in rows[:-1]], losses[1:], rtol=2e-5)
    # 'loss_test = {loss_test:.4f}, accuracy_test = {acc_test:.3f}'
    assert f"{summary['test_loss']:.4f}" == f"{loss_test:.4f}"
    assert f"{summary['test_accuracy']:.3f}" == f"{acc_test:.3f}"


def test_preset_uses_the_seeds_split_and_raw_pixels():
    from tinyprop.train.run import Run

    run = Run(TrainConfig(preset="seed004", plots=False, progress=False), verbose=False)
    _, _, _, n_train, n_test = _seed004_cells()
    assert (len(run.data.X_train), len(run.data.X_test)) == (n_train, n_test) == (1257, 540)
    assert float(run.data.X_train.max()) == 16.0
    # another dataset drops the seed's digits options
    other = Run(TrainConfig(preset="seed004", data="circles", epochs=1, plots=False),
                verbose=False)
    assert float(np.abs(other.data.X_train).max()) < 3
