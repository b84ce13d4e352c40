"""Numerical robustness (issue 8): the softmax family, sigmoid and the logit losses stay
finite and correct for logits of magnitude 1e4 in float32 and float64, forward and
backward, in both engines; gradients at edge points follow PyTorch's conventions.

References are computed here in float64 with the max-shift written out; the PyTorch
comparisons carry the ``oracle`` marker.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import manual

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow, no 0 * inf

BIG = np.array(
    [
        [1e4, -1e4, 0.0, 5e3],
        [-1e4, -1e4, -1e4, -1e4],  # all equal and very negative
        [3.0, 1e4, 1e4, -2.0],  # a tie at the top
        [1e4, 1e4 - 1.0, -1e4, 1e4 - 30.0],  # close competitors at 1e4
    ]
)
LABELS = np.array([1, 0, 2, 3])  # row 0's label has log-probability -2e4
PROBS = np.array([[0, 1, 0, 0], [0.25, 0.25, 0.25, 0.25], [0, 0.5, 0.5, 0], [0.1, 0.2, 0.3, 0.4]])
BINARY = (np.arange(16).reshape(4, 4) % 3 == 0).astype(float)
DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-6, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}


# ---- float64 references -----------------------------------------------------------------


def ref_log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def ref_softmax(x):
    return np.exp(ref_log_softmax(x))


def ref_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def ref_bce(x, t):  # max(x, 0) - x t + log(1 + exp(-|x|))
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


# name -> (tinyprop function, reference value, reference gradient given upstream g)
CASES = {
    "softmax": (
        lambda t: tp.softmax(t, axis=1),
        ref_softmax,
        lambda x, g: ref_softmax(x) * (g - (g * ref_softmax(x)).sum(axis=1, keepdims=True)),
    ),
    "log_softmax": (
        lambda t: tp.log_softmax(t, axis=1),
        ref_log_softmax,
        lambda x, g: g - ref_softmax(x) * g.sum(axis=1, keepdims=True),
    ),
    "logsumexp": (
        lambda t: tp.logsumexp(t, axis=1),
        lambda x: (x - ref_log_softmax(x))[:, 0],
        lambda x, g: ref_softmax(x) * g[:, None],
    ),
    "sigmoid": (
        tp.sigmoid,
        ref_sigmoid,
        lambda x, g: g * ref_sigmoid(x) * ref_sigmoid(-x),
    ),
    "cross_entropy_index": (
        lambda t: tp.cross_entropy(t, LABELS, reduction="none"),
        lambda x: -ref_log_softmax(x)[np.arange(4), LABELS],
        lambda x, g: (ref_softmax(x) - np.eye(4)[LABELS]) * g[:, None],
    ),
    "cross_entropy_index_mean": (
        lambda t: tp.cross_entropy(t, LABELS),
        lambda x: -ref_log_softmax(x)[np.arange(4), LABELS].mean(),
        lambda x, g: (ref_softmax(x) - np.eye(4)[LABELS]) * g / 4,
    ),
    "cross_entropy_probs": (
        lambda t: tp.cross_entropy(t, PROBS.astype(t.dtype), reduction="none"),
        lambda x: -(PROBS * ref_log_softmax(x)).sum(axis=1),
        lambda x, g: (ref_softmax(x) - PROBS) * g[:, None],
    ),
    "bce_with_logits": (
        lambda t: tp.binary_cross_entropy_with_logits(t, BINARY.astype(t.dtype), reduction="none"),
        lambda x: ref_bce(x, BINARY),
        lambda x, g: g * (ref_sigmoid(x) - BINARY),
    ),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_finite_and_correct_at_1e4(name, dtype):
    fn, ref, ref_grad = CASES[name]
    x = tp.tensor(BIG.astype(dtype), requires_grad=True)
    out = fn(x)
    assert out.dtype == dtype
    assert np.isfinite(out.data).all(), out
    np.testing.assert_allclose(out.data, ref(BIG), **TOL[dtype])
    g = np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape)
    out.backward(tp.tensor(g.astype(dtype)))
    assert x.grad.dtype == dtype and np.isfinite(x.grad.data).all(), x.grad
    tol = TOL[dtype]
    if name == "logsumexp" and dtype == np.float32:
        # its gradient is exp(x - out) with out = logsumexp rounded to float32, whose
        # spacing near 1e4 is ~1e-3: that much relative error is the format's (PyTorch's too)
        tol = dict(rtol=2e-3, atol=1e-6)
    np.testing.assert_allclose(x.grad.data, ref_grad(BIG, g), **tol)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_probabilities_are_exact_limits_at_1e4(dtype):
    p = tp.softmax(tp.tensor(BIG.astype(dtype)), axis=1).data
    assert p[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(p[1], 0.25, rtol=1e-6)
    np.testing.assert_allclose(p[2], [0, 0.5, 0.5, 0], atol=1e-7)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    s = tp.sigmoid(tp.tensor(np.array([-1e4, 1e4], dtype))).data
    assert s.tolist() == [0.0, 1.0]


# ---- the manual engine --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("targets", ["labels", "one-hot", "probabilities"])
def test_manual_softmax_cross_entropy_at_1e4(dtype, targets):
    x = BIG.astype(dtype)
    t = {"labels": LABELS, "one-hot": np.eye(4)[LABELS], "probabilities": PROBS}[targets]
    dense = np.eye(4)[LABELS] if targets != "probabilities" else PROBS
    cost = manual.SoftmaxCrossEntropy()
    value = cost.estimate(t if targets == "labels" else t.astype(dtype), x)
    grad = cost.gradient()
    assert np.isfinite(value) and np.isfinite(grad).all() and grad.dtype == dtype
    expected = -(dense * ref_log_softmax(BIG)).sum() / 4
    assert value == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(grad, (ref_softmax(BIG) - dense) / 4, **TOL[dtype])
    # the autograd engine agrees, value and gradient
    logits = tp.tensor(x, requires_grad=True)
    target = t if targets == "labels" else t.astype(dtype)
    loss = tp.cross_entropy(logits, target)
    loss.backward()
    assert loss.item() == pytest.approx(value, rel=1e-6)
    np.testing.assert_allclose(logits.grad.data, grad, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_manual_softmax_layer_and_cross_entropy_at_1e4(dtype):
    x = BIG.astype(dtype)
    layer = manual.SoftMax()
    p = layer.forward(x)
    assert p.dtype == dtype and np.isfinite(p).all()
    np.testing.assert_allclose(p, ref_softmax(BIG), **TOL[dtype])
    g = np.random.default_rng(1).uniform(0.5, 1.5, size=x.shape).astype(dtype)
    d = layer.backward(g)
    assert np.isfinite(d).all()
    ref = ref_softmax(BIG) * (g - (g * ref_softmax(BIG)).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(d, ref, **TOL[dtype])
    cost = manual.CrossEntropy()  # probabilities in: log(p + eps) keeps p == 0 finite
    assert np.isfinite(cost.estimate(LABELS, p)) and np.isfinite(cost.gradient()).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_manual_models_stay_finite_on_huge_inputs(dtype):
    X = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], dtype)
    for model in (
        manual.LogisticRegression(3, 2, learning_rate=1e-9, init="normal", dtype=dtype),
        manual.MLP(3, 4, 2, learning_rate=1e-9, activation="relu", generator=0, dtype=dtype),
    ):
        probs = model.forward(X)
        assert np.isfinite(probs).all()
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
        loss = model.fit(X, [0, 1])
        assert np.isfinite(loss)
        assert all(np.isfinite(p).all() for p in model.params.values())


# ---- PyTorch as the oracle ----------------------------------------------------------------

TORCH_FN = {
    "softmax": lambda F, t: F.softmax(t, dim=1),
    "log_softmax": lambda F, t: F.log_softmax(t, dim=1),
    "logsumexp": lambda F, t: t.logsumexp(dim=1),
    "sigmoid": lambda F, t: t.sigmoid(),
    "cross_entropy_index": lambda F, t: F.cross_entropy(
        t, _torch().tensor(LABELS), reduction="none"
    ),
    "cross_entropy_index_mean": lambda F, t: F.cross_entropy(t, _torch().tensor(LABELS)),
    "cross_entropy_probs": lambda F, t: F.cross_entropy(
        t, _torch().tensor(PROBS, dtype=t.dtype), reduction="none"
    ),
    "bce_with_logits": lambda F, t: F.binary_cross_entropy_with_logits(
        t, _torch().tensor(BINARY, dtype=t.dtype), reduction="none"
    ),
}


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_at_1e4(name, dtype):
    torch = _torch()
    F = torch.nn.functional
    x = tp.tensor(BIG.astype(dtype), requires_grad=True)
    xt = torch.tensor(BIG.astype(dtype), requires_grad=True)
    out, out_t = CASES[name][0](x), TORCH_FN[name](F, xt)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **TOL[dtype])
    g = np.random.default_rng(2).uniform(0.5, 1.5, size=out.shape).astype(dtype)
    out.backward(tp.tensor(g))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), **TOL[dtype])


def _pair(fn_tp, fn_torch, x, upstream=None):
    """Value and gradient of ``fn`` at ``x`` in tinyprop and in PyTorch (float64)."""
    torch = _torch()
    a = tp.tensor(np.array(x, np.float64), requires_grad=True)
    b = torch.tensor(np.array(x, np.float64), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ya = fn_tp(a)
        g = np.ones(ya.shape) if upstream is None else np.asarray(upstream, np.float64)
        ya.backward(tp.tensor(g))
    yb = fn_torch(b)
    yb.backward(torch.tensor(g))
    return (ya.data, a.grad.data), (yb.detach().numpy(), b.grad.numpy())


EDGES = {
    "sqrt at 0": (tp.sqrt, lambda t: t.sqrt(), [0.0, 1.0]),
    "log at 0": (tp.log, lambda t: t.log(), [0.0, 1.0]),
    "abs at +0 and -0": (tp.abs, lambda t: t.abs(), [0.0, -0.0, 2.0, -2.0]),
    "relu at 0": (tp.relu, lambda t: t.relu(), [0.0, -1.0, 1.0]),
    "leaky_relu at 0": (
        lambda t: tp.leaky_relu(t, 0.1),
        lambda t: _torch().nn.functional.leaky_relu(t, 0.1),
        [0.0, -1.0, 1.0],
    ),
    "clip at both bounds": (
        lambda t: tp.clip(t, 0.0, 1.0),
        lambda t: t.clamp(0.0, 1.0),
        [0.0, 1.0, 0.5, -1.0, 2.0],
    ),
    "clip min only": (lambda t: tp.clip(t, min=0.0), lambda t: t.clamp(min=0.0), [0.0, -1, 1]),
    "max ties (all)": (lambda t: t.max(), lambda t: t.max(), [1.0, 3.0, 3.0]),
    "min ties (all)": (lambda t: t.min(), lambda t: t.min(), [2.0, 2.0, 3.0]),
    "amax ties along a dim": (
        lambda t: tp.amax(t.reshape(2, 3), axis=1),
        lambda t: t.reshape(2, 3).amax(dim=1),
        [3.0, 3.0, 1.0, 0.0, 5.0, 5.0],
    ),
    "maximum ties": (
        lambda t: tp.maximum(t, tp.tensor([0.0, 3.0, 3.0], dtype=np.float64)),
        lambda t: _torch().maximum(t, _torch().tensor([0.0, 3.0, 3.0], dtype=t.dtype)),
        [1.0, 3.0, 5.0],
    ),
    "minimum ties": (
        lambda t: tp.minimum(t, tp.tensor([0.0, 3.0, 3.0], dtype=np.float64)),
        lambda t: _torch().minimum(t, _torch().tensor([0.0, 3.0, 3.0], dtype=t.dtype)),
        [1.0, 3.0, 5.0],
    ),
    "pow 0.5 at 0": (lambda t: t**0.5, lambda t: t**0.5, [0.0, 4.0]),
    "softplus at 0 and past threshold": (
        tp.softplus,
        lambda t: _torch().nn.functional.softplus(t),
        [0.0, 30.0, -30.0],
    ),
    "division by 0": (lambda t: 1.0 / t, lambda t: 1.0 / t, [0.0, -0.0]),
    "sqrt of a zero norm": (
        lambda t: (t * t).sum().sqrt(),
        lambda t: (t * t).sum().sqrt(),
        [0.0, 0.0],
    ),
}

EDGES.update({
    "max along a dim with ties": (
        lambda t: tp.max(t.reshape(1, 3), dim=1)[0],
        lambda t: t.reshape(1, 3).max(dim=1).values,
        [1.0, 3.0, 3.0],
    ),
    "std of a constant": (lambda t: t.std(), lambda t: t.std(), [1.0, 1.0, 1.0]),
})


def _params():
    for name, case in EDGES.items():
        yield pytest.param(*case, id=name)


@pytest.mark.oracle
@pytest.mark.parametrize("fn_tp, fn_torch, x", list(_params()))
def test_edge_point_gradients_match_torch(fn_tp, fn_torch, x):
    (va, ga), (vb, gb) = _pair(fn_tp, fn_torch, x)
    np.testing.assert_array_equal(va, vb)
    np.testing.assert_array_equal(ga, gb)
    # the sign of a zero gradient matters too (e.g. abs at -0.0)
    assert np.array_equal(np.signbit(ga), np.signbit(gb)) or not np.any(ga == 0)
