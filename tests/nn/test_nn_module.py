"""Module mechanics: registration, traversal, modes, gradients, dtype, repr, copying."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn


class MLP(nn.Module):
    def __init__(self, n_in=4, n_hidden=5, n_out=3):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden, generator=0)
        self.bn = nn.BatchNorm1d(n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out, generator=1)
        self.scale = nn.Parameter(tp.ones(1))
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.register_buffer("cache", tp.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)).tanh()) * self.scale


def test_parameter_is_a_leaf_requiring_grad_and_shares_tensor_data():
    t = tp.randn(3, 2)
    p = nn.Parameter(t)
    assert isinstance(p, tp.Tensor) and p.is_leaf and p.requires_grad
    assert p.numpy() is t.numpy()
    assert nn.Parameter(tp.ones(2), requires_grad=False).requires_grad is False
    assert repr(nn.Parameter(tp.ones(2))).startswith("Parameter containing:\ntensor(")
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(tp.tensor([1, 2]))
    assert nn.Parameter().shape == (0,)


def test_seed_002_style_update_through_data():
    w = nn.Parameter(tp.randn(3, 2).float())
    (w * 2).sum().backward()
    before = w.numpy().copy()
    w.data = w.data - 0.1 * w.grad.data
    np.testing.assert_allclose(w.data, before - 0.2)
    assert (w * 1).grad_fn is not None and type(w * 1) is tp.Tensor


def test_registration_and_traversal():
    m = MLP()
    names = [n for n, _ in m.named_parameters()]
    assert names == [
        "scale",
        "fc1.weight",
        "fc1.bias",
        "bn.weight",
        "bn.bias",
        "fc2.weight",
        "fc2.bias",
    ]
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert len(list(m.parameters())) == 7
    assert [n for n, _ in m.named_buffers()] == [
        "steps",
        "cache",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
    ]
    assert [n for n, _ in m.named_children()] == ["fc1", "bn", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "bn", "fc2"]
    assert list(m.children())[1] is m.bn
    assert m.get_submodule("bn") is m.bn
    assert isinstance(m.steps, tp.Tensor) and m.steps.dtype == np.int64
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        m.nope  # noqa: B018


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(3, 3)
    m = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(m.parameters())) == 2
    assert len(list(m.modules())) == 3
    assert list(m.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as torch


def test_setattr_replaces_and_delattr_removes():
    m = MLP()
    m.fc1 = nn.Linear(4, 5)
    assert m.fc1 in list(m.children())
    m.fc2 = None
    assert "fc2" in m._modules and m.fc2 is None
    assert [n for n, _ in m.named_children()] == ["fc1", "bn"]
    del m.scale
    assert "scale" not in dict(m.named_parameters())
    with pytest.raises(AttributeError):
        m.scale  # noqa: B018
    m.note = "plain attribute"
    assert m.note == "plain attribute" and "note" not in m._parameters
    m.steps = np.ones((), dtype=np.int64)
    assert isinstance(m.steps, tp.Tensor) and int(m.steps.item()) == 1
    del m.note


def test_setattr_errors():
    m = MLP()
    with pytest.raises(TypeError, match="Parameter or None"):
        m.scale = tp.ones(1)
    with pytest.raises(TypeError, match="Module or None"):
        m.fc1 = 3
    with pytest.raises(TypeError, match="buffer"):
        m.steps = "x"

    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        NoInit()
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("fc1", tp.zeros(1))
    with pytest.raises(ValueError, match="without '.'"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.register_parameter("w", tp.ones(2))


def test_forward_missing_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="missing the required 'forward'"):
        nn.Module()(tp.ones(1))


def test_train_eval_propagate():
    m = MLP()
    assert m.training and m.bn.training
    assert m.eval() is m
    assert not m.training and not m.fc1.training and not m.bn.training
    m.train()
    assert all(mod.training for mod in m.modules())
    with pytest.raises(ValueError, match="bool"):
        m.train("no")


def test_zero_grad_and_requires_grad():
    m = MLP()
    m(tp.randn(6, 4)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.fc1.requires_grad_(False)
    m(tp.randn(6, 4)).sum().backward()
    assert m.fc1.weight.grad is None and m.fc2.weight.grad is not None


def test_apply_visits_children_first():
    m = MLP()
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "BatchNorm1d", "Linear", "MLP"]

    def init_weights(mod):
        if isinstance(mod, nn.Linear):
            nn.init.zeros_(mod.weight)

    m.apply(init_weights)
    assert np.all(m.fc1.weight.data == 0) and np.all(m.fc2.weight.data == 0)


def test_double_and_float_convert_in_place():
    m = MLP()
    params = list(m.parameters())
    m(tp.randn(6, 4)).sum().backward()
    assert m.double() is m
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in params)
    assert m.bn.running_mean.dtype == np.float64
    assert m.bn.num_batches_tracked.dtype == np.int64
    out = m(tp.randn(6, 4, dtype=np.float64))
    assert out.dtype == np.float64
    m.float()
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert m.to("cpu") is m and m.cpu() is m
    with pytest.raises(TypeError, match="float dtype"):
        m.to(np.int64)


def test_deepcopy_is_independent():
    m = MLP()
    m2 = copy.deepcopy(m)
    assert m2.fc1.weight is not m.fc1.weight
    assert isinstance(m2.fc1.weight, nn.Parameter) and m2.fc1.weight.requires_grad
    np.testing.assert_array_equal(m2.fc1.weight.data, m.fc1.weight.data)
    m2.fc1.weight.data[...] = 0
    assert not np.all(m.fc1.weight.data == 0)
    assert isinstance(m2.bn.running_mean, tp.Tensor)
    m2(tp.randn(3, 4)).sum().backward()
    assert m.fc1.weight.grad is None


def test_nested_repr():
    model = nn.Sequential(nn.Linear(64, 50), nn.Tanh(), nn.Sequential(nn.Linear(50, 10), nn.ReLU()))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=64, out_features=50, bias=True)\n"
        "  (1): Tanh()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=50, out_features=10, bias=True)\n"
        "    (1): ReLU()\n"
        "  )\n"
        ")"
    )
    assert repr(MLP()).startswith("MLP(\n  (fc1): Linear(in_features=4, out_features=5")
    assert repr(nn.Linear(3, 2, bias=False)) == "Linear(in_features=3, out_features=2, bias=False)"


def test_dir_lists_registered_names():
    d = dir(MLP())
    assert {"fc1", "bn", "scale", "steps", "forward"} <= set(d)


def test_training_step_decreases_loss():
    tp.manual_seed(0)
    x = tp.randn(64, 4)
    y = tp.tensor((x.data[:, 0] > 0).astype(np.int64))
    model = nn.Sequential(nn.Linear(4, 16, generator=0), nn.ReLU(), nn.Linear(16, 2, generator=1))
    loss_fn = nn.CrossEntropyLoss()
    first = None
    for _ in range(50):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad.data
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first
