"""state_dict / load_state_dict: format, snapshots, validation that changes nothing."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyprop as tp
from tinyprop import nn


def make_model(seed=0):
    return nn.Sequential(
        OrderedDict(
            [
                ("fc1", nn.Linear(4, 6, generator=seed)),
                ("bn", nn.BatchNorm1d(6)),
                ("act", nn.ReLU()),
                ("fc2", nn.Linear(6, 2, generator=seed + 1)),
            ]
        )
    )


def snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def assert_same(model, snap):
    now = model.state_dict()
    assert list(now) == list(snap)
    for k in snap:
        np.testing.assert_array_equal(now[k], snap[k], err_msg=k)


def test_format_keys_types_and_snapshot():
    m = make_model()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "fc1.weight",
        "fc1.bias",
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
        "fc2.weight",
        "fc2.bias",
    ]
    # Tensors outside the graph, as in PyTorch
    assert all(isinstance(v, tp.Tensor) and not v.requires_grad for v in sd.values())
    assert sd["fc1.weight"].shape == (6, 4) and sd["fc1.weight"].dtype == np.float32
    assert (
        sd["bn.num_batches_tracked"].shape == () and sd["bn.num_batches_tracked"].dtype == np.int64
    )
    before = sd["fc1.weight"].numpy().copy()
    m.fc1.weight.data += 1  # the state dict is a snapshot, not a view
    np.testing.assert_array_equal(sd["fc1.weight"], before)
    live = m.state_dict(keep_vars=True)
    assert live["fc1.weight"] is m.fc1.weight
    assert list(m.state_dict(prefix="model."))[0] == "model.fc1.weight"


def test_non_persistent_buffers_and_absent_params_are_left_out():
    m = nn.Module()
    m.register_buffer("keep", tp.zeros(2))
    m.register_buffer("skip", tp.zeros(2), persistent=False)
    m.register_buffer("none", None)
    m.register_parameter("absent", None)
    assert list(m.state_dict()) == ["keep"]
    assert [n for n, _ in m.named_buffers()] == ["keep", "skip"]
    assert list(nn.Linear(2, 2, bias=False).state_dict()) == ["weight"]
    assert list(nn.BatchNorm1d(3, affine=False, track_running_stats=False).state_dict()) == []


def test_round_trip_in_place_keeps_parameter_objects():
    src, dst = make_model(0), make_model(10)
    src(tp.randn(8, 4))  # move the running stats
    params = list(dst.parameters())
    arrays = [p.numpy() for p in params]
    result = dst.load_state_dict(src.state_dict())
    assert result == nn.IncompatibleKeys([], []) and result.missing_keys == []
    assert [id(p) for p in dst.parameters()] == [id(p) for p in params]
    assert all(p.numpy() is a for p, a in zip(params, arrays))  # same arrays, values copied in
    assert_same(dst, src.state_dict())
    x = tp.randn(5, 4)
    src.eval(), dst.eval()
    np.testing.assert_array_equal(src(x).data, dst(x).data)


def test_load_accepts_tensors_lists_and_casts_float64():
    m = nn.Linear(2, 2)
    m.load_state_dict(
        {"weight": tp.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float64), "bias": [0.5, -0.5]}
    )
    assert m.weight.dtype == np.float32
    np.testing.assert_array_equal(m.weight.data, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(m.bias.data, [0.5, -0.5])


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda sd: sd.pop("bn.running_var"), "missing keys: bn.running_var"),
        (lambda sd: sd.__setitem__("extra.weight", np.zeros(2)), "unexpected keys: extra.weight"),
        (
            lambda sd: sd.__setitem__("fc1.weight", np.zeros((4, 6))),
            r"fc1.weight: shape mismatch: expected \(6, 4\), got \(4, 6\)",
        ),
        (lambda sd: sd.__setitem__("fc2.bias", np.array(["a", "b"])), "fc2.bias: expected numbers"),
        (lambda sd: sd.__setitem__("bn.num_batches_tracked", np.array(1.5)), "expected integers"),
        (lambda sd: sd.__setitem__("fc2.bias", object()), "fc2.bias"),
    ],
)
def test_bad_state_dict_raises_and_changes_nothing(mutate, match):
    m = make_model(0)
    good = make_model(5).state_dict()
    mutate(good)
    before = snapshot(m)
    with pytest.raises(ValueError, match=match) as info:
        m.load_state_dict(good)
    assert "nothing was changed" in str(info.value)
    assert_same(m, before)


def test_all_problems_are_listed_together():
    m = make_model()
    sd = make_model(3).state_dict()
    sd.pop("fc1.bias")
    sd["fc2.weight"] = np.zeros((3, 3))
    sd["junk"] = np.zeros(1)
    with pytest.raises(ValueError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert "missing keys: fc1.bias" in msg and "unexpected keys: junk" in msg
    assert "fc2.weight: shape mismatch" in msg and "strict=False" in msg


def test_strict_false_returns_keys_but_still_checks_shapes():
    m = make_model()
    sd = make_model(7).state_dict()
    sd.pop("fc2.bias")
    sd["other"] = np.zeros(1)
    result = m.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(m.fc1.weight.data, sd["fc1.weight"])
    sd["fc1.weight"] = np.zeros((1, 1))
    before = snapshot(m)
    with pytest.raises(ValueError, match="shape mismatch"):
        m.load_state_dict(sd, strict=False)
    assert_same(m, before)


def test_load_state_dict_rejects_non_mappings():
    with pytest.raises(TypeError, match="mapping"):
        nn.Linear(2, 2).load_state_dict([1, 2])


def test_optimizer_style_reference_survives_load():
    m = nn.Linear(3, 2)
    held = list(m.parameters())  # what an optimizer keeps
    m.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    m(tp.ones(1, 3)).sum().backward()
    assert held[0].grad is not None
    np.testing.assert_array_equal(held[0].data, np.ones((2, 3)))


@settings(max_examples=20, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4), seed=st.integers(0, 1000))
def test_round_trip_property(sizes, seed):
    def build(s):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers += [nn.Linear(a, b, generator=s + i), nn.BatchNorm1d(b), nn.Tanh()]
        return nn.Sequential(*layers)

    src, dst = build(seed), build(seed + 100)
    src(tp.randn(4, sizes[0], generator=seed))
    dst.load_state_dict(src.state_dict())
    for (k, a), (k2, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a, b)
