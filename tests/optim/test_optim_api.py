"""The Optimizer API: construction checks, zero_grad, step/closure, dtype, groups."""

from __future__ import annotations

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import optim

ALL = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


def _param(shape=(3,), dtype=np.float64, value=1.0):
    return tp.tensor(np.full(shape, value), dtype=dtype, requires_grad=True)


# ---- construction -------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_negative_lr_is_rejected_with_a_clear_message(cls):
    with pytest.raises(ValueError, match=r"lr must be >= 0, got -0\.1; pass a non-negative"):
        cls([_param()], lr=-0.1)


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("lr", [float("nan"), float("inf")])
def test_non_finite_lr_is_rejected(cls, lr):
    with pytest.raises(ValueError, match="lr must be a finite number"):
        cls([_param()], lr=lr)


@pytest.mark.parametrize("lr", ["0.1", None, True, [0.1]])
def test_non_number_lr_is_a_type_error(lr):
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.SGD([_param()], lr=lr)


@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        (optim.SGD, {"momentum": -0.5}, "momentum must be >= 0"),
        (optim.SGD, {"weight_decay": -1e-4}, "weight_decay must be >= 0"),
        (optim.SGD, {"dampening": 1.5}, "dampening must be >= 0 and <= 1"),
        (optim.SGD, {"nesterov": True}, "nesterov=True needs momentum > 0"),
        (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "zero dampening|= 0"),
        (optim.Adam, {"betas": (1.0, 0.999)}, r"betas\[0\] must be >= 0 and < 1"),
        (optim.Adam, {"betas": (0.9, -0.1)}, r"betas\[1\] must be >= 0 and < 1"),
        (optim.Adam, {"eps": -1e-8}, "eps must be >= 0"),
        (optim.AdamW, {"weight_decay": float("nan")}, "weight_decay must be a finite"),
        (optim.RMSprop, {"alpha": 1.5}, "alpha must be >= 0 and <= 1"),
        (optim.RMSprop, {"momentum": -0.1}, "momentum must be >= 0"),
        (optim.Adagrad, {"lr_decay": -0.1}, "lr_decay must be >= 0"),
        (optim.Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    ],
)
def test_bad_hyperparameters_are_rejected(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls([_param()], **kwargs)


@pytest.mark.parametrize(
    "cls, kwargs",
    [(optim.Adam, {"betas": 0.9}), (optim.Adam, {"amsgrad": 1}), (optim.SGD, {"nesterov": "no"})],
)
def test_wrong_kinds_of_hyperparameters_are_type_errors(cls, kwargs):
    with pytest.raises(TypeError):
        cls([_param()], **kwargs)


def test_empty_parameter_list_is_rejected():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))


def test_a_single_tensor_or_a_set_is_rejected():
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(_param(), lr=0.1)
    with pytest.raises(TypeError, match="set"):
        optim.SGD({_param()}, lr=0.1)


def test_non_tensor_params_are_rejected():
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.zeros(3)], lr=0.1)


def test_integer_tensor_is_rejected():
    with pytest.raises(TypeError, match="floating-point"):
        optim.SGD([tp.tensor([1, 2, 3])], lr=0.1)


def test_non_leaf_tensor_is_rejected():
    w = _param()
    with pytest.raises(ValueError, match="non-leaf"):
        optim.Adam([w * 2])


def test_parameter_in_two_groups_is_rejected():
    w, b = _param(), _param()
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w, b]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([w, w], lr=0.1)


def test_group_hyperparameters_are_validated():
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optim.SGD([{"params": [_param()]}, {"params": [_param()], "lr": -1.0}], lr=0.1)


def test_add_param_group_fills_defaults_and_checks():
    w, b = _param(), _param()
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["params"] == [b]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="'params'"):
        opt.add_param_group({"lr": 0.1})
    with pytest.raises(TypeError, match="dict"):
        opt.add_param_group([w])
    assert len(opt.param_groups) == 2


def test_named_parameters_are_accepted():
    w, b = _param((2, 2)), _param()
    opt = optim.Adam([("w", w), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [w, b]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_defaults_match_pytorch():
    p = [_param()]
    assert optim.SGD(p).defaults["lr"] == 1e-3
    a = optim.Adam(p).defaults
    assert (a["lr"], a["betas"], a["eps"], a["weight_decay"]) == (1e-3, (0.9, 0.999), 1e-8, 0)
    assert optim.AdamW(p).defaults["weight_decay"] == 1e-2
    r = optim.RMSprop(p).defaults
    assert (r["lr"], r["alpha"], r["eps"]) == (1e-2, 0.99, 1e-8)
    g = optim.Adagrad(p).defaults
    assert (g["lr"], g["eps"], g["initial_accumulator_value"]) == (1e-2, 1e-10, 0)


# ---- zero_grad, step, closure ---------------------------------------------------------
def test_zero_grad_sets_to_none_or_fills_zeros():
    w = _param()
    (w * w).sum().backward()
    opt = optim.SGD([w], lr=0.1)
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and np.all(w.grad.data == 0)
    opt.zero_grad()
    assert w.grad is None


def test_closure_is_called_with_grad_enabled_and_its_loss_returned():
    w = _param(value=2.0)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        assert tp.is_grad_enabled()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tp.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(12.0)
    np.testing.assert_allclose(w.data, 2.0 - 0.1 * 4.0)
    assert opt.step() is None


@pytest.mark.parametrize("cls", ALL)
def test_parameters_without_grad_are_skipped(cls):
    w, frozen = _param(), _param(value=5.0)
    opt = cls([w, frozen], lr=0.1)
    w.grad = tp.tensor(np.ones(3))
    for _ in range(3):
        opt.step()
    assert np.all(frozen.data == 5.0)
    assert frozen not in opt.state or not opt.state[frozen]
    assert np.all(w.data != 1.0)


@pytest.mark.parametrize("cls", ALL)
def test_update_is_in_place(cls):
    w = _param((4, 3))
    arr = w.numpy()
    opt = cls([w], lr=0.1)
    w.grad = tp.tensor(np.ones((4, 3)))
    opt.step()
    assert w.numpy() is arr and np.all(arr != 1.0)


def test_grad_shape_mismatch_is_reported():
    w = _param((2, 3))
    opt = optim.SGD([w], lr=0.1)
    w.grad = tp.tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) for a parameter of shape"):
        opt.step()


def test_changing_group_lr_takes_effect():
    w = _param(value=0.0)
    opt = optim.SGD([w], lr=0.1)
    w.grad = tp.tensor(np.ones(3))
    opt.step()
    opt.param_groups[0]["lr"] = 1.0
    opt.step()
    np.testing.assert_allclose(w.data, -1.1)


def test_float32_stays_float32(case, helpers):
    name, kwargs, groups, sign = case
    params, opt, problem = helpers.make_tinyprop(
        helpers.tp_class(name), kwargs, groups, dtype=np.float32
    )
    helpers.drive(params, opt, problem, steps=10, sign=sign)
    for p in params:
        assert p.data.dtype == np.float32 and np.all(np.isfinite(p.data))
        for v in opt.state[p].values():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32
    # and float32 agrees with float64 to float32 accuracy
    ref, opt64, _ = helpers.make_tinyprop(helpers.tp_class(name), kwargs, groups)
    helpers.drive(ref, opt64, problem, steps=10, sign=sign)
    for p, r in zip(params, ref):
        np.testing.assert_allclose(p.data, r.data, atol=1e-4)


def test_repr_lists_groups():
    text = repr(optim.Adam([_param()], lr=0.5))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text
