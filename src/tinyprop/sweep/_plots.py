"""The sweep's figures (matplotlib, loaded here only): heatmap, boxes with seeds as
points, and the curves of the best and worst settings. Each is saved atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAX_BOXES = 20
MAX_LEVELS = 12
"""An option with more distinct values than this (a sampled one) is drawn as a scatter."""


def _numeric(frame, columns) -> bool:
    import pandas as pd

    return all(pd.api.types.is_numeric_dtype(frame[c]) for c in columns)


def _log_scale(values) -> bool:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return len(values) > 0 and values.min() > 0 and values.max() / values.min() >= 100


def scatter(frame, columns: list[str], path: Path) -> Path:
    """Sampled options: test accuracy against one option (each trial a point), or two
    options as the axes with the accuracy as the colour."""
    from ..viz._mpl import finish, pyplot

    done = frame[frame["test_accuracy"].notna()]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if len(columns) == 1:
        ax.plot(done[columns[0]], done["test_accuracy"], "o", alpha=0.7)
        ax.set_xlabel(columns[0])
        ax.set_ylabel("final test accuracy (each point a trial)")
        if _log_scale(done[columns[0]]):
            ax.set_xscale("log")
    else:
        x, y = columns
        points = ax.scatter(done[x], done[y], c=done["test_accuracy"], cmap="viridis", s=40)
        fig.colorbar(points, ax=ax, label="final test accuracy")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        for name, set_scale in ((x, ax.set_xscale), (y, ax.set_yscale)):
            if _log_scale(done[name]):
                set_scale("log")
    ax.grid(alpha=0.3)
    ax.set_title(f"test accuracy by {' and '.join(columns)}")
    fig.tight_layout()
    finish(fig, path)
    return path


def draw_all(frame, summary, sweep_dir: Path) -> list[Path]:
    """Every figure that suits the sweep's shape; the paths written."""
    swept = [c for c in frame.attrs.get("swept", []) if c in frame.columns]
    drawn = []
    many = [c for c in swept if frame[c].nunique() > MAX_LEVELS]  # sampled, not a grid
    if len(swept) == 2 and not many:
        drawn.append(heatmap(summary, swept, sweep_dir / "heatmap.png",
                             [_order(frame[c]) for c in swept]))
    elif len(swept) == 2 and len(many) == 2 and _numeric(frame, swept):
        drawn.append(scatter(frame, swept, sweep_dir / "scatter.png"))
    if len(swept) == 1 and many and _numeric(frame, swept):
        drawn.append(scatter(frame, swept, sweep_dir / f"by_{swept[0]}.png"))
    elif len(swept) == 1:
        drawn.append(boxes(frame, swept[0], sweep_dir / f"by_{swept[0]}.png"))
    elif summary["setting"].nunique() > 1:
        drawn.append(boxes(frame, "setting", sweep_dir / "settings.png",
                           order=list(summary["setting"][:MAX_BOXES])))
    path = curves(frame, summary, sweep_dir / "curves.png")
    if path is not None:
        drawn.append(path)
    return drawn


def _order(values) -> list:
    """The values of a column in a natural order: numbers ascending, else as first seen."""
    seen = list(dict.fromkeys(values))
    try:
        return sorted(seen, key=float)
    except (TypeError, ValueError):
        return seen


def colour_floor(values) -> float:
    """The lowest value the heatmap's colour scale shows: the smallest value that is not
    far below the others (more than 1.5 interquartile ranges under the first quartile,
    and under half the best). One failed setting (zero init at chance level, say) would
    otherwise stretch the scale so that the differences between the others vanish.

    >>> colour_floor(np.array([[0.96, 0.97], [0.08, 0.98]]))
    0.96
    >>> colour_floor(np.array([0.5, 0.7, 0.9]))
    0.5
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return 0.0
    q1, q3 = np.percentile(v, [25, 75])
    keep = v[(v >= q1 - 1.5 * (q3 - q1)) | (v >= v.max() / 2)]
    return float(keep.min())


def heatmap(summary, swept: list[str], path: Path, axes: list[list] | None = None) -> Path:
    """Mean test accuracy over the seeds for each cell of a two-option grid (``axes``: the
    values of each option in the order to show them)."""
    from ..viz._mpl import finish, pyplot

    rows, cols = axes or (_order(summary[swept[0]]), _order(summary[swept[1]]))
    mean = np.full((len(rows), len(cols)), np.nan)
    std = np.full_like(mean, np.nan)
    for r in summary.itertuples(index=False):
        i, j = rows.index(getattr(r, swept[0])), cols.index(getattr(r, swept[1]))
        mean[i, j], std[i, j] = r.test_accuracy_mean, r.test_accuracy_std
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(1.6 * len(cols) + 2.5, 0.8 * len(rows) + 2))
    low = colour_floor(mean)
    # far-below cells in grey: the scale keeps the others apart
    cmap = plt.get_cmap("viridis").with_extremes(under="0.75")
    im = ax.imshow(mean, cmap=cmap, aspect="auto", vmin=low)
    middle = (low + np.nanmax(mean)) / 2 if np.isfinite(mean).any() else 0.0
    for i in range(len(rows)):
        for j in range(len(cols)):
            if np.isfinite(mean[i, j]):
                text = f"{mean[i, j]:.3f}" + ("" if np.isnan(std[i, j]) else
                                              f"\n± {std[i, j]:.3f}")
                light = low <= mean[i, j] < middle  # dark viridis: white text
                ax.text(j, i, text, ha="center", va="center", fontsize=9,
                        color="white" if light else "black")
    ax.set_xticks(range(len(cols)), [str(c) for c in cols])
    ax.set_yticks(range(len(rows)), [str(r) for r in rows])
    ax.set_xlabel(swept[1])
    ax.set_ylabel(swept[0])
    below = bool(np.nanmin(mean) < low) if np.isfinite(mean).any() else False
    fig.colorbar(im, ax=ax, label="mean test accuracy" + (" (grey: far below)" if below
                                                          else ""),
                 extend="min" if below else "neither")
    ax.set_title("final test accuracy (mean ± std over seeds)")
    fig.tight_layout()
    finish(fig, path)
    return path


def boxes(frame, column: str, path: Path, order: list | None = None) -> Path:
    """One box per value of ``column`` with each trial (seed) drawn as a point."""
    from ..viz._mpl import finish, pyplot

    done = frame[frame["test_accuracy"].notna()]
    order = order or _order(done[column])
    data = [done.loc[done[column] == v, "test_accuracy"].to_numpy() for v in order]
    keep = [i for i, d in enumerate(data) if len(d)]
    order, data = [order[i] for i in keep], [data[i] for i in keep]
    plt = pyplot()
    horizontal = column == "setting"
    size = (8, 0.45 * len(order) + 1.5) if horizontal else (1.1 * len(order) + 3, 4.2)
    fig, ax = plt.subplots(figsize=size)
    try:  # matplotlib >= 3.10 names the direction; vert= is deprecated there
        ax.boxplot(data, orientation="horizontal" if horizontal else "vertical", widths=0.5,
                   showfliers=False)
    except TypeError:  # matplotlib < 3.10
        ax.boxplot(data, vert=not horizontal, widths=0.5, showfliers=False)
    rng = np.random.default_rng(0)
    for k, values in enumerate(data, start=1):
        jitter = k + rng.uniform(-0.12, 0.12, len(values))
        x, y = (values, jitter) if horizontal else (jitter, values)
        ax.plot(x, y, "o", color="C1", alpha=0.7, markersize=4)
    means = [d.mean() for d in data]
    labels = [str(v) for v in order]
    if horizontal:
        ax.set_yticks(range(1, len(order) + 1), labels, fontsize=8)
        ax.invert_yaxis()  # best first, at the top
        ax.set_xlabel("final test accuracy (each point a seed)")
    else:
        ax.plot(range(1, len(order) + 1), means, "-", color="C0", alpha=0.5, label="mean")
        ax.set_xticks(range(1, len(order) + 1), labels)
        ax.set_xlabel(column)
        ax.set_ylabel("final test accuracy (each point a seed)")
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    ax.set_title(f"test accuracy by {column}")
    fig.tight_layout()
    finish(fig, path)
    return path


def curves(frame, summary, path: Path) -> Path | None:
    """Test accuracy and loss per epoch of every trial of the best and the worst setting."""
    from ..errors import TinypropError
    from ..train.runs import read_metrics
    from ..viz._mpl import finish, pyplot

    ranked = summary[summary["test_accuracy_mean"].notna()]
    if ranked.empty:
        return None
    picks = [("best", ranked["setting"].iloc[0], "C0")]
    if len(ranked) > 1:
        picks.append(("worst", ranked["setting"].iloc[-1], "C3"))
    plt = pyplot()
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.2))
    for rank, setting, colour in picks:
        first = True
        for row in frame[(frame["setting"] == setting) & frame["test_accuracy"].notna()
                         ].itertuples(index=False):
            try:
                metrics = read_metrics(row.run_dir)
            except (TinypropError, OSError):
                continue
            epochs = [m.get("epoch", i + 1) for i, m in enumerate(metrics)]
            label = f"{rank}: {setting}" if first else None
            for ax, key in ((ax_acc, "test_accuracy"), (ax_loss, "test_loss")):
                ax.plot(epochs, [m.get(key, np.nan) for m in metrics], color=colour,
                        alpha=0.6, label=label)
            first = False
    from matplotlib.ticker import MaxNLocator

    for ax, name in ((ax_acc, "test accuracy"), (ax_loss, "test loss")):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    fig.suptitle("best and worst settings, every seed")
    fig.tight_layout()
    finish(fig, path)
    return path
