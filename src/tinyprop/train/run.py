"""A training run on disk: validate everything, then train into a run directory.

Layout of ``runs/<timestamp>-<data>-<model>/``: ``config.json``, ``metrics.jsonl`` (one
line per epoch), ``checkpoint.safetensors`` (full state, every epoch), ``model.safetensors``
(weights), ``summary.json``, ``curves.png``, ``confusion.png`` and, for 2-D data,
``boundary.png`` (and ``boundary.gif`` with ``animate``). Nothing is created before the
configuration, the data and the model have been checked.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .. import __version__
from .._atomic import atomic_write
from ..errors import CheckpointError, ConfigError, RunError, TinypropError
from ..io._read import MAX_CONFIG_BYTES, read_regular
from ._format import config_block, resume_text, shown_path
from ._lock import LOCK_NAME, RunLock
from .build import (
    build_manual_model,
    build_model,
    build_optimizer,
    build_scheduler,
    count_parameters,
)
from .callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    MetricsLogger,
    ProgressBar,
    StopOnDivergence,
)
from .config import TrainConfig
from .engines import AutogradEngine, ManualEngine
from .loop import Trainer

RUN_FORMAT = "tinyprop-run/1"
def _write_json(path: Path, obj) -> None:
    text = json.dumps(obj, indent=2, default=_json_default) + "\n"
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"cannot store {type(o).__name__} in JSON")


class Run:
    """Everything one training run needs, built and validated from a config.

    >>> run = Run(TrainConfig(data="circles", epochs=1), verbose=False)
    >>> run.cfg.hidden, run.engine.name, len(run.loader)
    ([32, 32], 'autograd', 7)
    """

    def __init__(self, cfg: TrainConfig, *, verbose: bool = True, stream=None) -> None:
        import tinyprop as tp

        from ..data import load_dataset

        self.cfg = cfg = cfg.resolved()
        self.verbose = verbose
        self.stream = stream
        tp.manual_seed(cfg.seed)
        data_options = {"seed": cfg.seed, **cfg.data_options()}
        self.data = load_dataset(cfg.data, data_dir=cfg.data_dir, val_split=cfg.val_split,
                                 **data_options)
        d = self.data
        n_in = int(np.prod(d.X_train.shape[1:]))
        if cfg.engine == "autograd":
            self.model = build_model(cfg, n_in, d.n_classes)
            self.engine = AutogradEngine(self.model, build_optimizer(cfg, self.model.parameters()))
        else:
            from .. import manual

            self.model = build_manual_model(cfg, n_in, d.n_classes)
            self.engine = ManualEngine(self.model, manual.SoftmaxCrossEntropy(),
                                       lambda params: build_optimizer(cfg, params))
        self.loader = d.loader("train", batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)
        self.scheduler, per_batch = build_scheduler(cfg, self.engine.optimizer, len(self.loader))
        self.scheduler_interval = "batch" if per_batch else "epoch"
        self.early = (EarlyStopping(cfg.early_stopping,
                                    monitor="val_loss" if d.has_val else "train_loss")
                      if cfg.early_stopping else None)
        self.frames = []
        if cfg.tensorboard:  # before any directory exists: a missing package fails here
            from .._optional import require

            require("tensorboardX", "--tensorboard", "tensorboardX")

    def _loggers(self) -> list:
        """The tracking callbacks ``--tensorboard DIR`` and ``--csv FILE`` ask for."""
        from .tracking import CSVLogger, TensorBoardLogger

        out = []
        if self.cfg.tensorboard:
            out.append(TensorBoardLogger(self.cfg.tensorboard))
        if self.cfg.csv:
            out.append(CSVLogger(self.cfg.csv))
        return out

    # ---- run directory ------------------------------------------------------------
    def make_dir(self, out: str | None) -> tuple[Path, RunLock]:
        """Create the run directory and take its lock (the caller releases it). Creating
        is exclusive: of two processes given the same fresh ``out``, one gets it."""
        if out is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            out = os.path.join("runs", f"{stamp}-{self.cfg.data}-{self.cfg.model}")
        path = Path(out)
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            if not path.is_dir():
                raise ConfigError(f"output directory {path} exists and is not a directory; "
                                  "choose another --out") from None
            _refuse_non_empty(path)
        lock = RunLock.acquire(path)  # one holder; it must still find the directory empty
        try:
            _refuse_non_empty(path)
        except BaseException:
            lock.release()
            raise
        return path, lock

    def trainer(self, run_dir: Path) -> Trainer:
        d = self.data
        # divergence first: a diverged epoch reaches neither the table, the metrics nor
        # the checkpoint, which keeps the last good epoch
        callbacks = [StopOnDivergence(), ProgressBar(self.cfg.progress, stream=self.stream)]
        if self.early:
            callbacks.append(self.early)
        if self.cfg.animate and d.X_train.shape[1:] == (2,):
            callbacks.append(_BoundaryFrames(self))
        if self.cfg.plots:  # curves.png (boundary.png for 2-D data) redrawn every epoch
            from ..viz import LiveCurves

            flat = d.X_train.shape[1:] == (2,)
            callbacks.append(LiveCurves(run_dir, title=self.title, X=d.X_test if flat else None,
                                        y=d.y_test if flat else None, engine=self.engine))
        callbacks += [*self._loggers(), MetricsLogger(run_dir / "metrics.jsonl"), _RunRecord(self),
                      Checkpoint(run_dir / "checkpoint.safetensors")]
        return Trainer(self.engine, self.loader, epochs=self.cfg.epochs,
                       val_data=d.val if d.has_val else None, test_data=d.test,
                       callbacks=callbacks, scheduler=self.scheduler,
                       scheduler_interval=self.scheduler_interval,
                       scheduler_monitor="val_loss" if d.has_val else "train_loss",
                       verbose=self.verbose)

    def announce(self, run_dir: Path, trainer: Trainer) -> None:
        """Print the resolved configuration (one block) before the first epoch when the run
        is verbose, on a terminal, in Jupyter or into a log. ``config.json`` always has it."""
        stream = self.stream or sys.stdout
        if not self.verbose:
            return
        d = self.data
        text = config_block(self.cfg.to_dict(), n_parameters=count_parameters(self.model),
                            n_train=len(d.y_train), n_val=len(d.val[1]) if d.has_val else None,
                            n_test=len(d.y_test), run_dir=shown_path(run_dir))
        if trainer.epoch or trainer.loader.position:
            text += (f"\n  resume     from epoch {trainer.epoch + 1}, batch "
                     f"{trainer.loader.position + 1}")
        print(text, file=stream, flush=True)

    def write_config(self, run_dir: Path) -> None:
        _write_json(run_dir / "config.json", {
            "format": RUN_FORMAT, "tinyprop_version": __version__,
            "config": self.cfg.to_dict(), "n_parameters": count_parameters(self.model),
        })

    def finish(self, trainer: Trainer, run_dir: Path, status: str, wall: float) -> dict:
        from ..io import save

        save(self.engine.state_dict()["model"], run_dir / "model.safetensors")
        last = trainer.history[-1] if trainer.history else {}
        summary = {
            "data": self.cfg.data, "model": self.cfg.model, "engine": self.cfg.engine,
            "hidden": self.cfg.hidden, "optimizer": self.cfg.optimizer, "lr": self.cfg.lr,
            "batch_size": self.cfg.batch_size, "epochs": trainer.epoch,
            "status": status, "stop_reason": trainer.stop_reason or None,
        }
        for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy",
                    "test_loss", "test_accuracy"):
            if key in last:
                summary[key] = last[key]
        summary["wall_time_s"] = wall
        summary["train_time_s"] = trainer.train_time
        summary["samples_per_s"] = (trainer.samples_seen / trainer.train_time
                                    if trainer.train_time else 0.0)
        summary["run_dir"] = str(run_dir)
        summary["tinyprop_version"] = __version__
        _write_json(run_dir / "summary.json", summary)
        if self.cfg.plots and trainer.history:
            self.plot(trainer, run_dir)
        return summary

    def plot(self, trainer: Trainer, run_dir: Path) -> None:
        from .. import viz

        d = self.data
        viz.plot_curves(trainer.history, path=run_dir / "curves.png", title=self.title)
        logits = self.engine.predict_logits(d.X_test)
        names = [str(c) for c in d.classes]
        viz.plot_confusion_matrix(d.y_test, logits.argmax(axis=1), n_classes=d.n_classes,
                                  class_names=names, path=run_dir / "confusion.png")
        n_features = int(np.prod(d.X_train.shape[1:]))
        side = int(round(np.sqrt(n_features)))
        if n_features > 2 and side * side == n_features:  # image data: mistakes first
            viz.plot_samples(d.X_test, d.y_test, logits.argmax(axis=1), n=16,
                             class_names=names, image_shape=(side, side),
                             path=run_dir / "samples.png")
            first = next(iter(self.engine.state_dict()["model"].values()))
            viz.plot_first_layer_weights(np.asarray(first), image_shape=(side, side), n=32,
                                         path=run_dir / "weights.png")
        if d.X_train.shape[1:] == (2,):
            xx, yy, points = self.grid()
            probs = _softmax(self.engine.predict_logits(points))
            acc = trainer.history[-1].get("test_accuracy", 0)
            viz.plot_decision_boundary(probs, d.X_test, d.y_test, (xx, yy),
                                       path=run_dir / "boundary.png",
                                       title=f"test accuracy {acc:.3f}")
            if self.frames:
                viz.animate_decision_boundary(self.frames, d.X_test, d.y_test, (xx, yy),
                                              run_dir / "boundary.gif")

    @property
    def title(self) -> str:
        return f"{self.cfg.data} {self.cfg.model} ({self.cfg.engine})"

    def grid(self):
        """The 200x200 grid over the 2-D test points: ``(xx, yy, float32 points)``."""
        from .. import viz

        xx, yy, points = viz.make_grid(self.data.X_test)
        return xx, yy, points.astype(np.float32)


def _refuse_non_empty(path: Path) -> None:
    if any(p.name != LOCK_NAME for p in path.iterdir()):
        raise ConfigError(
            f"output directory {path} exists and is not empty; choose another --out "
            "or continue it with --resume"
        )


class _RunRecord(Callback):
    """Saves the run's resolved configuration in the checkpoint, so that resume can tell
    an edited ``config.json`` from the run that was trained."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def state_dict(self) -> dict:
        return {"run_config": json.dumps(self.run.cfg.to_dict(), default=_json_default)}


def _softmax(z):
    from ..kernels import softmax

    return softmax(z.astype(np.float64), axis=1)


class _BoundaryFrames(Callback):
    """Collect decision-boundary frames for the GIF (about 30 over the run)."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        every = max(1, trainer.epochs // 30)
        if epoch % every == 0 or epoch + 1 == trainer.epochs:
            probs = _softmax(self.run.engine.predict_logits(self.run.grid()[2]))
            self.run.frames.append((probs, f"epoch {epoch + 1}: test acc "
                                           f"{logs.get('test_accuracy', 0):.3f}"))


def train_run(cfg: TrainConfig, *, out: str | None = None, verbose: bool = True,
              stream=None) -> dict:
    """Validate, create the run directory, train, write results; returns the summary.

    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "run")
    >>> summary = train_run(TrainConfig(data="circles", epochs=1, plots=False), out=out,
    ...                     verbose=False)
    >>> summary["status"], summary["epochs"], sorted(os.listdir(out))
    ('completed', 1, ['checkpoint.safetensors', 'config.json', 'metrics.jsonl',
                      'model.safetensors', 'summary.json'])
    """
    import tinyprop as tp

    start = time.perf_counter()
    run = Run(cfg, verbose=verbose, stream=stream)  # every check happens here
    run_dir, lock = run.make_dir(out if out is not None else run.cfg.out)
    with lock:  # this process is the run directory's one writer until it returns
        run.write_config(run_dir)
        trainer = run.trainer(run_dir)
        return _train(run, trainer, run_dir, start, tp)


def _train(run: Run, trainer: Trainer, run_dir: Path, start: float, tp) -> dict:
    from .loop import TrainingDiverged

    run.announce(run_dir, trainer)
    status = "completed"
    try:
        if run.cfg.detect_anomaly:
            with tp.detect_anomaly():
                trainer.fit()
        else:
            trainer.fit()
    except TrainingDiverged as e:
        kept = _keep_last_good(trainer, run_dir)
        trainer.stop_reason = str(e)
        run.finish(trainer, run_dir, "diverged", time.perf_counter() - start)
        if kept is None:
            raise
        raise _diverged(e, f"{shown_path(run_dir)} keeps the last good checkpoint "
                           f"(epoch {kept})") from e
    except FloatingPointError:  # an AnomalyError under --detect-anomaly
        run.finish(trainer, run_dir, "anomaly", time.perf_counter() - start)
        raise
    if trainer.interrupted:
        status = "interrupted"
        trainer.save_checkpoint(run_dir / "checkpoint.safetensors")
        _say_how_to_resume(run, trainer, run_dir)
    elif trainer.stop:
        status = "early_stopped"
    return run.finish(trainer, run_dir, status, time.perf_counter() - start)


def _keep_last_good(trainer: Trainer, run_dir: Path) -> int | None:
    """Put the trainer back to the run's last checkpoint, written before the epoch that
    diverged (so the weights and summary written next are the last good ones); return its
    epoch, or None when there is none (the first epoch diverged)."""
    from ..io import load

    path = run_dir / "checkpoint.safetensors"
    if not path.is_file():
        return None
    try:
        trainer.load_state_dict(load(path))
    except (TinypropError, OSError, ValueError, TypeError, KeyError):  # keep what there is
        return None
    return trainer.epoch


def _diverged(e, note: str):
    """The same :class:`TrainingDiverged`, its message ending with ``note``."""
    err = type(e)(f"{e}; {note}")
    err.__dict__.update(e.__dict__)
    return err


def _say_how_to_resume(run: Run, trainer: Trainer, run_dir: Path) -> None:
    if run.verbose:
        print(resume_text(run_dir, trainer.epoch, trainer.loader.position),
              file=run.stream or sys.stdout, flush=True)


def read_run_config(run_dir) -> TrainConfig:
    """The config a run directory was trained with (checked for format and version).

    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "run")
    >>> _ = train_run(TrainConfig(data="circles", epochs=1, plots=False), out=out, verbose=False)
    >>> cfg = read_run_config(out)
    >>> cfg.data, cfg.epochs, cfg.hidden
    ('circles', 1, [32, 32])
    """
    run_dir = _existing_run_dir(run_dir)
    path = run_dir / "config.json"
    if not path.is_file():
        raise RunError(f"{run_dir} has no config.json; is it a tinyprop run directory?")
    raw = read_regular(path, "a run's config.json", max_bytes=MAX_CONFIG_BYTES, error=RunError,
                       fix="the run directory is damaged; retrain")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RunError(f"{path} is not valid JSON ({e}); the run directory is damaged") from None
    if not isinstance(meta, dict) or meta.get("format") != RUN_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise RunError(
            f"{run_dir} was written in format {found!r}, "
            f"this tinyprop {__version__} reads {RUN_FORMAT!r}; retrain with this version"
        )
    if meta.get("tinyprop_version") != __version__:
        raise RunError(
            f"{run_dir} was written by tinyprop {meta.get('tinyprop_version')}, this is "
            f"{__version__}; retrain with this version or install that one"
        )
    if not isinstance(meta.get("config"), dict):
        raise RunError(f"{path} has no 'config' section (expected the options of the run); "
                       "the run directory is damaged: retrain")
    return TrainConfig.from_dict(meta["config"], source=str(path))


def _existing_run_dir(run_dir) -> Path:
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"{run_dir} is a file, not a run directory; pass the directory that "
                       "tinyprop train wrote (runs/<time>-<data>-<model>)")
    if not run_dir.is_dir():
        raise RunError(f"run directory {run_dir} does not exist")
    return run_dir


def load_run(run_dir, *, data: str | None = None, data_dir: str | None = None) -> Run:
    """The finished run in ``run_dir`` with its trained weights, ready to evaluate or predict.

    ``data``/``data_dir`` replace the dataset the run was trained on. A run directory that
    does not fit raises :class:`~tinyprop.errors.RunError`, weights that do not fit the
    model :class:`~tinyprop.errors.CheckpointError`.

    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "run")
    >>> _ = train_run(TrainConfig(data="circles", epochs=1, plots=False), out=out, verbose=False)
    >>> load_run(out).cfg.data
    'circles'
    """
    from ..io import load

    cfg = read_run_config(run_dir)
    if data is not None:
        cfg.data = data
    if data_dir is not None:
        cfg.data_dir = data_dir
    run = Run(cfg, verbose=False)
    weights = Path(run_dir) / "model.safetensors"
    if not weights.is_file():
        raise RunError(f"{run_dir} has no model.safetensors; did the run finish?")
    state = run.engine.state_dict()
    state["model"] = load(weights)
    try:
        run.engine.load_state_dict(state)
    except (ValueError, TypeError, KeyError) as e:
        raise CheckpointError(f"{weights} does not fit the model of this run: {e}") from e
    return run
