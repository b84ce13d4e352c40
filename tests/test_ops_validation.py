"""The ops' argument checks follow tinyprop's one policy (:mod:`tinyprop._validate`):
a wrong type is a TinypropTypeError (a TypeError), a wrong value a ValueError from the
error family, and each message names the argument, what was expected and what was got."""

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import optim
from tinyprop.errors import ConfigError, TinypropError, TinypropTypeError
from tinyprop.ops._util import DimensionError

X = tp.ones(2, 3)


def test_dimension_error_is_in_the_family_and_an_index_and_value_error():
    with pytest.raises(DimensionError, match=r"in \[-2, 1\].*got dimension 5") as info:
        X.sum(5)
    assert isinstance(info.value, (TinypropError))
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("dim", [True, np.True_, 1.0, "0", (0, 1.0)])
def test_a_dimension_must_be_an_integer(dim):
    with pytest.raises(TinypropTypeError, match="^dim must be an integer, got"):
        X.sum(dim)


def test_integer_dimensions_of_every_kind_still_work():
    assert X.sum(np.int64(-1)).shape == (2,)
    assert X.sum([0, np.int32(1)]).shape == ()
    assert tp.ones(()).sum(0).shape == ()
    with pytest.raises(ConfigError, match="more than once"):
        X.sum((0, -2))


@pytest.mark.parametrize("keepdim", [1, 0, "yes", None])
def test_keepdim_must_be_a_bool_as_in_pytorch(keepdim):
    with pytest.raises(TinypropTypeError, match="^keepdim must be True or False"):
        X.sum(0, keepdim=keepdim)
    assert X.sum(0, keepdim=np.True_).shape == (1, 3)


def test_reduction_is_a_choice():
    with pytest.raises(ConfigError, match="reduction must be one of 'mean', 'sum', 'none'"):
        tp.cross_entropy(tp.zeros(2, 3), [0, 1], reduction="avg")
    with pytest.raises(TinypropTypeError, match="reduction must be one of"):
        tp.mse_loss(X, X, reduction=None)


def test_loss_scalars():
    ce = tp.cross_entropy
    with pytest.raises(ConfigError, match=r"label_smoothing must be a number in \[0, 1\], got 1.5"):
        ce(tp.zeros(2, 3), [0, 1], label_smoothing=1.5)
    with pytest.raises(TinypropTypeError, match="label_smoothing"):
        ce(tp.zeros(2, 3), [0, 1], label_smoothing=True)
    with pytest.raises(TinypropTypeError, match="ignore_index must be an integer, got 1.0"):
        ce(tp.zeros(2, 3), [0, 1], ignore_index=1.0)
    assert ce(tp.zeros(2, 3), [0, 1], label_smoothing=np.float32(0.1)).item() > 0
    with pytest.raises(ConfigError, match="delta must be > 0, got 0"):
        tp.huber_loss(X, X, delta=0)
    with pytest.raises(ConfigError, match="delta must be > 0, got nan"):
        tp.huber_loss(X, X, delta=float("nan"))
    # an infinite delta is PyTorch's valid input: the whole loss is quadratic (MSE / 2)
    assert tp.huber_loss(X, X * 0, delta=float("inf")).item() == (X * X / 2).mean().item()


def test_alpha_and_correction_are_real_numbers_not_converted():
    i = tp.tensor([1, 2])
    assert tp.add(i, i, alpha=np.int64(2)).dtype == i.dtype  # an int alpha keeps ints
    assert X.var(correction=np.int64(0)).item() == 0.0
    with pytest.raises(TinypropTypeError, match="add: alpha must be a real number"):
        tp.add(X, X, alpha="2")
    with pytest.raises(TinypropTypeError, match="correction must be a real number"):
        X.var(correction="1")


def test_pad_widths_and_mode():
    with pytest.raises(TinypropTypeError, match=r"pad\[0\] must be an integer, got True"):
        tp.pad(X, (True, 1))
    with pytest.raises(ConfigError, match="mode must be one of"):
        tp.pad(X, (1, 1), "wrap")
    assert tp.pad(X, (np.int64(1), 0)).shape == (2, 4)


def test_manual_seed():
    assert tp.manual_seed(np.int64(3)) is not None
    with pytest.raises(ConfigError, match="seed must be a non-negative integer, got -1"):
        tp.manual_seed(-1)
    for bad in (True, 1.0, "3", np.random.default_rng(0)):
        with pytest.raises(TinypropTypeError, match="seed must be a non-negative integer"):
            tp.manual_seed(bad)


def test_optimizer_spots():
    params = [tp.zeros(2, requires_grad=True)]
    with pytest.raises(ConfigError, match="nesterov=True needs momentum > 0"):
        optim.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(TinypropTypeError, match=r"betas must be a pair \(beta1, beta2\)"):
        optim.Adam(params, betas=0.9)
