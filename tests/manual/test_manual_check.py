"""The student tool: check_layer / check_cost find and describe wrong gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyprop.manual import (
    Cost,
    GradientCheckError,
    Layer,
    Linear,
    Network,
    Tanh,
    check_cost,
    check_layer,
    numerical_gradient,
)


class BuggyLinear(Layer):
    """A student's Linear whose bias gradient forgets the batch sum, and w is transposed."""

    def __init__(self, n_in, n_out, bug="db"):
        rng = np.random.default_rng(0)
        self.w = rng.normal(size=(n_out, n_in))
        self.b = np.zeros((1, n_out))
        self.bug = bug
        self.zero_gradients = lambda: None
        self.dw, self.db = np.zeros_like(self.w), np.zeros_like(self.b)

    def forward(self, x_in):
        self.x_in = x_in
        return x_in @ self.w.T + self.b

    def backward(self, d_out):
        self.dw += d_out.T @ self.x_in
        self.db += d_out[:1] if self.bug == "db" else d_out.sum(0, keepdims=True)
        return d_out @ self.w if self.bug != "d_in" else 2 * d_out @ self.w

    def parameters(self):
        return {"w": self.w, "b": self.b}

    def gradients(self):
        return {"w": self.dw, "b": self.db}


def test_a_wrong_parameter_gradient_is_named_with_its_worst_element(rng):
    with pytest.raises(GradientCheckError) as info:
        check_layer(BuggyLinear(3, 2), rng.normal(size=(5, 3)))
    msg = str(info.value)
    assert "BuggyLinear: the gradient 'b' is wrong" in msg
    assert "worst element b[0, " in msg and "off by" in msg
    report = info.value.report
    assert not report.passed and [c.name for c in report.failures] == ["b"]
    assert report["w"].passed and report["d_in"].passed


def test_a_wrong_input_gradient_is_reported(rng):
    report = check_layer(
        BuggyLinear(3, 2, bug="d_in"), rng.normal(size=(5, 3)), raise_on_failure=False
    )
    assert [c.name for c in report.failures] == ["d_in"]
    worst = report["d_in"]
    assert worst.analytic == pytest.approx(2 * worst.numeric)
    assert "FAIL d_in" in str(report)


def test_layer_returning_none_fails_cleanly(rng):
    class Forgetful(Layer):
        def forward(self, x_in):
            return x_in**2

        def backward(self, d_out):
            return None

    report = check_layer(Forgetful(), rng.normal(size=(2, 2)), raise_on_failure=False)
    assert not report.passed


def test_check_runs_on_a_float64_copy_and_leaves_the_layer_alone(rng):
    layer = Linear(3, 2, generator=0)
    w = layer.w.copy()
    report = check_layer(layer, rng.normal(size=(4, 3)).astype(np.float32))
    assert report.passed
    assert layer.w.dtype == np.float32 and np.array_equal(layer.w, w)
    assert layer.x_in is None


def test_check_layer_with_given_d_out(rng):
    net = Network([Linear(3, 4, generator=0), Tanh()])
    d_out = rng.normal(size=(5, 4))
    assert check_layer(net, rng.normal(size=(5, 3)), d_out=d_out).passed
    with pytest.raises(ValueError, match="d_out must have the layer output's shape"):
        check_layer(net, rng.normal(size=(5, 3)), d_out=np.ones((5, 3)))


def test_check_cost_catches_a_missing_batch_mean(rng):
    class SloppyMSE(Cost):
        def estimate(self, target, prediction):
            self.target, self.prediction = target, prediction
            return float(np.mean((prediction - target) ** 2))

        def gradient(self, cost=None):
            return 2 * (self.prediction - self.target)  # forgot / size

    with pytest.raises(GradientCheckError, match="SloppyMSE: the gradient 'd_prediction'"):
        check_cost(SloppyMSE(), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))


def test_missing_gradient_entry_is_explained(rng):
    class NoGrads(BuggyLinear):
        def gradients(self):
            return {"w": self.dw}

    with pytest.raises(ValueError, match=r"gradients\(\) lacks \['b'\]"):
        check_layer(NoGrads(3, 2), rng.normal(size=(2, 3)))


def test_numerical_gradient_restores_its_input():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    copy = x.copy()
    g = numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    np.testing.assert_allclose(g, np.cos(copy), atol=1e-9)
    np.testing.assert_array_equal(x, copy)


@settings(max_examples=15, deadline=None)
@given(
    batch=st.integers(1, 4),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_linear_tanh_gradients_hold_for_any_shape(batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    net = Network([Linear(n_in, n_out, generator=seed, initial_sigma=1.0), Tanh()])
    check_layer(net, rng.normal(size=(batch, n_in)), atol=1e-8, rtol=1e-6)


def test_a_layer_keeping_float32_parameters_in_a_dict_is_checked_in_float64(rng, tight):
    class DictAffine(Layer):
        def __init__(self):
            self.params = {"w": np.float32(0.5) * np.ones((3, 2), np.float32)}
            self.grads = {"w": np.zeros((3, 2), np.float32)}

        def forward(self, x_in):
            self.x_in = x_in
            return np.sin(x_in @ self.params["w"])

        def backward(self, d_out):
            d_pre = d_out * np.cos(self.x_in @ self.params["w"])
            self.grads["w"] += self.x_in.T @ d_pre
            return d_pre @ self.params["w"].T

        def parameters(self):
            return self.params

        def gradients(self):
            return self.grads

    report = check_layer(DictAffine(), rng.normal(size=(4, 3)), **tight)
    assert report.passed and report["w"].size == 6
