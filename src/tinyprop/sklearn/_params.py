"""Validation of the estimators' parameters, done in ``fit`` (scikit-learn's convention:
``__init__`` only stores them). Every error is a ``ValueError`` that names the parameter,
the value it got and what is allowed."""

from __future__ import annotations

import math
import numbers
from types import SimpleNamespace

import numpy as np

from ..train.config import OPTIMIZERS

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
SOLVERS = OPTIMIZERS  # sgd, momentum, nesterov, adam, adamw, rmsprop
ENGINES = ("autograd", "manual")
DTYPES = ("float32", "float64")


def _invalid(est, name: str, value, allowed: str) -> ValueError:
    return ValueError(f"{type(est).__name__}: invalid value {name}={value!r}; allowed: {allowed}")


def choice(est, name: str, options: tuple) -> str:
    value = getattr(est, name)
    if not isinstance(value, str) or value not in options:
        raise _invalid(est, name, value, "one of " + ", ".join(repr(o) for o in options))
    return value


def _real(
    est,
    name: str,
    low: float,
    high: float = math.inf,
    *,
    low_open=False,
    high_open=True,
    hint: str = "",
) -> float:
    value = getattr(est, name)
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > low if low_open else value >= low)
        and (value < high if high_open else value <= high)
    )
    if not ok:
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise _invalid(est, name, value, f"a finite number in {lo}{low}, {high}{hi}{hint}")
    return float(value)


def _int(est, name: str, low: int, hint: str = "") -> int:
    value = getattr(est, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise _invalid(est, name, value, f"an integer >= {low}{hint}")
    return int(value)


def _flag(est, name: str) -> bool:
    value = getattr(est, name)
    if not isinstance(value, (bool, np.bool_)):
        raise _invalid(est, name, value, "True or False")
    return bool(value)


def hidden_sizes(est) -> tuple[int, ...]:
    """``hidden_layer_sizes`` as a tuple of positive ints (a single int means one layer)."""
    value = est.hidden_layer_sizes
    sizes = [value] if isinstance(value, numbers.Integral) else value
    try:
        sizes = list(sizes)
    except TypeError:
        sizes = None
    if sizes is None or any(
        isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes
    ):
        raise _invalid(
            est,
            "hidden_layer_sizes",
            value,
            "a tuple of positive integers (units per hidden layer), e.g. (100,)",
        )
    return tuple(int(s) for s in sizes)


def check_params(est, hidden: tuple[int, ...], activation: str) -> SimpleNamespace:
    """Every parameter of ``est`` checked and resolved into one namespace."""
    batch_size = est.batch_size
    if not (isinstance(batch_size, str) and batch_size == "auto"):
        batch_size = _int(est, "batch_size", 1, " or 'auto' (min(200, n_samples))")
    dtype = est.dtype
    name = (
        np.dtype(dtype).name
        if isinstance(dtype, type) and dtype in (np.float32, np.float64)
        else dtype
    )
    if name not in DTYPES:
        raise _invalid(est, "dtype", dtype, "'float32' or 'float64'")
    if not isinstance(est.verbose, numbers.Integral) or est.verbose < 0:
        raise _invalid(est, "verbose", est.verbose, "a bool or an integer >= 0")
    return SimpleNamespace(
        hidden=hidden,
        activation=activation,
        solver=choice(est, "solver", SOLVERS),
        engine=choice(est, "engine", ENGINES),
        lr=_real(est, "learning_rate_init", 0.0, low_open=True, hint=", e.g. 0.001"),
        alpha=_real(est, "alpha", 0.0),
        momentum=_real(est, "momentum", 0.0, 1.0),
        batch_size=batch_size,
        max_iter=_int(est, "max_iter", 1, " (epochs)"),
        tol=_real(est, "tol", 0.0),
        n_iter_no_change=_int(est, "n_iter_no_change", 1),
        validation_fraction=_real(est, "validation_fraction", 0.0, 1.0, low_open=True),
        early_stopping=_flag(est, "early_stopping"),
        shuffle=_flag(est, "shuffle"),
        warm_start=_flag(est, "warm_start"),
        dtype=np.dtype(name),
        verbose=int(est.verbose),
    )
