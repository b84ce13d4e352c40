"""Live pictures while a model trains: callbacks for :class:`tinyprop.train.Trainer`.

:class:`LiveCurves` rewrites ``curves.png`` (and, given 2-D data and the engine,
``boundary.png``) at the end of every epoch, at most once per ``min_interval`` seconds
of wall time (1 s by default; the last epoch is always drawn), so that drawing never costs
more than a fraction of the training time. Each write is atomic (temp file, then
rename), so an image viewer that reloads the file shows the progress and never a
half-written picture. :class:`NotebookLiveCurves` redraws the curves in place in a
Jupyter notebook (one output that is updated, not a new picture per epoch).

>>> from tinyprop.train import Trainer                              # doctest: +SKIP
>>> live = LiveCurves("runs/demo", X=X_test, y=y_test, engine=engine)  # doctest: +SKIP
>>> Trainer(engine, loader, epochs=20, callbacks=[live]).fit()        # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import os
import time
from pathlib import Path

import numpy as np

from .._validate import check_float
from ..train.callbacks import Callback
from ._checks import check_positive_int
from ._mpl import pyplot
from .boundary import make_grid, plot_decision_boundary
from .plots import plot_curves


def _clock() -> float:
    return time.monotonic()


class _Throttle:
    """When to draw: after every ``every``-th epoch, no sooner than ``min_interval``
    seconds after the previous draw ended, and always after the last epoch."""

    def __init__(self, every, min_interval) -> None:
        self.every = check_positive_int(every, "every")
        self.min_interval = check_float(min_interval, "min_interval", low=0,
                                        fix="pass e.g. min_interval=1.0 (0: every epoch)")
        self._last = -math.inf

    def due(self, epoch: int, trainer) -> bool:
        last = trainer is not None and epoch + 1 >= getattr(trainer, "epochs", 0)
        if last:
            return True
        return (epoch + 1) % self.every == 0 and _clock() - self._last >= self.min_interval

    def drawn(self) -> None:
        self._last = _clock()


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    from ..kernels import softmax

    return softmax(np.asarray(z, dtype=np.float64), axis=1)


class LiveCurves(Callback):
    """Rewrite ``curves.png`` (and ``boundary.png``) in ``run_dir`` as training goes.

    ``every``: draw after every ``every``-th epoch (and after the last one), and no sooner
    than ``min_interval`` seconds after the previous drawing (0: every time). ``title``:
    the curves' heading. ``X``, ``y`` and ``engine``: with 2-D inputs ``X`` (N, 2) and
    their labels ``y``, ``boundary.png`` is redrawn too, on a fixed 200x200 grid
    (:func:`~tinyprop.viz.make_grid`); ``engine`` is anything with
    ``predict_logits(points)`` (a tinyprop engine) or a callable ``points -> class
    probabilities``. Other data (images) get the curves only. ``saves`` counts the
    pictures written; ``paths`` lists the files kept up to date.

    >>> import tempfile
    >>> live = LiveCurves(tempfile.mkdtemp(), every=1)
    >>> live.on_epoch_end(None, 0, {})  # a Trainer passes itself; its history is drawn
    >>> live.saves
    0
    """

    def __init__(self, run_dir, every: int = 1, *, title=None, X=None, y=None,
                 engine=None, min_interval: float = 1.0) -> None:
        if not isinstance(run_dir, (str, os.PathLike)):
            raise TypeError(f"run_dir must be a str or os.PathLike, got {type(run_dir).__name__}")
        self.run_dir = Path(run_dir)
        self._throttle = _Throttle(every, min_interval)
        self.every = self._throttle.every
        self.title = title
        self.saves = 0
        self.curves_path = self.run_dir / "curves.png"
        self.boundary_path = None
        self._boundary = None
        pyplot()  # fail now, not after the first epoch, when matplotlib is missing
        if X is not None and engine is not None and np.ndim(X) == 2 and np.shape(X)[1] == 2:
            if y is None:
                raise ValueError("LiveCurves draws a boundary with X and y; pass y (N,) labels")
            self._boundary = (np.asarray(X), np.asarray(y), make_grid(X), engine)
            self.boundary_path = self.run_dir / "boundary.png"

    @property
    def paths(self) -> list[Path]:
        """The files this callback rewrites."""
        return [p for p in (self.curves_path, self.boundary_path) if p is not None]

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        history = getattr(trainer, "history", None)
        if not history or not self._throttle.due(epoch, trainer):
            return
        plot_curves(history, path=self.curves_path, title=self.title)
        self.saves += 1
        if self._boundary is not None:
            self._draw_boundary(epoch, logs)
            self.saves += 1
        self._throttle.drawn()

    def _draw_boundary(self, epoch: int, logs: dict) -> None:
        X, y, grid, engine = self._boundary
        acc = logs.get("test_accuracy", logs.get("val_accuracy"))
        title = f"epoch {epoch + 1}" + ("" if acc is None else f": accuracy {acc:.3f}")
        plot_decision_boundary(self._probs(engine, grid[2]), X, y, grid,
                               path=self.boundary_path, title=title)

    @staticmethod
    def _probs(engine, points) -> np.ndarray:
        """Class probabilities on all grid points in one call (vectorised)."""
        if hasattr(engine, "predict_logits"):
            return _softmax_rows(engine.predict_logits(points.astype(np.float32)))
        if callable(engine):
            return np.asarray(engine(points))
        raise TypeError(
            f"engine must have predict_logits(X) or be a callable points -> probabilities, "
            f"got {type(engine).__name__}"
        )


def _display_handle(image):
    """Show ``image`` in the running IPython kernel; its handle, or None outside one."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    if get_ipython() is None:  # plain Python: printing a repr would only add noise
        return None
    return display(image, display_id=True)


class NotebookLiveCurves(Callback):
    """Redraw the training curves in place in a Jupyter notebook, every ``every`` epochs
    and no sooner than ``min_interval`` seconds after the previous drawing (0: every time).

    The first draw creates one output (IPython's ``display(..., display_id=True)``);
    later draws update it, so the notebook shows one growing picture. Outside IPython
    (or without it installed) nothing is shown and training runs as usual; ``png``
    always holds the latest picture's PNG bytes and ``saves`` counts the draws.

    >>> live = NotebookLiveCurves(every=2)
    >>> live.on_epoch_end(None, 0, {})
    >>> live.saves, live.png
    (0, None)
    """

    def __init__(self, every: int = 1, *, title=None, min_interval: float = 1.0) -> None:
        self._throttle = _Throttle(every, min_interval)
        self.every = self._throttle.every
        self.title = title
        self.saves = 0
        self.png: bytes | None = None
        self._handle = None

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        history = getattr(trainer, "history", None)
        if not history or not self._throttle.due(epoch, trainer):
            return
        fig = plot_curves(history, title=self.title)
        buf = io.BytesIO()
        try:
            fig.savefig(buf, format="png", dpi=80)
        finally:
            pyplot().close(fig)
        self.png = buf.getvalue()
        self.saves += 1
        self._show()
        self._throttle.drawn()

    def _show(self) -> None:
        try:
            from IPython.display import Image
        except ImportError:
            return
        image = Image(data=self.png, format="png")
        if self._handle is None:
            self._handle = _display_handle(image)
        else:
            self._handle.update(image)
