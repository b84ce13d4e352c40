"""Argument checks shared by the optimizers and the schedulers.

Each returns the value normalised (a float, int or bool) or raises TypeError (wrong
kind) / ValueError (out of range) whose message names the argument, the value got and
what to pass instead.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np


def check_real(
    name: str, value, low=None, high=None, low_open=False, high_open=False, hint: str = ""
) -> float:
    """Return ``value`` as a float after checking it is a finite real number in range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__} {value!r}"
            + (f"; {hint}" if hint else "")
        )
    v = float(value)
    bad = not math.isfinite(v)
    if low is not None and (v <= low if low_open else v < low):
        bad = True
    if high is not None and (v >= high if high_open else v > high):
        bad = True
    if bad:
        parts = ["a finite number"] if not math.isfinite(v) else []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high:g}")
        need = " ".join(parts[:1]) + (" " if len(parts) > 1 else "") + " and ".join(parts[1:])
        if parts and parts[0] != "a finite number":
            need = " and ".join(parts)
        raise ValueError(f"{name} must be {need}, got {value!r}" + (f"; {hint}" if hint else ""))
    return v


def check_int(name: str, value, low=None, hint: str = "") -> int:
    """Return ``value`` as an int after checking it is an integer >= ``low``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}"
            + (f"; {hint}" if hint else "")
        )
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}" + (f"; {hint}" if hint else ""))
    return int(value)


def check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_lr(value, name: str = "lr") -> float:
    return check_real(name, value, low=0.0, hint="pass a non-negative learning rate")


def check_choice(name: str, value, options: tuple):
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value
