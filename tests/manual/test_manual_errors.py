"""Bad input: every error says what was expected, what was received and how to fix it,
and a failed step changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.manual import (
    MLP,
    Affine,
    CrossEntropy,
    Layer,
    Linear,
    LogisticRegression,
    MeanSquareError,
    Multiply,
    Network,
    ReLU,
    SoftMax,
    SoftmaxCrossEntropy,
    Sum,
    Tanh,
    backward,
    forward,
    init_params,
    loss_accuracy,
    sgd,
    train,
)

BAD_RATES = [0, -0.1, float("nan"), float("inf")]


def _snapshot(params):
    return {k: v.copy() for k, v in params.items()}


def _unchanged(params, before):
    return all(np.array_equal(params[k], before[k]) for k in before)


# ----- shapes between layers ------------------------------------------------------------
def test_network_rejects_layers_that_do_not_connect():
    with pytest.raises(ValueError) as info:
        Network([Linear(64, 50), Tanh(), Linear(30, 10)])
    msg = str(info.value)
    assert "layer 2 (Linear)" in msg and "layer 0 (Linear)" in msg
    assert "(batch, 30)" in msg and "(batch, 50)" in msg
    assert "Linear(50, ...)" in msg  # the fix


def test_network_forward_names_the_layer_that_got_a_wrong_shape():
    net = Network([Linear(64, 50), Tanh(), Linear(50, 10)])
    with pytest.raises(ValueError) as info:
        net.forward(np.ones((8, 63)))
    msg = str(info.value)
    assert "Network layer 0 (Linear)" in msg
    assert "(batch, 64)" in msg and "(8, 63)" in msg and "Linear(63, 50)" in msg


def test_shape_error_from_a_user_layer_is_located():
    class Flatten3(Layer):  # declares no sizes, so only forward can catch the mismatch
        def forward(self, x_in):
            return x_in[:, :3]

        def backward(self, d_out):
            raise NotImplementedError

    net = Network([Linear(5, 4), Flatten3(), ReLU(), Linear(4, 2)])
    with pytest.raises(ValueError, match=r"Network layer 3 \(Linear\).*\(2, 3\)"):
        net.forward(np.ones((2, 5)))


def test_network_needs_layers():
    with pytest.raises(TypeError, match="layer 1 must be a Layer"):
        Network([Linear(2, 2), np.tanh])


def test_linear_input_must_be_2d():
    with pytest.raises(ValueError, match=r"expects a 2-D input of shape \(batch, 3\), got \(3,\)"):
        Linear(3, 2).forward(np.ones(3))
    with pytest.raises(ValueError, match="reshape"):
        Network([Linear(3, 2)]).forward(np.ones((2, 3, 1)))


def test_backward_with_a_wrong_gradient_shape():
    layer = Linear(3, 2)
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expected d_out of shape \(4, 2\).*got \(4, 3\)"):
        layer.backward(np.ones((4, 3)))
    act = Tanh()
    act.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"d_out of shape \(4, 3\)"):
        act.backward(np.ones((3, 4)))


# ----- targets --------------------------------------------------------------------------
@pytest.mark.parametrize("cost", [MeanSquareError(), CrossEntropy(), SoftmaxCrossEntropy()])
def test_costs_reject_wrong_class_counts_and_labels(cost):
    pred = np.full((4, 10), 0.1)
    with pytest.raises(ValueError, match=r"target has shape \(4, 5\).*\(4, 10\)"):
        cost.estimate(np.eye(5)[[0, 1, 2, 3]], pred)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\).*got label 10"):
        cost.estimate(np.array([0, 1, 10, 3]), pred)
    with pytest.raises(ValueError, match="got label -1"):
        cost.estimate(np.array([0, -1, 2, 3]), pred)


def test_models_reject_bad_targets_and_change_nothing():
    X = np.random.default_rng(0).normal(size=(4, 5))
    for model in (LogisticRegression(5, 3, init="normal", generator=0), MLP(5, 4, 3)):
        before = _snapshot(model.params)
        with pytest.raises(ValueError, match=r"have 4 classes.*predicts 3 classes"):
            model.fit(X, np.eye(4)[[0, 1, 2, 3]])
        with pytest.raises(ValueError, match=r"must lie in \[0, 3\).*got label 3"):
            model.fit(X, [0, 1, 2, 3])
        with pytest.raises(ValueError, match="holds 3 labels but there are 4 samples"):
            model.fit(X, [0, 1, 2])
        with pytest.raises(ValueError, match="whole numbers"):
            model.fit(X, [0.5, 1, 2, 0])
        with pytest.raises(ValueError, match="predicts 3 classes"):
            model.accuracy(X, np.eye(2)[[0, 1, 1, 0]])
        assert _unchanged(model.params, before)


def test_functional_rejects_bad_targets():
    params = init_params([3, 4, 2], generator=0)
    yhat, outputs = forward(params, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Y labels must lie in \[0, 2\)"):
        loss_accuracy(yhat, np.array([0, 2]))
    with pytest.raises(ValueError, match="Y have 3 classes"):
        backward(params, outputs, np.eye(3)[[0, 1]])


# ----- backward before forward ----------------------------------------------------------
@pytest.mark.parametrize("layer", [Linear(2, 2), Tanh(), ReLU(), SoftMax(), Network([Tanh()])])
def test_layer_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match="before forward; call forward"):
        layer.backward(np.ones((1, 2)))


def test_other_backward_before_forward():
    with pytest.raises(RuntimeError, match="before forward"):
        MLP(2, 3, 2).backward(np.ones((1, 2)), [0])
    for node in (Multiply(), Sum(), Affine()):
        with pytest.raises(RuntimeError, match="before forward"):
            node.backward(1.0)
    with pytest.raises(RuntimeError, match="before estimate"):
        SoftmaxCrossEntropy().gradient()


# ----- non-finite inputs ----------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused(bad):
    x = np.ones((3, 4))
    x[1, 2] = bad
    with pytest.raises(ValueError, match=r"must be finite.*first at index \(1, 2\)"):
        Network([Linear(4, 2)]).forward(x)
    model = MLP(4, 3, 2)
    before = _snapshot(model.params)
    with pytest.raises(ValueError, match="inputs must be finite"):
        model.fit(x, [0, 1, 0])
    assert _unchanged(model.params, before)
    with pytest.raises(ValueError, match="must be finite"):
        model.forward(x)
    with pytest.raises(ValueError, match="prediction must be finite"):
        SoftmaxCrossEntropy().estimate([0, 1, 0], x[:, :2] * np.array([1, 1]) + x[:, 2:])
    with pytest.raises(ValueError, match="X must be finite"):
        forward(init_params([4, 2]), x)
    with pytest.raises(ValueError, match="X_train must be finite"):
        train(
            Network([Linear(4, 2)]), SoftmaxCrossEntropy(), 1, 2, 0.1, x, [0, 1, 0], progress=False
        )


def test_non_numeric_inputs_are_refused():
    with pytest.raises(TypeError, match="numeric array"):
        Network([Linear(2, 2)]).forward(np.array([["a", "b"]]))


def test_model_input_size_mismatch():
    with pytest.raises(ValueError, match=r"shape \(batch, 5\), got \(2, 4\).*input_size=4"):
        MLP(5, 3, 2).forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="2 dimensions"):
        LogisticRegression(5, 2).fit(np.ones(5), [0])


# ----- learning rates -------------------------------------------------------------------
@pytest.mark.parametrize("lr", BAD_RATES)
def test_bad_learning_rates_update_nothing(lr):
    net = Network([Linear(3, 2, generator=0), Tanh(), Linear(2, 2, generator=1)])
    net.forward(np.ones((4, 3)))
    net.backward(np.ones((4, 2)))
    before = _snapshot(net.parameters())
    with pytest.raises(ValueError, match=r"learning_rate must be (a finite number )?> 0, got "):
        net.update_parameters(lr)
    with pytest.raises(ValueError, match="learning_rate"):
        net[0].update_parameters(lr)
    assert _unchanged(net.parameters(), before)
    with pytest.raises(ValueError, match="learning_rate"):
        MLP(3, 2, 2, learning_rate=lr)
    model = LogisticRegression(3, 2)
    model.learning_rate = lr
    before = _snapshot(model.params)
    with pytest.raises(ValueError, match="learning_rate"):
        model.fit(np.ones((2, 3)), [0, 1])
    assert _unchanged(model.params, before)
    params = init_params([3, 2])
    before = _snapshot(params)
    with pytest.raises(ValueError, match="learning_rate"):
        sgd(params, params, lr)
    assert _unchanged(params, before)
    with pytest.raises(ValueError, match="learning_rate"):
        train(net, SoftmaxCrossEntropy(), 1, 2, lr, np.ones((4, 3)), [0, 1, 0, 1], progress=False)


def test_learning_rate_must_be_a_number():
    match = r"learning_rate must be a real number > 0, got '0.1' \(str\)"
    with pytest.raises(TypeError, match=match):
        Linear(2, 2).update_parameters("0.1")


# ----- construction ---------------------------------------------------------------------
def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="init must be one of"):
        Linear(2, 2, init="glorot")
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(2, 3, 2, activation="gelu")
    with pytest.raises(ValueError, match="n_out must be >= 1, got 0"):
        Linear(2, 0)
    with pytest.raises(ValueError, match="nb_classes must be >= 2, got 1"):
        LogisticRegression(2, 1)
    # a whole-valued float or a bool is the wrong type for a size (one policy: TypeError)
    with pytest.raises(TypeError, match=r"n_in must be an integer >= 1, got 2.0 \(float\)"):
        Linear(2.0, 2)
    with pytest.raises(TypeError, match=r"batch_size must be an integer >= 1, got True \(bool\)"):
        train(Network([Linear(2, 2)]), MeanSquareError(), 1, True, 0.1, np.ones((2, 2)),
              np.ones((2, 2)), progress=False)
    with pytest.raises(ValueError, match="at least the input and output sizes"):
        init_params([3])
    with pytest.raises(ValueError, match="grads lack"):
        sgd(init_params([3, 2]), {}, 0.1)
    with pytest.raises(ValueError, match="pass both X_val and Y_val"):
        train(
            Network([Linear(2, 2)]),
            MeanSquareError(),
            1,
            1,
            0.1,
            np.ones((2, 2)),
            [0, 1],
            X_val=np.ones((2, 2)),
            progress=False,
        )
    with pytest.raises(ValueError, match="has 2 samples but Y_train has 3"):
        train(
            Network([Linear(2, 2)]),
            MeanSquareError(),
            1,
            1,
            0.1,
            np.ones((2, 2)),
            [0, 1, 1],
            progress=False,
        )


def test_diverged_loss_stops_before_the_update():
    model = LogisticRegression(2, 2, dtype=np.float64)
    model.params["w"][:] = [[1e308, -1e308], [1e308, -1e308]]
    before = _snapshot(model.params)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="diverged"):
        model.fit(np.full((1, 2), 10.0), [1])
    assert _unchanged(model.params, before)


def test_network_backward_names_the_layer_with_a_wrong_gradient_shape():
    net = Network([Linear(3, 4), Tanh(), Linear(4, 2)])
    net.forward(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"Network layer 2 \(Linear\) backward.*\(5, 2\)"):
        net.backward(np.ones((5, 4)))
