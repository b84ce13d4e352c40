"""Resuming a run: lock it, check everything, then continue bit-exactly.

:func:`resume_run` takes the run directory's lock before it reads anything, then checks,
before any file changes: the checkpoint, the options in ``config.json`` against those the
run was trained with (recorded in the checkpoint), and a new number of epochs. Only then
does it rewrite ``metrics.jsonl`` (atomically) and continue training.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .._atomic import atomic_write
from .._validate import check_int
from ..errors import CheckpointError, RunError, TinypropError
from ._lock import RunLock
from .config import TrainConfig
from .loop import Trainer
from .run import Run, _existing_run_dir, _json_default, _train, read_run_config

FREE_ON_RESUME = ("epochs", "out", "plots", "progress", "data_dir", "animate", "detect_anomaly",
                  "tensorboard", "csv")
"""Options that do not decide the data split, the model or the training; every other
option of a run is fixed when it starts (``epochs`` changes only as documented in
:func:`resume_run`)."""
EPOCH_SHAPED = ("step", "cosine", "onecycle")
"""Schedules laid out over the run's epochs: a run with one of them cannot change
``epochs`` on resume."""


def _recorded_config(state) -> dict | None:
    """The configuration a checkpoint's run was trained with (None: not recorded)."""
    trainer = state.get("trainer") if isinstance(state, dict) else None
    callbacks = trainer.get("callbacks") if isinstance(trainer, dict) else None
    for cs in callbacks if isinstance(callbacks, list) else ():
        if isinstance(cs, dict) and isinstance(cs.get("run_config"), str):
            try:
                record = json.loads(cs["run_config"])
            except json.JSONDecodeError:
                record = None
            if not isinstance(record, dict) or not isinstance(record.get("epochs"), int):
                raise CheckpointError("the checkpoint's record of its run's configuration is "
                                      "damaged; retrain")
            return record
    return None


def resume_run(run_dir, *, epochs: int | None = None, verbose: bool = True,
               stream=None) -> dict:
    """Continue a run from its last checkpoint (bit-exact with an uninterrupted run).

    The run directory is locked first (a second process is refused with a ``RunError``
    naming the holder). Every check happens before any file changes: the checkpoint,
    the options in ``config.json`` against those the run was trained with (only
    :data:`FREE_ON_RESUME` may differ), and ``epochs``. ``epochs`` sets the run's total:
    the result is exactly that of a run started with that many epochs. It is refused for
    a ``step``, ``cosine`` or ``onecycle`` schedule (laid out over the original epochs),
    for a run that stopped early, and below the epochs already trained.

    >>> import os, tempfile
    >>> from tinyprop.train import TrainConfig, train_run
    >>> out = os.path.join(tempfile.mkdtemp(), "run")
    >>> _ = train_run(TrainConfig(data="circles", epochs=1, plots=False), out=out, verbose=False)
    >>> summary = resume_run(out, epochs=2, verbose=False)
    >>> summary["status"], summary["epochs"]
    ('completed', 2)
    """
    import tinyprop as tp

    start = time.perf_counter()
    run_dir = _existing_run_dir(run_dir)
    if epochs is not None:
        epochs = check_int(epochs, "epochs", low=1, fix="try --epochs 10")
    with RunLock.acquire(run_dir):  # before anything of the run is read
        run, trainer, written_epochs = _prepare_resume(run_dir, epochs, verbose, stream)
        text = "".join(json.dumps(h) + "\n" for h in trainer.history)
        atomic_write(run_dir / "metrics.jsonl", lambda f: f.write(text.encode("utf-8")))
        if run.cfg.epochs != written_epochs:
            run.write_config(run_dir)
        return _train(run, trainer, run_dir, start, tp)


def _prepare_resume(run_dir: Path, epochs: int | None, verbose: bool, stream):
    """(run, trainer with the checkpoint loaded, config.json's epochs); reads only."""
    from ..io import load

    cfg = read_run_config(run_dir)
    written_epochs = cfg.epochs
    ckpt = run_dir / "checkpoint.safetensors"
    if not ckpt.is_file():
        raise RunError(f"{run_dir} has no checkpoint.safetensors to resume from")
    state = load(ckpt)
    record = _recorded_config(state)
    target = epochs if epochs is not None else cfg.epochs
    if record is not None:
        cfg.epochs = record["epochs"]  # rebuild the run exactly as it was trained
    changed = _changed_option(cfg, record, run_dir)
    try:
        run = Run(cfg, verbose=verbose, stream=stream)
        trainer = run.trainer(run_dir)
        trainer.load_state_dict(state)
    except (TinypropError, OSError) as e:
        if changed:  # the edited option is the cause: name it first
            raise RunError(f"{changed} (the checkpoint does not fit it either: {e})") from e
        raise
    if changed:
        raise RunError(changed)
    target = check_int(target, "epochs", low=1, fix="try --epochs 10")
    _set_epochs(run, trainer, target)
    return run, trainer, written_epochs


def _changed_option(cfg: TrainConfig, record: dict | None, run_dir: Path) -> str | None:
    """The message for the first option of ``config.json`` that differs from the run's."""
    if record is None:
        return None
    try:
        now = json.loads(json.dumps(cfg.resolved().to_dict(), default=_json_default))
    except (TinypropError, TypeError, ValueError):
        now = json.loads(json.dumps(cfg.to_dict(), default=str))
    for key in sorted(set(now) | set(record)):
        if key not in FREE_ON_RESUME and now.get(key) != record.get(key):
            return (f"{run_dir / 'config.json'} has {key}={now.get(key)!r} but the run was "
                    f"trained with {key}={record.get(key)!r}; a run keeps the options that "
                    f"decide its data split, model and training: put {key} back or start a "
                    "new run")
    return None


def _set_epochs(run: Run, trainer: Trainer, target: int) -> None:
    """Extend or shorten the run to ``target`` epochs, or refuse (nothing changed yet)."""
    have = trainer.epochs
    if target == have:
        return
    done = trainer.epoch + (1 if trainer.loader.position > 0 else 0)
    schedule = run.cfg.schedule
    if schedule in EPOCH_SHAPED:
        raise RunError(
            f"cannot change this run's epochs from {have} to {target}: its {schedule} "
            f"learning-rate schedule is laid out over {have} epochs; start a new run with "
            f"--epochs {target}"
        )
    if trainer.stop:
        raise RunError(f"cannot change this run's epochs from {have} to {target}: it stopped "
                       f"early after epoch {trainer.epoch} ({trainer.stop_reason}); start a "
                       "new run to train longer")
    if target < done:
        raise RunError(f"cannot shorten this run to {target} epochs: it has already trained "
                       f"{done}; pass --epochs {done} or more")
    trainer.epochs = run.cfg.epochs = target
