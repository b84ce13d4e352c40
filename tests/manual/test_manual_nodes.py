"""Computational-graph nodes (seed 004)."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.manual import (
    Add,
    Affine,
    CategoricalCrossEntropy,
    DotProduct,
    Multiply,
    Sum,
    check_gradients,
)


def test_seed_example_multiply_then_sum():
    x = np.arange(1, 5, dtype=np.float32)
    y = np.arange(-1, 3, dtype=np.float32)
    mult, vec_sum = Multiply(), Sum()
    z = vec_sum.forward(mult.forward(x, y))
    d_x, d_y = mult.backward(vec_sum.backward(1.0))
    assert z == 10.0
    np.testing.assert_array_equal(d_x, [-1, 0, 1, 2])
    np.testing.assert_array_equal(d_y, [1, 2, 3, 4])
    assert d_x.dtype == d_y.dtype == np.float32


def test_seed_example_dot_product():
    x = np.arange(1, 5, dtype=np.float32)
    y = np.arange(-1, 3, dtype=np.float32)
    dp = DotProduct()
    z = dp.forward(x, y)
    d_x, d_y = dp.backward(1.0)
    assert z == 10.0
    np.testing.assert_array_equal(d_x, [-1, 0, 1, 2])
    np.testing.assert_array_equal(d_y, [1, 2, 3, 4])


def test_add_passes_the_gradient_through_with_broadcasting(rng):
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    add = Add()
    assert add.forward(x, y).shape == (3, 4)
    d = rng.normal(size=(3, 4))
    d_x, d_y = add.backward(d)
    np.testing.assert_array_equal(d_x, d)
    np.testing.assert_allclose(d_y, d.sum(axis=0))


def _check_node(node, inputs, tight, weights=None):
    """Check node.backward against central differences of sum(forward(*inputs) * weights)."""
    out = node.forward(*inputs)
    w = np.ones_like(out) if weights is None else weights
    grads = node.backward(w if np.ndim(out) else 1.0)
    grads = grads if isinstance(grads, tuple) else (grads,)
    arrays = {f"input{i}": a for i, a in enumerate(inputs)}
    analytic = {f"input{i}": g for i, g in enumerate(grads) if g is not None}

    def f():
        return float(np.sum(node.forward(*inputs) * w))

    return check_gradients(f, arrays, analytic, subject=type(node).__name__, **tight)


def test_every_node_matches_central_differences(rng, tight):
    w = rng.normal(size=(3, 4))
    assert _check_node(Add(), [rng.normal(size=(3, 4)), rng.normal(size=(1, 4))], tight, w).passed
    assert _check_node(
        Multiply(), [rng.normal(size=(3, 4)), rng.normal(size=(4,))], tight, w
    ).passed
    assert _check_node(Sum(), [rng.normal(size=(3, 4))], tight).passed
    assert _check_node(DotProduct(), [rng.normal(size=5), rng.normal(size=5)], tight).passed
    X, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    assert _check_node(Affine(), [X, W, b], tight, rng.normal(size=(6, 3))).passed
    labels = [0, 2, 1, 1, 0, 2]
    logits, Y = rng.normal(size=(6, 3)) * 2, np.eye(3)[labels]
    assert _check_node(CategoricalCrossEntropy(), [logits, Y], tight).passed


def test_affine_shapes_follow_seed_004(rng):
    X, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    node = Affine()
    out = node.forward(X, W, b)
    np.testing.assert_allclose(out, X @ W + b)
    d_X, d_W, d_b = node.backward(np.ones((5, 3)))
    assert d_X.shape == X.shape and d_W.shape == W.shape and d_b.shape == b.shape


def test_categorical_cross_entropy_matches_seed_nll(rng):
    logits = rng.normal(size=(7, 4))
    Y = np.eye(4)[[0, 1, 2, 3, 0, 1, 2]]
    node = CategoricalCrossEntropy()
    loss = node.forward(logits, Y)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert loss == pytest.approx(-np.sum(Y * np.log(p)) / 7)
    d_logits, d_Y = node.backward()
    np.testing.assert_allclose(d_logits, (p - Y) / 7, atol=1e-15)
    np.testing.assert_allclose(d_Y, -np.log(p) / 7)
    d2, _ = node.backward(2.0)
    np.testing.assert_allclose(d2, 2 * d_logits)


def test_seed_004_logistic_regression_with_nodes_learns(rng):
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    Y = np.eye(3)[y]
    W, b = np.zeros((4, 3)), np.zeros(3)
    affine, ce = Affine(), CategoricalCrossEntropy()
    first = None
    for _ in range(200):
        loss = ce.forward(affine.forward(X, W, b), Y)
        first = loss if first is None else first
        d_logits, _ = ce.backward()
        _, d_W, d_b = affine.backward(d_logits)
        W, b = W - 0.5 * d_W, b - 0.5 * d_b
    assert loss < 0.5 * first


def test_add_and_multiply_take_seed_004s_scalar_d_out(rng):
    # backward(1.0) on a vector output: d_out is stretched to each input's shape
    x, y = rng.normal(size=4), rng.normal(size=4)
    add, mult = Add(), Multiply()
    add.forward(x, y)
    d_x, d_y = add.backward(1.0)
    np.testing.assert_array_equal(d_x, np.ones(4))
    np.testing.assert_array_equal(d_y, np.ones(4))
    assert d_x.flags.writeable and d_y.flags.writeable  # arrays, not broadcast views
    mult.forward(x, y)
    d_x, d_y = mult.backward(1.0)
    np.testing.assert_array_equal(d_x, y)
    np.testing.assert_array_equal(d_y, x)
