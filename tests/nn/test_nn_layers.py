"""Layers without the oracle: gradchecks, fused-vs-composed agreement, dropout, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyprop as tp
from tinyprop import nn
from tinyprop.nn import functional as F


def _x(shape, seed=0):
    return tp.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=np.float64)


# ---- gradient checks through the parameters ---------------------------------------------


def _as_param_fn(module, names):
    """``fn(x, *params)`` that runs ``module`` with the given tensors as its parameters."""

    def fn(x, *values):
        for name, v in zip(names, values):
            module._parameters[name] = v
        return module(x)

    return fn


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_gradcheck_batchnorm_train(shape):
    bn = nn.BatchNorm1d(3).double()
    x = _x(shape).requires_grad_()
    w = tp.tensor([0.5, 1.5, -1.0], dtype=np.float64, requires_grad=True)
    b = tp.tensor([0.1, 0.0, -0.2], dtype=np.float64, requires_grad=True)
    assert tp.gradcheck(_as_param_fn(bn, ["weight", "bias"]), [x, w, b])


def test_gradcheck_batchnorm_eval():
    bn = nn.BatchNorm1d(3).double()
    bn(_x((6, 3), seed=1) * 2 + 1)
    bn.eval()
    x = _x((4, 3)).requires_grad_()
    w = tp.tensor([0.5, 1.5, -1.0], dtype=np.float64, requires_grad=True)
    b = tp.tensor([0.1, 0.0, -0.2], dtype=np.float64, requires_grad=True)
    assert tp.gradcheck(_as_param_fn(bn, ["weight", "bias"]), [x, w, b])


@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4))])
def test_gradcheck_layernorm(shape, norm):
    ln = nn.LayerNorm(norm).double()
    g = np.random.default_rng(2)
    x = _x(shape).requires_grad_()
    w = tp.tensor(g.standard_normal(norm), requires_grad=True)
    b = tp.tensor(g.standard_normal(norm), requires_grad=True)
    assert tp.gradcheck(_as_param_fn(ln, ["weight", "bias"]), [x, w, b])


@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 2, 3)])
def test_gradcheck_linear(shape):
    lin = nn.Linear(3, 2).double()
    x = _x(shape).requires_grad_()
    w = _x((2, 3), seed=1).requires_grad_()
    b = _x((2,), seed=2).requires_grad_()
    assert tp.gradcheck(_as_param_fn(lin, ["weight", "bias"]), [x, w, b])


def test_gradcheck_mlp_through_all_parameters():
    tp.manual_seed(3)
    model = nn.Sequential(
        nn.Linear(3, 4),
        nn.BatchNorm1d(4),
        nn.ELU(),
        nn.Linear(4, 4),
        nn.LayerNorm(4),
        nn.Softplus(),
        nn.Linear(4, 2),
    ).double()
    names = [n for n, _ in model.named_parameters()]
    values = [tp.tensor(p.numpy().copy(), requires_grad=True) for p in model.parameters()]

    def fn(x, *vals):
        for name, v in zip(names, vals):
            mod_name, attr = name.rsplit(".", 1)
            model.get_submodule(mod_name)._parameters[attr] = v
        return model(x)

    assert tp.gradcheck(fn, [_x((5, 3)).requires_grad_(), *values])


# ---- fused ops agree with the composed formulas ------------------------------------------


def test_linear_fused_equals_composed():
    x = _x((6, 4)).requires_grad_()
    w = _x((3, 4), 1).requires_grad_()
    b = _x((3,), 2).requires_grad_()
    x2, w2, b2 = (tp.tensor(t.data, requires_grad=True) for t in (x, w, b))
    u = _x((6, 3), 3)
    (F.linear(x, w, b) * u).sum().backward()
    ((x2 @ w2.T + b2) * u).sum().backward()
    for a, c in ((x, x2), (w, w2), (b, b2)):
        np.testing.assert_allclose(a.grad.data, c.grad.data, rtol=1e-12, atol=1e-14)


def test_linear_and_normalisation_have_one_home_in_ops():
    from tinyprop.ops import affine, normalization

    assert F.linear is tp.linear is affine.linear
    assert F.layer_norm is tp.layer_norm is normalization.layer_norm
    assert F.batch_norm is normalization.batch_norm
    x = _x((2, 3)).requires_grad_()
    assert nn.Linear(3, 2).double()(x).grad_fn.fn is affine.LinearFunction
    assert nn.LayerNorm(3).double()(x).grad_fn.fn is normalization.Normalize
    assert nn.BatchNorm1d(3).double()(x).grad_fn.fn is normalization.Normalize


def test_nn_linear_and_the_manual_linear_agree():
    from tinyprop import manual

    rng = np.random.default_rng(4)
    x, u = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    hand = manual.Linear(3, 2, generator=0, dtype=np.float64)
    lin = nn.Linear(3, 2).double()
    lin.weight.data.copy_(tp.tensor(hand.w))
    lin.bias.data.copy_(tp.tensor(hand.b[0]))
    xt = tp.tensor(x, requires_grad=True)
    out = lin(xt)
    np.testing.assert_allclose(out.data, hand.forward(x), rtol=1e-13, atol=1e-13)
    (out * tp.tensor(u)).sum().backward()
    d_in = hand.backward(u)
    for got, want in ((xt.grad, d_in), (lin.weight.grad, hand.dw), (lin.bias.grad, hand.db[0])):
        np.testing.assert_allclose(got.data, want, rtol=1e-13, atol=1e-13)


def test_batchnorm_and_layernorm_fused_equal_composed():
    x = _x((7, 4)) * 3 + 1
    w = _x((4,), 1)
    b = _x((4,), 2)
    for axis, fused in (
        (0, lambda t: F.batch_norm(t, None, None, w, b, True)),
        (1, lambda t: F.layer_norm(t, 4, w, b)),
    ):
        x1, x2 = tp.tensor(x.data, requires_grad=True), tp.tensor(x.data, requires_grad=True)
        m = x2.mean(axis=axis, keepdims=True)
        v = x2.var(axis=axis, keepdims=True, correction=0)
        ref = (x2 - m) / (v + 1e-5).sqrt() * w + b
        out = fused(x1)
        np.testing.assert_allclose(out.data, ref.data, rtol=1e-12, atol=1e-12)
        u = _x((7, 4), 5)
        (out * u).sum().backward()
        (ref * u).sum().backward()
        np.testing.assert_allclose(x1.grad.data, x2.grad.data, rtol=1e-10, atol=1e-12)


def test_linear_weight_only_needs_no_input_grad():
    lin = nn.Linear(3, 2)
    x = tp.randn(4, 3)
    lin(x).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(lin.weight.grad.data, np.tile(x.data.sum(0), (2, 1)), rtol=1e-6)
    np.testing.assert_allclose(lin.bias.grad.data, [4.0, 4.0])


# ---- dropout --------------------------------------------------------------------------------


def test_dropout_scale_and_rate():
    x = tp.ones(200, 500)
    y = nn.Dropout(0.3, generator=0)(x).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert abs(y.mean() - 1.0) < 0.02
    assert y.dtype == np.float32


def test_dropout_gradient_is_the_mask():
    x = tp.ones(50, 40, requires_grad=True)
    y = nn.Dropout(0.5, generator=1)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)


def test_dropout_seeded_determinism():
    tp.manual_seed(5)
    a = nn.Dropout(0.5)(tp.ones(100)).data
    tp.manual_seed(5)
    b = nn.Dropout(0.5)(tp.ones(100)).data
    np.testing.assert_array_equal(a, b)
    c = nn.Dropout(0.5)(tp.ones(100)).data
    assert not np.array_equal(b, c)
    d1 = nn.Dropout(0.5, generator=7)
    d2 = nn.Dropout(0.5, generator=7)
    for _ in range(3):
        np.testing.assert_array_equal(d1(tp.ones(64)).data, d2(tp.ones(64)).data)


def test_dropout_eval_identity_and_edge_probabilities():
    x = tp.randn(5, 5)
    d = nn.Dropout(0.9).eval()
    assert d(x) is x
    assert nn.Dropout(0.0)(x) is x
    z = nn.Dropout(1.0)(tp.ones(3, 3, requires_grad=True))
    assert np.all(z.data == 0)
    assert F.dropout(x, 0.5, training=False) is x
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"in \[0, 1\]"):
            nn.Dropout(bad)
    for bad in ("0.5", True):  # the wrong type: a TypeError, as for every option
        with pytest.raises(TypeError, match=r"in \[0, 1\]"):
            nn.Dropout(bad)
    with pytest.raises(TypeError, match="floating-point"):
        F.dropout(tp.tensor([1, 2]), 0.5)


# ---- validation messages ---------------------------------------------------------------------


def test_linear_shape_error_message():
    lin = nn.Linear(64, 50)
    with pytest.raises(
        ValueError,
        match=r"Linear\(in_features=64\) got input of shape \(32, 10\): "
        r"expected last dimension 64",
    ):
        lin(tp.zeros(32, 10))
    with pytest.raises(ValueError, match="expected last dimension"):
        lin(tp.tensor(1.0))
    with pytest.raises(TypeError, match=r"dtype float64 .* float32.*x.float\(\)"):
        lin(tp.zeros(2, 64, dtype=np.float64))


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (2.0, TypeError),
                   (True, TypeError), ("4", TypeError)],
)
def test_non_positive_sizes_rejected(bad, error):
    with pytest.raises(error, match="positive integer"):
        nn.Linear(bad, 3)
    with pytest.raises(error, match="positive integer"):
        nn.Linear(3, bad)
    with pytest.raises(error, match="positive integer"):
        nn.BatchNorm1d(bad)


def test_batchnorm_validation():
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="momentum"):
            nn.BatchNorm1d(3, momentum=bad)
    for bad in ("x", True):
        with pytest.raises(TypeError, match="momentum"):
            nn.BatchNorm1d(3, momentum=bad)
    with pytest.raises(ValueError, match="eps"):
        nn.BatchNorm1d(3, eps=0)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\) got input of shape \(4, 5\)"):
        bn(tp.zeros(4, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(tp.zeros(1, 3))
    assert int(bn.num_batches_tracked.item()) == 0  # nothing half-done
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(tp.zeros(1, 3, 1), None, None, training=True)
    bn.eval()(tp.zeros(1, 3))  # fine in eval mode


def test_layernorm_validation():
    with pytest.raises(ValueError, match="trailing"):
        nn.LayerNorm((3, 4))(tp.zeros(2, 4, 3))
    with pytest.raises(ValueError, match="positive integer"):
        nn.LayerNorm(0)
    with pytest.raises(ValueError, match="at least one"):
        nn.LayerNorm(())
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(tp.zeros(2, 3), (4,))


def test_other_constructor_validation():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="beta"):
        nn.Softplus(beta=0)
    with pytest.raises(TypeError, match="negative_slope"):
        nn.LeakyReLU("a")
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="delta"):
        nn.HuberLoss(delta=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=2)
    with pytest.raises(TypeError, match="float32 or float64"):
        nn.Linear(2, 2, dtype=np.int64)
    with pytest.raises(ValueError, match="dims must lie"):
        nn.Flatten(2)(tp.zeros(3, 4))


def test_softmax_without_dim_warns_and_uses_torch_rule():
    x = tp.randn(3, 4)
    with pytest.warns(UserWarning, match="implicit dimension"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(y.data.sum(axis=1), 1.0, rtol=1e-6)


def test_layer_dtype_follows_default_and_argument():
    assert nn.Linear(2, 3).weight.dtype == np.float32
    assert nn.Linear(2, 3, dtype=np.float64).bias.dtype == np.float64
    assert nn.BatchNorm1d(3, dtype="float64").running_var.dtype == np.float64
    a = nn.Linear(5, 4, generator=11)
    b = nn.Linear(5, 4, generator=11)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    tp.manual_seed(1)
    c = nn.Linear(5, 4)
    tp.manual_seed(1)
    np.testing.assert_array_equal(c.weight.data, nn.Linear(5, 4).weight.data)


def test_batchnorm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [_x((5, 2), s) + s for s in range(4)]
    for x in batches:
        bn(x)
    means = np.mean([x.numpy().mean(0) for x in batches], 0)
    np.testing.assert_allclose(bn.running_mean.data, means)
    np.testing.assert_allclose(
        bn.running_var.data, np.mean([x.numpy().var(0, ddof=1) for x in batches], 0)
    )


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 8), c=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_batchnorm_train_output_is_standardised(n, c, seed):
    x = tp.tensor(np.random.default_rng(seed).standard_normal((n, c)) * 5 + 3)
    y = nn.BatchNorm1d(c).double()(x).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-9)
    var = x.numpy().var(0)
    np.testing.assert_allclose(y.var(0), var / (var + 1e-5), rtol=1e-6, atol=1e-9)
