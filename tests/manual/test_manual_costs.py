"""Costs (seed 003): values, gradients by central differences, labels vs one-hot, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.manual import (
    CrossEntropy,
    MeanSquareError,
    SoftmaxCrossEntropy,
    check_cost,
)


def _probs(rng, shape):
    e = np.exp(rng.normal(size=shape))
    return e / e.sum(axis=1, keepdims=True)


def test_mse_is_the_mean_over_all_elements(rng):
    t, p = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    cost = MeanSquareError()
    assert cost.estimate(t, p) == pytest.approx(np.mean((p - t) ** 2))
    np.testing.assert_allclose(cost.gradient(), 2 * (p - t) / p.size)


def test_cross_entropy_on_probabilities(rng):
    p = _probs(rng, (5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    t = np.eye(4)[labels]
    cost = CrossEntropy()
    expected = -np.mean(np.log(p[np.arange(5), labels] + 1e-12))
    assert cost.estimate(t, p) == pytest.approx(expected)
    np.testing.assert_allclose(cost.gradient(), -t / (p + 1e-12) / 5)


def test_softmax_cross_entropy_gradient_is_the_shortcut(rng):
    z = rng.normal(size=(5, 4)) * 3
    t = np.eye(4)[[0, 3, 1, 1, 2]]
    cost = SoftmaxCrossEntropy()
    loss = cost.estimate(t, z)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.sum(t * np.log(p), axis=1)))
    np.testing.assert_allclose(cost.gradient(), (p - t) / 5, atol=1e-15)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    cost = SoftmaxCrossEntropy()
    loss = cost.estimate([0, 1], np.array([[1000.0, -1000.0], [1000.0, -1000.0]]))
    assert loss == pytest.approx(1000.0)  # half right (0), half wrong (2000)
    assert np.isfinite(cost.gradient()).all()


@pytest.mark.parametrize("make", [MeanSquareError, CrossEntropy, SoftmaxCrossEntropy])
def test_every_cost_matches_central_differences(make, rng, tight):
    labels = np.array([0, 2, 1, 2, 0, 1])
    pred = _probs(rng, (6, 3)) if make is CrossEntropy else rng.normal(size=(6, 3))
    assert check_cost(make(), np.eye(3)[labels], pred, **tight).passed
    assert check_cost(make(), labels, pred, **tight).passed  # integer labels too


@pytest.mark.parametrize("make", [MeanSquareError, CrossEntropy, SoftmaxCrossEntropy])
def test_integer_labels_equal_one_hot(make, rng):
    labels = np.array([2, 0, 1, 1])
    pred = _probs(rng, (4, 3))
    a, b = make(), make()
    assert a.estimate(labels, pred) == b.estimate(np.eye(3)[labels], pred)
    np.testing.assert_array_equal(a.gradient(), b.gradient())


def test_gradient_accepts_the_seed_call_form(rng):
    cost = SoftmaxCrossEntropy()
    c = cost.estimate([1, 0], rng.normal(size=(2, 2)))
    np.testing.assert_array_equal(cost.gradient(c), cost.gradient())


def test_soft_targets_get_the_exact_gradient(rng, tight):
    t = rng.random((4, 3))  # rows do not sum to one
    assert check_cost(SoftmaxCrossEntropy(), t, rng.normal(size=(4, 3)), **tight).passed


def test_costs_keep_float32(rng):
    p = rng.normal(size=(3, 4)).astype(np.float32)
    for cost in (MeanSquareError(), SoftmaxCrossEntropy()):
        cost.estimate([0, 1, 3], p)
        assert cost.gradient().dtype == np.float32


@pytest.mark.oracle
def test_costs_agree_with_pytorch(rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    labels = np.array([0, 2, 1, 2, 0])
    t = np.eye(3)[labels]
    z = rng.normal(size=(5, 3))
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)

    zt = torch.tensor(z, requires_grad=True)
    ref = F.cross_entropy(zt, torch.tensor(labels))
    ref.backward()
    cost = SoftmaxCrossEntropy()
    assert cost.estimate(labels, z) == pytest.approx(ref.item(), abs=1e-12)
    np.testing.assert_allclose(cost.gradient(), zt.grad.numpy(), atol=1e-12)

    pt = torch.tensor(p, requires_grad=True)
    ref = F.mse_loss(pt, torch.tensor(t))
    ref.backward()
    cost = MeanSquareError()
    assert cost.estimate(t, p) == pytest.approx(ref.item(), abs=1e-12)
    np.testing.assert_allclose(cost.gradient(), pt.grad.numpy(), atol=1e-12)

    pt = torch.tensor(p, requires_grad=True)
    ref = F.nll_loss(torch.log(pt), torch.tensor(labels))
    ref.backward()
    cost = CrossEntropy(eps=0.0)
    assert cost.estimate(t, p) == pytest.approx(ref.item(), abs=1e-12)
    np.testing.assert_allclose(cost.gradient(), pt.grad.numpy(), atol=1e-12)
