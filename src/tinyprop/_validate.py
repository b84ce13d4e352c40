"""One validation policy for every public boundary (scikit-learn's ``check_scalar`` style).

The policy
----------
- **Wrong type -> TypeError, wrong value -> ValueError.** The errors raised are from
  :mod:`tinyprop.errors`: :class:`~tinyprop.errors.TinypropTypeError` (a ``TypeError``)
  and :class:`~tinyprop.errors.ConfigError` (a ``ValueError``), or another ``ValueError``
  kind a caller names (``DataError`` for bad data).
- **One message shape:** ``"<name> must be <expected>, got <got>; <fix>"``. The first line
  stands on its own (the command line prints only it). A type error shows the value and
  its type, ``got 2.0 (float)``; a value error the value, ``got -3``.
- **Integers:** ``bool`` is not an integer (``True`` for ``batch_size`` is a TypeError, as
  in PyTorch and scikit-learn), and neither is a float with an integral value: ``2.0``
  for ``epochs`` is a TypeError too (``torch.zeros(2.0)`` and sklearn's ``check_scalar``
  refuse it the same way). NumPy integers are integers.
- **Real numbers:** ints, floats and NumPy numbers, not ``bool``; the value comes back as
  a ``float``. NaN and infinities are refused unless ``finite=False``.
- **Booleans:** ``True``/``False`` (and ``numpy.bool_``) only; ``0``/``1`` are refused.
- **Choices:** a value from a fixed set of strings; a non-string is a TypeError, an unknown
  string a ValueError listing the choices.
- **Arrays:** NaN or infinity in data is a :class:`~tinyprop.errors.DataError` (a
  ``ValueError``) counting them and naming the first index (:func:`check_finite`).

Each check returns the value normalised (``int``, ``float``, ``bool``) so callers store
what was checked.

>>> check_scalar(0.01, "lr", float, low=0, closed="neither")
0.01
>>> check_scalar(-1, "lr", float, low=0, closed="neither", fix="try lr=0.01")
Traceback (most recent call last):
...
tinyprop.errors.ConfigError: lr must be > 0, got -1; try lr=0.01
>>> check_int(2.0, "epochs", low=1)
Traceback (most recent call last):
...
tinyprop.errors.TinypropTypeError: epochs must be an integer >= 1, got 2.0 (float)
"""

from __future__ import annotations

import math
import numbers
import operator
import os

import numpy as np

from .errors import AllocationError, ConfigError, DataError, TinypropTypeError

__all__ = [
    "available_memory",
    "check_allocation",
    "check_bool",
    "check_choice",
    "check_finite",
    "check_float",
    "check_int",
    "check_scalar",
    "check_shape",
    "check_size",
    "describe",
    "lossless_cast",
    "message",
    "type_error",
    "value_error",
]

_CLOSED = ("both", "left", "right", "neither")
_KINDS = {
    int: "an integer",
    numbers.Integral: "an integer",
    float: "a real number",
    numbers.Real: "a real number",
    bool: "True or False",
}


# ---- the message ----------------------------------------------------------------------


def describe(value, limit: int = 80) -> str:
    """``value`` as it appears after "got": numbers plainly (``-0.1``, ``nan``), anything
    else by ``repr``, cut to ``limit`` characters.

    >>> describe(np.float32(0.5)), describe("fast"), describe(None)
    ('0.5', "'fast'", 'None')
    """
    if isinstance(value, (bool, np.bool_)):
        text = repr(bool(value))
    elif isinstance(value, (numbers.Number, np.number)):
        text = str(value)
    else:
        try:
            text = repr(value)
        except Exception:  # a broken __repr__ must not hide the real error
            text = f"<{type(value).__name__} object>"
    text = " ".join(text.split())  # one line
    return text if len(text) <= limit else text[: limit - 3] + "..."


def message(name: str, expected: str, got: str, fix: str | None = None) -> str:
    """``"<name> must be <expected>, got <got>; <fix>"``.

    >>> message("batch_size", ">= 1", "0", "pass e.g. batch_size=32")
    'batch_size must be >= 1, got 0; pass e.g. batch_size=32'
    """
    return f"{name} must be {expected}, got {got}" + (f"; {fix}" if fix else "")


def type_error(name: str, expected: str, value, fix: str | None = None) -> TinypropTypeError:
    """The TypeError for ``value`` (shown with its type); the caller raises it.

    >>> raise type_error("seed", "an int or None", "0")
    Traceback (most recent call last):
    ...
    tinyprop.errors.TinypropTypeError: seed must be an int or None, got '0' (str)
    """
    got = f"{describe(value)} ({type(value).__name__})"
    return TinypropTypeError(message(name, expected, got, fix))


def value_error(name: str, expected: str, value, fix: str | None = None, *,
                error: type[ValueError] = ConfigError) -> ValueError:
    """The ValueError (``error``, default ``ConfigError``) for ``value``; the caller raises it.

    >>> str(value_error("momentum", ">= 0 and < 1", 1.5))
    'momentum must be >= 0 and < 1, got 1.5'
    """
    return error(message(name, expected, describe(value), fix))


def _bound(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    return str(v)


def interval(low=None, high=None, closed: str = "both") -> str:
    """The range ``low``..``high`` in words: ``">= 0"``, ``"> 0 and <= 1"``, ``""``.

    >>> interval(0, 1, closed="left")
    '>= 0 and < 1'
    """
    if closed not in _CLOSED:
        raise ValueError(f"closed must be one of {_CLOSED}, got {closed!r}")
    parts = []
    if low is not None:
        parts.append(f"{'>=' if closed in ('both', 'left') else '>'} {_bound(low)}")
    if high is not None:
        parts.append(f"{'<=' if closed in ('both', 'right') else '<'} {_bound(high)}")
    return " and ".join(parts)


# ---- scalars --------------------------------------------------------------------------


def check_scalar(x, name: str, kind, *, low=None, high=None, closed: str = "both",
                 fix: str | None = None, expected: str | None = None, finite: bool = True,
                 allow_none: bool = False):
    """Check one scalar argument and return it normalised (``int``, ``float`` or ``bool``).

    ``kind`` is ``int`` (or ``numbers.Integral``), ``float`` (or ``numbers.Real``: ints
    are accepted and converted) or ``bool``. ``low``/``high`` bound the value, inclusive
    or not as ``closed`` says (``"both"``, ``"left"``, ``"right"``, ``"neither"``);
    ``finite`` refuses NaN and infinities for real numbers. ``fix`` is appended after
    ``;`` (how to do it right). ``expected`` replaces the generated "must be ..." text,
    for wording a user already knows (``"a positive number"``). ``allow_none`` lets
    ``None`` through unchanged.

    Raises :class:`~tinyprop.errors.TinypropTypeError` for a wrong type and
    :class:`~tinyprop.errors.ConfigError` for a wrong value.

    >>> check_scalar(3, "batch_size", int, low=1)
    3
    >>> check_scalar(1, "momentum", float, low=0, high=1, closed="left")
    Traceback (most recent call last):
    ...
    tinyprop.errors.ConfigError: momentum must be >= 0 and < 1, got 1
    >>> check_scalar(True, "lr", float)
    Traceback (most recent call last):
    ...
    tinyprop.errors.TinypropTypeError: lr must be a real number, got True (bool)
    """
    if x is None and allow_none:
        return None
    if kind not in _KINDS:
        raise ValueError(f"kind must be int, float or bool, got {kind!r}")
    span = interval(low, high, closed)
    if kind is bool:
        if not isinstance(x, (bool, np.bool_)):
            raise type_error(name, expected or _KINDS[bool], x, fix)
        return bool(x)
    is_bool = isinstance(x, (bool, np.bool_))
    integral = kind in (int, numbers.Integral)
    ok = isinstance(x, numbers.Integral) if integral else isinstance(x, numbers.Real)
    if is_bool or not ok:
        raise type_error(name, expected or " ".join(filter(None, (_KINDS[kind], span))), x, fix)
    v = int(x) if integral else float(x)
    bad = not integral and finite and not math.isfinite(v)
    if low is not None and (v < low if closed in ("both", "left") else not v > low):
        bad = True
    if high is not None and (v > high if closed in ("both", "right") else not v < high):
        bad = True
    if bad:
        if expected is None:
            expected = span
            if not integral and finite and not math.isfinite(v):
                expected = " ".join(filter(None, ("a finite number", span)))
        raise value_error(name, expected, x, fix)
    return v


def check_int(x, name: str, *, low=None, high=None, fix: str | None = None,
              expected: str | None = None, allow_none: bool = False):
    """An integer (not ``bool``, not ``2.0``) in ``[low, high]``, returned as ``int``.

    >>> check_int(np.int64(4), "epochs", low=1)
    4
    """
    return check_scalar(x, name, int, low=low, high=high, fix=fix, expected=expected,
                        allow_none=allow_none)


def check_float(x, name: str, *, low=None, high=None, closed: str = "both",
                fix: str | None = None, expected: str | None = None, finite: bool = True,
                allow_none: bool = False):
    """A real number (ints accepted, not ``bool``) in range, returned as ``float``.

    >>> check_float(1, "weight_decay", low=0)
    1.0
    """
    return check_scalar(x, name, float, low=low, high=high, closed=closed, fix=fix,
                        expected=expected, finite=finite, allow_none=allow_none)


def check_bool(x, name: str, *, fix: str | None = None, expected: str | None = None) -> bool:
    """``True`` or ``False`` (or ``numpy.bool_``); ``0``, ``1`` and ``"yes"`` are TypeErrors.

    >>> check_bool(np.True_, "shuffle")
    True
    """
    return check_scalar(x, name, bool, fix=fix, expected=expected)


def check_choice(value, name: str, choices, *, fix: str | None = None):
    """``value`` if it is one of ``choices`` (strings); a non-string is a TypeError.

    >>> check_choice("min", "mode", ("min", "max"))
    'min'
    >>> check_choice("avg", "mode", ("min", "max"))
    Traceback (most recent call last):
    ...
    tinyprop.errors.ConfigError: mode must be one of 'min', 'max', got 'avg'
    """
    choices = tuple(choices)
    listed = "one of " + ", ".join(repr(c) for c in choices)
    if all(isinstance(c, str) for c in choices) and not isinstance(value, str):
        raise type_error(name, listed, value, fix)
    if value not in choices:
        raise value_error(name, listed, value, fix)
    return value


# ---- arrays ---------------------------------------------------------------------------


def check_finite(arr, name: str, *, fix: str = "remove or impute them first"):
    """``arr`` unchanged if it holds no NaN or infinity, else a ``DataError`` counting them
    and naming the first index.

    >>> try:
    ...     check_finite(np.array([[0.0, np.nan]]), "X")
    ... except DataError as e:
    ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
    X must be finite, got 1 NaN and 0 infinite value(s) (first at index (0, 1));
    remove or impute them first
    """
    a = np.asarray(arr)
    if a.dtype.kind not in "fc":
        return arr
    finite = np.isfinite(a)
    if finite.all():
        return arr
    n_nan = int(np.isnan(a).sum())
    n_inf = int(finite.size - finite.sum()) - n_nan
    first = tuple(int(i) for i in np.argwhere(~finite)[0])
    raise DataError(
        f"{name} must be finite, got {n_nan} NaN and {n_inf} infinite value(s) "
        f"(first at index {first}); {fix}"
    )


# ---- sizes and memory -----------------------------------------------------------------


def check_size(x, name: str, *, low: int | None = 0, fix: str | None = None) -> int:
    """One size (a dimension, a count): an integer, not ``bool`` nor ``2.9``, ``>= low``.

    Anything with ``__index__`` (NumPy integers, an integer 0-d Tensor) counts as an
    integer, as in PyTorch, where ``torch.ones(2.9)`` is a TypeError too.

    >>> check_size(np.int64(3), "size")
    3
    >>> check_size(2.9, "size", fix="pass an int")
    Traceback (most recent call last):
    ...
    tinyprop.errors.TinypropTypeError: size must be an integer, got 2.9 (float); pass an int
    """
    if isinstance(x, (bool, np.bool_, float, complex, np.inexact)):
        raise type_error(name, "an integer", x, fix)
    try:
        v = operator.index(x)
    except TypeError:
        raise type_error(name, "an integer", x, fix) from None
    if low is not None and v < low:
        raise value_error(name, f">= {low}", v, fix)
    return v


def check_shape(shape, name: str = "shape", *, low: int | None = 0,
                fix: str | None = None) -> tuple:
    """A shape given as sizes (``2, 3``) or as one tuple/list (``(2, 3)``), each entry
    checked by :func:`check_size`; returned as a tuple of ints.

    >>> check_shape((2, np.int32(3)))
    (2, 3)
    >>> check_shape(((2, 2.5),), "tp.ones: size")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tinyprop.errors.TinypropTypeError: tp.ones: size[1] must be an integer, got 2.5 (float); ...
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(shape)
    out = []
    for i, s in enumerate(shape):
        try:
            if isinstance(s, (bool, np.bool_)):
                raise TypeError
            out.append(operator.index(s))
        except TypeError:
            example = tuple(max(int(v), 1) if isinstance(v, (float, np.floating))
                            and math.isfinite(v) else v for v in shape)
            fix = fix or f"sizes are counts: pass e.g. {example}"
            raise type_error(f"{name}[{i}]", "an integer", s, fix) from None
    out = tuple(out)
    if low is not None and any(s < low for s in out):
        raise value_error(name, f"every entry >= {low}", out, fix)
    return out


def available_memory() -> int | None:
    """Bytes of memory the machine can still hand out: ``MemAvailable`` from
    ``/proc/meminfo``, else ``os.sysconf``'s available pages; ``None`` if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def format_bytes(n: int) -> str:
    """``n`` bytes in binary units: ``format_bytes(3 * 2**30)`` is ``'3.0 GiB'``."""
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        n /= 1024
        if n < 1024 or unit == "EiB":
            break
    return f"{n:.1f} {unit}"


#: requests up to this many bytes are never checked (reading /proc/meminfo costs time)
SMALL_ALLOCATION = 64 * 2**20


def check_allocation(shape, dtype, what: str, *, count: int = 1,
                     fix: str = "use smaller sizes") -> int:
    """Refuse, before allocating, ``count`` arrays of ``shape`` and ``dtype`` whose
    bytes exceed the memory available (:func:`available_memory`); return the bytes.

    Raises :class:`~tinyprop.errors.AllocationError` (a ``ValueError`` and a
    ``MemoryError``) with the estimate and the limit in the message.

    >>> check_allocation((2, 3), np.float32, "tp.zeros")
    24
    >>> check_allocation((10**9, 10**9), np.float64, "tp.zeros")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tinyprop.errors.AllocationError: tp.zeros: shape (1000000000, 1000000000) of float64 must ...
    """
    n = count
    for s in shape:
        n *= int(s)
    nbytes = n * np.dtype(dtype).itemsize
    if nbytes <= SMALL_ALLOCATION:
        return nbytes
    limit = available_memory()
    if limit is not None and nbytes > limit:
        raise AllocationError(
            f"{what}: shape {tuple(int(s) for s in shape)} of {np.dtype(dtype)}"
            + (f" ({count} arrays)" if count != 1 else "")
            + f" must fit in the {format_bytes(limit)} of memory available, got a request "
            f"for {format_bytes(nbytes)} ({nbytes} bytes); {fix}"
        )
    return nbytes


def lossless_cast(arr: np.ndarray, dtype: np.dtype):
    """``(arr cast to dtype, None)``, or ``(None, reason)`` when the cast would turn a
    finite value non-finite (overflow) or an integer into another number (wrap-around).
    Ordinary rounding (float64 -> float32) is allowed, as in PyTorch's ``copy_``.

    >>> lossless_cast(np.array([1e300]), np.dtype(np.float32))[1]  # doctest: +ELLIPSIS
    'value 1e+300 at index (0,) overflows float32 (expected finite values within +-3.403e+38);...'
    """
    if dtype.kind in "iu" and arr.dtype.kind in "iub" and arr.size:
        info = np.iinfo(dtype)
        lo, hi = int(arr.min()), int(arr.max())
        if lo < info.min or hi > info.max:
            bad = lo if lo < info.min else hi
            return None, (f"value {bad} does not fit in {dtype} (expected {info.min}.."
                          f"{info.max}); the value would wrap around")
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(dtype, copy=False)
    if dtype.kind == "f" and arr.dtype.kind in "iuf" and arr.size:
        lost = np.isfinite(arr) & ~np.isfinite(cast)
        if lost.any():
            first = tuple(int(i) for i in np.argwhere(lost)[0])
            return None, (f"value {arr[first].item()!r} at index {first} overflows {dtype} "
                          f"(expected finite values within +-{np.finfo(dtype).max:.4g}); it would "
                          "become infinite")
    return cast, None
