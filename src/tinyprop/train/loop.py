"""The training loop shared by both engines.

Per epoch: minibatches (forward, loss, backward, step), then loss and accuracy on the
training set and on the validation/test sets; the epoch's logs go to the history and
to the callbacks. Ctrl-C stops after the current batch (``trainer.interrupted``); a NaN
or infinite loss stops with :class:`TrainingDiverged`, naming the epoch and batch. With
``verbose=True`` (the default) and no :class:`~tinyprop.train.ProgressBar` among the
callbacks, the Trainer adds one: a line per epoch on stdout, as Keras' ``fit`` prints.
"""

from __future__ import annotations

import math
import signal
import threading
import time

import numpy as np

from .._validate import check_choice, check_int, type_error
from ..backend import default_generator
from ..errors import CheckpointError, NumericalError
from .callbacks import Callback, ProgressBar
from .engines import evaluate


class TrainingDiverged(NumericalError):
    """Training diverged (a ``FloatingPointError`` and a
    :class:`~tinyprop.errors.NumericalError`): the Trainer raises it when a batch loss is
    NaN or infinite, :class:`~tinyprop.train.StopOnDivergence` when an epoch's loss is, or
    has grown far above its start. ``loss`` is the offending loss and ``epoch`` the epoch
    (counted from 1).

    >>> try:
    ...     raise TrainingDiverged("the loss became nan at epoch 1, batch 3")
    ... except FloatingPointError as e:
    ...     print(type(e).__name__, e)
    TrainingDiverged the loss became nan at epoch 1, batch 3
    """

    def __init__(self, message: str, loss: float | None = None,
                 epoch: int | None = None) -> None:
        super().__init__(message)
        self.loss, self.epoch = loss, epoch


def _current_lr(engine) -> float | None:
    """The learning rate of the engine's optimizer (group 0), or the engine's own."""
    optimizer = getattr(engine, "optimizer", None)
    if optimizer is not None:
        return float(optimizer.param_groups[0]["lr"])
    lr = getattr(engine, "learning_rate", None)
    return None if lr is None else float(lr)


def _totals(t: dict) -> tuple[float, int, int]:
    """The running epoch totals of a saved trainer state (``partial``, with the batch
    first, in states written before the loader became the one owner of the position)."""
    if "totals" in t:
        loss_sum, correct, seen = t["totals"]
    elif t.get("partial"):
        _, loss_sum, correct, seen = t["partial"]
    else:
        return (0.0, 0, 0)
    return (float(loss_sum), int(correct), int(seen))


class Trainer:
    """Run ``epochs`` of training of ``engine`` over ``train_loader``.

    ``val_data`` and ``test_data`` are ``(X, y)`` pairs evaluated after each epoch, as is
    the training set (``train_eval_data``, by default the loader's arrays); with
    ``evaluate=False`` nothing is evaluated and the logs carry the epoch's running batch
    loss and accuracy only. ``handle_sigint=False`` leaves Ctrl-C alone (a
    ``KeyboardInterrupt``); by default it stops after the current batch.

    Callbacks see every step (:class:`~tinyprop.train.Callback`): the start and end of
    training and of each epoch, before and after each batch; one may set ``stop``. During
    an epoch :attr:`totals` holds the (summed loss, correct, samples) of its batches so far;
    the position inside the epoch is the loader's alone (``loader.position``), so an
    interrupted epoch resumes exactly where it stopped.

    The Trainer is the one owner of the learning-rate ``scheduler``: it keeps its state
    in :meth:`state_dict` and steps it, after each batch when ``scheduler_interval`` is
    ``"batch"`` (``OneCycleLR``) and after each epoch when it is ``"epoch"``; a
    ``ReduceLROnPlateau`` gets the epoch's ``scheduler_monitor`` value (``train_loss``
    when the logs lack it).

    ``verbose=True`` (the default) reports each epoch as Keras' ``fit(verbose=1)`` does:
    without a :class:`~tinyprop.train.ProgressBar` in ``callbacks`` the Trainer appends
    ``ProgressBar()`` (a table row per epoch on stdout; a live bar on a terminal or in
    Jupyter). ``verbose=False`` prints nothing.

    >>> import tinyprop as tp
    >>> from tinyprop import nn, optim
    >>> from tinyprop.data import DataLoader, make_circles
    >>> from tinyprop.train import AutogradEngine, Trainer
    >>> d = make_circles(seed=0)
    >>> model = nn.Sequential(nn.Linear(2, 10), nn.Tanh(), nn.Linear(10, 2))
    >>> engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1))
    >>> history = Trainer(engine, DataLoader(d.X_train, d.y_train, 10, seed=0), epochs=2,
    ...                   test_data=d.test, verbose=False).fit()
    >>> len(history)
    2
    """

    def __init__(self, engine, train_loader, *, epochs: int, val_data=None, test_data=None,
                 callbacks=(), scheduler=None, scheduler_interval: str = "epoch",
                 scheduler_monitor: str = "val_loss", verbose: bool = True,
                 eval_batch_size: int = 2048, train_eval_data=None, evaluate: bool = True,
                 handle_sigint: bool = True) -> None:
        epochs = check_int(epochs, "epochs", low=1, fix="pass e.g. epochs=10")
        check_choice(scheduler_interval, "scheduler_interval", ("epoch", "batch"))
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise type_error("callbacks", "Callback instances", cb,
                                 "subclass tinyprop.train.Callback")
        self.engine = engine
        self.loader = train_loader
        self.epochs = int(epochs)
        self.val_data, self.test_data = val_data, test_data
        self.train_eval_data = train_eval_data or (train_loader.X, train_loader.y)
        self.callbacks = list(callbacks)
        if verbose and not any(isinstance(cb, ProgressBar) for cb in self.callbacks):
            self.callbacks.append(ProgressBar())  # report like Keras' fit(verbose=1)
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.scheduler_monitor = scheduler_monitor
        self.verbose = verbose
        self.eval_batch_size = eval_batch_size
        self.evaluate = bool(evaluate)
        self.handle_sigint = bool(handle_sigint)
        self.history: list[dict] = []
        self._epoch = 0
        self.stop = False
        self.stop_reason = ""
        self.interrupted = False
        # (summed loss, correct, samples) of the current epoch's batches so far; the
        # position inside the epoch is the loader's (``loader.position``)
        self.totals: tuple[float, int, int] = (0.0, 0, 0)
        self.samples_seen = 0
        self.train_time = 0.0

    @property
    def epoch(self) -> int:
        """Epochs completed (an int >= 0; the next epoch trained is ``epoch + 1``)."""
        return self._epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        self._epoch = check_int(value, "epoch", low=0, fix="epochs completed count from 0")

    @property
    def batches_per_epoch(self) -> int:
        return len(self.loader)

    # ---- the loop ---------------------------------------------------------------
    def fit(self) -> list[dict]:
        """Train until ``epochs`` are done, a callback stops, or Ctrl-C; return the history."""
        restore = self._install_sigint()
        try:
            for cb in self.callbacks:
                cb.on_train_begin(self)
            while self.epoch < self.epochs and not self.stop and not self.interrupted:
                self._run_epoch()
            for cb in self.callbacks:
                cb.on_train_end(self)
        finally:
            restore()
        return self.history

    def _run_epoch(self) -> None:
        epoch = self.epoch
        for cb in self.callbacks:
            cb.on_epoch_begin(self, epoch)
        if self.loader.position == 0:  # a new epoch, not the rest of an interrupted one
            self.totals = (0.0, 0, 0)
        seen_before = self.totals[2]
        t0 = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite loss is checked
            self._batches(epoch)
        elapsed = time.perf_counter() - t0
        self.train_time += elapsed
        loss_sum, correct, seen = self.totals
        self.samples_seen += seen - seen_before
        if self.interrupted and self.loader.position > 0:  # stopped inside the epoch
            return
        logs = {"epoch": epoch + 1, "train_batch_loss": loss_sum / max(seen, 1),
                "train_batch_accuracy": correct / max(seen, 1)}
        if self.evaluate:
            self._evaluate(logs)
        lr = _current_lr(self.engine)
        if lr is not None:
            logs["lr"] = lr
        logs["epoch_time_s"] = elapsed
        logs["samples_per_s"] = seen / elapsed if elapsed > 0 else 0.0
        self.history.append(logs)
        self.epoch += 1
        self._step_scheduler_epoch(logs)
        for cb in self.callbacks:
            cb.on_epoch_end(self, epoch, logs)

    def _evaluate(self, logs: dict) -> None:
        logs["train_loss"], logs["train_accuracy"] = evaluate(
            self.engine, *self.train_eval_data, self.eval_batch_size)
        for key, data in (("val", self.val_data), ("test", self.test_data)):
            if data is not None:
                logs[f"{key}_loss"], logs[f"{key}_accuracy"] = evaluate(
                    self.engine, *data, self.eval_batch_size)

    def _batches(self, epoch: int) -> None:
        """Train on the epoch's minibatches (the rest of them, after an interruption),
        adding each to :attr:`totals`."""
        step = self.engine.train_step
        per_batch = self.scheduler if self.scheduler_interval == "batch" else None
        loader = self.loader
        # only the callbacks that use a batch hook are called per batch (the hot loop)
        begin = [cb for cb in self.callbacks
                 if type(cb).on_batch_begin is not Callback.on_batch_begin]
        end = [cb for cb in self.callbacks if type(cb).on_batch_end is not Callback.on_batch_end]
        loss_sum, correct, seen = self.totals
        # batch numbers follow the loader's position (where a resumed epoch starts)
        for batch, (xb, yb) in enumerate(loader, start=loader.position):
            for cb in begin:
                cb.on_batch_begin(self, batch, len(yb))
            batch_loss, batch_correct = step(xb, yb)
            if not math.isfinite(batch_loss):
                raise TrainingDiverged(
                    f"the loss became {batch_loss / len(yb)} at epoch {epoch + 1}, batch "
                    f"{batch + 1}; lower the learning rate (e.g. divide it by 10) or check "
                    "the data for extreme values", loss=batch_loss / len(yb), epoch=epoch + 1)
            loss_sum += batch_loss
            correct += batch_correct
            seen += len(yb)
            self.totals = (loss_sum, correct, seen)
            if per_batch is not None:
                per_batch.step()
            for cb in end:
                cb.on_batch_end(self, batch, batch_loss / len(yb))
            if self.interrupted:
                break

    def _step_scheduler_epoch(self, logs: dict) -> None:
        if self.scheduler is None or self.scheduler_interval != "epoch":
            return
        from ..optim.lr_scheduler import ReduceLROnPlateau

        if isinstance(self.scheduler, ReduceLROnPlateau):
            key = self.scheduler_monitor if self.scheduler_monitor in logs else "train_loss"
            self.scheduler.step(logs[key])
        else:
            self.scheduler.step()

    def _install_sigint(self):
        if not self.handle_sigint or threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum, frame):
            if self.interrupted:  # a second Ctrl-C stops at once
                raise KeyboardInterrupt
            self.interrupted = True

        signal.signal(signal.SIGINT, handler)
        return lambda: signal.signal(signal.SIGINT, previous)

    # ---- state ------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue training bit for bit."""
        state = self.engine.state_dict()
        state["scheduler"] = self.scheduler.state_dict() if self.scheduler else None
        state["loader"] = self.loader.state_dict()
        state["rng"] = default_generator().bit_generator.state
        state["trainer"] = {
            "epoch": self.epoch, "history": self.history, "totals": list(self.totals),
            "samples_seen": self.samples_seen, "train_time": self.train_time,
            "stop": self.stop, "stop_reason": self.stop_reason,
            "callbacks": [cb.state_dict() if hasattr(cb, "state_dict") else None
                          for cb in self.callbacks],
        }
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned: everything is checked first (types,
        ranges, shapes), and on any error nothing has changed (a ``CheckpointError``)."""
        _check_trainer_state(state, self)
        before = self.state_dict()
        try:
            self._apply_state(state)
        except BaseException as e:
            self._apply_state(before)  # all or nothing: put back what was there
            if isinstance(e, CheckpointError) or not isinstance(e, Exception):
                raise
            detail = f"it lacks the key {e}" if isinstance(e, KeyError) else str(e)
            raise CheckpointError(f"the training state does not fit this run, nothing was "
                                  f"changed: {detail}") from e

    def _apply_state(self, state: dict) -> None:
        self.engine.load_state_dict(state)
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.loader.load_state_dict(state["loader"])
        default_generator().bit_generator.state = state["rng"]
        t = state["trainer"]
        self.epoch = int(t["epoch"])
        self.history = list(t["history"])
        self.totals = _totals(t)
        self.samples_seen, self.train_time = int(t["samples_seen"]), float(t["train_time"])
        self.stop, self.stop_reason = bool(t.get("stop", False)), str(t.get("stop_reason", ""))
        for cb, cs in zip(self.callbacks, t.get("callbacks") or []):
            if cs is not None and hasattr(cb, "load_state_dict"):
                cb.load_state_dict(cs)

    def save_checkpoint(self, path) -> None:
        """Write :meth:`state_dict` to ``path`` (safetensors, atomic)."""
        from ..io import save

        save(self.state_dict(), path)


def _bad(what: str, got) -> CheckpointError:
    return CheckpointError(f"the training state's {what}, got {got!r}; pass the dict that "
                           "Trainer.state_dict() returned (or a checkpoint tinyprop train wrote)")


def _check_trainer_state(state, trainer: Trainer) -> None:
    """Everything :meth:`Trainer.load_state_dict` can check before it changes anything."""
    if not isinstance(state, dict):
        raise CheckpointError(f"expected the training state dict that state_dict() returns, "
                              f"got a {type(state).__name__}; was it written by tinyprop train?")
    missing = [k for k in ("model", "optimizer", "loader", "rng", "trainer") if k not in state]
    if missing:
        raise CheckpointError(f"training state lacks {missing}; was it written by tinyprop train?")
    t = state["trainer"]
    if not isinstance(t, dict):
        raise _bad("'trainer' must be a dict", type(t).__name__)
    for key, kind in (("epoch", int), ("samples_seen", int), ("train_time", float)):
        value = t.get(key)
        if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, kind))
                or not value >= 0 or (kind is float and not math.isfinite(value))):
            raise _bad(f"{key!r} must be a {'finite number' if kind is float else 'int'} >= 0",
                       value)
    history = t.get("history")
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise _bad("'history' must be a list of dicts", type(history).__name__)
    if len(history) != t["epoch"]:
        raise _bad(f"history must have one entry per completed epoch ({t['epoch']})",
                   f"{len(history)} entries")
    totals = t.get("totals", [0.0, 0, 0])
    if not isinstance(totals, (list, tuple)) or len(totals) != 3 or not all(
            isinstance(x, (int, float, np.number)) and not isinstance(x, bool) for x in totals):
        raise _bad("'totals' must be [loss sum, correct, samples]", totals)
    if not isinstance(t.get("stop", False), bool) or not isinstance(t.get("stop_reason", ""), str):
        raise _bad("'stop'/'stop_reason' must be a bool and a str",
                   (t.get("stop"), t.get("stop_reason")))
    _check_rng(state["rng"])
    _check_callback_states(t.get("callbacks"), trainer)


def _check_rng(rng_state) -> None:
    """Try the RNG state on a scratch generator of the same kind (the real one is untouched)."""
    scratch = type(default_generator().bit_generator)()
    try:
        scratch.state = rng_state
    except Exception as e:  # noqa: BLE001 - NumPy raises ValueError, TypeError, OverflowError...
        raise CheckpointError(f"the training state's random generator state does not load "
                              f"({type(e).__name__}: {e}); the checkpoint is damaged") from None


def _check_callback_states(states, trainer: Trainer) -> None:
    if states is None:
        return
    if not isinstance(states, list) or not all(s is None or isinstance(s, dict) for s in states):
        raise _bad("'callbacks' must be a list of dicts or None", type(states).__name__)
    weights = None
    for cb, cs in zip(trainer.callbacks, states):
        best = cs.get("best_state") if isinstance(cs, dict) else None
        if best is None or not hasattr(cb, "best_state"):
            continue
        weights = weights or trainer.engine.model_state_dict()
        if not isinstance(best, dict) or set(best) != set(weights):
            raise _bad("early-stopping weights must have the model's keys "
                       f"{sorted(weights)}", sorted(best) if isinstance(best, dict) else best)
        for key, ref in weights.items():
            got, ref = _array(best[key]), _array(ref)
            if got is None or got.shape != ref.shape or got.dtype != ref.dtype:
                raise _bad(f"early-stopping weight {key!r} must be an array of shape "
                           f"{ref.shape} and dtype {ref.dtype}",
                           type(best[key]).__name__ if got is None else f"{got.shape} {got.dtype}")


def _array(x):
    if hasattr(x, "numpy"):
        return x.numpy()
    return x if isinstance(x, np.ndarray) else None
