"""Decision boundaries of 2-D classifiers: a still plot and an animated GIF.

The grid contract: :func:`make_grid` returns ``(xx, yy, points)`` where ``xx`` and
``yy`` are ``np.meshgrid`` arrays of shape (n, n) and ``points`` is their
(n*n, 2) stack in row-major order (``points[k] == (xx.flat[k], yy.flat[k])``).
The caller runs its model on ``points`` and passes the class probabilities, shape
(n*n, n_classes) (or (n*n,) = probability of class 1 for a binary model), together
with ``grid=(xx, yy)`` (or the whole ``make_grid`` tuple) to the plotting functions.
"""

from __future__ import annotations

import numpy as np

from .._atomic import atomic_write_path
from ._checks import as_float_array, as_labels, check_positive_int
from ._mpl import check_path, finish, pyplot

_BINARY_CMAP = "RdBu"

#: Points per axis of the default grid (smooth edges even on the spiral).
GRID_SIZE = 200


def make_grid(X, n=GRID_SIZE, margin=0.5):
    """A regular (n, n) grid covering the 2-D points ``X`` plus ``margin`` on each side.

    Returns ``(xx, yy, points)``: meshgrid arrays of shape (n, n) and the (n*n, 2)
    points to feed the model (float32 when ``X`` is float32, else float64).

    >>> xx, yy, points = make_grid(np.array([[0.0, 0.0], [1.0, 1.0]]), n=3, margin=0)
    >>> xx.shape, points.shape, points[:3].tolist()
    ((3, 3), (9, 2), [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]])
    """
    X = _check_X(X)
    n = check_positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n must be >= 2 grid points per axis, got {n}")
    try:
        margin = float(margin)
    except (TypeError, ValueError):
        raise TypeError(f"margin must be a number, got {margin!r}") from None
    if not np.isfinite(margin) or margin < 0:
        raise ValueError(f"margin must be a finite number >= 0, got {margin}")
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    lo = X.min(axis=0) - margin
    hi = X.max(axis=0) + margin
    hi = np.where(hi > lo, hi, lo + 1.0)  # all points equal and margin 0
    xs = np.linspace(lo[0], hi[0], n)
    ys = np.linspace(lo[1], hi[1], n)
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()]).astype(dtype)
    return xx, yy, points


def _check_X(X) -> np.ndarray:
    arr = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"X must be 2-D data of shape (N, 2), got shape {arr.shape}; decision boundaries "
            "are drawn for two input features only (project higher-dimensional data first)"
        )
    if arr.shape[0] == 0:
        raise ValueError("X is empty; expected at least one point of shape (N, 2)")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"X must hold numbers, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("X contains NaN or infinite values; expected finite coordinates")
    return arr


def _check_grid(grid) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(grid, "xx") and hasattr(grid, "yy"):  # tinyprop.data's Grid
        grid = (grid.xx, grid.yy)
    if not isinstance(grid, (tuple, list)) or len(grid) not in (2, 3):
        raise TypeError(
            f"grid must be (xx, yy), the (xx, yy, points) tuple from make_grid, or a "
            f"tinyprop.data Grid, "
            f"got {type(grid).__name__}"
            + (f" of length {len(grid)}" if isinstance(grid, (tuple, list)) else "")
        )
    xx = as_float_array(grid[0], "grid xx")
    yy = as_float_array(grid[1], "grid yy")
    if xx.ndim != 2 or xx.shape != yy.shape or min(xx.shape) < 2:
        raise ValueError(
            f"grid xx and yy must be meshgrid arrays of one shape (ny, nx) with nx, ny >= 2, "
            f"got {tuple(xx.shape)} and {tuple(yy.shape)}; build them with make_grid(X)"
        )
    return xx, yy


def _grid_points(xx, yy) -> np.ndarray:
    return np.column_stack([xx.ravel(), yy.ravel()])


def _check_probs(probs, xx, what: str = "probs") -> np.ndarray:
    """Probabilities as (M, K) with M == xx.size (a 1-D (M,) input becomes (M, 2))."""
    p = as_float_array(probs, what)
    m = xx.size
    if p.shape == xx.shape:
        p = p.reshape(m)
    if p.ndim == 1 and p.shape[0] == m:
        p = np.column_stack([1.0 - p, p])
    if p.ndim == 2 and p.shape[1] == 1 and p.shape[0] == m:
        p = np.column_stack([1.0 - p[:, 0], p[:, 0]])
    if p.ndim != 2 or p.shape[0] != m:
        raise ValueError(
            f"{what} must have shape ({m}, n_classes) for a grid of {xx.shape[0]}x{xx.shape[1]} "
            f"points (or ({m},) = P(class 1) for a binary model), got {tuple(p.shape)}; "
            "run the model on the grid's points (make_grid(X)[2]) and pass its probabilities"
        )
    return p


def _resolve_probs(probs, xx, yy) -> np.ndarray:
    if callable(probs):
        probs = probs(_grid_points(xx, yy))
    return _check_probs(probs, xx)


def _class_colors(k: int):
    plt = pyplot()
    if k == 2:
        cmap = plt.get_cmap(_BINARY_CMAP)
        return [cmap(0.1), cmap(0.9)]
    cmap = plt.get_cmap("tab10" if k <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(k)]


def _draw_background(ax, probs, xx, yy, k: int):
    """Shade P(class 1) (binary) or the argmax class (multi-class); return the artists."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    if k == 2:
        p1 = probs[:, 1].reshape(xx.shape)
        levels = np.linspace(0.0, 1.0, 21)
        filled = ax.contourf(xx, yy, np.clip(p1, 0, 1), levels=levels, cmap=_BINARY_CMAP, alpha=0.6)
        line = ax.contour(xx, yy, p1, levels=[0.5], colors="k", linewidths=1.2)
        return [filled, line]
    cls = probs.argmax(axis=1).reshape(xx.shape)
    cmap = ListedColormap(_class_colors(k))
    norm = BoundaryNorm(np.arange(k + 1) - 0.5, k)
    filled = ax.contourf(
        xx, yy, cls, levels=np.arange(k + 1) - 0.5, cmap=cmap, norm=norm, alpha=0.35
    )
    return [filled]


def _draw_points(ax, X, y, k: int):
    colors = _class_colors(k)
    for c in range(k):
        mask = y == c
        if mask.any():
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                s=18,
                color=colors[c],
                edgecolors="k",
                linewidths=0.5,
                label=f"class {c}",
                zorder=3,
            )
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)


def _prepare(X, y, grid):
    X = _check_X(X)
    y = as_labels(y, "y", n=X.shape[0])
    if grid is None:  # the default picture: a fine GRID_SIZE x GRID_SIZE grid around X
        grid = make_grid(X, n=GRID_SIZE)
    xx, yy = _check_grid(grid)
    return X.astype(np.float64, copy=False), y, xx, yy


def _n_classes(p: np.ndarray, y: np.ndarray) -> int:
    k = max(p.shape[1], int(y.max()) + 1 if y.size else 0)
    if k > p.shape[1]:
        raise ValueError(
            f"y holds label {int(y.max())} but the probabilities have only {p.shape[1]} "
            f"classes; pass probabilities of shape ({p.shape[0]}, {k})"
        )
    return k


def plot_decision_boundary(probs, X, y, grid=None, path=None, title=None):
    """Shade a 2-D classifier's prediction over a grid and scatter the data on top.

    ``probs``: class probabilities on the grid, shape (xx.size, n_classes), or
    (xx.size,) = P(class 1) for binary models; a callable ``f(points) -> probs`` is also
    accepted and is called once with all (xx.size, 2) grid points (vectorised). ``X``:
    (N, 2) points; ``y``: their labels (N,) or one-hot (N, K). ``grid``: ``(xx, yy)``
    meshgrid arrays or the tuple returned by :func:`make_grid`; ``None`` (the default)
    builds ``make_grid(X)``, 200x200 points, and then ``probs`` must be a callable.
    Binary models show P(class 1) with the 0.5 contour; multi-class models show the
    predicted class.
    Returns the Figure; with ``path`` saves it (PNG) and closes it.

    >>> import os, tempfile
    >>> X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), [0, 1]
    >>> xx, yy, points = make_grid(X, n=10)
    >>> path = os.path.join(tempfile.mkdtemp(), "boundary.png")
    >>> p1 = np.clip(points[:, 0], 0, 1)  # P(class 1) of a toy model
    >>> _ = plot_decision_boundary(p1, X, y, (xx, yy), path=path)
    >>> os.path.exists(path)
    True
    """
    if path is not None:
        check_path(path)
    X, y, xx, yy = _prepare(X, y, grid)
    p = _resolve_probs(probs, xx, yy)
    k = _n_classes(p, y)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 5))
    artists = _draw_background(ax, p, xx, yy, k)
    if k == 2:
        cbar = fig.colorbar(artists[0], ax=ax)
        cbar.set_label("P(class 1)")
    _draw_points(ax, X, y, k)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(str(title), fontsize=10)
    fig.tight_layout()
    return finish(fig, path)


def _remove(artist) -> None:
    try:
        artist.remove()
    except (AttributeError, NotImplementedError):  # pragma: no cover - matplotlib < 3.8
        for coll in artist.collections:
            coll.remove()


def _gif_writer_class():
    """PillowWriter that keeps frames as 256-colour palette images (4x less memory)."""
    from matplotlib.animation import PillowWriter
    from PIL import Image

    class _PaletteGifWriter(PillowWriter):
        def setup(self, fig, outfile, dpi=None):
            super().setup(fig, outfile, dpi=dpi)
            self._palette_frames = []

        def grab_frame(self, **savefig_kwargs):
            import io

            buf = io.BytesIO()
            self.fig.savefig(buf, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
            im = Image.frombuffer("RGBA", self.frame_size, buf.getbuffer(), "raw", "RGBA", 0, 1)
            self._palette_frames.append(im.convert("RGB").quantize(colors=256))

        def finish(self):
            frames = self._palette_frames
            if frames:
                frames[0].save(
                    self.outfile,
                    format="GIF",
                    save_all=True,
                    append_images=frames[1:],
                    duration=int(1000 / self.fps),
                    loop=0,
                )
            self._palette_frames = []

    return _PaletteGifWriter


def animate_decision_boundary(frames, X, y, grid, path, fps=5, dpi=80):
    """Write an animated GIF of the decision boundary, one frame per entry of ``frames``.

    ``frames``: an iterable of ``(probs, title)`` pairs, e.g. one per epoch, each
    ``probs`` following :func:`plot_decision_boundary`'s contract. It may be a generator:
    frames are drawn one at a time on a single figure and kept as small palette images,
    so memory stays low. ``path`` must end in ``.gif``; it is written atomically.
    Returns the path as a :class:`pathlib.Path`.

    >>> import os, tempfile
    >>> X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), [0, 1]
    >>> xx, yy, points = make_grid(X, n=10)
    >>> frames = [(np.clip(points[:, 0] + s, 0, 1), f"shift {s}") for s in (-0.2, 0.0, 0.2)]
    >>> path = os.path.join(tempfile.mkdtemp(), "boundary.gif")
    >>> out = animate_decision_boundary(frames, X, y, (xx, yy), path)
    >>> out.name, out.exists()
    ('boundary.gif', True)
    """
    from itertools import chain

    out = check_path(path, formats=("gif",), what="path")
    fps = _check_fps(fps)
    dpi = check_positive_int(dpi, "dpi")
    X, y, xx, yy = _prepare(X, y, grid)
    it = iter(frames)
    try:
        first = next(it)
    except StopIteration:
        raise ValueError("frames is empty; expected at least one (probs, title) pair") from None
    p0, _ = _unpack_frame(0, first, xx, yy)
    k = _n_classes(p0, y)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    try:
        _draw_points(ax, X, y, k)
        ax.set_xlim(xx.min(), xx.max())
        ax.set_ylim(yy.min(), yy.max())
        ax.set_title(" ", fontsize=9)
        fig.tight_layout()
        writer = _gif_writer_class()(fps=fps)

        def write(tmp):
            with writer.saving(fig, tmp, dpi):
                _draw_frames(writer, ax, chain([first], it), p0, xx, yy, k)

        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_path(out, write)
    finally:
        plt.close(fig)
    return out


def _check_fps(fps) -> float:
    """``fps`` as a float in (0, 100]."""
    try:
        fps = float(fps)
    except (TypeError, ValueError):
        raise TypeError(f"fps must be a number, got {fps!r}") from None
    if not np.isfinite(fps) or not 0 < fps <= 100:
        raise ValueError(f"fps must be in (0, 100], got {fps}")
    return fps


def _unpack_frame(i, frame, xx, yy):
    """Checked ``(probs, title)`` of ``frames[i]``: probabilities (M, K) and a string."""
    if not isinstance(frame, (tuple, list)) or len(frame) != 2:
        raise TypeError(f"frames[{i}] must be a (probs, title) pair, got {type(frame).__name__}")
    p = _resolve_probs(frame[0], xx, yy)
    return p, ("" if frame[1] is None else str(frame[1]))


def _draw_frames(writer, ax, frames, p0, xx, yy, k: int) -> None:
    """Redraw the background and title for each frame and grab it into ``writer``."""
    background = []
    for i, frame in enumerate(frames):
        p, title = _unpack_frame(i, frame, xx, yy)
        if p.shape[1] != p0.shape[1]:
            raise ValueError(
                f"frames[{i}] has {p.shape[1]} classes but frames[0] has "
                f"{p0.shape[1]}; every frame must come from the same model"
            )
        for artist in background:
            _remove(artist)
        background = _draw_background(ax, p, xx, yy, k)
        ax.set_title(title, fontsize=9)
        writer.grab_frame()
