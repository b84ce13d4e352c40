"""``tinyprop.sweep.run``: validate every trial, then train them all on a Dask cluster."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from pathlib import Path

from .._validate import check_int
from ..errors import ConfigError
from ._index import FINISHED, Index
from ._space import (
    build_trials,
    check_fixed,
    check_name,
    points,
    seed_list,
)
from ._trial import clean_stale, one_line, read_record, run_trial


def run(grid: dict | None = None, *, sample: dict | None = None, trials: int | None = None,
        seeds=1, out=None, resume=None, scheduler=None, workers: int | None = None,
        max_trials: int = 1000, yes: bool = False, sample_seed: int = 0,
        progress: bool | None = None, plots: bool = True, on_trial_done=None,
        optuna: str | None = None, retry_failed: bool = False, **options):
    """Train one run per trial on a Dask cluster; a pandas DataFrame, one row per trial.

    ``grid`` maps ``tinyprop train`` options to lists of values (scikit-learn's
    ``ParameterGrid``); ``sample`` maps them to lists or ``scipy.stats`` distributions
    (``ParameterSampler``, ``trials`` points drawn with ``sample_seed``). Each point runs
    once per seed of ``seeds`` (a count: seeds ``0..seeds-1``, or a list). The remaining
    keyword arguments are fixed options of every trial (``data="digits"``, ``epochs=5``).
    Every trial's settings are validated before anything is created or run; more than
    ``max_trials`` trials need ``yes=True``.

    Trials run on a new local cluster (``workers`` single-threaded processes, default
    one per core), or on the running cluster at ``scheduler`` (an address, a scheduler
    file or a ``distributed.Client``). Each trial is a run directory
    ``out/trials/<id>``; ``out/sweep.json`` records every trial. ``resume=DIR`` runs the
    trials of an earlier sweep that had not finished (no other option may be given), and
    with ``retry_failed=True`` its failed trials as well.
    ``on_trial_done(trial)`` is called in this process with each finished trial's record.
    ``optuna="tpe"`` (or ``"random"``) lets an Optuna study choose the ``trials`` points of
    ``sample`` one after another from the results so far (needs optuna).
    Ctrl-C stops the sweep at once (the finished trials stay recorded) and raises
    ``KeyboardInterrupt``.
    """
    if retry_failed and resume is None:
        raise ConfigError("retry_failed expected resume=DIR (an earlier sweep), got a new "
                          "sweep; e.g. run(resume='sweeps/init', retry_failed=True)")
    if resume is not None:
        given = {k: v for k, v in dict(grid=grid, sample=sample, trials=trials, out=out,
                                        optuna=optuna, **options).items() if v is not None}
        if given or seeds != 1:
            extra = sorted(given) + (["seeds"] if seeds != 1 else [])
            raise ConfigError(f"resume expected no space or train options (a sweep keeps "
                              f"its own), got {extra}; drop them (only scheduler, workers, "
                              "progress, plots and retry_failed go with resume)")
        index, lock = _reopen(Path(resume))
    else:
        plan = _plan_optuna if optuna is not None else _plan
        trial_list, fixed, seeds, record = plan(grid, sample, trials, seeds, sample_seed,
                                                max_trials, yes, options, optuna)
        from ._engine import check_reachable

        check_reachable(scheduler)  # before the sweep directory exists
        sweep_dir, lock = _make_dir(out)
        index = Index.create(sweep_dir, options=fixed, space=record, seeds=seeds,
                             trials=trial_list, swept=record.get("sample") if optuna else None)
    with lock:
        index.data["sessions"] = index.data.get("sessions", 0) + 1
        clean_stale(index.dir)
        if retry_failed:
            _forget_failures(index)
        _harvest(index)
        index.save()
        todo = [t for t in index.trials if t["status"] not in FINISHED]
        search = None
        if "optuna" in index.data["space"]:
            from ._optuna import Search

            search = Search(index)
            search.catch_up()
        if todo or (search is not None and search.more()):
            from ._engine import open_client

            with open_client(scheduler, workers) as client:
                _execute(client, index, todo, progress, on_trial_done, search)
        from ._report import write_report

        return write_report(index, plots=plots)


def _plan(grid, sample, trials, seeds, sample_seed, max_trials, yes, options, _optuna=None):
    from ._space import parse_grid, parse_sample

    grid = _named(grid, "grid", parse_grid)
    sample = _named(sample, "sample", parse_sample)
    space = points(grid, sample, trials, sample_seed)
    swept = set(grid or {}) | set(sample or {})
    fixed = check_fixed(options, swept)
    seeds = seed_list(seeds)
    trial_list = build_trials(fixed, space, seeds, max_trials=max_trials, yes=yes)
    record = {"grid": grid} if grid else {"sample": {k: _describe_dist(v)
                                                    for k, v in (sample or {}).items()},
                                          "trials": len(space), "sample_seed": sample_seed}
    return trial_list, fixed, seeds, record


def _plan_optuna(grid, sample, trials, seeds, sample_seed, max_trials, yes, options, sampler):
    from . import _optuna
    from ._space import parse_sample

    _optuna._optuna()
    if grid or not sample:
        raise ConfigError("--optuna expected a --sample space, got "
                          f"{'a --grid' if grid else 'none'}; e.g. --optuna tpe --sample "
                          "lr=loguniform:1e-3:1 --trials 30")
    sample = _named(sample, "sample", parse_sample)
    n = check_int(10 if trials is None else trials, "trials (--trials)", low=1,
                  fix="e.g. --trials 30")
    fixed = check_fixed(options, set(sample))
    seeds = seed_list(seeds)
    if n * len(seeds) > max_trials and not yes:
        raise ConfigError(f"expected at most --max-trials {max_trials} trials, got "
                          f"{n * len(seeds)} ({n} point(s) x {len(seeds)} seed(s)); lower "
                          "--trials, or pass --yes (or raise --max-trials)")
    record = _optuna.record(sample, "tpe" if sampler is True else sampler, n, sample_seed,
                            fixed)
    _optuna.check_space(fixed, _optuna.distributions(sample), seeds)
    return [], fixed, seeds, record


def _named(space, what: str, parse):
    """A grid or sample given as a dict (Python) or as ``NAME=VALUES`` strings (CLI)."""
    if space is None:
        return None
    if isinstance(space, (list, tuple)) and all(isinstance(s, str) for s in space):
        return parse(space)
    if not isinstance(space, dict):
        raise ConfigError(f"{what} must be a dict of option -> values, got "
                          f"{type(space).__name__}; e.g. {what}={{'lr': [0.05, 0.5]}}")
    out = {}
    for key, values in space.items():
        name = check_name(str(key), what)
        if name == "seed":
            raise ConfigError(f"{what}: seeds are not a {what} option; use seeds=N or "
                              "seeds=[0, 3, 7]")
        out[name] = list(values) if isinstance(values, (list, tuple)) else values
    return out


def _describe_dist(value):
    if isinstance(value, list):
        return value
    dist = getattr(value, "dist", None)
    return f"{getattr(dist, 'name', type(value).__name__)}{tuple(getattr(value, 'args', ()))}"


def _make_dir(out):
    from ..train._lock import LOCK_NAME, RunLock

    if out is None:
        out = os.path.join("sweeps", time.strftime("%Y%m%d-%H%M%S"))
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"sweep directory {path}: expected a new or empty directory, got a "
                          "file; choose another --out")
    path.mkdir(parents=True, exist_ok=True)
    lock = RunLock.acquire(path)
    if any(p.name != LOCK_NAME for p in path.iterdir()):
        lock.release()
        raise ConfigError(f"sweep directory {path}: expected a new or empty directory, got one "
                          f"holding files; choose another --out or continue it with "
                          f"--resume {path}")
    (path / "trials").mkdir()
    return path, lock


def _reopen(path: Path):
    from ..train._lock import RunLock

    index = Index.read(path)
    lock = RunLock.acquire(path)
    try:
        index = Index.read(path)  # as it is now that this process holds the lock
    except BaseException:
        lock.release()
        raise
    return index, lock


def _forget_failures(index: Index) -> None:
    """``retry_failed``: every failed trial is pending again; its directory is kept for
    inspection as ``trials/.<id>.failed-<token>`` (hidden: reports and resume skip it)."""
    for trial in index.trials:
        if trial["status"] != "failed":
            continue
        final = index.dir / "trials" / trial["id"]
        if final.exists():
            os.rename(final, final.with_name(f".{trial['id']}.failed-{secrets.token_hex(3)}"))
        trial["result"] = trial["error"] = None
        index.set(trial["id"], "pending")


def _harvest(index: Index) -> None:
    """Trials finished on disk but not in the index (the client stopped first) are
    recorded from their ``trial.json``; unfinished ones are pending again."""
    for trial in index.trials:
        if trial["status"] in FINISHED:
            continue
        record = read_record(index.dir / "trials" / trial["id"])
        if record is None:
            index.set(trial["id"], "pending")
        else:
            _record(index, trial["id"], record)


def _record(index: Index, trial_id: str, record: dict) -> dict:
    trial = index.set(trial_id, record.get("status", "failed"), record.get("result"),
                      record.get("error"))
    trial["worker"] = record.get("worker")
    trial["attempt"] = record.get("attempt")
    return trial


def _outcome(future) -> dict:
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as e:
        return {"status": "failed", "error": f"the workers running this trial died each time "
                f"({one_line(e)}); it may need more memory than a worker has"}
    except Exception as e:  # a task that raised despite run_trial's own catch
        return {"status": "failed", "error": one_line(e)}


def _execute(client, index: Index, todo: list[dict], progress, on_trial_done,
             search=None) -> None:
    from distributed import as_completed

    sweep_dir = str(index.dir.resolve())
    token = secrets.token_hex(4)
    futures: dict = {}
    finished = as_completed()

    def submit(trials: list[dict]) -> None:
        for trial in trials:
            fut = client.submit(run_trial, sweep_dir, trial["id"], trial["config"],
                                pure=False, key=f"tinyprop-trial-{trial['id']}-{token}")
            futures[fut] = trial["id"]
            index.set(trial["id"], "running")
            finished.add(fut)

    def top_up() -> None:  # Optuna: keep every worker busy with points asked one by one
        if search is not None:
            slots = max(1, sum(w.get("nthreads", 1)
                               for w in client.scheduler_info()["workers"].values()))
            while search.more() and len(futures) < slots:
                submit(search.ask())

    submit(todo)
    top_up()
    index.save()
    bar = _bar(len(futures) + (search.remaining_runs() if search else 0), progress)
    try:
        for fut in finished:
            trial_id = futures.pop(fut)
            trial = _record(index, trial_id, _outcome(fut))
            if search is not None:
                search.finished(trial_id)
                top_up()
            index.save(force=False)
            bar.update(1)
            if trial["status"] == "failed":
                bar.set_postfix_str(f"{sum(t['status'] == 'failed' for t in index.trials)} "
                                    "failed", refresh=False)
            if on_trial_done is not None:
                on_trial_done(dict(trial))
    except BaseException:
        _cancel(client, list(futures))
        _harvest(index)  # what finished on disk is recorded, the rest is pending again
        raise
    finally:
        bar.close()
        index.save()


def _cancel(client, futures) -> None:
    with contextlib.suppress(Exception):  # the cluster may be going away already
        client.cancel(futures, force=True)


def _bar(total: int, progress):
    from tqdm.auto import tqdm

    disable = None if progress is None else not progress
    return tqdm(total=total, unit="trial", desc="sweep", disable=disable, file=sys.stderr,
                dynamic_ncols=True)
