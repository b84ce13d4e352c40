"""Gradient checks by central differences in float64, for any hand-written layer or cost.

>>> from tinyprop.manual import Linear
>>> report = check_layer(Linear(3, 2, generator=0), np.ones((4, 3)))
>>> report.passed
True
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..gradcheck import numerical_gradient
from .layers import Array, cast_floats


@dataclass
class GradientCheck:
    """The comparison of one analytic gradient with its central-difference estimate.

    >>> from tinyprop.manual import Tanh
    >>> c = check_layer(Tanh(), np.linspace(-1, 1, 6).reshape(2, 3))["d_in"]
    >>> c.name, c.passed, c.size
    ('d_in', True, 6)
    """

    name: str
    passed: bool
    max_abs_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    tolerance: float
    size: int

    def describe(self) -> str:
        status = "ok  " if self.passed else "FAIL"
        return (
            f"{status} {self.name:<12} max |error| {self.max_abs_error:.3e} over {self.size} "
            f"element(s); worst at {self.worst_index}: analytic {self.analytic:.8g}, "
            f"numeric {self.numeric:.8g} (tolerance {self.tolerance:.1e})"
        )


@dataclass
class GradCheckReport:
    """Every gradient compared by a check; ``passed`` is True when all agree.

    >>> from tinyprop.manual import Linear
    >>> report = check_layer(Linear(3, 2, generator=0), np.ones((4, 3)))
    >>> [c.name for c in report.checks], report.failures
    (['d_in', 'w', 'b'], [])
    """

    subject: str
    checks: list[GradientCheck] = field(default_factory=list)
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-4

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[GradientCheck]:
        return [c for c in self.checks if not c.passed]

    def __getitem__(self, name: str) -> GradientCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def __str__(self) -> str:
        head = (
            f"gradient check of {self.subject} (float64, eps={self.eps:g}, "
            f"atol={self.atol:g}, rtol={self.rtol:g}): {'passed' if self.passed else 'FAILED'}"
        )
        return "\n".join([head, *("  " + c.describe() for c in self.checks)])

    def raise_if_failed(self) -> GradCheckReport:
        """Raise :class:`GradientCheckError` naming each wrong gradient; else return self."""
        if self.passed:
            return self
        lines = [
            f"{self.subject}: the gradient {c.name!r} is wrong — worst element {c.name}"
            f"{list(c.worst_index)}: backward gives {c.analytic:.8g} but central differences "
            f"give {c.numeric:.8g} (off by {abs(c.analytic - c.numeric):.3e}, tolerance "
            f"{c.tolerance:.1e})"
            for c in self.failures
        ]
        raise GradientCheckError(
            "\n".join(lines)
            + "\nFix the derivative in backward (check shapes, transposes, the batch mean and "
            "that gradients accumulate with +=).\n" + str(self),
            self,
        )


class GradientCheckError(AssertionError):
    """Raised by the checks when an analytic gradient disagrees with central differences.

    >>> bad = GradientCheck("w", False, 1.0, (0,), 2.0, 1.0, 1e-5, 1)
    >>> try:
    ...     GradCheckReport("Demo", [bad]).raise_if_failed()
    ... except GradientCheckError as e:
    ...     print(e.report.subject, [c.name for c in e.report.failures])
    Demo ['w']
    """

    def __init__(self, message: str, report: GradCheckReport) -> None:
        super().__init__(message)
        self.report = report


def compare(name: str, analytic, numeric: Array, atol: float, rtol: float) -> GradientCheck:
    """Compare one analytic gradient with its numerical estimate (``|a - n| <= atol + rtol|n|``)."""
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic is None:
        return GradientCheck(
            name,
            False,
            float("inf"),
            (),
            float("nan"),
            float(numeric.flat[0]) if numeric.size else 0.0,
            atol,
            numeric.size,
        )
    a = np.asarray(analytic, dtype=np.float64)
    if a.shape != numeric.shape:
        if a.size == numeric.size:
            a = a.reshape(numeric.shape)
        else:
            raise ValueError(
                f"the analytic gradient {name!r} has shape {a.shape} but the array it belongs "
                f"to has shape {tuple(numeric.shape)}; a gradient must have its array's shape"
            )
    err = np.abs(a - numeric)
    tol = atol + rtol * np.abs(numeric)
    if a.size == 0:
        return GradientCheck(name, True, 0.0, (), 0.0, 0.0, atol, 0)
    ratio = np.where(np.isfinite(err), err / tol, np.inf)
    worst = np.unravel_index(int(np.argmax(ratio)), a.shape)
    return GradientCheck(
        name=name,
        passed=bool(np.all(err <= tol)),
        max_abs_error=float(err.max()),
        worst_index=tuple(int(i) for i in worst),
        analytic=float(a[worst]),
        numeric=float(numeric[worst]),
        tolerance=float(tol[worst]),
        size=int(a.size),
    )


def check_gradients(
    f: Callable[[], float],
    arrays: dict[str, Array],
    analytic: dict[str, Array],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    subject: str = "function",
    raise_on_failure: bool = True,
) -> GradCheckReport:
    """Check ``analytic[name]`` against central differences of ``f`` for every live array.

    ``f()`` must recompute the scalar from the arrays in ``arrays`` (perturbed in place);
    use float64 arrays. Handy for whole models:

    >>> from tinyprop.manual import LogisticRegression
    >>> m = LogisticRegression(3, 2, init="normal", generator=0, dtype=np.float64)
    >>> X, y = np.arange(6.0).reshape(2, 3), [0, 1]
    >>> _ = m.fit(X, y, train=False); grads = m.backward(X, m.forward(X), y)
    >>> check_gradients(lambda: m.fit(X, y, train=False), m.params, grads).passed
    True
    """
    report = GradCheckReport(subject, eps=eps, atol=atol, rtol=rtol)
    for name, arr in arrays.items():
        _require_float64(arr, name, subject)
        report.checks.append(
            compare(name, analytic.get(name), numerical_gradient(f, arr, eps), atol, rtol)
        )
    return report.raise_if_failed() if raise_on_failure else report


def _layer_backward(work, x, d_out, seed, subject) -> tuple:
    """Run ``work`` forward and backward on ``x``; return ``(d_out, d_in, params, grads)``
    with ``d_out`` as float64 (random if None) and one gradient copy per parameter."""
    y = np.asarray(work.forward(x))
    if d_out is None:
        d_out = np.random.default_rng(seed).standard_normal(y.shape)
    d_out = np.array(d_out, dtype=np.float64)
    if d_out.shape != y.shape:
        raise ValueError(
            f"d_out must have the layer output's shape {tuple(y.shape)}, got {tuple(d_out.shape)}; "
            "omit d_out for a random one"
        )
    if hasattr(work, "zero_gradients"):
        work.zero_gradients()
    work.forward(x)
    d_in = work.backward(d_out.copy())
    params = work.parameters() if hasattr(work, "parameters") else {}
    grads = {k: np.array(g) for k, g in (work.gradients() if params else {}).items()}
    missing = [k for k in params if k not in grads]
    if missing:
        raise ValueError(
            f"{subject}.gradients() lacks {missing}; it must list one gradient per entry of "
            "parameters(), under the same name"
        )
    return d_out, d_in, params, grads


def check_layer(
    layer,
    x: Array,
    d_out: Array | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    seed: int = 0,
    raise_on_failure: bool = True,
    copy_layer: bool = True,
) -> GradCheckReport:
    """Check a layer's ``backward`` (input gradient and every parameter gradient) in float64.

    The scalar checked is ``sum(forward(x) * d_out)`` (``d_out`` random if not given), so
    ``backward(d_out)`` must return its gradient with respect to ``x`` and leave the
    gradient of each array of ``parameters()`` in ``gradients()`` under the same name.
    The check runs on a float64 deep copy of the layer (``copy_layer=False`` to use the
    layer itself). Returns a :class:`GradCheckReport`; raises :class:`GradientCheckError`
    naming the wrong gradient, its worst element and the error unless
    ``raise_on_failure=False``.

    >>> from tinyprop.manual import Tanh
    >>> print(check_layer(Tanh(), np.linspace(-1, 1, 6).reshape(2, 3)))  # doctest: +ELLIPSIS
    gradient check of Tanh (float64, ...): passed
      ok   d_in ...
    """
    subject = type(layer).__name__
    work = copy.deepcopy(layer) if copy_layer else layer
    cast_floats(work, np.float64)
    x = np.array(x, dtype=np.float64)  # a private copy: it is perturbed in place
    d_out, d_in, params, grads = _layer_backward(work, x, d_out, seed, subject)

    def f() -> float:
        return float(np.sum(np.asarray(work.forward(x)) * d_out))

    report = GradCheckReport(subject, eps=eps, atol=atol, rtol=rtol)
    report.checks.append(compare("d_in", d_in, numerical_gradient(f, x, eps), atol, rtol))
    for name, p in params.items():
        _require_float64(p, name, subject)
        report.checks.append(compare(name, grads[name], numerical_gradient(f, p, eps), atol, rtol))
    return report.raise_if_failed() if raise_on_failure else report


def check_cost(
    cost,
    target: Array,
    prediction: Array,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_on_failure: bool = True,
) -> GradCheckReport:
    """Check ``cost.gradient()`` against central differences of ``cost.estimate`` in float64.

    A cost that returns one value per sample is checked as the sum of those values.

    >>> from tinyprop.manual import MeanSquareError
    >>> check_cost(MeanSquareError(), np.zeros((2, 3)), np.ones((2, 3))).passed
    True
    """
    subject = type(cost).__name__
    work = copy.deepcopy(cost)
    cast_floats(work, np.float64)
    p = np.array(prediction, dtype=np.float64)
    t = np.asarray(target)
    if t.dtype.kind == "f":
        t = t.astype(np.float64)
    work.estimate(t, p)
    g = work.gradient()

    def f() -> float:
        return float(np.sum(work.estimate(t, p)))

    report = GradCheckReport(subject, eps=eps, atol=atol, rtol=rtol)
    report.checks.append(compare("d_prediction", g, numerical_gradient(f, p, eps), atol, rtol))
    return report.raise_if_failed() if raise_on_failure else report


def _require_float64(arr, name: str, subject: str) -> None:
    if not (isinstance(arr, np.ndarray) and arr.dtype == np.float64):
        raise TypeError(
            f"{subject}: parameter {name!r} must be a live float64 ndarray for the check, got "
            f"{getattr(arr, 'dtype', type(arr).__name__)}; store parameters as ndarray "
            "attributes and return those very arrays from parameters()"
        )
