"""Layer API (seed 003): every layer against central differences, plus the API's contract."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.manual import (
    Layer,
    LeakyReLU,
    Linear,
    MeanSquareError,
    Network,
    ReLU,
    Sigmoid,
    SoftMax,
    Tanh,
    check_layer,
)

LAYERS = {
    "Linear": lambda: Linear(5, 3, generator=0),
    "Linear-xavier": lambda: Linear(5, 3, init="xavier", generator=1),
    "Sigmoid": Sigmoid,
    "Tanh": Tanh,
    "ReLU": ReLU,
    "LeakyReLU": lambda: LeakyReLU(0.1),
    "SoftMax": SoftMax,
    "Network": lambda: Network(
        [Linear(5, 4, generator=0), Tanh(), Linear(4, 4, generator=1), ReLU(), SoftMax()]
    ),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_matches_central_differences(name, rng, tight):
    layer = LAYERS[name]()
    x = rng.normal(size=(6, 5))
    report = check_layer(layer, x, **tight)
    assert report.passed
    expected = {"d_in"} | set(layer.parameters())
    assert {c.name for c in report.checks} == expected


def test_linear_shapes_and_dtype_follow_the_seed():
    layer = Linear(4, 3, generator=0)
    assert layer.w.shape == (3, 4) and layer.b.shape == (1, 3)
    assert layer.w.dtype == np.float32 and layer.dw.dtype == np.float32
    assert np.all(layer.b == 0)
    assert abs(float(layer.w.std()) - 0.1) < 0.08  # initial_sigma * randn
    out = layer.forward(np.ones((2, 4), dtype=np.float32))
    assert out.dtype == np.float32 and out.shape == (2, 3)


def test_linear_runs_in_float64_when_asked():
    layer = Linear(4, 3, generator=0, dtype=np.float64)
    out = layer.forward(np.ones((2, 4)))
    layer.backward(np.ones_like(out))
    assert out.dtype == layer.dw.dtype == layer.db.dtype == np.float64


def test_same_generator_seed_gives_same_weights():
    assert np.array_equal(Linear(4, 3, generator=7).w, Linear(4, 3, generator=7).w)
    assert not np.array_equal(Linear(4, 3, generator=7).w, Linear(4, 3, generator=8).w)


def test_init_schemes():
    n_in, n_out = 400, 300
    xavier = Linear(n_in, n_out, init="xavier", generator=0).w
    assert np.abs(xavier).max() <= np.sqrt(6 / (n_in + n_out))
    he = Linear(n_in, n_out, init="he", generator=0, dtype=np.float64).w
    assert abs(he.std() - np.sqrt(2 / n_in)) < 0.01 * np.sqrt(2 / n_in) * 5
    assert np.all(Linear(3, 2, init="zeros").w == 0)


def test_gradients_accumulate_until_zeroed(rng):
    layer = Linear(3, 2, generator=0, dtype=np.float64)
    x, d = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer.forward(x)
    layer.backward(d)
    once = layer.dw.copy(), layer.db.copy()
    np.testing.assert_allclose(once[0], d.T @ x)
    np.testing.assert_allclose(once[1], d.sum(0, keepdims=True))
    layer.backward(d)
    np.testing.assert_allclose(layer.dw, 2 * once[0])
    np.testing.assert_allclose(layer.db, 2 * once[1])
    layer.zero_gradients()
    assert not layer.dw.any() and not layer.db.any()


def test_update_parameters_takes_one_gradient_step(rng):
    layer = Linear(3, 2, generator=0, dtype=np.float64)
    layer.forward(rng.normal(size=(4, 3)))
    layer.backward(rng.normal(size=(4, 2)))
    w, b = layer.w.copy(), layer.b.copy()
    layer.update_parameters(0.1)
    np.testing.assert_allclose(layer.w, w - 0.1 * layer.dw)
    np.testing.assert_allclose(layer.b, b - 0.1 * layer.db)


def test_softmax_backward_is_the_full_jacobian_product(rng):
    x, d = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer = SoftMax()
    y = layer.forward(x)
    got = layer.backward(d)
    for n in range(3):
        jac = np.diag(y[n]) - np.outer(y[n], y[n])
        np.testing.assert_allclose(got[n], jac.T @ d[n], atol=1e-14)
    assert np.allclose(y.sum(axis=1), 1)


def test_activations_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(ReLU().forward(x), [[0, 0, 3]])
    np.testing.assert_allclose(LeakyReLU(0.01).forward(x), [[-0.02, 0, 3]])
    np.testing.assert_allclose(Sigmoid().forward(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(Tanh().forward(x), np.tanh(x))
    big = Sigmoid().forward(np.array([[-1000.0, 1000.0]]))  # no overflow warning, no NaN
    np.testing.assert_allclose(big, [[0.0, 1.0]])


def test_seed_003_tasks_2f_and_3b_a_step_lowers_the_cost(rng):
    """Random input through Linear + Sigmoid, MSE to a random target, backward, update."""
    x, target = rng.random((60, 20)), rng.random((60, 5))
    net = Network([Linear(20, 5, generator=0), Sigmoid()])
    cost = MeanSquareError()
    before = cost.estimate(target, net.forward(x))
    for _ in range(20):
        net.zero_gradients()
        c = cost.estimate(target, net.forward(x))
        net.backward(cost.gradient(c))
        net.update_parameters(0.5)
    assert cost.estimate(target, net.forward(x)) < before


def test_network_is_a_layer_with_named_parameters():
    net = Network([Linear(4, 3, generator=0), Tanh(), Linear(3, 2, generator=1)])
    assert isinstance(net, Layer) and len(net) == 3 and isinstance(net[1], Tanh)
    assert list(net.parameters()) == ["0.w", "0.b", "2.w", "2.b"]
    assert list(net.gradients()) == ["0.w", "0.b", "2.w", "2.b"]
    assert net.parameters()["2.w"] is net[2].w
    assert net.in_features == 4 and net.out_features == 2
    assert "Linear(4, 3)" in repr(net)


def test_network_backward_runs_layers_in_reverse(rng):
    net = Network([Linear(4, 3, generator=0, dtype=np.float64), Tanh()])
    x = rng.normal(size=(2, 4))
    y = net.forward(x)
    d = rng.normal(size=y.shape)
    manual = net[0].w.T @ (d * (1 - y**2)).T
    np.testing.assert_allclose(net.backward(d), manual.T)


def test_to_float64_casts_parameters_and_gradients():
    net = Network([Linear(4, 3, generator=0), Tanh()]).to(np.float64)
    assert all(p.dtype == np.float64 for p in net.parameters().values())
    assert all(g.dtype == np.float64 for g in net.gradients().values())


def test_custom_layer_gets_zero_and_update_for_free(rng, tight):
    class Scale(Layer):
        """y = a * x with one learnable vector a."""

        def __init__(self, n):
            self.a = np.ones(n)
            self.da = np.zeros(n)

        def forward(self, x_in):
            self.x_in = x_in
            return self.a * x_in

        def backward(self, d_out):
            self.da += (d_out * self.x_in).sum(axis=0)
            return d_out * self.a

        def parameters(self):
            return {"a": self.a}

        def gradients(self):
            return {"a": self.da}

    layer = Scale(3)
    assert check_layer(layer, rng.normal(size=(4, 3)), **tight).passed
    layer.forward(np.ones((2, 3)))
    layer.backward(np.ones((2, 3)))
    layer.update_parameters(0.5)
    np.testing.assert_allclose(layer.a, 0.0)
    layer.zero_gradients()
    assert not layer.da.any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overwrite_gradients_equals_zero_then_backward(rng, dtype):
    # stale gradients from an earlier backward must not leak into the next one, also
    # when d_out's dtype differs from the layer's (the casting path)
    x, d = rng.normal(size=(4, 5)).astype(dtype), rng.normal(size=(4, 3)).astype(dtype)
    a, b = Linear(5, 3, generator=0), Linear(5, 3, generator=0)
    for layer in (a, b):
        layer.forward(x)
        layer.backward(d * 3)
    a.zero_gradients()
    b.overwrite_gradients()
    for layer in (a, b):
        layer.forward(x)
        layer.backward(d)
    np.testing.assert_array_equal(a.dw, b.dw)
    np.testing.assert_array_equal(a.db, b.db)
    b.forward(x)
    b.backward(d)  # and it accumulates again afterwards
    np.testing.assert_allclose(b.dw, 2 * a.dw)


def test_network_overwrite_gradients_falls_back_to_zero_gradients(rng):
    class Plain:  # duck-typed: forward, backward and zero_gradients only
        zeroed = 0

        def forward(self, x):
            return x

        def backward(self, d):
            return d

        def zero_gradients(self):
            Plain.zeroed += 1

    net = Network([Linear(5, 3, generator=0), Plain()])
    x = rng.normal(size=(2, 5))
    net.forward(x)
    net.backward(np.ones((2, 3)))
    net.overwrite_gradients()
    assert Plain.zeroed == 1
    net.forward(x)
    net.backward(np.ones((2, 3)))
    np.testing.assert_allclose(net.layers[0].db, np.full((1, 3), 2.0))


def test_overwrite_gradients_zeroes_a_subclass_with_buffers_of_its_own(rng):
    class Scaled(Linear):  # an extra gradient buffer, zeroed by its own zero_gradients
        def __init__(self):
            super().__init__(5, 3, generator=0)
            self.dscale = np.ones(1)

        def zero_gradients(self):
            super().zero_gradients()
            self.dscale[...] = 0

    layer = Scaled()
    layer.overwrite_gradients()
    assert layer.dscale[0] == 0
