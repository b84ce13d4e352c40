"""Anomaly detection: find the op that first produced a NaN or an infinity.

Inside ``with tp.detect_anomaly():`` every recorded graph node remembers the line of
user code that created it, every forward result and every gradient is checked, and
the first non-finite value raises :class:`AnomalyError` naming the op and that line.
It costs a check per op, so it is off by default.
"""

from __future__ import annotations

import os
import sys
import threading

import numpy as np

from .errors import NumericalError


class _Mode(threading.local):
    on = False  # every thread starts with anomaly detection off


_local = _Mode()
_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(NumericalError):
    """A NaN or infinity appeared in forward or backward while anomaly mode was on.

    >>> import tinyprop as tp
    >>> with tp.detect_anomaly():
    ...     try:
    ...         tp.sqrt(tp.tensor([-1.0], requires_grad=True))
    ...     except tp.AnomalyError:
    ...         print("caught")
    caught
    """


def enabled() -> bool:
    """True inside ``detect_anomaly()`` (this thread)."""
    return _local.on


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly checks on.

    >>> import tinyprop as tp
    >>> x = tp.tensor([-1.0], requires_grad=True)
    >>> with tp.detect_anomaly():
    ...     try:
    ...         tp.log(x)
    ...     except tp.AnomalyError as e:
    ...         print("caught")
    caught
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.mode = bool(check_nan)

    def __enter__(self):
        self.prev = enabled()
        _local.on = self.mode
        return self

    def __exit__(self, *exc) -> None:
        _local.on = self.prev

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.mode):
                return fn(*args, **kwargs)

        return wrapper


_ENGINE = tuple(os.path.join(_PKG_DIR, p) for p in (
    "ops", "nn", "manual", "optim", "function.py", "tensor.py", "autograd.py", "anomaly.py",
    "functional.py", "kernels.py", "creation.py", "gradcheck.py", "grad_mode.py"))


def creation_site() -> str:
    """``file:line in function`` of the innermost frame outside the engine's internals:
    the user's line, or the training loop's when the CLI drives the model."""
    frame = sys._getframe(1)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not path.startswith(_ENGINE):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "<unknown>"


def _bad(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype.kind in "fc" and not np.isfinite(a).all()


def check_forward(fn, out, trace) -> None:
    """Raise if the forward result of ``fn`` holds a NaN or infinity."""
    if _bad(out):
        where = trace or creation_site()
        kind = "NaN" if np.isnan(out).any() else "infinity"
        raise AnomalyError(
            f"{fn.__name__} produced {kind} in its forward pass; the op was called at {where}. "
            "Check its inputs there (e.g. log of a non-positive value, overflow in exp); "
            "a lower learning rate often helps when this happens during training"
        )


def check_backward(ctx, grads) -> None:
    """Raise if the gradients that ``ctx``'s backward returned hold a NaN or infinity."""
    for i, g in enumerate(grads):
        if g is not None and _bad(np.asarray(g)):
            raise AnomalyError(
                f"{ctx.name()} returned a non-finite gradient for its input {i}; "
                f"the op was created at {ctx.trace or '<unknown>'}. "
                "Look for division by zero, log/sqrt at 0, or exploding activations there"
            )
