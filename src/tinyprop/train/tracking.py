"""Experiment tracking callbacks: a CSV file and TensorBoard event files.

- :class:`CSVLogger` writes one row per epoch (the header is the first epoch's log keys).
  Every row is appended whole, through the no-follow append of :mod:`tinyprop._atomic`,
  so a crash leaves a valid CSV file of the epochs finished so far.
- :class:`TensorBoardLogger` writes TensorBoard event files with ``tensorboardX`` (loaded
  when the logger is made; ``pip install tinyprop[tracking]``): a scalar per numeric log
  key per epoch, histograms of each parameter and of its gradient, and the model's
  layers as a graph.

Both are callbacks of :class:`~tinyprop.train.Trainer`; ``tinyprop train --csv FILE
--tensorboard DIR`` adds them to a run.
"""

from __future__ import annotations

import csv
import io
import numbers
import os
from pathlib import Path

import numpy as np

from .._atomic import append_text, atomic_write
from .._optional import require
from ..errors import ConfigError
from ..io._read import max_file_bytes, read_regular
from .callbacks import Callback

__all__ = ["CSVLogger", "TensorBoardLogger"]

INSTALL_TRACKING = "pip install tinyprop[tracking]"


def _check_path(path, what: str) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what} must be a str or os.PathLike, got {type(path).__name__}; "
                        f"pass a path such as 'runs/log'")
    path = os.fspath(path)
    if not path:
        raise ConfigError(f"{what} must not be empty; pass a path such as 'runs/log'")
    return path


def _csv_text(rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def _cell(value) -> object:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Real):
        return repr(float(value)) if isinstance(value, (float, np.floating)) else int(value)
    return "" if value is None else str(value)


class CSVLogger(Callback):
    """Write each epoch's logs as one CSV row to ``path``.

    The columns are the first epoch's log keys (in their order); a key missing later
    leaves its cell empty and a key that first appears later is not written. The file is
    replaced atomically when training begins (on a resumed ``Trainer``, with the epochs
    already in its history, so the file matches the checkpoint), then grows one whole row
    per epoch, appended without following a symlink: after a crash it is a valid CSV file
    of the finished epochs.

    >>> import pathlib, tempfile
    >>> from types import SimpleNamespace
    >>> path = pathlib.Path(tempfile.mkdtemp(), "metrics.csv")
    >>> logger = CSVLogger(path)
    >>> logger.on_train_begin(SimpleNamespace(history=[]))
    >>> logger.on_epoch_end(None, 0, {"epoch": 1, "train_loss": 0.5})
    >>> logger.on_epoch_end(None, 1, {"epoch": 2, "train_loss": 0.25})
    >>> print(path.read_text(), end="")
    epoch,train_loss
    1,0.5
    2,0.25
    """

    def __init__(self, path) -> None:
        self.path = _check_path(path, "CSVLogger path")
        self.columns: list[str] | None = None

    def _row(self, logs: dict) -> list:
        return [_cell(logs.get(key)) for key in self.columns]

    def on_train_begin(self, trainer) -> None:
        history = list(getattr(trainer, "history", None) or [])
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.columns = list(history[0]) if history else None
        rows = [self.columns, *map(self._row, history)] if history else []
        text = _csv_text(rows).encode("utf-8")
        atomic_write(self.path, lambda f: f.write(text))

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        rows = []
        if self.columns is None:
            self.columns = list(logs)
            rows.append(self.columns)
        rows.append(self._row(logs))
        append_text(self.path, _csv_text(rows))  # one whole write; never through a symlink


def read_csv_log(path) -> list[dict]:
    """The rows a :class:`CSVLogger` wrote, as dicts of strings (size-checked read).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp(), "m.csv")
    >>> _ = path.write_text("epoch,train_loss\\n1,0.5\\n")
    >>> read_csv_log(path)
    [{'epoch': '1', 'train_loss': '0.5'}]
    """
    raw = read_regular(path, "a CSV log", max_bytes=max_file_bytes())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def _tensorboardx():
    try:
        return require("tensorboardX", "TensorBoardLogger", "tensorboardX")
    except ImportError as err:
        raise ImportError(
            f"TensorBoardLogger needs tensorboardX, which is not installed; install it with "
            f"`{INSTALL_TRACKING}`") from err


def _array(x) -> np.ndarray | None:
    if x is None:
        return None
    data = getattr(x, "_data", x)  # a Tensor's array, or an array
    return np.asarray(data)


def named_weights(engine) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """``(name, weights, gradient)`` of each parameter an engine trains (``gradient`` is
    ``None`` where there is none). Works for the autograd engine (``named_parameters``),
    the manual engine (its tensors) and networks with ``parameters()``/``gradients()``."""
    tensors = getattr(engine, "tensors", None)
    if isinstance(tensors, dict):
        return [(n, _array(t), _array(t.grad)) for n, t in tensors.items()]
    model = getattr(engine, "model", None)
    if hasattr(model, "named_parameters"):
        return [(n, _array(p), _array(p.grad)) for n, p in model.named_parameters()]
    params = model.parameters() if callable(getattr(model, "parameters", None)) else None
    if isinstance(params, dict):
        grads = model.gradients() if callable(getattr(model, "gradients", None)) else {}
        return [(n, _array(a), _array(grads.get(n))) for n, a in params.items()]
    return []


def _layers(model) -> list[tuple[str, object]]:
    """The model's layers in the order data flows: a ``Sequential``'s modules, a manual
    network's ``layers``; any other model is one node."""
    from ..nn import Sequential

    if isinstance(model, Sequential):
        return list(model.named_children())
    layers = getattr(model, "layers", None)
    if isinstance(layers, (list, tuple)):
        return [(str(i), layer) for i, layer in enumerate(layers)]
    return [("model", model)]


def _graph_def(model):
    """A TensorBoard ``GraphDef`` of the model as a chain of layer nodes, each with its
    parameters' shapes (``input`` -> layers -> ``output``)."""
    from tensorboardX.proto import attr_value_pb2, graph_pb2, node_def_pb2, versions_pb2

    def node(name, op, inputs, text=""):
        attr = {"description": attr_value_pb2.AttrValue(s=text.encode("utf-8"))} if text else {}
        return node_def_pb2.NodeDef(name=name, op=op, input=inputs, attr=attr)

    nodes, previous = [node("input", "Input", [])], "input"
    for name, layer in _layers(model):
        kind = type(layer).__name__
        label = f"{name}_{kind}" if name != "model" else kind
        nodes.append(node(label, kind, [previous], repr(layer)))
        previous = label
    nodes.append(node("output", "Output", [previous]))
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))


def _scalar(value) -> float | None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    return float(value)


class TensorBoardLogger(Callback):
    """Write TensorBoard event files to ``log_dir`` (one event file per training).

    After every epoch: a scalar for each numeric log key (the tag is the key, e.g.
    ``train_loss``, the step the 1-based epoch) and, with ``histograms=True``, histograms
    of each parameter (``weights/<name>``) and of its gradient after the epoch's last batch
    (``gradients/<name>``). When training begins it records the model's layers as a graph
    (TensorBoard's Graphs tab) and the model's text (``model``). The events are flushed
    every epoch, so a crash keeps what was written. ``tensorboardX`` is loaded when the
    logger is made: without it, one ``ImportError`` says to
    ``pip install tinyprop[tracking]``. View the files with ``tensorboard --logdir DIR``.

    >>> import os, tempfile
    >>> from tinyprop import nn, optim
    >>> from tinyprop.data import make_circles
    >>> from tinyprop.train import AutogradEngine, Trainer
    >>> log_dir = tempfile.mkdtemp()
    >>> d, model = make_circles(n_train=20, n_test=20), nn.Linear(2, 2)
    >>> engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1))
    >>> _ = Trainer(engine, d.loader("train", batch_size=10), epochs=2, test_data=d.test,
    ...             callbacks=[TensorBoardLogger(log_dir)], verbose=False).fit()
    >>> [name.startswith("events.out.tfevents") for name in os.listdir(log_dir)]
    [True]
    """

    def __init__(self, log_dir, histograms: bool = True) -> None:
        self.log_dir = _check_path(log_dir, "TensorBoardLogger log_dir")
        if not isinstance(histograms, (bool, np.bool_)):
            raise TypeError(f"histograms must be True or False, got {histograms!r}")
        self.histograms = bool(histograms)
        self._tbx = _tensorboardx()
        self.writer = None

    def on_train_begin(self, trainer) -> None:
        self.close()
        self.writer = self._tbx.SummaryWriter(logdir=self.log_dir)
        model = getattr(trainer.engine, "model", None)
        if model is not None:
            self.writer.add_text("model", f"```\n{model!r}\n```", 0)
            self.writer._get_file_writer().add_onnx_graph(_graph_def(model))
        self.writer.flush()

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.writer is None:
            self.on_train_begin(trainer)
        step = epoch + 1
        for key, value in logs.items():
            number = _scalar(value)
            if number is not None and key != "epoch":
                self.writer.add_scalar(key, number, step)
        if self.histograms:
            for name, weights, grad in named_weights(trainer.engine):
                self._histogram(f"weights/{name}", weights, step)
                self._histogram(f"gradients/{name}", grad, step)
        self.writer.flush()

    def _histogram(self, tag: str, values, step: int) -> None:
        if values is None or values.size == 0:
            return
        values = values.astype(np.float64, copy=False).ravel()
        values = values[np.isfinite(values)]  # a histogram of NaN has no bins
        if values.size:
            self.writer.add_histogram(tag, values, step)

    def on_train_end(self, trainer) -> None:
        self.close()

    def close(self) -> None:
        """Flush and close the event file (training's end does it)."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
