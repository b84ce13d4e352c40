"""The dtype and random-generator policy. Float data defaults to float32.

tinyprop computes with NumPy directly: there is no array-module indirection, since a
switch that nothing exercises would only pretend to support another backend.
"""

from __future__ import annotations

import threading

import numpy as np

from ._validate import check_int

_state = threading.local()
_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype that float data gets when none is asked for (float32 unless changed).

    >>> import tinyprop as tp
    >>> tp.get_default_dtype()
    dtype('float32')
    """
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default float dtype: ``float32`` or ``float64``.

    >>> import tinyprop as tp
    >>> tp.set_default_dtype(tp.float64)
    >>> tp.tensor([1.0]).dtype
    dtype('float64')
    >>> tp.set_default_dtype(tp.float32)  # restore
    """
    global _default_dtype
    d = np.dtype(dtype)
    if d not in (np.float32, np.float64):
        raise TypeError(
            f"default dtype must be float32 or float64, got {d}; "
            "pass np.float32 or np.float64"
        )
    _default_dtype = d


def generator_state():
    """Thread-local holder of the default random generator."""
    if not hasattr(_state, "rng"):
        _state.rng = np.random.default_rng()
    return _state


def default_generator() -> np.random.Generator:
    """The current thread's default ``numpy.random.Generator`` (see ``manual_seed``)."""
    return generator_state().rng


def manual_seed(seed: int) -> np.random.Generator:
    """Seed tinyprop's default random generator (this thread) and return it.

    >>> import tinyprop as tp
    >>> _ = tp.manual_seed(0); a = tp.rand(3)
    >>> _ = tp.manual_seed(0); b = tp.rand(3)
    >>> (a == b).all().item()
    True
    """
    seed = check_int(seed, "seed", low=0, expected="a non-negative integer",
                     fix="pass e.g. tp.manual_seed(0)")
    g = np.random.default_rng(seed)
    generator_state().rng = g
    return g


def resolve_generator(generator=None) -> np.random.Generator:
    """Return ``generator`` if given (a Generator or an int seed), else the default one.

    >>> from tinyprop.backend import resolve_generator
    >>> type(resolve_generator(0)).__name__
    'Generator'
    """
    if generator is None:
        return default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"generator must be a numpy.random.Generator or an int seed, got {type(generator).__name__}"
    )


# ---- saved generator states ------------------------------------------------------------

_U64, _U128 = 2**64, 2**128
#: bit generator -> {path: (kind, bound or (length, bound))}; "int": an int in [0, bound),
#: "arr": a sequence of `length` ints in [0, bound)
_STATE_LAYOUT = {
    "PCG64": {("state", "state"): ("int", _U128), ("state", "inc"): ("int", _U128)},
    "PCG64DXSM": {("state", "state"): ("int", _U128), ("state", "inc"): ("int", _U128)},
    "SFC64": {("state", "state"): ("arr", (4, _U64))},
    "Philox": {("state", "counter"): ("arr", (4, _U64)), ("state", "key"): ("arr", (2, _U64)),
               ("buffer",): ("arr", (4, _U64)), ("buffer_pos",): ("int", 5)},
    "MT19937": {("state", "key"): ("arr", (624, 2**32)), ("state", "pos"): ("int", 625)},
}
_UINT32_FIELDS = {("has_uint32",): ("int", 2), ("uinteger",): ("int", 2**32)}


def _state_field(state, path):
    value = state
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None, f"it lacks {'/'.join(path)!r}"
        value = value[key]
    return value, None


def _check_state_value(value, kind, bound, where: str):
    """``None`` if ``value`` is an int in ``[0, bound)`` ("int") or a sequence of
    ``bound[0]`` such ints ("arr"), else the reason."""
    if kind == "int":
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
        if not ok or not 0 <= int(value) < bound:
            return f"{where} must be an integer in [0, {bound - 1}], got {str(value)[:40]}"
        return None
    length, top = bound
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - any conversion failure is a bad state
        arr = np.asarray(None)
    if arr.shape != (length,) or arr.dtype.kind not in "iuO":
        return (f"{where} must be {length} integers, got shape {arr.shape} of "
                f"{arr.dtype}")
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer))
           or not 0 <= int(v) < top for v in arr.tolist()):
        return f"{where} must hold integers in [0, {top - 1}]"
    return None


def check_generator_state(state, name: str = "the random generator state") -> dict:
    """Validate a saved ``bit_generator.state`` (NumPy's dict, or its JSON round trip)
    without touching any generator: the bit generator's name, every field's presence,
    shape and integer range, then a trial ``state =`` on a scratch bit generator (which
    turns NumPy's ``OverflowError``/``ValueError`` into a ``CheckpointError``). Returns
    ``state``.

    >>> check_generator_state(np.random.default_rng(0).bit_generator.state)["bit_generator"]
    'PCG64'
    >>> check_generator_state({"bit_generator": "PCG64", "state": {"state": -1, "inc": 1},
    ...                        "has_uint32": 0, "uinteger": 0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tinyprop.errors.CheckpointError: ...: state/state must be an integer in [0, ...], got -1; ...
    """
    from .errors import CheckpointError

    fix = "pass the dict that bit_generator.state (or state_dict()) returned"
    bg = state.get("bit_generator") if isinstance(state, dict) else None
    if bg not in _STATE_LAYOUT:
        raise CheckpointError(
            f"{name} must be a dict whose 'bit_generator' is one of "
            f"{', '.join(_STATE_LAYOUT)}, got {str(state)[:80]}; {fix}")
    layout = dict(_STATE_LAYOUT[bg])
    if bg != "MT19937":
        layout.update(_UINT32_FIELDS)
    for path, (kind, bound) in layout.items():
        value, why = _state_field(state, path)
        why = why or _check_state_value(value, kind, bound, "/".join(path))
        if why:
            raise CheckpointError(f"{name} is not a valid generator state: {why}; {fix}")
    try:
        getattr(np.random, bg)().state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise CheckpointError(f"{name} is not a valid generator state: {type(e).__name__}: "
                              f"{e}; {fix}") from None
    return state


def set_generator_state(generator: np.random.Generator, state,
                        name: str = "the random generator state") -> None:
    """Set ``generator.bit_generator.state = state`` after :func:`check_generator_state`;
    on any problem raise ``CheckpointError`` and leave the generator as it was. The
    bit generator must be of the saved kind (``default_generator()``'s is PCG64)."""
    from .errors import CheckpointError

    check_generator_state(state, name)
    kind = type(generator.bit_generator).__name__
    if state["bit_generator"] != kind:
        raise CheckpointError(f"{name} is for a {state['bit_generator']} bit generator, this "
                              f"generator's is {kind}; load a state saved from the same kind")
    generator.bit_generator.state = state
