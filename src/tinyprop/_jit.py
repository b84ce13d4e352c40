"""Whether ``tinyprop.kernels`` runs its numba-compiled passes (the ``fast`` extra).

With numba installed (``pip install "tinyprop[fast]"``), the element-wise passes of a
training step can run as compiled loops (:mod:`tinyprop._numba_kernels`): the bias add,
ReLU's and tanh's backward, the optimizers' ``p -= lr * x``, and softmax, log-softmax
and the softmax cross-entropy with its gradient on small batches. One call each instead
of two to ten NumPy calls.

Loading numba costs about 0.45 s and 120 MB per process, which a short run (the default
digits run trains for 40 ms) never earns back. So by default tinyprop computes with
NumPy until the passes that numba could take have processed ``AUTO_AFTER`` elements
(when NumPy has cost about as much more than numba would have as loading numba costs:
the ski-rental rule), then loads numba and uses it for the rest of the process. The
environment variable ``TINYPROP_JIT`` chooses otherwise: ``1`` loads numba on the first
pass that can use it, ``0`` never loads it (any other value is a ConfigError);
:func:`use_jit` switches in code. numba is never imported by ``import tinyprop``.

If numba is missing, or cannot compile or load the kernels (an unsupported NumPy, no
writable cache directory), tinyprop uses NumPy (with one warning in the second case).
"""

from __future__ import annotations

import os
import warnings
from importlib import import_module
from importlib.util import find_spec

from ._validate import check_bool
from .errors import ConfigError

# Arrays smaller than this stay on NumPy: the compiled call saves little there.
MIN_SIZE = 256
# The softmax family goes to numba up to this many elements: beyond it NumPy's SIMD
# exponential outruns the compiled loop (which calls libm's once per element).
MAX_SOFTMAX = 4096
# In-place passes (the bias add, the optimizers' update) go to numba from this many
# elements: below it NumPy's in-place ufunc is as fast as a compiled call.
MIN_IN_PLACE = 4096
# With TINYPROP_JIT unset, numba loads once the passes it could take have seen this many
# elements: by then NumPy has spent about as much more than numba would have as loading
# numba costs (about 0.45 s), at the roughly 0.1 ns per element that numba saves on a
# Fashion-MNIST step (35 us on a batch-32 step whose eligible passes see about 300,000
# elements): 13,000 such steps, some 7 epochs.
AUTO_AFTER = 4 * 10**9

# The compiled module, None for NumPy, UNSET before the first pass that could use it.
# kernels.py reads it before each such pass: None costs one attribute read.
state = UNSET = object()
# Elements the eligible passes have processed on NumPy with TINYPROP_JIT unset; None
# until the first such pass has read the variable.
_seen = None


_SETTINGS = {"": "", "0": "0", "false": "0", "no": "0", "off": "0",
             "1": "1", "true": "1", "yes": "1", "on": "1"}


def setting() -> str:
    """``TINYPROP_JIT`` as "0", "1" or "" (unset: automatic); a ConfigError for any other
    value."""
    raw = os.environ.get("TINYPROP_JIT", "")
    value = _SETTINGS.get(raw.strip().lower())
    if value is None:
        raise ConfigError(
            f"environment variable TINYPROP_JIT must be 0 or 1 (or unset), got {raw!r}; "
            "set TINYPROP_JIT=1 to use numba's kernels from the start, 0 never to load "
            "numba, or unset it to let tinyprop decide"
        )
    return value


def eligible(size: int):
    """The compiled module for a pass over ``size`` elements while ``state`` is UNSET,
    or None (NumPy for this pass, and for good when numba is missing or turned off)."""
    global state, _seen
    if _seen is None:
        chosen = setting()
        if chosen == "1":
            return kernels()
        if chosen == "0" or find_spec("numba") is None:
            state = None
            return None
        _seen = 0
    _seen += size
    return kernels() if _seen >= AUTO_AFTER else None


def kernels():
    """The compiled kernels' module, loaded now if numba is installed and allowed, or
    None when tinyprop computes with NumPy."""
    k = state
    return _load() if k is UNSET else k


def _load():
    global state
    state = None
    if setting() == "0":
        return None
    try:
        compiled = _compiled_module()
    except ImportError:  # numba is not installed: the plain NumPy install
        return None
    except Exception as e:  # numba is there but cannot compile or load the kernels
        warnings.warn(
            f"tinyprop: numba's kernels are unavailable ({type(e).__name__}: {e}); computing "
            "with NumPy instead (set TINYPROP_JIT=0 to skip numba)",
            RuntimeWarning, stacklevel=3,
        )
        return None
    state = compiled
    return compiled


def _compiled_module():
    """The kernels' module, imported (through ``sys.modules``, so tests can stand in for
    it) and its float32 kernels compiled or loaded from numba's cache."""
    module = import_module("tinyprop._numba_kernels")
    module.compile_float32()
    return module


def use_jit(enabled: bool | None = None) -> bool:
    """Whether tinyprop computes its element-wise passes with numba's compiled kernels.

    ``use_jit()`` tells (False while numba is not loaded yet); ``use_jit(False)`` switches
    to NumPy for the rest of the process, ``use_jit(True)`` to the kernels from now on,
    without waiting for ``AUTO_AFTER`` (an ``ImportError`` naming the extra if numba is
    missing). The two routes give the same numbers, except that the softmax family's
    exponentials and sums may differ in the last bits (see
    :mod:`tinyprop._numba_kernels`).

    >>> from tinyprop.kernels import use_jit
    >>> was = use_jit(); use_jit(False)
    False
    >>> _ = use_jit(was)
    """
    global state
    if enabled is None:
        return state is not None and state is not UNSET
    if not check_bool(enabled, "use_jit: enabled", expected="True, False or None",
                      fix="pass True, False, or nothing to ask"):
        state = None
        return False
    try:
        compiled = _compiled_module()
    except ImportError as e:
        raise ImportError(
            f"use_jit(True) needs numba ({e}); install it with pip install 'tinyprop[fast]'"
        ) from e
    state = compiled
    return True
