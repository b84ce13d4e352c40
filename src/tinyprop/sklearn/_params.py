"""Validation of the estimators' parameters, done in ``fit`` (scikit-learn's convention:
``__init__`` only stores them).

One policy: a value of the wrong type raises ``TypeError``, a value of the right type that
is out of range or not supported raises ``ValueError``. Every message names the
estimator, the parameter and the value it got, says what is allowed and, where there is
one, how to fix it.
"""

from __future__ import annotations

import math
import numbers
import warnings
from types import SimpleNamespace

import numpy as np

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
# scikit-learn's two stochastic solvers first, then tinyprop's extras
SOLVERS = ("sgd", "adam", "momentum", "nesterov", "adamw", "rmsprop")
SGD_SOLVERS = ("sgd", "momentum", "nesterov")  # the ones that honour ``learning_rate``
SCHEDULES = ("constant", "invscaling", "adaptive")
ENGINES = ("autograd", "manual")
DTYPES = ("float32", "float64")
REGRESSION_LOSSES = ("squared_error", "poisson")

_LBFGS = (
    "L-BFGS is a full-batch quasi-Newton method and tinyprop trains by mini-batch "
    "gradient steps only; use solver='adam' or solver='sgd', or scikit-learn's own "
    "estimator for L-BFGS"
)
MLP_UNSUPPORTED_SOLVERS = {"lbfgs": "solver='lbfgs' is not supported: " + _LBFGS}
LOGREG_UNSUPPORTED_SOLVERS = {
    name: f"solver={name!r} (scikit-learn's {what}) is not supported: tinyprop fits "
    "logistic regression by mini-batch gradient steps; use solver='adam' (the default) or "
    "'sgd', or sklearn.linear_model.LogisticRegression for this solver"
    for name, what in (
        ("lbfgs", "L-BFGS"),
        ("liblinear", "LIBLINEAR coordinate descent"),
        ("newton-cg", "Newton conjugate gradient"),
        ("newton-cholesky", "Newton-Cholesky"),
        ("sag", "stochastic average gradient"),
        ("saga", "SAGA"),
    )
}


def _name(est) -> str:
    return type(est).__name__


def bad_value(est, name: str, value, allowed: str, fix: str = "") -> ValueError:
    tail = f"; {fix}" if fix else ""
    return ValueError(f"{_name(est)}: invalid value {name}={value!r}; allowed: {allowed}{tail}")


def bad_type(est, name: str, value, allowed: str, fix: str = "") -> TypeError:
    tail = f"; {fix}" if fix else ""
    return TypeError(
        f"{_name(est)}: invalid type for {name}={value!r} (a {type(value).__name__}); "
        f"allowed: {allowed}{tail}"
    )


def choice(est, name: str, options: tuple, unsupported: dict | None = None, fix: str = ""):
    """A string among ``options``; a value in ``unsupported`` gets its own explanation."""
    value = getattr(est, name)
    allowed = "one of " + ", ".join(repr(o) for o in options)
    if value is None and None in options:
        return None
    if not isinstance(value, str):
        raise bad_type(est, name, value, allowed, fix)
    if unsupported and value in unsupported:
        raise ValueError(f"{_name(est)}: {unsupported[value]}")
    if value not in options:
        raise bad_value(est, name, value, allowed, fix)
    return value


def real(
    est,
    name: str,
    low: float,
    high: float = math.inf,
    *,
    low_open=False,
    high_open=True,
    allow_inf=False,
    hint: str = "",
) -> float:
    """A real number in the interval (``allow_inf``: ``high`` itself may be infinity)."""
    value = getattr(est, name)
    lo, hi = "(" if low_open else "[", ")" if high_open else "]"
    allowed = f"a {'' if allow_inf else 'finite '}number in {lo}{low}, {high}{hi}{hint}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise bad_type(est, name, value, allowed)
    v = float(value)
    ok = (
        not math.isnan(v)
        and (allow_inf or math.isfinite(v))
        and (v > low if low_open else v >= low)
        and (v < high if high_open else v <= high)
    )
    if not ok:
        raise bad_value(est, name, value, allowed)
    return v


def integer(est, name: str, low: int, hint: str = "", allow_inf=False):
    """An integer >= ``low`` (``allow_inf``: ``numpy.inf`` too, meaning 'never')."""
    value = getattr(est, name)
    allowed = f"an integer >= {low}{' or numpy.inf' if allow_inf else ''}{hint}"
    if allow_inf and isinstance(value, numbers.Real) and value == math.inf:
        return math.inf
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise bad_type(est, name, value, allowed)
    if value < low:
        raise bad_value(est, name, value, allowed)
    return int(value)


def flag(est, name: str) -> bool:
    value = getattr(est, name)
    if not isinstance(value, (bool, np.bool_)):
        raise bad_type(est, name, value, "True or False")
    return bool(value)


def _verbose(est) -> int:
    value = est.verbose
    allowed = "a bool or an integer >= 0"
    if not isinstance(value, (numbers.Integral, np.bool_)):
        raise bad_type(est, "verbose", value, allowed)
    if value < 0:
        raise bad_value(est, "verbose", value, allowed)
    return int(value)


def _random_state(est):
    value = est.random_state
    allowed = "None, an integer in [0, 2**32 - 1] or a numpy.random.RandomState"
    if value is None or isinstance(value, np.random.RandomState):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        fix = (
            "scikit-learn's estimators take a RandomState, not a Generator"
            if isinstance(value, np.random.Generator)
            else ""
        )
        raise bad_type(est, "random_state", value, allowed, fix)
    if not 0 <= value < 2**32:
        raise bad_value(est, "random_state", value, allowed)
    return value


def _dtype(est) -> np.dtype:
    value = est.dtype
    if isinstance(value, type) and value in (np.float32, np.float64):
        return np.dtype(value)
    if isinstance(value, np.dtype) and value.name in DTYPES:
        return value
    if not isinstance(value, str):
        raise bad_type(est, "dtype", value, "'float32' or 'float64'")
    if value not in DTYPES:
        raise bad_value(est, "dtype", value, "'float32' or 'float64'")
    return np.dtype(value)


def hidden_sizes(est) -> tuple[int, ...]:
    """``hidden_layer_sizes`` as a tuple of positive ints (a single int means one layer)."""
    value = est.hidden_layer_sizes
    allowed = "a tuple of positive integers (units per hidden layer), e.g. (100,)"
    if isinstance(value, str):
        raise bad_type(est, "hidden_layer_sizes", value, allowed)
    sizes = [value] if isinstance(value, numbers.Integral) else value
    try:
        sizes = list(sizes)
    except TypeError:
        raise bad_type(est, "hidden_layer_sizes", value, allowed) from None
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
            raise bad_type(est, "hidden_layer_sizes", value, allowed)
    if any(s < 1 for s in sizes):
        raise bad_value(est, "hidden_layer_sizes", value, allowed)
    return tuple(int(s) for s in sizes)


def check_training(est, solvers_unsupported: dict) -> SimpleNamespace:
    """The parameters every estimator here has: solver, schedule, batches, stopping."""
    batch_size = est.batch_size
    if not (isinstance(batch_size, str) and batch_size == "auto"):
        if isinstance(batch_size, str):
            raise bad_value(est, "batch_size", batch_size, "an integer >= 1 or 'auto'")
        batch_size = integer(est, "batch_size", 1, " or 'auto' (min(200, n_samples))")
    return SimpleNamespace(
        solver=choice(est, "solver", SOLVERS, solvers_unsupported),
        engine=choice(est, "engine", ENGINES),
        schedule=choice(est, "learning_rate", SCHEDULES),
        lr=real(est, "learning_rate_init", 0.0, low_open=True, hint=", e.g. 0.001"),
        power_t=real(est, "power_t", 0.0),
        momentum=real(est, "momentum", 0.0, 1.0, high_open=False),
        nesterov=flag(est, "nesterovs_momentum"),
        beta_1=real(est, "beta_1", 0.0, 1.0),
        beta_2=real(est, "beta_2", 0.0, 1.0),
        epsilon=real(est, "epsilon", 0.0, low_open=True, hint=", e.g. 1e-8"),
        batch_size=batch_size,
        tol=real(est, "tol", 0.0),
        n_iter_no_change=integer(est, "n_iter_no_change", 1, allow_inf=True),
        validation_fraction=real(est, "validation_fraction", 0.0, 1.0),
        early_stopping=flag(est, "early_stopping"),
        shuffle=flag(est, "shuffle"),
        warm_start=flag(est, "warm_start"),
        random_state=_random_state(est),
        dtype=_dtype(est),
        verbose=_verbose(est),
    )


def check_mlp(est) -> SimpleNamespace:
    """Every parameter of an MLP estimator checked and resolved into one namespace."""
    hidden = hidden_sizes(est)
    p = check_training(est, MLP_UNSUPPORTED_SOLVERS)
    p.hidden = hidden
    p.activation = choice(est, "activation", ACTIVATIONS)
    p.alpha = real(est, "alpha", 0.0)
    p.max_iter = integer(est, "max_iter", 1, " (epochs)")
    integer(est, "max_fun", 1, " (only used by solver='lbfgs', which tinyprop does not have)")
    p.loss = None
    if hasattr(est, "loss"):  # MLPRegressor
        fix = ""
        if not isinstance(est.loss, str) and est.loss is not None:
            fix = (
                "since scikit-learn 1.7 MLPRegressor's first positional parameter is loss; "
                "pass hidden_layer_sizes by keyword, e.g. MLPRegressor(hidden_layer_sizes=(32,))"
            )
        p.loss = choice(est, "loss", REGRESSION_LOSSES, fix=fix)
    return p


_L1 = (
    "L1 and elastic-net penalties need a proximal solver (scikit-learn's 'saga' or "
    "'liblinear'); tinyprop's gradient solvers support the L2 penalty only: use "
    "l1_ratio=0, or sklearn.linear_model.LogisticRegression(solver='saga', ...)"
)


def check_logreg(est) -> SimpleNamespace:
    """``LogisticRegression``'s parameters: scikit-learn's, then tinyprop's extras."""
    p = check_training(est, LOGREG_UNSUPPORTED_SOLVERS)
    p.hidden, p.activation = (), "identity"
    p.max_iter = integer(est, "max_iter", 0, " (epochs)")
    p.C = real(est, "C", 0.0, math.inf, low_open=True, high_open=False, allow_inf=True)
    penalty = est.penalty
    if penalty == "deprecated":
        if est.l1_ratio is None:
            warnings.warn(
                "'l1_ratio=None' is deprecated in scikit-learn 1.8; use l1_ratio=0 (L2)",
                FutureWarning,
                stacklevel=4,
            )
            l1 = 0.0
        else:
            l1 = real(est, "l1_ratio", 0.0, 1.0, high_open=False)
        if l1 != 0.0:
            raise ValueError(f"{_name(est)}: l1_ratio={est.l1_ratio!r} is not supported: {_L1}")
    else:
        penalty = choice(est, "penalty", ("l2", None, "l1", "elasticnet"))
        warnings.warn(
            "'penalty' is deprecated in scikit-learn 1.8 (removed in 1.10); leave it at its "
            "default and use l1_ratio=0 for 'l2' and C=numpy.inf for None",
            FutureWarning,
            stacklevel=4,
        )
        if penalty in ("l1", "elasticnet"):
            raise ValueError(f"{_name(est)}: penalty={penalty!r} is not supported: {_L1}")
        if est.l1_ratio not in (None, 0, 0.0):
            real(est, "l1_ratio", 0.0, 1.0, high_open=False)
            raise ValueError(f"{_name(est)}: l1_ratio={est.l1_ratio!r} is not supported: {_L1}")
        if penalty is None:
            p.C = math.inf
    if flag(est, "dual"):
        raise ValueError(
            f"{_name(est)}: dual=True is not supported: the dual formulation is LIBLINEAR's; "
            "tinyprop solves the primal problem, so leave dual=False"
        )
    p.fit_intercept = flag(est, "fit_intercept")
    real(est, "intercept_scaling", 0.0, low_open=True, hint=" (only used by 'liblinear')")
    cw = est.class_weight
    if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
        allowed = "None, 'balanced' or a dict {class label: weight}"
        raise (bad_value if isinstance(cw, str) else bad_type)(est, "class_weight", cw, allowed)
    p.class_weight = cw
    n_jobs = est.n_jobs
    if n_jobs is not None and (
        isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral)
    ):
        raise bad_type(est, "n_jobs", n_jobs, "None or an integer (it has no effect)")
    return p
