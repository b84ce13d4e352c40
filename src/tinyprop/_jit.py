"""Whether ``tinyprop.kernels`` runs its numba-compiled passes (the ``fast`` extra).

With numba installed (``pip install "tinyprop[fast]"``), the element-wise passes of a
training step run as compiled loops (:mod:`tinyprop._numba_kernels`): the bias add,
ReLU's and tanh's backward, the optimizers' ``p -= lr * x``, and softmax, log-softmax
and the softmax cross-entropy with its gradient on small batches. One call each instead
of two to ten NumPy calls.
numba is imported on the first call that can use it, never by ``import tinyprop``; the
environment variable ``TINYPROP_JIT=0`` (or :func:`use_jit`) keeps everything on NumPy.

If numba is missing, or cannot compile or load the kernels (an unsupported NumPy, no
writable cache directory), tinyprop warns once and uses NumPy.
"""

from __future__ import annotations

import os
import warnings
from importlib import import_module

from ._validate import check_bool

# Arrays smaller than this stay on NumPy: a small run (the toy datasets) then never pays
# numba's import and start (about 0.4 s, once per process).
MIN_SIZE = 256
# The softmax family goes to numba up to this many elements: beyond it NumPy's SIMD
# exponential outruns the compiled loop (which calls libm's once per element).
MAX_SOFTMAX = 4096
# In-place passes (the bias add, the optimizers' update) go to numba from this many
# elements: below it NumPy's in-place ufunc is as fast as a compiled call.
MIN_IN_PLACE = 4096

state = UNSET = object()  # the compiled module, None for NumPy, UNSET before the first call


def kernels():
    """The compiled kernels' module, or None when tinyprop computes with NumPy."""
    k = state
    return _load() if k is UNSET else k


def _load():
    global state
    state = None
    if os.environ.get("TINYPROP_JIT", "1").strip().lower() in ("0", "false", "no", "off"):
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

    ``use_jit()`` tells (loading numba if it is installed and not turned off);
    ``use_jit(False)`` switches to NumPy for this process, ``use_jit(True)`` back to the
    kernels (an ``ImportError`` naming the extra if numba is missing). The two routes
    give the same numbers, except that the softmax family's exponentials and sums may
    differ in the last bits (see :mod:`tinyprop._numba_kernels`).

    >>> from tinyprop.kernels import use_jit
    >>> was = use_jit(); use_jit(False)
    False
    >>> _ = use_jit(was)
    """
    global state
    if enabled is None:
        return kernels() is not None
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
