"""Plots and graph drawings: training curves, decision boundaries, confusion matrices,
image grids and computation graphs.

Every plotting function takes plain arrays or lists (not models), returns the
matplotlib Figure and, given ``path``, saves it atomically (PNG; .svg/.pdf also work)
and closes it. matplotlib is imported on first use, never by ``import tinyprop.viz``,
and the Agg backend is selected when there is no display and no backend was chosen.

>>> from tinyprop import viz
>>> xx, yy, points = viz.make_grid(X)                    # doctest: +SKIP
>>> probs = model(tp.tensor(points)).softmax().numpy()   # doctest: +SKIP
>>> viz.plot_decision_boundary(probs, X, y, (xx, yy), path="boundary.png")  # doctest: +SKIP

Live pictures during training (``LiveCurves``, ``NotebookLiveCurves``) and
``graph_of_run`` load on first use, since they build on :mod:`tinyprop.train`.
"""

from .boundary import GRID_SIZE, animate_decision_boundary, make_grid, plot_decision_boundary
from .graph import Graph, GraphvizNotFoundError, draw_graph
from .images import plot_first_layer_weights, plot_samples
from .plots import confusion_matrix, plot_confusion_matrix, plot_curves

__all__ = [
    "GRID_SIZE",
    "Graph",
    "GraphvizNotFoundError",
    "LiveCurves",
    "NotebookLiveCurves",
    "animate_decision_boundary",
    "confusion_matrix",
    "draw_graph",
    "elementary_loss",
    "graph_of_run",
    "make_grid",
    "plot_confusion_matrix",
    "plot_curves",
    "plot_decision_boundary",
    "plot_first_layer_weights",
    "plot_samples",
    "retain_grads",
]

_LAZY = {
    "LiveCurves": "live",
    "NotebookLiveCurves": "live",
    "elementary_loss": "run_graph",
    "graph_of_run": "run_graph",
    "retain_grads": "run_graph",
}


def __getattr__(name: str):
    """Load the names that build on tinyprop.train on first use (see ``_LAZY``)."""
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
