"""One trial, as a Dask task: an ordinary ``tinyprop train`` run directory, made once.

The task is idempotent, so Dask may run it again when a worker dies:

- a trial whose directory ``trials/<id>`` exists is finished: its ``trial.json`` is
  returned and nothing is trained;
- otherwise it trains into a fresh hidden directory ``trials/.<id>.<host>-<pid>.<token>.tmp``
  (by :func:`tinyprop.train.train_run`, which locks it), writes ``trial.json`` there and
  renames the directory to ``trials/<id>`` in one step. A worker killed on the way leaves
  only its hidden directory (removed by the next run of the sweep); if two attempts
  finish, the first rename wins and the other returns the winner's record.

A trial that fails (a value refused at run time, a diverged loss, anything raised) returns
a ``failed`` record with a one-line error instead of raising, so the sweep goes on.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import time
from pathlib import Path

from .. import errors
from .._atomic import atomic_write
from ..errors import RunError, TinypropError

TRIAL_RECORD = "trial.json"
_RESULT_KEYS = ("test_accuracy", "test_loss", "train_accuracy", "train_loss", "val_accuracy",
                "val_loss", "epochs", "train_time_s", "wall_time_s")


def one_line(e: BaseException) -> str:
    """An exception's message on one line (:func:`tinyprop.errors.one_line`), its type
    first when it is not tinyprop's."""
    text = errors.one_line(e)
    return text if isinstance(e, TinypropError) else f"{type(e).__name__}: {text}"


def read_record(run_dir: Path) -> dict | None:
    """The ``trial.json`` of a finished trial directory, or None."""
    path = Path(run_dir) / TRIAL_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "status" in record else None


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def run_trial(sweep_dir: str, trial_id: str, config: dict) -> dict:
    """Train one trial into ``sweep_dir/trials/<trial_id>`` unless it is there; its record."""
    trials = Path(sweep_dir) / "trials"
    final = trials / trial_id
    done = read_record(final)
    if done is not None:
        return {**done, "reused": True}
    tmp = trials / f".{trial_id}.{worker_name()}.{secrets.token_hex(3)}.tmp"
    record = {"id": trial_id, "worker": worker_name(), "attempt": secrets.token_hex(8),
              "started": time.time()}
    start = time.perf_counter()
    with _one_blas_thread():
        record.update(_train(config, tmp))
    record["trial_wall_s"] = time.perf_counter() - start
    tmp.mkdir(parents=True, exist_ok=True)  # a trial refused before its directory existed
    _fix_summary_path(tmp, final)
    text = json.dumps(record, indent=1) + "\n"
    atomic_write(tmp / TRIAL_RECORD, lambda f: f.write(text.encode("utf-8")))
    try:
        os.rename(tmp, final)
    except OSError:  # another attempt finished first: keep its directory and record
        winner = read_record(final)
        if winner is None:
            raise
        shutil.rmtree(tmp, ignore_errors=True)
        return {**winner, "reused": True}
    return record


def _train(config: dict, out: Path) -> dict:
    from ..train import TrainConfig, train_run

    try:
        summary = train_run(TrainConfig.from_dict(config, source="sweep trial"), out=str(out),
                            verbose=False)
    except Exception as e:  # recorded, never raised: the other trials go on
        result = _summary(out)
        return {"status": "failed", "error": one_line(e), "result": result}
    return {"status": "done", "error": None,
            "result": {k: summary.get(k) for k in _RESULT_KEYS} | {"run_status":
                                                                  summary.get("status")}}


def _summary(run_dir: Path) -> dict | None:
    """What a failed run left in its summary.json (a diverged run keeps its last epoch)."""
    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {k: summary.get(k) for k in _RESULT_KEYS} | {"run_status": summary.get("status")}


def _fix_summary_path(tmp: Path, final: Path) -> None:
    """summary.json names the directory it will have (``run_dir``), not the hidden one."""
    path = tmp / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    summary["run_dir"] = str(final)
    text = json.dumps(summary, indent=2) + "\n"
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


@contextlib.contextmanager
def _one_blas_thread():
    """BLAS/OpenMP pools at one thread for the trial (one trial per core)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on threadpoolctl
        yield
        return
    with threadpool_limits(limits=1):
        yield


def clean_stale(sweep_dir: Path) -> int:
    """Remove hidden directories of attempts that died (their lock is free); the count."""
    from ..train._lock import RunLock

    removed = 0
    trials = Path(sweep_dir) / "trials"
    if not trials.is_dir():
        return 0
    for path in trials.glob(".t*.tmp"):
        if not path.is_dir() or path.is_symlink():
            continue
        try:
            lock = RunLock.acquire(path)
        except (RunError, OSError):  # still training somewhere on this host
            continue
        lock.release()
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed
