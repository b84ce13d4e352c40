"""Run directories side by side: list them as a table, overlay their curves.

:func:`list_runs` reads the ``config.json``, ``summary.json`` and ``metrics.jsonl`` of each
run under a directory (size-checked reads; a damaged run is listed with its problem, never
raised); :func:`format_runs` makes the table that ``tinyprop runs`` prints and
:func:`compare_runs` the figure of ``tinyprop runs compare``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ..errors import ConfigError, RunError, TinypropError
from ..io._read import MAX_CONFIG_BYTES, max_file_bytes, read_regular
from ._format import format_time

__all__ = ["compare_runs", "format_runs", "list_runs", "read_metrics"]

RUN_FILES = ("config.json", "summary.json", "metrics.jsonl")
"""A directory holding any of these is a run directory."""


def _is_run(path: Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in RUN_FILES)


def _read_json(path: Path) -> dict:
    raw = read_regular(path, f"a run's {path.name}", max_bytes=MAX_CONFIG_BYTES, error=RunError,
                       fix="the run directory is damaged")
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunError(f"{path.name} is not valid JSON ({e})") from None
    if not isinstance(obj, dict):
        raise RunError(f"{path.name} holds a {type(obj).__name__}, expected a JSON object")
    return obj


def read_metrics(run_dir) -> list[dict]:
    """The epochs of ``run_dir/metrics.jsonl``, one dict per line (size-checked read).

    A missing file or a line that is not a JSON object raises
    :class:`~tinyprop.errors.RunError`; a last line cut short by a crash is left out.
    """
    path = Path(run_dir) / "metrics.jsonl"
    if not path.exists():
        raise RunError(f"{run_dir} has no metrics.jsonl; is it a tinyprop run directory?")
    raw = read_regular(path, "a run's metrics.jsonl", max_bytes=max_file_bytes(),
                       error=RunError, fix="the run directory is damaged")
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict):
            if number == len(lines):  # no newline after it: a write cut short
                break
            raise RunError(f"{path}: line {number} is not a JSON object; the run is damaged")
        rows.append(row)
    return rows


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


def _best(metrics: list[dict], key: str) -> float | None:
    values = [v for v in (_number(m.get(key)) for m in metrics) if v is not None]
    return max(values) if values else None


def _run_row(path: Path) -> dict:
    row = {"name": path.name or str(path), "path": str(path), "data": None, "model": None,
           "engine": None, "epochs": None, "status": None, "best_val_accuracy": None,
           "best_test_accuracy": None, "final_test_accuracy": None, "train_time_s": None,
           "problem": None}
    try:
        _fill_row(row, path)
    except (TinypropError, OSError) as e:
        row["status"], row["problem"] = "damaged", str(e).splitlines()[0]
    return row


def _fill_row(row: dict, path: Path) -> None:
    config = _read_json(path / "config.json") if (path / "config.json").exists() else {}
    options = config.get("config") if isinstance(config.get("config"), dict) else {}
    summary = _read_json(path / "summary.json") if (path / "summary.json").exists() else {}
    metrics = read_metrics(path) if (path / "metrics.jsonl").exists() else []
    for key in ("data", "model", "engine"):
        row[key] = summary.get(key, options.get(key))
    row["epochs"] = summary.get("epochs", len(metrics) if metrics else None)
    row["status"] = summary.get("status") or ("unfinished" if metrics or config else None)
    row["best_val_accuracy"] = _best(metrics, "val_accuracy")
    row["best_test_accuracy"] = _best(metrics, "test_accuracy")
    final = metrics[-1].get("test_accuracy") if metrics else summary.get("test_accuracy")
    row["final_test_accuracy"] = _number(final)
    time_s = _number(summary.get("train_time_s"))
    if time_s is None and metrics:
        time_s = sum(_number(m.get("epoch_time_s")) or 0.0 for m in metrics)
    row["train_time_s"] = time_s


def list_runs(root="runs") -> list[dict]:
    """One dict per run directory in ``root`` (or ``root`` itself if it is a run), sorted by
    name: ``name``, ``path``, ``data``, ``model``, ``engine``, ``epochs``, ``status``,
    ``best_val_accuracy``, ``best_test_accuracy``, ``final_test_accuracy``,
    ``train_time_s`` (``None`` where unknown) and ``problem``. A run whose files cannot be
    read is listed with status ``damaged`` and ``problem`` saying why; directories that
    hold none of ``config.json``, ``summary.json``, ``metrics.jsonl`` are left out.

    >>> import tempfile
    >>> from tinyprop.train import TrainConfig, train_run
    >>> root = tempfile.mkdtemp()
    >>> _ = train_run(TrainConfig(data="xor", epochs=2, plots=False, progress=False),
    ...               out=f"{root}/xor", verbose=False)
    >>> [(r["name"], r["data"], r["epochs"], r["status"]) for r in list_runs(root)]
    [('xor', 'xor', 2, 'completed')]
    """
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a str or os.PathLike, got {type(root).__name__}; "
                        "pass a directory such as 'runs'")
    path = Path(root)
    if not path.exists():
        raise RunError(f"directory {path} does not exist; pass the directory that holds "
                       "the runs (tinyprop train writes them to runs/)")
    if not path.is_dir():
        raise RunError(f"{path} is a file, not a directory; pass a run directory or the "
                       "directory that holds runs")
    if _is_run(path):
        return [_run_row(path)]
    # hidden directories (a sweep's unfinished or set-aside attempts) are not listed
    return [_run_row(p) for p in sorted(path.iterdir())
            if not p.name.startswith(".") and _is_run(p)]


# ---- the table -------------------------------------------------------------------------
# (header, row key, formatter), in the order they are dropped when the table is too wide
_COLUMNS = [
    ("run", "name", str),
    ("data", "data", str),
    ("model", "model", str),
    ("engine", "engine", str),
    ("epochs", "epochs", str),
    ("status", "status", str),
    ("best val", "best_val_accuracy", lambda v: f"{v:.4f}"),
    ("best test", "best_test_accuracy", lambda v: f"{v:.4f}"),
    ("final test", "final_test_accuracy", lambda v: f"{v:.4f}"),
    ("time", "train_time_s", format_time),
]
_DROP_ORDER = ("engine", "best val", "model", "best test", "epochs", "time", "data")
_NUMERIC = {"epochs", "best val", "best test", "final test", "time"}


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _cells(rows: list[dict]) -> dict[str, list[str]]:
    out = {}
    for header, key, fmt in _COLUMNS:
        out[header] = [header] + ["-" if r.get(key) is None else fmt(r[key]) for r in rows]
    return out


def format_runs(rows: list[dict], width: int = 80) -> str:
    """The rows of :func:`list_runs` as a text table at most ``width`` characters wide.

    Columns that do not fit are left out (engine first, then the best validation
    accuracy, the model, ...), and run names are shortened with ``…`` before the run,
    status and final-accuracy columns would go; each damaged run's problem follows the
    table. ``-`` marks what a run does not have (no validation split, an unfinished run).

    >>> rows = [{"name": "moons-1", "data": "moons", "model": "mlp", "engine": "autograd",
    ...          "epochs": 50, "status": "completed", "best_val_accuracy": None,
    ...          "best_test_accuracy": 0.97, "final_test_accuracy": 0.965,
    ...          "train_time_s": 2.5, "problem": None}]
    >>> print(format_runs(rows))
    run      data   model  epochs  status     best val  best test  final test  time
    moons-1  moons  mlp        50  completed         -     0.9700      0.9650  2.5s
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 40:
        raise ConfigError(f"width must be an integer >= 40, got {width!r}; pass e.g. width=80")
    if not rows:
        return "no runs found"
    cells = _cells(rows)
    widths = {h: max(map(len, col)) for h, col in cells.items()}
    widths["run"] = min(widths["run"], 28)  # long names are shortened before columns go
    shown = [h for h, _, _ in _COLUMNS]

    def total() -> int:
        return sum(widths[h] for h in shown) + 2 * (len(shown) - 1)

    for header in _DROP_ORDER:
        if total() <= width:
            break
        shown.remove(header)
    widths["run"] = max(3, widths["run"] - max(0, total() - width))
    lines = []
    for i in range(len(rows) + 1):
        parts = []
        for h in shown:
            text = _clip(cells[h][i], widths[h])
            parts.append(text.rjust(widths[h]) if h in _NUMERIC else text.ljust(widths[h]))
        lines.append("  ".join(parts).rstrip())
    for r in rows:
        if r.get("problem"):
            lines.append(_clip(f"{r['name']}: {r['problem']}", width))
    return "\n".join(lines)


# ---- the figure ------------------------------------------------------------------------
_SPLITS = (("train", "-"), ("val", "--"), ("test", ":"))


def _check_out(out_path):
    if out_path is None:
        return None
    from ..viz._mpl import check_path

    try:
        return check_path(out_path, what="out_path")
    except ValueError as e:
        raise ConfigError(str(e)) from None


def _labels(paths: list[Path]) -> list[str]:
    names = [p.resolve().name or str(p) for p in paths]
    return [str(p) if names.count(n) > 1 else n for p, n in zip(paths, names)]


def compare_runs(run_dirs, out_path=None, *, title: str | None = None):
    """One figure overlaying the loss and the accuracy curves of several runs.

    Reads each run's ``metrics.jsonl``; each run has one colour, labelled with its
    directory name, and each split a line style (train solid, validation dashed, test
    dotted). Saved atomically to ``out_path`` (``.png``, ``.svg`` or ``.pdf``) and closed
    when it is given; returns the matplotlib figure. A directory without metrics raises
    :class:`~tinyprop.errors.RunError` before anything is drawn.

    >>> import os, tempfile
    >>> from tinyprop.train import TrainConfig, train_run
    >>> root = tempfile.mkdtemp()
    >>> for data in ("xor", "circles"):
    ...     _ = train_run(TrainConfig(data=data, epochs=2, plots=False, progress=False),
    ...                   out=f"{root}/{data}", verbose=False)
    >>> fig = compare_runs([f"{root}/xor", f"{root}/circles"], f"{root}/compare.png")
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['xor train', 'xor test', 'circles train', 'circles test']
    >>> os.path.getsize(f"{root}/compare.png") > 0
    True
    """
    if isinstance(run_dirs, (str, os.PathLike)):
        run_dirs = [run_dirs]
    paths = [Path(p) for p in run_dirs]
    if not paths:
        raise ConfigError("compare_runs needs at least one run directory, got none; "
                          "pass e.g. ['runs/a', 'runs/b']")
    out = _check_out(out_path)
    histories = []
    for p in paths:
        if not p.is_dir():
            raise RunError(f"run directory {p} does not exist or is not a directory")
        metrics = read_metrics(p)
        if not metrics:
            raise RunError(f"{p}/metrics.jsonl has no epochs yet; nothing to compare")
        histories.append(metrics)
    from ..viz._mpl import finish, pyplot

    fig, (ax_loss, ax_acc) = pyplot().subplots(1, 2, figsize=(11, 4.2))
    colours = pyplot().rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    for i, (label, metrics) in enumerate(zip(_labels(paths), histories)):
        colour = colours[i % len(colours)]
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            _plot_run(ax, metrics, metric, label, colour)
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize="small")
    fig.suptitle(title or f"{len(paths)} run{'s' if len(paths) != 1 else ''} compared")
    fig.tight_layout()
    return finish(fig, out)


def _plot_run(ax, metrics: list[dict], metric: str, label: str, colour) -> None:
    for split, style in _SPLITS:
        key = f"{split}_{metric}"
        if split == "train" and not any(key in m for m in metrics):
            key = f"train_batch_{metric}"  # a run without evaluation keeps batch means
        points = [(m.get("epoch", i + 1), _number(m.get(key))) for i, m in enumerate(metrics)]
        points = [(x, y) for x, y in points if y is not None]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, linestyle=style, color=colour, label=f"{label} {split}")
