"""A real Dask cluster for the sweep tests: `dask scheduler` and `dask worker` processes.

The scheduler listens on 127.0.0.1 on a free port (``--port 0``, its address read from
a scheduler file); each worker is a single-threaded process without a nanny (so its pid
is the process that runs trials, and killing it kills the worker). Every process runs
in its own process group, which the finalizer kills.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

START_TIMEOUT_S = 90
ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}


class DaskProcesses:
    """A scheduler and its workers, started as `python -m dask ...` (the `dask` command)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.file = root / "scheduler.json"
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.scheduler = self._start(["scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", str(self.file)],
                                     "scheduler")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._address():
            self._check_alive(self.scheduler, "scheduler")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dask scheduler did not start: {self._log('scheduler')}")
            time.sleep(0.05)
        self.address = self._address()

    def _address(self) -> str | None:
        try:
            return json.loads(self.file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            return None

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **ENV}, cwd=self.root)
        proc.log = log
        self.procs.append(proc)
        return proc

    def _log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")[-2000:]

    def _check_alive(self, proc, name: str) -> None:
        if proc.poll() is not None:
            raise RuntimeError(f"dask {name} exited with {proc.returncode}: {self._log(name)}")

    def start_worker(self) -> subprocess.Popen:
        name = f"worker{len(self.procs)}"
        proc = self._start(["worker", "--scheduler-file", str(self.file), "--nthreads", "1",
                            "--host", "127.0.0.1", "--no-nanny", "--no-dashboard",
                            "--name", name], name)
        self.workers.append(proc)
        return proc

    def alive_workers(self) -> list[subprocess.Popen]:
        return [p for p in self.workers if p.poll() is None]

    def ensure_workers(self, n: int) -> None:
        """Start workers until ``n`` are alive and connected to the scheduler."""
        from distributed import Client

        while len(self.alive_workers()) < n:
            self.start_worker()
        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(n, timeout=START_TIMEOUT_S)
            deadline = time.monotonic() + START_TIMEOUT_S
            # the scheduler may still list a killed worker for a moment
            while len(client.scheduler_info()["workers"]) != n:
                if time.monotonic() > deadline:
                    raise RuntimeError("the scheduler kept a dead worker")
                time.sleep(0.05)

    def worker_pids(self) -> set[int]:
        return {p.pid for p in self.alive_workers()}

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            proc.log.close()


@pytest.fixture(scope="session")
def dask_processes(tmp_path_factory):
    pytest.importorskip("distributed")
    cluster = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        cluster.ensure_workers(2)
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def dask_cluster(dask_processes):
    """The running scheduler with two live workers (a worker killed by a test is replaced)."""
    dask_processes.ensure_workers(2)
    return dask_processes
