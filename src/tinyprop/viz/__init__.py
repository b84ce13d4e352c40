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
"""

from .boundary import animate_decision_boundary, make_grid, plot_decision_boundary
from .graph import Graph, GraphvizNotFoundError, draw_graph
from .images import plot_first_layer_weights, plot_samples
from .plots import confusion_matrix, plot_confusion_matrix, plot_curves

__all__ = [
    "Graph",
    "GraphvizNotFoundError",
    "animate_decision_boundary",
    "confusion_matrix",
    "draw_graph",
    "make_grid",
    "plot_confusion_matrix",
    "plot_curves",
    "plot_decision_boundary",
    "plot_first_layer_weights",
    "plot_samples",
]
