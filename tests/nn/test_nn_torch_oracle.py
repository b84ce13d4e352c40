"""PyTorch as the oracle for state_dict keys, batch-norm running statistics over many
steps, initialiser distributions and gradient clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn
from tinyprop.nn import init
from tinyprop.nn.utils import clip_grad_norm_, clip_grad_value_

torch = pytest.importorskip("torch")
tnn = torch.nn

pytestmark = pytest.mark.oracle


class TpMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 50)
        self.bn = nn.BatchNorm1d(50)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(50, 10)
        self.ln = nn.LayerNorm(10)

    def forward(self, x):
        return self.ln(self.fc2(self.drop(self.bn(self.fc1(x)).tanh())))


class TorchMLP(tnn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = tnn.Linear(64, 50)
        self.bn = tnn.BatchNorm1d(50)
        self.drop = tnn.Dropout(0.2)
        self.fc2 = tnn.Linear(50, 10)
        self.ln = tnn.LayerNorm(10)

    def forward(self, x):
        return self.ln(self.fc2(self.drop(torch.tanh(self.bn(self.fc1(x))))))


def test_state_dict_keys_shapes_and_named_parameters_match_torch():
    ours, theirs = TpMLP(), TorchMLP()
    sd, ref = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(ref)
    for k in sd:
        assert sd[k].shape == tuple(ref[k].shape), k
    assert sd["bn.num_batches_tracked"].dtype == np.int64
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours) == repr(theirs).replace("TorchMLP", "TpMLP")


def test_torch_state_dict_loads_and_the_models_agree():
    torch.manual_seed(0)
    theirs = TorchMLP().double()
    x = np.random.default_rng(0).standard_normal((16, 64))
    theirs.train()
    theirs.drop.p = 0.0
    theirs(torch.tensor(x))  # non-trivial running statistics
    ours = TpMLP().double()
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(
        ours(tp.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )
    # and back again: torch accepts ours
    theirs2 = TorchMLP().double()
    theirs2.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("shape", [(8, 5), (4, 5, 3)])
def test_batchnorm_running_stats_over_steps_then_eval(momentum, shape):
    m = nn.BatchNorm1d(5, momentum=momentum).double()
    t = tnn.BatchNorm1d(5, momentum=momentum).double()
    g = np.random.default_rng(7)
    for step in range(6):
        x = g.standard_normal(shape) * (1 + step) + step
        np.testing.assert_allclose(
            m(tp.tensor(x)).data, t(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
        )
        for k, v in t.state_dict().items():
            np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-12, err_msg=k)
    m.eval(), t.eval()
    x = g.standard_normal(shape)
    np.testing.assert_allclose(
        m(tp.tensor(x)).data, t(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )
    assert int(m.num_batches_tracked.item()) == 6  # eval does not count


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    m = nn.BatchNorm1d(3, track_running_stats=False).double().eval()
    t = tnn.BatchNorm1d(3, track_running_stats=False).double().eval()
    x = np.random.default_rng(0).standard_normal((6, 3)) * 3 + 1
    np.testing.assert_allclose(
        m(tp.tensor(x)).data, t(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )


# ---- initialisers -------------------------------------------------------------------------

SHAPE = (400, 300)  # 120k samples: mean/std known to well under 1%


def _stats(a):
    a = np.asarray(a, dtype=np.float64)
    return a.mean(), a.std(), a.min(), a.max()


def _assert_same_distribution(ours, theirs, uniform):
    m1, s1, lo1, hi1 = _stats(ours)
    m2, s2, lo2, hi2 = _stats(theirs)
    assert abs(m1 - m2) < 0.02 * s2
    assert abs(s1 - s2) < 0.02 * s2
    if uniform:  # same support
        assert lo1 >= lo2 - 0.01 * s2 and hi1 <= hi2 + 0.01 * s2
        assert lo1 < lo2 + 0.01 * s2 and hi1 > hi2 - 0.01 * s2


@pytest.mark.parametrize(
    "name,kwargs,uniform",
    [
        ("uniform_", {"a": -2.0, "b": 3.0}, True),
        ("normal_", {"mean": 1.5, "std": 0.5}, False),
        ("xavier_uniform_", {}, True),
        ("xavier_uniform_", {"gain": 5 / 3}, True),
        ("xavier_normal_", {"gain": 2.0}, False),
        ("kaiming_uniform_", {}, True),
        ("kaiming_uniform_", {"a": math.sqrt(5)}, True),
        ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}, True),
        ("kaiming_normal_", {"nonlinearity": "relu"}, False),
        ("kaiming_normal_", {"a": 0.2, "mode": "fan_out"}, False),
    ],
)
def test_initializer_distribution_matches_torch(name, kwargs, uniform):
    ours = getattr(init, name)(tp.empty(*SHAPE, dtype=np.float64), generator=0, **kwargs)
    theirs = getattr(tnn.init, name)(
        torch.empty(SHAPE, dtype=torch.float64),
        generator=torch.Generator().manual_seed(0),
        **kwargs,
    )
    _assert_same_distribution(ours.data, theirs.numpy(), uniform)


def test_linear_default_init_matches_torch_distribution():
    torch.manual_seed(0)
    tp.manual_seed(0)
    ours = [nn.Linear(300, 200) for _ in range(2)]
    theirs = [tnn.Linear(300, 200) for _ in range(2)]
    w1 = np.concatenate([m.weight.numpy().ravel() for m in ours])
    w2 = np.concatenate([m.weight.detach().numpy().ravel() for m in theirs])
    _assert_same_distribution(w1, w2, uniform=True)
    assert np.abs(w1).max() <= 1 / math.sqrt(300)
    b = np.concatenate([m.bias.data for m in ours])
    assert np.abs(b).max() <= 1 / math.sqrt(300) and b.std() > 0.8 / math.sqrt(3 * 300)


@pytest.mark.parametrize(
    "args",
    [
        ("linear",),
        ("sigmoid",),
        ("tanh",),
        ("relu",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("selu",),
        ("conv2d",),
    ],
)
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == pytest.approx(tnn.init.calculate_gain(*args))


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2, 2)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(tp.empty(*shape)) == (
        tnn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    )


# ---- gradient clipping ----------------------------------------------------------------------


def _grads(seed, scale):
    g = np.random.default_rng(seed)
    return [g.standard_normal(s) * scale for s in [(4, 3), (3,), (2, 2)]]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    grads = _grads(0, 2.0)
    ours = [nn.Parameter(tp.zeros(*g.shape, dtype=np.float64)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = tp.tensor(g)
        q.grad = torch.tensor(g)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(ref.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_matches_torch():
    grads = _grads(1, 3.0)
    ours = [nn.Parameter(tp.zeros(*g.shape, dtype=np.float64)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = tp.tensor(g)
        q.grad = torch.tensor(g)
    clip_grad_value_(ours, 1.25)
    torch.nn.utils.clip_grad_value_(theirs, 1.25)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, q.grad.numpy())
