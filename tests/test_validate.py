"""The one validation policy (``tinyprop._validate``) and the checkers built on it.

Wrong type -> TypeError, wrong value -> ValueError, both from the error family; the
message is "<name> must be <expected>, got <got>; <fix>"; bool and integral floats are not
integers; every integer checker in data, optim, viz and train agrees on that.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pytest

from tinyprop._validate import (
    check_bool,
    check_choice,
    check_finite,
    check_float,
    check_int,
    check_scalar,
    describe,
    interval,
    message,
    type_error,
    value_error,
)
from tinyprop.errors import ConfigError, DataError, TinypropError, TinypropTypeError

# ---- check_scalar ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, kind, expected",
    [
        (3, int, 3),
        (np.int64(3), int, 3),
        (np.uint8(3), numbers.Integral, 3),
        (3, float, 3.0),
        (0.5, float, 0.5),
        (np.float32(0.5), numbers.Real, 0.5),
        (True, bool, True),
        (np.False_, bool, False),
    ],
)
def test_accepted_values_come_back_normalised(value, kind, expected):
    got = check_scalar(value, "x", kind)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    "value, kind, text",
    [
        (True, int, "x must be an integer, got True (bool)"),
        (np.True_, int, "x must be an integer, got True (bool)"),
        (2.0, int, "x must be an integer, got 2.0 (float)"),
        (np.float64(2.0), int, "x must be an integer, got 2.0 (float64)"),
        ("2", int, "x must be an integer, got '2' (str)"),
        (None, int, "x must be an integer, got None (NoneType)"),
        (False, float, "x must be a real number, got False (bool)"),
        ("0.1", float, "x must be a real number, got '0.1' (str)"),
        ([0.1], float, "x must be a real number, got [0.1] (list)"),
        (1, bool, "x must be True or False, got 1 (int)"),
        ("yes", bool, "x must be True or False, got 'yes' (str)"),
    ],
)
def test_wrong_type_is_a_family_type_error(value, kind, text):
    with pytest.raises(TinypropTypeError) as info:
        check_scalar(value, "x", kind)
    assert isinstance(info.value, TypeError) and isinstance(info.value, TinypropError)
    assert not isinstance(info.value, ValueError)
    assert str(info.value) == text


@pytest.mark.parametrize(
    "value, kwargs, text",
    [
        (0, dict(kind=int, low=1), "x must be >= 1, got 0"),
        (5, dict(kind=int, low=1, high=4), "x must be >= 1 and <= 4, got 5"),
        (0.0, dict(kind=float, low=0, closed="neither"), "x must be > 0, got 0.0"),
        (1.0, dict(kind=float, low=0, high=1, closed="left"), "x must be >= 0 and < 1, got 1.0"),
        (0.0, dict(kind=float, low=0, high=1, closed="right"), "x must be > 0 and <= 1, got 0.0"),
        (math.nan, dict(kind=float), "x must be a finite number, got nan"),
        (math.inf, dict(kind=float, low=0), "x must be a finite number >= 0, got inf"),
        (np.float32(-0.5), dict(kind=float, low=0), "x must be >= 0, got -0.5"),
    ],
)
def test_wrong_value_is_a_config_error(value, kwargs, text):
    with pytest.raises(ConfigError) as info:
        check_scalar(value, "x", **kwargs)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, TypeError)
    assert str(info.value) == text


def test_bounds_are_inclusive_as_closed_says():
    for closed, ok0, ok1 in [("both", True, True), ("left", True, False),
                             ("right", False, True), ("neither", False, False)]:
        for v, ok in ((0.0, ok0), (1.0, ok1)):
            if ok:
                assert check_float(v, "x", low=0, high=1, closed=closed) == v
            else:
                with pytest.raises(ConfigError):
                    check_float(v, "x", low=0, high=1, closed=closed)


def test_fix_expected_allow_none_and_finite():
    with pytest.raises(ConfigError, match=r"^lr must be > 0, got -1; try lr=0\.01$"):
        check_float(-1, "lr", low=0, closed="neither", fix="try lr=0.01")
    with pytest.raises(ConfigError, match=r"^learning rate must be a positive number, got -1\.0"):
        check_float(-1.0, "learning rate", low=0, closed="neither", expected="a positive number")
    with pytest.raises(TinypropTypeError, match=r"must be a positive number, got 'x' \(str\)"):
        check_float("x", "learning rate", low=0, closed="neither", expected="a positive number")
    assert check_int(None, "n", low=1, allow_none=True) is None
    with pytest.raises(TinypropTypeError):
        check_int(None, "n", low=1)
    assert check_float(math.inf, "max_norm", low=0, finite=False) == math.inf


def test_type_errors_name_the_range_too():
    with pytest.raises(TinypropTypeError, match=r"^epochs must be an integer >= 1, got 2\.0"):
        check_int(2.0, "epochs", low=1)
    with pytest.raises(TinypropTypeError, match=r"^lr must be a real number > 0, got None"):
        check_float(None, "lr", low=0, closed="neither")


def test_bad_use_of_the_helpers_is_a_plain_error():
    """A wrong ``kind`` or ``closed`` is a bug in the calling code, not a user error."""
    with pytest.raises(ValueError) as info:
        check_scalar(1, "x", str)
    assert not isinstance(info.value, TinypropError)
    with pytest.raises(ValueError) as info:
        check_scalar(1, "x", int, low=0, closed="open")
    assert not isinstance(info.value, TinypropError)


# ---- choices, bools, messages ---------------------------------------------------------


def test_check_choice():
    assert check_choice("max", "mode", ("min", "max")) == "max"
    with pytest.raises(ConfigError, match=r"^mode must be one of 'min', 'max', got 'avg'$"):
        check_choice("avg", "mode", ("min", "max"))
    with pytest.raises(TinypropTypeError, match=r"got 3 \(int\)"):
        check_choice(3, "mode", ("min", "max"))
    with pytest.raises(TinypropTypeError, match=r"got \[\] \(list\)"):
        check_choice([], "mode", ("min", "max"))
    assert check_choice(2, "order", (1, 2)) == 2  # non-string choices compare by value
    with pytest.raises(ConfigError, match="order must be one of 1, 2, got 3"):
        check_choice(3, "order", (1, 2))


def test_check_bool_refuses_numbers():
    assert check_bool(True, "shuffle") is True
    with pytest.raises(TinypropTypeError, match="shuffle must be True or False, got 0"):
        check_bool(0, "shuffle")


def test_message_pieces():
    assert message("n", ">= 1", "0") == "n must be >= 1, got 0"
    assert message("n", ">= 1", "0", "pass n=1") == "n must be >= 1, got 0; pass n=1"
    assert interval(0, None) == ">= 0" and interval(None, 1, "neither") == "< 1"
    assert interval() == ""
    assert describe(np.float64(0.1)) == "0.1" and describe("a\nb") == "'a\\nb'"
    long = describe(list(range(100)))
    assert len(long) == 80 and long.endswith("...")
    assert "\n" not in describe(np.zeros((3, 3)))
    assert isinstance(type_error("x", "an int", 1.5), TinypropTypeError)
    err = value_error("X", "finite", np.nan, error=DataError)
    assert isinstance(err, DataError) and str(err) == "X must be finite, got nan"


def test_check_finite_counts_and_locates():
    ints = np.arange(4)
    assert check_finite(ints, "y") is ints
    x = np.zeros((3, 2))
    x[1, 1], x[2, 0] = np.inf, np.nan
    with pytest.raises(DataError, match=r"^X must be finite, got 1 NaN and 1 infinite value\(s\) "
                                        r"\(first at index \(1, 1\)\); drop them$"):
        check_finite(x, "X", fix="drop them")


# ---- every integer checker agrees -----------------------------------------------------


def _checkers():
    from tinyprop.data._validate import check_positive_int as data_int
    from tinyprop.optim._validate import check_int as optim_int
    from tinyprop.train import EarlyStopping, TrainConfig, Trainer
    from tinyprop.viz._checks import check_positive_int as viz_int

    def trainer_epochs(v):
        Trainer(None, None, epochs=v)

    def config_epochs(v):
        TrainConfig(data="circles", epochs=v).resolved()

    return {
        "data": lambda v: data_int(v, "n"),
        "optim": lambda v: optim_int("n", v, low=1),
        "viz": lambda v: viz_int(v, "n"),
        "Trainer(epochs)": trainer_epochs,
        "EarlyStopping(patience)": lambda v: EarlyStopping(patience=v),
        "TrainConfig(epochs)": config_epochs,
        "check_int": lambda v: check_int(v, "n", low=1),
    }


@pytest.mark.parametrize("where", sorted(_checkers()))
def test_every_integer_checker_follows_the_one_policy(where):
    check = _checkers()[where]
    for wrong_type in (True, 2.0, np.float64(2.0), "2", None):
        if where == "TrainConfig(epochs)" and wrong_type is None:
            continue  # None means "the dataset's preset" there
        with pytest.raises(TinypropTypeError):
            check(wrong_type)
    with pytest.raises(ConfigError):
        check(0)
