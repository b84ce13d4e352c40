"""Results a person can read: one row per trial, a table per setting, and plots.

``results.csv`` has one row per trial; ``summary.csv`` one row per setting (mean, std,
min and max of the final test accuracy and loss over the seeds), best first. Plots in
the sweep directory: ``heatmap.png`` (two swept options: mean test accuracy per cell),
``by_<option>.png`` (one swept option: a box per value with each seed as a point),
``settings.png`` (more options: the settings as boxes, best first) and ``curves.png``
(the test curves of every trial of the best and of the worst setting, overlaid).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from .._atomic import atomic_write
from ._index import Index

METRICS = ("test_accuracy", "test_loss")
RESULTS_NAME = "results.csv"
SUMMARY_NAME = "summary.csv"


def trials_frame(index: Index):
    """The trials of a sweep index as a DataFrame, one row each."""
    import pandas as pd

    rows = []
    swept = index.data.get("swept", [])
    for t in index.trials:
        result = t.get("result") or {}
        row = {"id": t["id"], "setting": t.get("setting", "")}
        for name in swept:
            value = t.get("settings", {}).get(name)
            row[name] = ",".join(map(str, value)) if isinstance(value, list) else value
        row.update({"seed": t.get("seed"), "status": t["status"]})
        for key in (*METRICS, "train_time_s", "wall_time_s"):
            value = result.get(key) if t["status"] == "done" else None
            row[key] = float(value) if isinstance(value, (int, float)) else math.nan
        row["error"] = t.get("error")
        row["run_dir"] = str(index.dir / t.get("run_dir", f"trials/{t['id']}"))
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["swept"] = list(swept)
    frame.attrs["sweep_dir"] = str(index.dir)
    return frame


def summarize(frame):
    """One row per setting: ``n`` trials, ``failed``, and mean/std/min/max of the test
    accuracy and loss over the seeds (finished trials only), best mean accuracy first."""
    import pandas as pd

    swept = [c for c in frame.attrs.get("swept", []) if c in frame.columns]
    keys = ["setting", *swept]
    groups = frame.groupby(keys, sort=False, dropna=False)
    out = groups.agg(n=("id", "size"),
                     failed=("status", lambda s: int((s == "failed").sum())))
    for metric in METRICS:
        stats = groups[metric].agg(["mean", "std", "min", "max"])
        stats.columns = [f"{metric}_{c}" for c in stats.columns]
        out = out.join(stats)
    out = out.reset_index().sort_values(["test_accuracy_mean", "test_loss_mean"],
                                        ascending=[False, True], na_position="last")
    out = out.reset_index(drop=True)
    out.attrs["swept"] = swept
    return pd.DataFrame(out)


def _pm(mean, std) -> str:
    if mean != mean:  # NaN: no finished trial
        return "-"
    return f"{mean:.4f}" if std != std else f"{mean:.4f} ± {std:.4f}"


def _range(low, high) -> str:
    return "-" if low != low else f"{low:.4f}..{high:.4f}"


def format_summary(summary, limit: int = 30) -> str:
    """The per-setting table as text, best first (at most ``limit`` rows shown)."""
    headers = ["setting", "n", "test accuracy", "min..max", "test loss", "failed"]
    rows = []
    for r in summary.head(limit).itertuples(index=False):
        rows.append([r.setting, str(r.n),
                     _pm(r.test_accuracy_mean, r.test_accuracy_std),
                     _range(r.test_accuracy_min, r.test_accuracy_max),
                     _pm(r.test_loss_mean, r.test_loss_std), str(r.failed) if r.failed else ""])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    if len(summary) > limit:
        lines.append(f"... {len(summary) - limit} more setting(s) in {SUMMARY_NAME}")
    return "\n".join(lines)


def _write_csv(frame, path: Path) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    text = buffer.getvalue()
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_report(index: Index, *, plots: bool = True):
    """Write ``results.csv``, ``summary.csv`` and the plots; the trials DataFrame (its
    ``attrs`` hold ``sweep_dir``, ``swept``, the swept options, and ``plots``, the files
    drawn); :func:`summarize` makes the per-setting table from it."""
    frame = trials_frame(index)
    summary = summarize(frame)
    _write_csv(frame, index.dir / RESULTS_NAME)
    _write_csv(summary, index.dir / SUMMARY_NAME)
    drawn = []
    if plots and frame["test_accuracy"].notna().any():
        from ._plots import draw_all

        drawn = draw_all(frame, summary, index.dir)
    frame.attrs["plots"] = [str(p) for p in drawn]
    return frame
