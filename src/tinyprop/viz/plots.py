"""Training curves and confusion matrices."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ._checks import as_labels, check_positive_int
from ._mpl import check_path, finish, pyplot

_SPLIT_ORDER = ("train", "val", "valid", "validation", "test")
_SPLIT_STYLE = {"train": "-", "val": "--", "valid": "--", "validation": "--", "test": ":"}


def _history_rows(history) -> list[Mapping]:
    """Accept a list of per-epoch dicts, or a dict of equal-length lists (columns)."""
    if isinstance(history, Mapping):
        lengths = {k: len(v) for k, v in history.items() if isinstance(v, Sequence)}
        if not lengths or len(set(lengths.values())) != 1:
            raise ValueError(
                "history given as a dict must map each metric to a list of per-epoch values "
                f"of one common length, got lengths {lengths}; or pass a list of per-epoch dicts"
            )
        n = next(iter(lengths.values()))
        return [{k: history[k][i] for k in lengths} for i in range(n)]
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise TypeError(
            f"history must be a list of per-epoch dicts, got {type(history).__name__}; "
            "e.g. [{'epoch': 1, 'train_loss': 0.7, 'val_loss': 0.8}, ...]"
        )
    for i, row in enumerate(history):
        if not isinstance(row, Mapping):
            raise TypeError(
                f"history[{i}] must be a dict of metrics, got {type(row).__name__}; "
                "e.g. {'epoch': 1, 'train_loss': 0.7}"
            )
    return list(history)


def _metric_kind(key: str) -> tuple[str, str] | None:
    """('loss' | 'accuracy', split) for a history key, or None for other keys."""
    for suffix, kind in (("loss", "loss"), ("accuracy", "accuracy"), ("acc", "accuracy")):
        if key == suffix:
            return kind, "train"
        if key.endswith("_" + suffix):
            return kind, key[: -len(suffix) - 1]
    return None


def _split_rank(split: str) -> tuple:
    return (_SPLIT_ORDER.index(split) if split in _SPLIT_ORDER else len(_SPLIT_ORDER), split)


def plot_curves(history, path=None, title=None):
    """Loss and accuracy per epoch: one panel each, a line per split (train, val, test).

    ``history`` is a list of per-epoch dicts such as ``{"epoch": 3, "train_loss": 0.41,
    "train_accuracy": 0.88, "val_loss": 0.45, "val_accuracy": 0.86}``; keys named
    ``loss``/``accuracy``/``acc`` or ending in ``_loss``/``_accuracy``/``_acc`` are
    plotted, others ignored, and a key missing (or None) in some epochs leaves a gap
    in that line only. The x axis is ``epoch`` when present, else 1, 2, ... A dict of
    per-epoch lists is accepted too. Without any accuracy key only the loss panel is
    drawn. Epoch ticks are whole numbers. Returns the Figure; with ``path`` saves it
    (PNG) and closes it.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "curves.png")
    >>> history = [{"epoch": 1, "train_loss": 0.7, "train_accuracy": 0.5},
    ...            {"epoch": 2, "train_loss": 0.5, "train_accuracy": 0.8}]
    >>> fig = plot_curves(history, path=path)
    >>> os.path.exists(path), [ax.get_title() for ax in fig.axes]
    (True, ['loss', 'accuracy'])
    """
    if path is not None:
        check_path(path)
    rows = _history_rows(history)
    if not rows:
        raise ValueError("history is empty; expected at least one per-epoch dict")
    series = _collect_series(rows)
    kinds = [k for k in ("loss", "accuracy") if series[k]]
    if not kinds:
        raise ValueError(
            f"history has no loss or accuracy values; got keys {sorted(rows[0])}; expected "
            "keys such as 'train_loss', 'val_loss', 'train_accuracy', 'val_accuracy'"
        )
    plt = pyplot()
    fig, axes = plt.subplots(1, len(kinds), figsize=(5.5 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        _draw_metric_panel(ax, kind, series[kind])
    if title:
        fig.suptitle(str(title))
    fig.tight_layout()
    return finish(fig, path)


def _collect_series(rows) -> dict[str, dict[str, tuple[list, list]]]:
    """{'loss' | 'accuracy': {split: (epochs, values)}} from the per-epoch dicts."""
    series: dict[str, dict[str, tuple[list, list]]] = {"loss": {}, "accuracy": {}}
    for i, row in enumerate(rows):
        x = row.get("epoch", i + 1)
        x = i + 1 if x is None else x
        for key, value in row.items():
            kind = _metric_kind(str(key))
            if kind is None or value is None:
                continue
            try:
                v = float(value)
                xv = float(x)
            except (TypeError, ValueError):
                raise TypeError(
                    f"history[{i}][{key!r}] = {value!r} (epoch {x!r}) is not a number; "
                    "store plain floats (e.g. loss.item())"
                ) from None
            xs, ys = series[kind[0]].setdefault(kind[1], ([], []))
            xs.append(xv)
            ys.append(v)
    return series


def _draw_metric_panel(ax, kind: str, splits) -> None:
    """One panel (loss or accuracy): a line per split, in train/val/test order."""
    for split in sorted(splits, key=_split_rank):
        xs, ys = splits[split]
        ax.plot(
            xs,
            ys,
            _SPLIT_STYLE.get(split, "-."),
            marker="o" if len(xs) <= 30 else None,
            markersize=3,
            label=split,
        )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel("epoch")
    ax.set_ylabel(kind)
    ax.set_title(kind)
    ax.grid(alpha=0.3)
    ax.legend()


def confusion_matrix(y_true, y_pred, n_classes=None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Labels are integer class indices (N,); a 2-D (N, K) input (one-hot targets or class
    scores) is reduced by argmax. ``n_classes`` defaults to the largest label + 1.
    Returns an int64 array of shape (n_classes, n_classes); rows are true classes.

    >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], 3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    t = as_labels(y_true, "y_true")
    p = as_labels(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(
            f"y_true has {len(t)} labels but y_pred has {len(p)}; pass one prediction per sample"
        )
    if n_classes is None:
        if not len(t):
            raise ValueError("empty labels and no n_classes; pass n_classes=K")
        n_classes = int(max(t.max(), p.max())) + 1
    n_classes = check_positive_int(n_classes, "n_classes")
    for what, arr in (("y_true", t), ("y_pred", p)):
        if arr.size and arr.max() >= n_classes:
            raise ValueError(
                f"{what} holds label {arr.max()} but n_classes={n_classes} allows "
                f"0..{n_classes - 1}; pass a larger n_classes or fix the labels"
            )
    flat = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def plot_confusion_matrix(
    y_true, y_pred, n_classes=None, class_names=None, normalize=False, path=None, title=None
):
    """Confusion matrix as a heat map, rows = true class, columns = predicted class.

    ``normalize=True`` divides each row by its count (per-class recall on the diagonal).
    Cells are annotated with their values when there are at most 30 classes.
    Returns the Figure; with ``path`` saves it (PNG) and closes it.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "confusion.png")
    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], path=path)
    >>> os.path.exists(path), fig.axes[0].get_title()
    (True, 'confusion matrix (n=3, accuracy 66.7%)')
    """
    if path is not None:
        check_path(path)
    if class_names is not None:
        class_names = [str(c) for c in class_names]
        if n_classes is None:
            n_classes = len(class_names)
    cm = confusion_matrix(y_true, y_pred, n_classes)
    k = cm.shape[0]
    if class_names is not None and len(class_names) != k:
        raise ValueError(
            f"class_names has {len(class_names)} names but there are {k} classes; "
            "pass one name per class"
        )
    values = _normalized(cm) if normalize else cm
    plt = pyplot()
    size = min(4 + 0.45 * k, 14)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    vmax = 1.0 if normalize else max(int(values.max()), 1)
    im = ax.imshow(values, cmap="Blues", vmin=0, vmax=vmax)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    names = class_names if class_names is not None else [str(i) for i in range(k)]
    _set_class_ticks(ax, names, k)
    if k <= 30:
        _annotate_cells(ax, values, normalize, vmax)
    n = int(cm.sum())
    acc = np.trace(cm) / n if n else float("nan")
    ax.set_title(title if title else f"confusion matrix (n={n}, accuracy {acc:.1%})")
    fig.tight_layout()
    return finish(fig, path)


def _normalized(cm: np.ndarray) -> np.ndarray:
    """Each row divided by its count (all-zero rows stay zero)."""
    sums = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, sums, out=np.zeros(cm.shape), where=sums > 0)


def _set_class_ticks(ax, names, k: int) -> None:
    """Class-name ticks on both axes (every few classes when there are over 30)."""
    ticks = np.arange(k)
    step = max(1, math.ceil(k / 30))
    slanted = k > 10 or max(len(n) for n in names) > 3  # class names such as "Ankle boot"
    ax.set_xticks(
        ticks[::step],
        names[::step],
        rotation=45 if slanted else 0,
        ha="right" if slanted else "center",
    )
    ax.set_yticks(ticks[::step], names[::step])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")


def _annotate_cells(ax, values, normalize, vmax) -> None:
    """Write each cell's value, white on dark cells."""
    k = values.shape[0]
    for i in range(k):
        for j in range(k):
            v = values[i, j]
            text = f"{v:.2f}" if normalize else str(int(v))
            dark = v > 0.55 * vmax
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8 if k > 12 else 10,
                color="white" if dark else "black",
            )
