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
from .._validate import check_choice, check_int
from ..errors import CheckpointError, ConfigError


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


class ProgressBar(Callback):
    """A tqdm bar per epoch (``tqdm.auto``: a widget in notebooks) and an epoch table.

    The bar is off when ``enabled`` is False (by default it shows only on a terminal);
    the one-line-per-epoch table follows the trainer's ``verbose`` flag.
    Output goes to ``stream`` (stderr by default, so ``--json`` keeps stdout clean).

    >>> import io
    >>> ProgressBar(stream=io.StringIO()).enabled  # not a terminal: no bar by default
    False
    """

    def __init__(self, enabled: bool | None = None, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled if enabled is not None else self.stream.isatty()
        self.bar = None
        self.header_done = False

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        if not self.enabled:
            return
        from tqdm.auto import tqdm

        self.bar = tqdm(total=trainer.batches_per_epoch, desc=f"epoch {epoch + 1}/{trainer.epochs}",
                        leave=False, file=self.stream, dynamic_ncols=True)

    def on_batch_end(self, trainer, batch: int, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if batch % 10 == 0:
                self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if not trainer.verbose:
            return
        cols = [k for k in ("train_loss", "train_accuracy", "val_loss", "val_accuracy",
                            "test_loss", "test_accuracy") if k in logs]
        if not self.header_done:
            print("epoch  " + "  ".join(f"{c:>14}" for c in cols) + "      time",
                  file=self.stream)
            self.header_done = True
        print(f"{epoch + 1:5d}  " + "  ".join(f"{logs[c]:14.4f}" for c in cols)
              + f"  {logs['epoch_time_s']:7.2f}s", file=self.stream, flush=True)


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
