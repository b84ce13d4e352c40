"""The cluster: a Dask ``LocalCluster`` started for the sweep, or an existing scheduler.

The local cluster has one single-threaded worker process per core, bound to 127.0.0.1
(the scheduler's HTTP server too, on a free port), with BLAS/OpenMP pinned to one thread
in each worker (``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS`` set for
the worker processes, and each trial also limits the pools with threadpoolctl); its
workers ignore SIGINT, so a Ctrl-C reaches the command alone, which stops the cluster.
With ``scheduler`` the sweep connects to a running cluster (``tcp://host:8786``, a
scheduler file, or a ``distributed.Client``) and leaves it running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading

from .._optional import require
from .._validate import check_int
from ..errors import ConfigError

WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _distributed():
    try:
        return require("distributed", "tinyprop sweep", "distributed")
    except ImportError as e:
        raise ConfigError(f"{e}; or `pip install tinyprop[sweep]`") from None


@contextlib.contextmanager
def open_client(scheduler=None, workers: int | None = None, *, quiet: bool = True):
    """A ``distributed.Client``: on ``scheduler`` (kept running) or on a new local cluster
    (closed on the way out, Ctrl-C included)."""
    distributed = _distributed()
    if scheduler is not None and not isinstance(scheduler, (str, os.PathLike)):
        if isinstance(scheduler, distributed.Client):
            yield scheduler
            return
        raise ConfigError(f"scheduler must be an address such as tcp://head:8786, a scheduler "
                          f"file or a distributed.Client, got {type(scheduler).__name__}; "
                          "pass e.g. --scheduler tcp://127.0.0.1:8786")
    if scheduler is not None:
        client = _connect(distributed, os.fspath(scheduler))
        try:
            yield client
        finally:
            _close(client, None)
        return
    n = default_workers() if workers is None else check_int(
        workers, "workers", low=1, fix="e.g. --workers 2 (default: one per core)")
    level = logging.ERROR if quiet else logging.WARNING
    with _workers_ignore_ctrl_c():
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
            # no dashboard port to collide with: the scheduler's HTTP server (the
            # dashboard, when bokeh is installed) listens on 127.0.0.1 on a free port
            dashboard_address="127.0.0.1:0", silence_logs=level, env=dict(WORKER_ENV))
    client = None
    try:
        client = distributed.Client(cluster)
        yield client
    finally:
        _close(client, cluster)


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Start the worker processes with SIGINT ignored (inherited through exec): Ctrl-C on
    a terminal reaches the whole process group, and the command, not each worker, stops
    the cluster (without this every worker prints a KeyboardInterrupt traceback)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check_reachable(scheduler, timeout: float = 5.0) -> None:
    """Fail fast, before a sweep creates anything, when ``scheduler`` is a TCP address
    (``tcp://host:port``, ``tls://host:port`` or ``host:port``) that nothing answers:
    a refused connection is one line at once instead of the client's 20 s of retries.
    Scheduler files, clients and other protocols are left to the client.

    >>> check_reachable(None)  # the local cluster: nothing to check
    """
    import socket
    from urllib.parse import urlsplit

    if not isinstance(scheduler, str) or os.path.isfile(scheduler):
        return
    text = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    parts = urlsplit(text)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number: the client explains
        return
    if parts.scheme not in ("tcp", "tls") or not host or port is None:
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as e:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: expected a "
                          f"running scheduler there, got {e.strerror or e}; start one with "
                          "`dask scheduler`, or leave out --scheduler for a local "
                          "cluster") from None


def _connect(distributed, address: str):
    kwargs = {"scheduler_file": address} if os.path.isfile(address) else {"address": address}
    try:
        return distributed.Client(timeout="20s", **kwargs)
    except (OSError, TimeoutError) as e:
        raise ConfigError(f"cannot reach the Dask scheduler at {address} ({e}); expected a "
                          "running scheduler (start one with `dask scheduler`), or leave out "
                          "--scheduler for a local cluster") from None


def _close(client, cluster) -> None:
    with contextlib.suppress(Exception):
        if client is not None:
            client.close(timeout=5)
    if cluster is not None:
        with contextlib.suppress(Exception):
            cluster.close(timeout=5)
