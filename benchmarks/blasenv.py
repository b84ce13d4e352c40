"""Run the benchmarks with NumPy's BLAS as a user's machine has it.

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` (set on this project's machines) pin
OpenBLAS to an older, slower kernel than the CPU's own; PyTorch and JAX do not read
them. A benchmark script calls :func:`restart_without_handicap` before anything imports
NumPy: if either variable is set, the script starts again without them. Only that
process and the workers it starts lose them; tests and CI keep them.
"""

from __future__ import annotations

import os
import sys

#: environment variables that make NumPy's OpenBLAS run an older kernel than the CPU's
BLAS_HANDICAP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
UNSET_NOTE = "TINYPROP_BENCH_UNSET"  # what the re-executed process was started without


def restart_without_handicap(script: str) -> None:
    """Re-exec ``script`` (with this process's arguments) without ``BLAS_HANDICAP``,
    unless ``--keep-blas-env`` is among the arguments or neither variable is set."""
    if "--keep-blas-env" in sys.argv or not any(k in os.environ for k in BLAS_HANDICAP):
        return
    if "numpy" in sys.modules:  # too late: OpenBLAS has read them already
        raise RuntimeError("restart_without_handicap() must run before NumPy is imported")
    env = dict(os.environ)
    env[UNSET_NOTE] = ";".join(f"{k}={env.pop(k)}" for k in BLAS_HANDICAP if k in env)
    os.execve(sys.executable, [sys.executable, os.path.abspath(script), *sys.argv[1:]], env)


def jit_as_in_a_long_run(no_jit: bool = False) -> None:
    """Set ``TINYPROP_JIT`` for this process and its workers: ``1`` (numba's kernels from
    the first pass that can use them, if numba is installed), because the benchmarks time
    the steady state of a long run, where tinyprop has loaded them by then (with the
    variable unset it waits for ``tinyprop._jit.AUTO_AFTER`` elements); ``0`` with
    ``no_jit``. A value already set in the environment is kept."""
    os.environ["TINYPROP_JIT"] = "0" if no_jit else os.environ.get("TINYPROP_JIT", "1")
