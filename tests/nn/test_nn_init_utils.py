"""Initialisers and gradient utilities, checked against their formulas (no oracle)."""

from __future__ import annotations

import doctest
import importlib
import math
import pkgutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyprop as tp
from tinyprop import nn
from tinyprop.nn import init
from tinyprop.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def test_constant_fills_in_place_and_return_the_tensor():
    p = nn.Parameter(tp.randn(3, 2))
    data = p.numpy()
    assert init.zeros_(p) is p and np.all(p.data == 0) and p.numpy() is data
    assert np.all(init.ones_(p).data == 1)
    assert np.all(init.constant_(p, 0.25).data == 0.25)
    assert p.requires_grad and p.is_leaf
    arr = np.empty((2, 2))
    assert init.constant_(arr, 3) is arr and np.all(arr == 3)


@pytest.mark.parametrize(
    "fn,kwargs,bound",
    [
        (init.xavier_uniform_, {}, math.sqrt(6 / (200 + 300))),
        (init.kaiming_uniform_, {}, math.sqrt(2) * math.sqrt(3 / 300)),  # a=0: slope 0
        (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(300)),
        (
            init.kaiming_uniform_,
            {"mode": "fan_out", "nonlinearity": "relu"},
            math.sqrt(2) * math.sqrt(3 / 200),
        ),
        (init.uniform_, {"a": -0.3, "b": 0.3}, 0.3),
    ],
)
def test_uniform_initialisers_bounds_and_std(fn, kwargs, bound):
    w = fn(tp.empty(200, 300, dtype=np.float64), generator=0, **kwargs).data
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.02 * bound


@pytest.mark.parametrize(
    "fn,kwargs,std",
    [
        (init.xavier_normal_, {"gain": 2.0}, 2.0 * math.sqrt(2 / 500)),
        (init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / 300)),
        (init.normal_, {"mean": 0.0, "std": 0.05}, 0.05),
    ],
)
def test_normal_initialisers_std(fn, kwargs, std):
    w = fn(tp.empty(200, 300, dtype=np.float64), generator=1, **kwargs).data
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.02 * std


def test_initialisers_are_seeded():
    a = init.kaiming_normal_(tp.empty(4, 5), generator=3).numpy().copy()
    b = init.kaiming_normal_(tp.empty(4, 5), generator=3).data
    np.testing.assert_array_equal(a, b)
    tp.manual_seed(9)
    c = init.xavier_uniform_(tp.empty(4, 5)).numpy().copy()
    tp.manual_seed(9)
    np.testing.assert_array_equal(c, init.xavier_uniform_(tp.empty(4, 5)).data)


def test_init_errors():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(tp.empty(5))
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_uniform_(tp.empty(2, 2), mode="fan")
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(TypeError, match=r"negative_slope must be a real number, got True \(bool\)"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="negative_slope must be a finite number, got nan"):
        init.calculate_gain("leaky_relu", float("nan"))
    with pytest.raises(TypeError, match="in place"):
        init.zeros_([1, 2])
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(tp.empty(0, 3))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init._calculate_fan_in_and_fan_out(tp.empty(6, 2, 3, 3)) == (18, 54)


# ---- utils --------------------------------------------------------------------------------------


def _with_grads(grads):
    params = []
    for g in grads:
        p = nn.Parameter(tp.zeros(*np.shape(g), dtype=np.float64))
        p.grad = tp.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def test_clip_grad_norm_scales_only_when_needed():
    params = _with_grads([[3.0, 0.0], [0.0, 4.0]])
    total = clip_grad_norm_(params, 10.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_array_equal(params[0].grad.data, [3.0, 0.0])
    total = clip_grad_norm_(params, 1.0)
    got = np.concatenate([p.grad.data for p in params])
    np.testing.assert_allclose(got, np.array([3.0, 0, 0, 4.0]) / (5 + 1e-6))
    assert clip_grad_norm_(iter(params), 1.0, norm_type="inf" and math.inf).item() == (
        pytest.approx(0.8, rel=1e-5)
    )
    assert clip_grad_norm_([nn.Parameter(tp.zeros(2))], 1.0).item() == 0.0  # no grads


def test_clip_grad_norm_nonfinite_and_validation():
    params = _with_grads([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(params, -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_(params, 1.0, norm_type=0)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        clip_grad_norm_(3, 1.0)


def test_clip_grad_value():
    params = _with_grads([[-3.0, 0.5, 2.0]])
    clip_grad_value_(params[0], 1.0)
    np.testing.assert_array_equal(params[0].grad.data, [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(params, -1)


@settings(max_examples=30, deadline=None)
@given(
    grads=st.lists(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5), min_size=1, max_size=4),
    max_norm=st.floats(1e-3, 1e3),
)
def test_clip_grad_norm_property(grads, max_norm):
    params = _with_grads(grads)
    total = clip_grad_norm_(params, max_norm).item()
    flat = np.concatenate([np.array(g) for g in grads])
    assert total == pytest.approx(np.linalg.norm(flat), rel=1e-9, abs=1e-12)
    after = np.linalg.norm(np.concatenate([p.grad.data for p in params]))
    assert after <= max_norm * (1 + 1e-9) or after == pytest.approx(total)


def test_parameters_vector_round_trip():
    m = nn.Linear(3, 2, generator=0)
    v = parameters_to_vector(m.parameters())
    assert v.shape == (8,)
    vector_to_parameters(v.data * 0 + 1, m.parameters())
    assert np.all(m.weight.data == 1) and np.all(m.bias.data == 1)
    with pytest.raises(ValueError, match="8 values"):
        vector_to_parameters(np.zeros(3), m.parameters())


# ---- doctests ----------------------------------------------------------------------------


def _nn_modules():
    pkg = importlib.import_module("tinyprop.nn")
    return ["tinyprop.nn"] + [f"tinyprop.nn.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]


@pytest.mark.parametrize("name", _nn_modules())
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
