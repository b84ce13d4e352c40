"""The sweep index (``sweep.json``): every trial's settings, seed, status and result.

Only the client (the process that runs ``tinyprop sweep``) writes it, atomically
(``tinyprop._atomic``), after each finished trial (at most every ``SAVE_EVERY_S`` seconds,
and always at the end or on Ctrl-C). Workers never touch it: a trial's own record is
``trials/<id>/trial.json`` inside its run directory, which appears complete or not at all
(see :mod:`tinyprop.sweep._trial`), so the index can always be rebuilt from the disk.

Statuses: ``pending`` (not yet given to the cluster), ``running`` (given to the cluster,
no result yet: queued or training), ``done`` and ``failed`` (with its one-line error).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .. import __version__
from .._atomic import atomic_write
from ..errors import RunError
from ..io._read import max_file_bytes, read_regular

INDEX_NAME = "sweep.json"
FORMAT = "tinyprop-sweep/1"
STATUSES = ("pending", "running", "done", "failed")
FINISHED = ("done", "failed")
SAVE_EVERY_S = 0.5


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class Index:
    """The index of one sweep directory, kept in memory and saved atomically."""

    def __init__(self, sweep_dir, data: dict) -> None:
        self.dir = Path(sweep_dir)
        self.data = data
        self.by_id = {t["id"]: t for t in data["trials"]}
        self._saved = 0.0

    @property
    def path(self) -> Path:
        return self.dir / INDEX_NAME

    @property
    def trials(self) -> list[dict]:
        return self.data["trials"]

    @classmethod
    def create(cls, sweep_dir, *, options: dict, space: dict, seeds: list[int],
               trials: list[dict], swept=None) -> Index:
        records = [{**t, "status": "pending", "result": None, "error": None,
                    "run_dir": f"trials/{t['id']}"} for t in trials]
        swept = sorted(swept or {k for t in trials for k in t["settings"]})
        data = {"format": FORMAT, "tinyprop_version": __version__, "created": _now(),
                "updated": _now(), "options": options, "swept": swept, "space": space,
                "seeds": seeds, "sessions": 0, "trials": records}
        return cls(sweep_dir, data)

    @classmethod
    def read(cls, sweep_dir) -> Index:
        """The index of ``sweep_dir``, checked for format; one ``RunError`` otherwise."""
        sweep_dir = Path(sweep_dir)
        path = sweep_dir / INDEX_NAME
        if not sweep_dir.is_dir():
            raise RunError(f"sweep directory {sweep_dir} does not exist or is not a directory; "
                           "pass the --out of an earlier tinyprop sweep")
        if not path.is_file():
            raise RunError(f"{sweep_dir} has no {INDEX_NAME}, expected a directory written by "
                           "tinyprop sweep; pass the sweep's --out directory")
        raw = read_regular(path, "a sweep index", max_bytes=max_file_bytes(), error=RunError,
                           fix="the sweep directory is damaged")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RunError(f"{path} is not valid JSON ({e}); the sweep index is damaged") from None
        found = data.get("format") if isinstance(data, dict) else None
        if found != FORMAT:
            raise RunError(f"{path} has format {found!r}, expected {FORMAT!r}; it was not "
                           "written by this tinyprop sweep")
        trials = data.get("trials")
        if not isinstance(trials, list) or not all(
                isinstance(t, dict) and {"id", "config", "status"} <= set(t) for t in trials):
            raise RunError(f"{path} has no valid 'trials' list, expected one record per trial; "
                           "the sweep index is damaged")
        return cls(sweep_dir, data)

    def save(self, *, force: bool = True) -> None:
        """Write the index atomically (``force=False``: unless written in the last 0.5 s)."""
        now = time.monotonic()
        if not force and now - self._saved < SAVE_EVERY_S:
            return
        self.data["updated"] = _now()
        text = json.dumps(self.data, indent=1) + "\n"
        atomic_write(self.path, lambda f: f.write(text.encode("utf-8")))
        self._saved = now

    def add(self, trial: dict) -> dict:
        """Append a new trial (pending), e.g. a point Optuna just asked for."""
        record = {**trial, "status": "pending", "result": None, "error": None,
                  "run_dir": f"trials/{trial['id']}"}
        self.data["trials"].append(record)
        self.by_id[record["id"]] = record
        return record

    def set(self, trial_id: str, status: str, result: dict | None = None,
            error: str | None = None) -> dict:
        trial = self.by_id[trial_id]
        trial["status"] = status
        if status in FINISHED:
            trial["result"], trial["error"] = result, error
        return trial

    def counts(self) -> dict:
        out = dict.fromkeys(STATUSES, 0)
        for t in self.trials:
            out[t["status"]] = out.get(t["status"], 0) + 1
        return out
