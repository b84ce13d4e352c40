"""Callbacks: hooks the training loop calls at the start and end of training, of each
epoch, and before and after each batch. Subclass :class:`Callback` and override what you
need.

A callback may set ``trainer.stop = True`` to end training after the current epoch (and
``trainer.stop_reason`` to say why). The progress bar, early stopping, checkpoints and
loggers here, and the scikit-learn estimators' epoch rules (``tinyprop.sklearn``), are
all callbacks of the one :class:`~tinyprop.train.Trainer`.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import sys

import numpy as np

from .._atomic import append_text
from .._validate import check_choice, check_int, check_scalar
from ..errors import CheckpointError, ConfigError
from ._format import EpochTable, format_number, terminal_width


class Callback:
    """Base class; every hook receives the :class:`~tinyprop.train.Trainer`.

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, trainer, epoch, logs):
    ...         print(f"epoch {epoch + 1}: train_loss {logs['train_loss']}")
    >>> PrintLoss().on_epoch_end(None, 0, {"train_loss": 0.25})
    epoch 1: train_loss 0.25
    """

    def on_train_begin(self, trainer) -> None: ...

    def on_epoch_begin(self, trainer, epoch: int) -> None: ...

    def on_batch_begin(self, trainer, batch: int, size: int) -> None:
        """Before the step on batch ``batch`` (0-based within the epoch) of ``size`` rows."""

    def on_batch_end(self, trainer, batch: int, loss: float) -> None: ...

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None: ...

    def on_train_end(self, trainer) -> None: ...


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython's ``ZMQInteractiveShell``).

    >>> in_notebook()
    False
    """
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    try:
        shell = get() if get is not None else None
    except Exception:  # noqa: BLE001 - a half-imported IPython is not a notebook
        return False
    return type(shell).__name__ == "ZMQInteractiveShell"


class ProgressBar(Callback):
    """A live bar per epoch and, when the trainer is ``verbose``, a table row per epoch
    (Keras' ``fit(verbose=1)``): loss, accuracy, validation, time, learning rate and test
    columns, as many as fit the terminal's width (``shutil.get_terminal_size``, 80 when
    unknown); numbers with 4 significant digits, times with a unit that suits them.

    The bar is tqdm's plain text bar (``tqdm.std``, no widgets), shown by default on a
    terminal and in Jupyter; ``enabled`` forces it on or off. Everything goes to
    ``stream``, stdout by default (``tinyprop train --json`` passes stderr).

    >>> import io
    >>> ProgressBar(stream=io.StringIO()).enabled  # not a terminal: no bar by default
    False
    """

    def __init__(self, enabled: bool | None = None, stream=None) -> None:
        self._stream = stream
        self.enabled = enabled if enabled is not None else _interactive(self.stream)
        self.bar = None
        self.table = None

    @property
    def stream(self):
        """The stream written to (``sys.stdout`` when none was given, looked up each time,
        so that a redirected or captured stdout is followed)."""
        return self._stream if self._stream is not None else sys.stdout

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        if not self.enabled:
            return
        from tqdm.std import tqdm  # the text bar: tqdm.auto would need ipywidgets in Jupyter

        tty = _isatty(self.stream)
        self.bar = tqdm(total=trainer.batches_per_epoch, desc=f"epoch {epoch + 1}/{trainer.epochs}",
                        leave=False, file=self.stream, dynamic_ncols=tty,
                        ncols=None if tty else terminal_width(), initial=trainer.loader.position)

    def on_batch_end(self, trainer, batch: int, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if batch % 10 == 0:
                self.bar.set_postfix_str(f"loss {format_number(loss)}", refresh=False)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        self._close_bar()
        if not trainer.verbose:
            return
        if self.table is None:
            self.table = EpochTable(logs, epochs=trainer.epochs)
            print(self.table.header(), file=self.stream)
        print(self.table.row(logs), file=self.stream, flush=True)

    def on_train_end(self, trainer) -> None:
        self._close_bar()  # an epoch interrupted by Ctrl-C

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _interactive(stream) -> bool:
    """A person watches ``stream``: a terminal, or stdout in Jupyter."""
    return _isatty(stream) or (stream is sys.stdout and in_notebook())


class StopOnDivergence(Callback):
    """Stop training with :class:`~tinyprop.train.TrainingDiverged` when the loss diverges,
    like Keras' ``TerminateOnNaN`` but also for a loss that stays finite: after an epoch
    whose ``monitor`` (``train_loss``, else the epoch's running ``train_batch_loss``) is
    NaN or infinite, or more than ``factor`` times the loss at the start of training (the
    mean loss of the run's first batch, taken before any update).

    Put it before :class:`Checkpoint` in ``callbacks``: it raises from ``on_epoch_end``, so
    the callbacks after it do not see the diverged epoch and the last checkpoint written is
    the last good one. (A NaN or infinite batch loss is caught by the Trainer itself.)

    >>> from types import SimpleNamespace
    >>> stop = StopOnDivergence(factor=1000)
    >>> trainer = SimpleNamespace(epoch=0, engine=None)  # stands in for the Trainer
    >>> stop.on_batch_end(trainer, 0, 2.3)            # the loss at the start
    >>> stop.on_epoch_end(trainer, 0, {"train_loss": 1.1})
    >>> stop.on_epoch_end(trainer, 1, {"train_loss": 2.1e30})
    Traceback (most recent call last):
    ...
    tinyprop.train.loop.TrainingDiverged: training diverged at epoch 2: train_loss 2.1e+30 is
    more than 1000 times its start (2.3); lower the learning rate (e.g. divide it by 10)
    """

    def __init__(self, factor: float = 1e3, monitor: str = "train_loss") -> None:
        self.factor = check_scalar(factor, "factor", float, low=1.0, closed="right",
                                   fix="pass e.g. factor=1e3")
        self.monitor = monitor
        self.start = None  # the mean loss of the run's first batch

    def on_batch_end(self, trainer, batch: int, loss: float) -> None:
        if self.start is None and trainer.epoch == 0 and batch == 0 and math.isfinite(loss):
            self.start = float(loss)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        key = self.monitor if self.monitor in logs else "train_batch_loss"
        value = float(logs[key])
        if self.start is None and math.isfinite(value):
            self.start = value  # a run resumed from a checkpoint without this callback
        if math.isfinite(value) and not (self.start and self.start > 0
                                         and value > self.factor * self.start):
            return
        from .loop import TrainingDiverged, _current_lr

        what = (f"{key} became {value}" if not math.isfinite(value) else
                f"{key} {value:.4g} is more than {self.factor:g} times its start "
                f"({self.start:.4g})")
        lr = logs.get("lr")  # the rate this epoch trained with
        if lr is None and trainer.engine is not None:
            lr = _current_lr(trainer.engine)
        hint = (f"lower the learning rate (this epoch trained with {lr:g}; try {lr / 10:g})"
                if lr else "lower the learning rate (e.g. divide it by 10)")
        raise TrainingDiverged(f"training diverged at epoch {epoch + 1}: {what}; {hint}",
                               loss=value, epoch=epoch + 1)

    def state_dict(self) -> dict:
        return {"start": self.start}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict` (checked first; nothing changes on an error)."""
        start = state.get("start") if isinstance(state, dict) else False
        if start is not None and (isinstance(start, (bool, np.bool_))
                                  or not isinstance(start, numbers.Real)):
            raise CheckpointError("StopOnDivergence state must be {'start': a number or None}, "
                                  f"got {_describe(state)}; pass state_dict()'s dict")
        self.start = None if start is None else float(start)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; optionally put
    back the best weights at the end. The best model is kept as a snapshot of its weights
    only (``engine.model_state_dict()``), never the optimizer's buffers; the snapshot is
    part of :meth:`state_dict`, so a resumed run restores the same weights.

    >>> from types import SimpleNamespace
    >>> stopper = EarlyStopping(patience=2, restore_best=False)
    >>> trainer = SimpleNamespace(stop=False)  # stands in for the Trainer
    >>> for epoch, loss in enumerate([0.5, 0.4, 0.45, 0.41]):
    ...     stopper.on_epoch_end(trainer, epoch, {"val_loss": loss})
    >>> trainer.stop, stopper.best, stopper.best_epoch
    (True, 0.4, 1)
    """

    def __init__(self, patience: int = 5, monitor: str = "val_loss", mode: str | None = None,
                 min_delta: float = 0.0, restore_best: bool = True) -> None:
        patience = check_int(patience, "patience", low=1, fix="pass e.g. patience=5")
        self.patience, self.monitor, self.min_delta = patience, monitor, min_delta
        self.mode = mode or ("max" if "acc" in monitor else "min")
        check_choice(self.mode, "mode", ("min", "max"))
        self.restore_best = restore_best
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = -1
        self.best_state = None
        self.wait = 0

    def _better(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.monitor not in logs:
            raise ConfigError(
                f"EarlyStopping monitors {self.monitor!r} but the epoch logs have "
                f"{sorted(logs)}; use a validation split or monitor another key"
            )
        value = logs[self.monitor]
        if self._better(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = trainer.engine.model_state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop = True
                trainer.stop_reason = (f"early stopping: {self.monitor} did not improve for "
                                       f"{self.patience} epochs (best {self.best:.4f} at epoch "
                                       f"{self.best_epoch + 1})")

    def on_train_end(self, trainer) -> None:
        if self.restore_best and self.best_state is not None and trainer.stop:
            trainer.engine.load_model_state_dict(self.best_state)

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "best_state": self.best_state}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict` (checked first; nothing changes on an error)."""
        if not isinstance(state, dict) or not {"best", "best_epoch", "wait"} <= set(state):
            raise CheckpointError("EarlyStopping state must be a dict with 'best', 'best_epoch' "
                                  f"and 'wait', got {_describe(state)}; pass state_dict()'s dict")
        best = state["best"]
        if (isinstance(best, (bool, np.bool_)) or not isinstance(best, numbers.Real)
                or math.isnan(best)):
            raise CheckpointError(f"EarlyStopping state['best'] must be a number, got {best!r}")
        fix = "pass the dict that state_dict() returned"
        best_epoch = check_int(state["best_epoch"], "EarlyStopping state['best_epoch']",
                               low=-1, fix=fix)
        wait = check_int(state["wait"], "EarlyStopping state['wait']", low=0, fix=fix)
        best_state = state.get("best_state")
        if best_state is not None and not (
                isinstance(best_state, dict)
                and all(isinstance(k, str) and hasattr(v, "shape") for k, v in best_state.items())):
            raise CheckpointError("EarlyStopping state['best_state'] must be None or a dict of "
                                  f"weights, got {_describe(best_state)}")
        self.best, self.best_epoch, self.wait = float(best), best_epoch, wait
        self.best_state = best_state


def _describe(x) -> str:
    return f"a {type(x).__name__}" if not isinstance(x, dict) else f"keys {sorted(map(str, x))}"


class MetricsLogger(Callback):
    """Append each epoch's logs as one JSON line to ``path`` (``metrics.jsonl``); a
    symlink at ``path`` is refused (``OSError``), never followed.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp(), "metrics.jsonl")
    >>> MetricsLogger(path).on_epoch_end(None, 0, {"epoch": 1, "train_loss": 0.5})
    >>> path.read_text()
    '{"epoch": 1, "train_loss": 0.5}\\n'
    """

    def __init__(self, path) -> None:
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        append_text(self.path, json.dumps(logs) + "\n")  # never through a symlink


class Checkpoint(Callback):
    """Write the whole training state (model, optimizer, scheduler, loader, RNG, history)
    atomically to ``path`` after every epoch.

    >>> import os, tempfile, tinyprop as tp
    >>> from tinyprop.data import make_circles
    >>> from tinyprop.train import AutogradEngine, Trainer
    >>> d, model = make_circles(n_train=20, n_test=20), tp.nn.Linear(2, 2)
    >>> engine = AutogradEngine(model, tp.optim.SGD(model.parameters(), lr=0.1))
    >>> path = os.path.join(tempfile.mkdtemp(), "checkpoint.safetensors")
    >>> _ = Trainer(engine, d.loader("train", batch_size=10), epochs=1,
    ...             callbacks=[Checkpoint(path)], verbose=False).fit()
    >>> sorted(tp.load(path))
    ['loader', 'model', 'optimizer', 'rng', 'scheduler', 'trainer']
    """

    def __init__(self, path) -> None:
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        trainer.save_checkpoint(self.path)
