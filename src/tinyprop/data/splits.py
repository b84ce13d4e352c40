"""``DataSplits`` (what every loader returns), one-hot targets and plotting grids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_choice
from ..backend import get_default_dtype
from ..errors import ConfigError, DataError
from ._validate import check_count, check_labels, check_positive_int

if TYPE_CHECKING:
    from .loader import DataLoader


def to_one_hot(y, n_classes: int | None = None, dtype=None) -> np.ndarray:
    """One-hot encode class indices: shape ``(N,)`` to ``(N, n_classes)`` float array.

    ``n_classes`` defaults to ``max(y) + 1``; ``dtype`` to the default float dtype.

    >>> to_one_hot([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    labels = check_labels(y, "y", n_classes)
    if n_classes is None:
        if labels.size == 0:
            raise ConfigError("n_classes is required when y is empty; pass n_classes=...")
        n_classes = int(labels.max()) + 1
    n_classes = check_positive_int(n_classes, "n_classes")
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype or get_default_dtype())
    out[np.arange(labels.shape[0]), labels] = 1
    return out


@dataclass(frozen=True, eq=False)
class Grid:
    """A regular grid over the plane, for decision-boundary plots.

    ``points`` is ``(ny * nx, 2)`` (feed it to a model); ``xx``/``yy`` are the ``(ny, nx)``
    meshgrid; ``reshape(values)`` turns per-point model outputs back into grid shape.

    >>> g = make_grid((-2, 2), (-2, 2), n=40)
    >>> g.points.shape, g.shape
    ((1600, 2), (40, 40))
    """

    points: np.ndarray
    xx: np.ndarray
    yy: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """The grid's ``(ny, nx)`` shape."""
        return tuple(self.xx.shape)  # type: ignore[return-value]

    def reshape(self, values) -> np.ndarray:
        """Reshape ``(n_points,)`` or ``(n_points, k)`` values to ``(ny, nx)`` / ``(ny, nx, k)``.

        >>> make_grid((0, 1), (0, 1), n=3).reshape(np.arange(9)).shape
        (3, 3)
        """
        v = np.asarray(values)
        if v.shape[:1] != (self.points.shape[0],):
            raise DataError(
                f"values must have one row per grid point ({self.points.shape[0]}), "
                f"got shape {tuple(v.shape)}; pass model(grid.points)"
            )
        return v.reshape(self.shape + v.shape[1:])


def make_grid(xlim: tuple[float, float], ylim: tuple[float, float], n: int = 40, dtype=None):
    """A ``Grid`` of ``n x n`` points over ``xlim x ylim``, endpoints excluded like ``np.arange``.

    >>> make_grid((-2, 2), (-2, 2), n=40).points[:2]
    array([[-2. , -2. ],
           [-1.9, -2. ]], dtype=float32)
    """
    n = check_positive_int(n, "n", 2)
    (x0, x1), (y0, y1) = (map(float, xlim)), (map(float, ylim))
    if not (x0 < x1 and y0 < y1):
        raise ConfigError(f"grid limits must be increasing, got xlim={xlim}, ylim={ylim}")
    dtype = dtype or get_default_dtype()
    xs = x0 + (x1 - x0) * np.arange(n) / n
    ys = y0 + (y1 - y0) * np.arange(n) / n
    xx, yy = np.meshgrid(xs.astype(dtype), ys.astype(dtype))
    points = np.stack([xx.ravel(), yy.ravel()], axis=1)
    return Grid(points=points, xx=xx, yy=yy)


def _shape(a: np.ndarray | None) -> str:
    return "None" if a is None else f"{a.dtype}{tuple(a.shape)}"


@dataclass(frozen=True, eq=False)
class DataSplits:
    """Train / optional validation / test arrays of one dataset, returned by every loader.

    ``X_*`` hold samples (float in [0, 1], or uint8 for MNIST-format images until a
    ``DataLoader`` batch converts them); ``y_*`` hold int64 class indices; ``Y_*`` give them
    one-hot. ``input_shape`` is one sample's shape; ``bounds`` is ``(xmin, xmax, ymin, ymax)``
    for 2-D toy sets (used by ``grid()``).

    >>> from tinyprop.data import make_circles
    >>> d = make_circles(seed=0)
    >>> d.X_train.shape, d.Y_train.shape, d.n_classes
    ((200, 2), (200, 2), 2)
    >>> X_train, y_train, X_test, y_test = d.as_tuple()
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    n_classes: int = 0
    name: str = ""
    input_shape: tuple[int, ...] = ()
    classes: tuple[str, ...] = ()
    source: str = ""
    bounds: tuple[float, float, float, float] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.X_val is None) != (self.y_val is None):
            raise DataError("X_val and y_val must both be given or both be None")
        for part in ("train", "val", "test"):
            X, y = getattr(self, f"X_{part}"), getattr(self, f"y_{part}")
            if X is None:
                continue
            if len(X) != len(y):
                raise DataError(
                    f"X_{part} and y_{part} must have the same length, got {len(X)} and {len(y)}"
                )
        n_classes = self.n_classes
        if not n_classes:
            ys = [y for y in (self.y_train, self.y_val, self.y_test) if y is not None and y.size]
            n_classes = int(max(int(y.max()) for y in ys)) + 1 if ys else 0
            object.__setattr__(self, "n_classes", n_classes)
        if not self.input_shape:
            object.__setattr__(self, "input_shape", tuple(self.X_train.shape[1:]))
        if not self.classes:
            object.__setattr__(self, "classes", tuple(str(i) for i in range(n_classes)))

    def __repr__(self) -> str:
        return (
            f"DataSplits(name={self.name!r}, train={_shape(self.X_train)}, "
            f"val={_shape(self.X_val)}, test={_shape(self.X_test)}, "
            f"n_classes={self.n_classes}, source={self.source!r})"
        )

    @property
    def has_val(self) -> bool:
        """Whether a validation split is present."""
        return self.X_val is not None

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X_train, y_train)``."""
        return self.X_train, self.y_train

    @property
    def val(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(X_val, y_val)``, or ``None`` without a validation split."""
        return None if self.X_val is None else (self.X_val, self.y_val)  # type: ignore[return-value]

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X_test, y_test)``."""
        return self.X_test, self.y_test

    @property
    def Y_train(self) -> np.ndarray:
        """One-hot training targets ``(N, n_classes)`` in the default float dtype."""
        return to_one_hot(self.y_train, self.n_classes)

    @property
    def Y_val(self) -> np.ndarray | None:
        """One-hot validation targets, or ``None``."""
        return None if self.y_val is None else to_one_hot(self.y_val, self.n_classes)

    @property
    def Y_test(self) -> np.ndarray:
        """One-hot test targets ``(N, n_classes)``."""
        return to_one_hot(self.y_test, self.n_classes)

    def as_tuple(self) -> tuple[np.ndarray, ...]:
        """``(X_train, y_train, X_test, y_test)``, or with a validation split
        ``(X_train, y_train, X_val, y_val, X_test, y_test)`` (what ``return_X_y=True`` gives).

        >>> from tinyprop.data import make_xor
        >>> len(make_xor(seed=0).as_tuple()), len(make_xor(seed=0, val_size=0.2).as_tuple())
        (4, 6)
        """
        if self.X_val is None:
            return self.X_train, self.y_train, self.X_test, self.y_test
        return self.X_train, self.y_train, self.X_val, self.y_val, self.X_test, self.y_test  # type: ignore[return-value]

    def loader(self, split: str = "train", **kwargs) -> DataLoader:
        """A ``DataLoader`` over one split; kwargs go to ``DataLoader`` (``batch_size``, ...).

        Evaluation splits default to ``shuffle=False``.

        >>> from tinyprop.data import make_moons
        >>> len(make_moons(seed=0).loader("test", batch_size=50))
        4
        """
        from .loader import DataLoader

        check_choice(split, "split", ("train", "val", "test"))
        X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
        if X is None:
            raise ConfigError(
                f"{self.name!r} has no validation split; load it with val_size > 0 "
                "(e.g. val_size=0.1)"
            )
        kwargs.setdefault("shuffle", split == "train")
        return DataLoader(X, y, **kwargs)

    def grid(self, n: int = 40, margin: float = 0.5) -> Grid:
        """A ``Grid`` over the data's plane (2-D sets only): ``bounds`` if known, else the
        data's range widened by ``margin``.

        >>> from tinyprop.data import make_circles
        >>> g = make_circles(seed=0).grid(40)
        >>> g.points.shape, g.shape
        ((1600, 2), (40, 40))
        """
        if self.input_shape != (2,):
            raise DataError(
                f"grid() needs 2-D samples, {self.name!r} has input_shape {self.input_shape}; "
                "use a toy set such as make_circles()"
            )
        if self.bounds is not None:
            x0, x1, y0, y1 = self.bounds
        else:
            parts = [p for p in (self.X_train, self.X_val, self.X_test) if p is not None]
            allx = np.concatenate(parts)
            (x0, y0), (x1, y1) = allx.min(0) - margin, allx.max(0) + margin
        return make_grid((x0, x1), (y0, y1), n=n, dtype=self.X_train.dtype)


def splits_from_indices(X: np.ndarray, y: np.ndarray, indices, **fields) -> DataSplits:
    """The ``DataSplits`` of ``X`` and ``y`` at ``indices``, a ``(train, val, test)`` triple
    of index arrays as ``split_indices`` gives (an empty ``val``: no validation split);
    ``fields`` (``n_classes``, ``name``, ``source``, ...) go to ``DataSplits``.

    >>> X, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    >>> d = splits_from_indices(X, y, split_indices(5, 1, 1, None), name="demo")
    >>> d.X_train.shape, d.y_val.tolist(), d.y_test.tolist()
    ((3, 2), [1], [0])
    """
    train, val, test = indices
    has_val = len(val) > 0
    return DataSplits(
        X_train=X[train],
        y_train=y[train],
        X_test=X[test],
        y_test=y[test],
        X_val=X[val] if has_val else None,
        y_val=y[val] if has_val else None,
        **fields,
    )


def split_indices(
    n: int, test_size, val_size, rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays ``(train, val, test)`` over ``range(n)``: a shuffle by ``rng`` (or none),
    then test first, validation next, train the rest. Sizes are counts or fractions of
    ``n`` (test) and of what remains (validation).

    >>> [len(i) for i in split_indices(10, 0.2, 2, np.random.default_rng(0))]
    [6, 2, 2]
    """
    n_test = check_count(test_size, "test_size", n)
    n_val = check_count(val_size, "val_size", n - n_test)
    if n - n_test - n_val < 1:
        raise ConfigError(
            f"test_size={test_size!r} and val_size={val_size!r} leave no training samples "
            f"out of {n}; lower them"
        )
    order = np.arange(n) if rng is None else rng.permutation(n)
    test, val, train = np.split(order, [n_test, n_test + n_val])
    return train, val, test
