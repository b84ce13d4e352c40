"""One page's training state: settings, points, engine and tinyprop's ``Trainer``.

A :class:`Session` is plain Python (no web server): the server calls it from a worker
thread and sends what it returns. It trains with ``train.Trainer``, the one training
loop, stepping it a few batches at a time: a callback (:class:`_Budget`) ends
``fit()`` after a number of batches or milliseconds, as Ctrl-C does, and the loader's
own state round trip resumes the epoch where it stopped. Every method takes the
session's lock, so a control change lands between two batches.

>>> s = Session()
>>> s.advance(batches=5)["step"]
5
>>> s.apply({"lr": 0.1})
False
"""

from __future__ import annotations

import base64
import math
import threading
import time

import numpy as np

from ..errors import NumericalError
from ..train.callbacks import Callback
from .data import Points, Table, features, make_points
from .engines import build_engine
from .settings import LIVE, Settings

BOUNDARY_N = 100
"""The decision boundary is drawn from a ``BOUNDARY_N x BOUNDARY_N`` grid."""
NEURON_N = 24
"""Each neuron's picture is a ``NEURON_N x NEURON_N`` grid."""
MAX_HISTORY = 2000
"""Loss points kept for the curves (older ones are thinned out, every other dropped)."""


def _grid(bounds, n: int) -> np.ndarray:
    """``n * n`` cell centres over ``bounds`` as (x, y) rows, y from top (max) down."""
    x0, x1, y0, y1 = bounds
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n
    xx, yy = np.meshgrid(xs, ys)
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


def _b64(values: np.ndarray, lo: float, hi: float) -> str:
    """Values scaled from ``[lo, hi]`` to bytes 0..255, base64 (what the canvases draw)."""
    span = hi - lo if hi > lo else 1.0
    values = np.nan_to_num(values.astype(np.float64), nan=lo, posinf=hi, neginf=lo)
    q = np.clip(np.rint((values - lo) * (255.0 / span)), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def _r(x, digits: int = 6):
    """JSON-friendly rounded floats (lists of them for arrays)."""
    if isinstance(x, np.ndarray):
        return np.round(x.astype(np.float64), digits).tolist()
    return round(float(x), digits)


class _Budget(Callback):
    """A Trainer callback that stops ``fit()`` after ``left`` batches or at ``deadline``
    (as Ctrl-C would: after the current batch), counting every step."""

    def __init__(self) -> None:
        self.left, self.deadline, self.steps = 0, math.inf, 0

    def on_batch_end(self, trainer, batch, loss) -> None:
        self.steps += 1
        self.left -= 1
        if self.left <= 0 or time.perf_counter() >= self.deadline:
            trainer.interrupted = True


class Session:
    """The state behind one open page. ``table`` is a parsed CSV (``dataset='csv'``)."""

    def __init__(self, settings: Settings | None = None, table: Table | None = None) -> None:
        self.lock = threading.RLock()
        self.settings = settings or Settings()
        self.table = table
        self.version = 0
        self.error: str | None = None
        self._build()

    # ---- building ---------------------------------------------------------------------
    def _build(self) -> None:
        from ..data import DataLoader

        s = self.settings
        self.points: Points = make_points(s, self.table)
        p = self.points
        self.X_train = features(p.X_train, s.features)
        self.X_test = features(p.X_test, s.features)
        self.grid = _grid(p.bounds, BOUNDARY_N)
        self.small_grid = _grid(p.bounds, NEURON_N)
        self.grid_features = features(self.grid, s.features)
        self.small_features = features(self.small_grid, s.features)
        self.engine = build_engine(s, p.problem)
        self.loader = DataLoader(self.X_train, p.y_train, batch_size=s.batch_size,
                                 shuffle=True, seed=s.seed)
        self.budget = _Budget()
        self.history: list[dict] = []
        self.grad_history: list[list[float]] = []
        self.diverged: str | None = None
        self.trainer = self._trainer()
        self._record_losses()

    def _trainer(self, epoch: int = 0):
        from ..train import Trainer

        trainer = Trainer(self.engine, self.loader, epochs=2**62, evaluate=False,
                          verbose=False, handle_sigint=False, callbacks=[self.budget])
        trainer.epoch = epoch
        return trainer

    # ---- changes ----------------------------------------------------------------------
    def apply(self, changes: dict) -> bool:
        """Apply checked ``changes``; returns True when they restarted training (any
        setting outside :data:`~tinyprop.playground.settings.LIVE`)."""
        with self.lock:
            new = self.settings.updated(changes)
            changed = new.changed_keys(self.settings)
            if not changed:
                return False
            if new.dataset == "csv" and self.table is None:
                from ..errors import DataError

                raise DataError("no CSV has been uploaded yet; upload a file first")
            old, self.settings = self.settings, new
            self.version += 1
            if changed - LIVE:
                try:
                    self._build()
                except Exception:
                    self.settings = old
                    self._build()
                    raise
                return True
            e = self.engine
            e.set_lr(new.lr)
            e.penalty.kind, e.penalty.rate = new.reg, new.reg_rate
            e.set_dropout(new.dropout)
            if "batch_size" in changed:
                from ..data import DataLoader

                self.loader = DataLoader(self.X_train, self.points.y_train,
                                         batch_size=new.batch_size, shuffle=True,
                                         seed=new.seed + self.step)
                self.trainer = self._trainer(self.trainer.epoch)
            return False

    def set_table(self, table: Table) -> None:
        """Use an uploaded CSV: switch to it (and to its problem) and restart."""
        with self.lock:
            self.table = table
            self.settings = self.settings.updated({"dataset": "csv", "problem": table.problem})
            self.version += 1
            self._build()

    def reset(self) -> None:
        with self.lock:
            self.version += 1
            self._build()

    # ---- training ---------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self.budget.steps

    @property
    def epoch(self) -> float:
        """Epochs trained, counting the current epoch's batches as a fraction."""
        n = len(self.loader)
        return self.trainer.epoch + (self.loader.position / n if n else 0.0)

    def advance(self, batches: int = 10**9, seconds: float = math.inf, frame: bool = True):
        """Train ``batches`` minibatches or for ``seconds``, whichever ends first (at
        most one epoch), then return a frame (see :meth:`frame`)."""
        from ..train import TrainingDiverged

        with self.lock:
            if self.diverged is None:
                n_left = len(self.loader) - self.loader.position
                self.budget.left = max(1, min(batches, n_left))
                self.budget.deadline = time.perf_counter() + seconds
                if self.loader.position:  # resume the epoch where fit() stopped
                    self.loader.load_state_dict(self.loader.state_dict())
                self.trainer.interrupted = False
                try:
                    with np.errstate(all="ignore"):
                        self.trainer.fit()
                except (TrainingDiverged, NumericalError, FloatingPointError) as e:
                    self.diverged = (f"training diverged ({e}); lower the learning rate "
                                     "and press reset")
                self._record_losses()
            return self.frame() if frame else None

    def trace(self) -> dict:
        """Train one minibatch with the engine recording every number (the backprop
        view), and return them with the frame after that step."""
        with self.lock:
            if self.diverged is not None:
                return {"type": "trace", "error": self.diverged}
            self.engine.record = True
            try:
                frame = self.advance(batches=1)
            finally:
                self.engine.record = False
            return {"type": "trace", "trace": self.trace_json(), "frame": frame}

    def _losses(self) -> tuple[float, float, float | None, float | None]:
        from .. import kernels

        out = []
        for X, y in ((self.X_train, self.points.y_train), (self.X_test, self.points.y_test)):
            if len(X) == 0:
                out.append((math.nan, None))
                continue
            z = self.engine.predict_logits(X).astype(np.float64)
            if self.points.problem == "classification":
                logp = kernels.log_softmax(z, axis=1)
                loss = float(-logp[np.arange(len(y)), y].mean())
                out.append((loss, float((z.argmax(1) == y).mean())))
            else:
                out.append((float(np.mean((z - y) ** 2)), None))
        (tr, tra), (te, tea) = out
        return tr, te, tra, tea

    def _record_losses(self) -> None:
        tr, te, tra, tea = self._losses()
        grads = [float(np.mean(np.abs(g))) if g is not None else 0.0
                 for g in self.engine.weight_grads()]
        self.history.append({"step": self.step, "epoch": round(self.epoch, 4),
                             "train_loss": tr, "test_loss": te,
                             "train_accuracy": tra, "test_accuracy": tea})
        if self.step:
            self.grad_history.append([self.step, *grads])
        for series in (self.history, self.grad_history):
            if len(series) > MAX_HISTORY:
                del series[1:-1:2]

    # ---- what the page draws -----------------------------------------------------------
    def _neurons(self) -> tuple[list, list]:
        """(each column's neuron pictures, their colour scales): the inputs, every hidden
        neuron's activation and each output's value over the plane."""
        outs = self.engine.hidden_outputs(self.small_features)
        layers = [[_b64(self.small_features[:, j], -m, m)
                   for j, m in enumerate(self._scales(self.small_features))]]
        scales = [self._scales(self.small_features).tolist()]
        for h in outs:  # the hidden layers, then the output layer (its logits)
            m = self._scales(h)
            layers.append([_b64(h[:, j], -m[j], m[j]) for j in range(h.shape[1])])
            scales.append(m.tolist())
        return layers, scales

    @staticmethod
    def _scales(a: np.ndarray) -> np.ndarray:
        m = np.abs(a).max(axis=0).astype(np.float64)
        return np.where(np.isfinite(m) & (m > 0), m, 1.0)

    def _output(self, X) -> np.ndarray:
        z = self.engine.predict_logits(X).astype(np.float64)
        if self.points.problem == "classification":
            from .. import kernels

            return kernels.softmax(z, axis=1)[:, 1]
        return z[:, 0]

    def output_range(self) -> tuple[float, float]:
        if self.points.problem == "classification":
            return 0.0, 1.0
        y = np.concatenate([self.points.y_train.ravel(), self.points.y_test.ravel()])
        m = float(np.abs(y).max()) if len(y) else 1.0
        return -m, m

    def frame(self) -> dict:
        """What changed since the last frame: counters, losses, the boundary, every
        neuron's picture, the weights and the per-layer gradient magnitudes."""
        with self.lock:
            lo, hi = self.output_range()
            out = self._output(self.grid_features)
            neurons, scales = self._neurons()
            last = self.history[-1]
            return {
                "type": "frame", "version": self.version, "step": self.step,
                "epoch": round(self.epoch, 3), "loss": last,
                "grads": self.grad_history[-1] if self.grad_history else None,
                "boundary": _b64(out, lo, hi),
                "neurons": neurons, "scales": scales,
                "weights": [_r(w, 4) for w, _ in self.engine.weights()],
                "biases": [_r(b, 4) for _, b in self.engine.weights()],
                "diverged": self.diverged,
            }

    def init_message(self) -> dict:
        """Everything the page needs after a (re)build: settings, points, curves."""
        with self.lock:
            p = self.points
            labels = (lambda y: y.ravel().tolist()) if p.problem == "regression" else \
                (lambda y: y.tolist())
            return {
                "type": "init", "settings": self.settings.to_dict(),
                "version": self.version, "problem": p.problem, "bounds": list(p.bounds),
                "dataset_name": p.name, "has_table": self.table is not None,
                "train": {"X": _r(p.X_train, 4), "y": labels(p.y_train)},
                "test": {"X": _r(p.X_test, 4), "y": labels(p.y_test)},
                "output_range": list(self.output_range()),
                "sizes": [self.settings.n_features, *self.settings.hidden,
                          2 if p.problem == "classification" else 1],
                "history": self.history, "grad_history": self.grad_history,
                "evaluate_note": _export_note(self), "frame": self.frame(),
            }

    def trace_json(self) -> dict:
        """The last traced step as JSON: per layer (input a, z, delta, dL/da, weights,
        gradients, updates) for every sample of the batch, plus the hidden activations."""
        t = self.engine.last_trace
        s = self.settings
        layers = []
        for k in range(len(t.weight)):
            layers.append({
                "a": _r(t.inputs[k], 6), "z": _r(t.z[k], 6), "delta": _r(t.delta[k], 8),
                "dL_da": None if t.input_grad[k] is None else _r(t.input_grad[k], 8),
                "w": _r(t.weight[k], 6), "b": _r(t.bias[k], 6),
                "w_grad": _r(t.weight_grad[k], 8), "b_grad": _r(t.bias_grad[k], 8),
                "w_after": _r(t.weight_after[k], 6), "b_after": _r(t.bias_after[k], 6),
                "w_update": _r(t.weight_after[k].astype(np.float64) - t.weight[k], 8),
                "b_update": _r(t.bias_after[k].astype(np.float64) - t.bias[k], 8),
                "w_grad_data": _r(t.delta[k].T.astype(np.float64) @ t.inputs[k], 8),
                "w_grad_penalty": _r(self.engine.penalty.gradient(t.weight[k]), 8),
                "activation": (s.activations[k - 1] if k >= 1 else None),
                **(_hidden_json(t, k, s) if k >= 1 else {}),
            })
        out = t.output.astype(np.float64)
        if self.points.problem == "classification":
            from .. import kernels

            prediction = kernels.softmax(out, axis=1)
        else:
            prediction = out
        return {"layers": layers, "loss": t.loss, "penalty": t.penalty,
                "y": _r(np.asarray(t.y, dtype=np.float64)), "prediction": _r(prediction, 6),
                "batch": len(t.y), "lr": s.lr, "optimizer": s.optimizer,
                "reg": s.reg, "reg_rate": s.reg_rate, "dropout": s.dropout,
                "problem": self.points.problem, "engine": s.engine, "step": self.step}


def _hidden_json(t, k: int, s: Settings) -> dict:
    """For the hidden layer feeding ``Linear`` k: its activation output ``h`` (before
    dropout), ``f'(z)`` and the dropout factor ``mask`` (``a = mask * h``), shown in the
    formula ``delta = dL/da * mask * f'(z)``; computed here for display only."""
    h = t.hidden[k - 1].astype(np.float64)
    z = t.z[k - 1].astype(np.float64)
    act = s.activations[k - 1]
    fprime = {"tanh": lambda: 1 - h * h, "sigmoid": lambda: h * (1 - h),
              "relu": lambda: (z > 0).astype(np.float64),
              "linear": lambda: np.ones_like(h)}[act]()
    a = t.inputs[k].astype(np.float64)
    with np.errstate(all="ignore"):
        mask = np.where(h != 0, a / np.where(h != 0, h, 1), 1.0)
    return {"hidden": _r(h, 6), "fprime": _r(fprime, 6), "mask": _r(mask, 4)}


def _export_note(session) -> str:
    from .export import evaluate_support

    why = evaluate_support(session)
    if why is None:
        return "tinyprop evaluate reads the run directory (unzip it first)."
    return ("The run directory holds the weights and settings; tinyprop evaluate cannot "
            f"read it: {why}.")
