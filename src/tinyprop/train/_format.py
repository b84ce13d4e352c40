"""How training reads to a person: times with units, numbers that fit, an epoch table
that fits the terminal, the resolved configuration of a run in one compact block.

Only formatting lives here (strings in, strings out); :class:`~tinyprop.train.ProgressBar`
and :mod:`tinyprop.train.run` decide what to print and where.

>>> format_time(0.00341), format_number(2.0456e30), format_number(0.98333)
('3.41ms', '2.046e+30', '0.9833')
"""

from __future__ import annotations

import math
import shlex
import shutil
import textwrap
from pathlib import Path

DEFAULT_WIDTH = 80

# key in the epoch logs, header, width, priority (a lower number is dropped last)
COLUMNS = (
    ("epoch", "epoch", 5, 0),
    ("train_loss", "loss", 9, 1),
    ("train_accuracy", "acc", 6, 2),
    ("val_loss", "val_loss", 9, 3),
    ("val_accuracy", "val_acc", 7, 4),
    ("epoch_time_s", "time", 7, 5),
    ("lr", "lr", 9, 6),
    ("test_accuracy", "test_acc", 8, 7),
    ("test_loss", "test_loss", 9, 8),
)
"""The epoch table's columns, in display order. ``train_batch_loss`` and
``train_batch_accuracy`` stand in for ``loss`` and ``acc`` when nothing was evaluated."""
SEP = "  "


def terminal_width(default: int = DEFAULT_WIDTH) -> int:
    """Columns of the terminal (``COLUMNS``, else the terminal of stdout, else ``default``).

    >>> import os
    >>> os.environ["COLUMNS"] = "100"; terminal_width(); del os.environ["COLUMNS"]
    100
    """
    return max(20, shutil.get_terminal_size((default, 24)).columns)


def format_time(seconds: float) -> str:
    """A duration with a unit that suits it: ns, µs, ms, s, min or h (at most 7 characters).

    >>> [format_time(t) for t in (4.2e-8, 3.5e-5, 0.00341, 0.612, 12.34, 185.0, 7300.0)]
    ['42ns', '35µs', '3.41ms', '612ms', '12.3s', '3.08min', '2.03h']
    """
    t = float(seconds)
    if not math.isfinite(t) or t < 0:
        return str(t)
    for unit, scale, limit in (("ns", 1e-9, 1e-6), ("µs", 1e-6, 1e-3), ("ms", 1e-3, 1.0),
                               ("s", 1.0, 60.0), ("min", 60.0, 3600.0)):
        if t < limit * 0.9995:  # 999.96ms rounds to 1e+03ms: show 1s instead
            return f"{t / scale:.3g}{unit}"
    return f"{t / 3600:.3g}h"


def format_number(x, width: int = 9) -> str:
    """``x`` with 4 significant digits (``.4g``), fewer if that is wider than ``width``.

    >>> format_number(0.000123456), format_number(12345.678), format_number(-1.2345e-300)
    ('0.0001235', '1.235e+04', '-1.2e-300')
    >>> format_number(1.0), format_number(float("nan")), format_number(0.98333, width=6)
    ('1', 'nan', '0.9833')
    """
    x = float(x)
    for digits in (4, 3, 2, 1):
        text = f"{x:.{digits}g}"
        if len(text) <= width:
            return text
    return text


def format_count(n: float) -> str:
    """A count with a thousands separator, or with k/M/G when large.

    >>> format_count(1257), format_count(407164.3), format_count(2.5e9)
    ('1,257', '407k', '2.5G')
    """
    n = float(n)
    if n < 1e5:
        return f"{n:,.0f}"
    for unit, scale in (("k", 1e3), ("M", 1e6)):
        if n < scale * 999.5:
            return f"{n / scale:.3g}{unit}"
    return f"{n / 1e9:.3g}G"


class EpochTable:
    """One header and one row per epoch, with the columns that fit in ``width``.

    Columns the logs have are kept in order of priority (epoch, loss, accuracy, the
    validation pair, time, lr, the test pair) while the line stays within ``width``; a
    number is shortened to its column, never cut.

    >>> logs = {"epoch": 3, "train_loss": 0.0412, "train_accuracy": 0.9912,
    ...         "test_loss": 0.0981, "test_accuracy": 0.9741, "lr": 0.05, "epoch_time_s": 0.0034}
    >>> table = EpochTable(logs, epochs=10, width=80)
    >>> print(table.header()); print(table.row(logs))
    epoch       loss     acc     time         lr  test_acc  test_loss
     3/10     0.0412  0.9912    3.4ms       0.05    0.9741     0.0981
    >>> print(EpochTable(logs, epochs=10, width=40).header())
    epoch       loss     acc     time
    """

    def __init__(self, logs: dict, *, epochs: int, width: int | None = None) -> None:
        width = terminal_width() if width is None else int(width)
        self.epochs = int(epochs)
        evaluated = "train_loss" in logs
        present = []
        for key, header, size, priority in COLUMNS:
            source = key if evaluated else key.replace("train_", "train_batch_")
            if key == "epoch":
                size = max(size, 2 * len(str(self.epochs)) + 1)
            if source in logs:
                present.append((priority, source, header, size))
        chosen, used = [], -len(SEP)
        for column in sorted(present):
            if not chosen or used + len(SEP) + column[3] <= width:
                chosen.append(column)
                used += len(SEP) + column[3]
        keep = {c[1] for c in chosen}
        self.columns = [(key, header, size) for _, key, header, size in present if key in keep]
        self.dropped = [key for _, key, _, _ in present if key not in keep]

    def header(self) -> str:
        return SEP.join(f"{header:>{size}}" for _, header, size in self.columns)

    def row(self, logs: dict) -> str:
        cells = []
        for key, _, size in self.columns:
            value = logs.get(key)
            if key == "epoch":
                text = f"{value}/{self.epochs}"
            elif value is None:
                text = "-"
            elif key == "epoch_time_s":
                text = format_time(value)
            else:
                text = format_number(value, size)
            cells.append(f"{text:>{size}}")
        return SEP.join(cells)


def config_block(cfg: dict, *, n_parameters: int | None = None, n_train: int | None = None,
                 n_val: int | None = None, n_test: int | None = None,
                 run_dir: str | None = None, width: int | None = None) -> str:
    """The resolved configuration of a run (``TrainConfig.to_dict()``) as a few lines.

    >>> cfg = {"data": "digits", "model": "mlp", "hidden": [50], "activation": "tanh",
    ...        "init": "xavier", "engine": "autograd", "optimizer": "sgd", "lr": 0.5,
    ...        "momentum": 0.9, "weight_decay": 0.0, "schedule": "cosine", "epochs": 10,
    ...        "batch_size": 32, "seed": 0, "val_split": None, "early_stopping": None}
    >>> print(config_block(cfg, n_parameters=3760, n_train=1257, n_test=540, run_dir="r"))
    tinyprop train: digits, mlp (autograd engine), 3,760 parameters
      model      hidden [50], tanh, init xavier
      optimizer  sgd, lr 0.5, schedule cosine
      training   10 epochs, batch 32, seed 0
      data       1,257 train / 540 test samples
      run        r
    """
    width = terminal_width() if width is None else int(width)
    head = f"tinyprop train: {cfg['data']}, {cfg['model']} ({cfg['engine']} engine)"
    if n_parameters is not None:
        head += f", {format_count(n_parameters)} parameters"
    lines = [("", head)]
    model = [] if cfg["model"] != "mlp" else [f"hidden {cfg['hidden']}", cfg["activation"]]
    init = f"init {cfg['init']}"
    if cfg["init"] == "normal" and cfg.get("init_std") is not None:
        init += f" (std {cfg['init_std']:g})"
    lines.append(("model", ", ".join(model + [init])))
    opt = [cfg["optimizer"], f"lr {cfg['lr']:g}"]
    if cfg["optimizer"] in ("momentum", "nesterov"):
        opt.append(f"momentum {cfg['momentum']:g}")
    decay = cfg.get("weight_decay") or (1e-2 if cfg["optimizer"] == "adamw" else 0)
    if decay:
        opt.append(f"weight decay {decay:g}")
    opt.append(f"schedule {cfg['schedule']}")
    lines.append(("optimizer", ", ".join(opt)))
    lines.append(("training", _training_line(cfg)))
    if _data_line(n_train, n_val, n_test):
        lines.append(("data", _data_line(n_train, n_val, n_test)))
    if run_dir is not None:
        lines.append(("run", str(run_dir)))
    return "\n".join(_wrap(label, text, width) for label, text in lines)


def _training_line(cfg: dict) -> str:
    text = f"{cfg['epochs']} epochs, batch {cfg['batch_size']}, seed {cfg['seed']}"
    if cfg.get("early_stopping"):
        text += f", early stopping {cfg['early_stopping']}"
    return text


def _data_line(n_train, n_val, n_test) -> str | None:
    sizes = [f"{format_count(n)} {name}" for n, name in
             ((n_train, "train"), (n_val, "val"), (n_test, "test")) if n]
    return " / ".join(sizes) + " samples" if sizes else None


def _wrap(label: str, text: str, width: int) -> str:
    """One labelled line, wrapped between words (a word is never split) to ``width``."""
    if not label:
        return textwrap.fill(text, width, subsequent_indent="  ", break_long_words=False,
                             break_on_hyphens=False)
    prefix = f"  {label:<9}  "
    return textwrap.fill(text, width, initial_indent=prefix,
                         subsequent_indent=" " * len(prefix), break_long_words=False,
                         break_on_hyphens=False)


def summary_text(s: dict) -> str:
    """The end-of-run lines of ``tinyprop train`` from a run's ``summary.json``: the wall
    time, then the time spent training and the rate over that same time.

    >>> print(summary_text({"data": "digits", "model": "mlp", "engine": "autograd",
    ...     "status": "completed", "epochs": 10, "wall_time_s": 0.61, "train_time_s": 0.0351,
    ...     "samples_per_s": 358119.7, "test_loss": 0.0812, "test_accuracy": 0.975,
    ...     "run_dir": "runs/x"}))
    digits / mlp (autograd): completed after 10 epochs in 610ms
      training 35.1ms (358k samples/s)
      test  loss 0.0812  accuracy 97.50 %
      run directory: runs/x
    """
    lines = [f"{s['data']} / {s['model']} ({s['engine']}): {s['status']} after "
             f"{s['epochs']} epochs in {format_time(s['wall_time_s'])}",
             f"  training {format_time(s.get('train_time_s', 0.0))} "
             f"({format_count(s['samples_per_s'])} samples/s)"]
    for split in ("train", "val", "test"):
        if f"{split}_accuracy" in s:
            lines.append(f"  {split:5s} loss {format_number(s[f'{split}_loss'])}  accuracy "
                         f"{100 * s[f'{split}_accuracy']:.2f} %")
    lines.append(f"  run directory: {s['run_dir']}")
    return "\n".join(lines)


def shown_path(path) -> str:
    """``path`` as a person would type it here: relative to the working directory when it
    is inside it.

    >>> import os
    >>> shown_path(os.path.join(os.getcwd(), "runs", "a")) == os.path.join("runs", "a")
    True
    """
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def resume_text(run_dir, epoch: int, position: int) -> str:
    """What ``tinyprop train`` prints after Ctrl-C: where it stopped and the exact command
    that continues the run (``epoch``: epochs completed; ``position``: batches of the next).

    >>> print(resume_text("my run", 1, 4))
    interrupted after batch 4 of epoch 2; the run is saved. Continue it with:
      tinyprop train --resume 'my run'
    """
    where = f"batch {position} of epoch {epoch + 1}" if position else f"epoch {epoch}"
    return (f"interrupted after {where}; the run is saved. Continue it with:\n"
            f"  tinyprop train --resume {shlex.quote(shown_path(run_dir))}")
