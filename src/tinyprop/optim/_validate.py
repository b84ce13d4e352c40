"""Argument checks shared by the optimizers and the schedulers: thin uses of
:mod:`tinyprop._validate`, kept under the names the optimizers call.

Each returns the value normalised (a float, int or bool) or raises
:class:`~tinyprop.errors.TinypropTypeError` (a ``TypeError``: wrong kind) or
:class:`~tinyprop.errors.ConfigError` (a ``ValueError``: out of range) whose message names
the argument, the value got and what to pass instead.
"""

from __future__ import annotations

from .. import _validate


def check_real(
    name: str, value, low=None, high=None, low_open=False, high_open=False, hint: str = ""
) -> float:
    """Return ``value`` as a float after checking it is a finite real number in range.

    >>> check_real("momentum", 0.9, low=0.0, high=1.0, high_open=True)
    0.9
    """
    closed = {(False, False): "both", (True, False): "right", (False, True): "left",
              (True, True): "neither"}[(bool(low_open), bool(high_open))]
    return _validate.check_float(value, name, low=low, high=high, closed=closed,
                                 fix=hint or None)


def check_int(name: str, value, low=None, hint: str = "") -> int:
    """Return ``value`` as an int after checking it is an integer >= ``low``.

    >>> check_int("step_size", 3, low=1)
    3
    """
    return _validate.check_int(value, name, low=low, fix=hint or None)


def check_bool(name: str, value) -> bool:
    """Return ``value`` as a bool after checking it is ``True`` or ``False``."""
    return _validate.check_bool(value, name)


def check_lr(value, name: str = "lr") -> float:
    """A learning rate: a finite real number >= 0."""
    return check_real(name, value, low=0.0, hint="pass a non-negative learning rate")


def check_choice(name: str, value, options: tuple):
    """``value`` if it is one of ``options``."""
    return _validate.check_choice(value, name, options)
