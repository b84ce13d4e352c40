"""The playground's points: tinyprop's toy sets, two regression sets, and the user's CSV.

Classification uses tinyprop's own generators (``tinyprop.data``: circles, xor, moons,
spiral with two arms). tinyprop has no Gaussian-blobs generator nor 2-D regression sets,
so the two blobs (``gauss``) and the regression sets (``plane``, ``multigauss``) are
generated here, in NumPy, from the same seed. A CSV (uploaded, or ``--data FILE.csv``)
has two feature columns and a label column and is checked row by row: every problem
is a :class:`~tinyprop.errors.DataError` that names the row and column.

>>> d = make_points(Settings())
>>> d.X_train.shape, d.X_test.shape, d.problem
((250, 2), (250, 2), 'classification')
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from .settings import MAX_POINTS, Settings

MAX_CSV_BYTES = 1 << 20
"""The largest CSV the page accepts (1 MiB, about 30,000 rows of three numbers)."""


@dataclass(frozen=True)
class Points:
    """Train and test points of one problem (float32 ``X``; int64 labels for
    classification, float32 ``(n, 1)`` targets for regression) and the plane shown."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    bounds: tuple[float, float, float, float]
    problem: str
    name: str


@dataclass(frozen=True)
class Table:
    """A parsed CSV: ``(n, 2)`` points and ``(n,)`` labels (class indices 0/1 for
    classification, floats for regression), before the train/test split."""

    X: np.ndarray
    y: np.ndarray
    problem: str
    name: str
    classes: tuple = ()


# ---- generated sets ----------------------------------------------------------------------


def _sizes(s: Settings) -> tuple[int, int]:
    n_train = int(round(s.n_points * s.train_ratio))
    return n_train, s.n_points - n_train


def make_points(s: Settings, table: Table | None = None) -> Points:
    """The points ``s`` describes; ``s.dataset == "csv"`` splits ``table``."""
    if s.dataset == "csv":
        if table is None:
            raise DataError("dataset 'csv' needs an uploaded CSV file; upload one or pick "
                            "a generated dataset")
        return split_table(table, s.train_ratio, s.seed)
    n_train, n_test = _sizes(s)
    if s.dataset in ("gauss", "plane", "multigauss"):
        return _generated(s.dataset, n_train, n_test, s.noise, s.seed)
    from .. import data

    kwargs = {"n_classes": 2} if s.dataset == "spiral" else {}
    maker = {"circles": data.make_circles, "xor": data.make_xor, "moons": data.make_moons,
             "spiral": data.make_spiral}[s.dataset]
    d = maker(n_train, n_test, noise=s.noise, seed=s.seed, **kwargs)
    return Points(d.X_train, d.y_train, d.X_test, d.y_test, tuple(d.bounds),
                  "classification", s.dataset)


def _generated(name: str, n_train: int, n_test: int, noise: float, seed: int) -> Points:
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    if name == "gauss":  # two Gaussian blobs around (+-1.5, +-1.5), balanced classes
        y = np.arange(n, dtype=np.int64) % 2
        rng.shuffle(y)
        centre = np.where(y[:, None] == 1, 1.5, -1.5)
        X = centre + (0.5 + noise) * rng.standard_normal((n, 2))
        bounds = (-4.0, 4.0, -4.0, 4.0)
        t = y
    else:
        X = rng.uniform(-2.0, 2.0, (n, 2))
        if name == "plane":  # a tilted plane
            t = 0.5 * (X[:, 0] + X[:, 1])
        else:  # a sum of four Gaussian bumps of either sign
            centres = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
            signs = np.array([1.0, 1.0, -1.0, -1.0])
            d2 = ((X[:, None, :] - centres[None]) ** 2).sum(-1)
            t = (signs * np.exp(-d2 / 0.5)).sum(-1)
        t = (t + noise * rng.standard_normal(n)).astype(np.float32).reshape(-1, 1)
        bounds = (-2.0, 2.0, -2.0, 2.0)
    X = X.astype(np.float32)
    problem = "classification" if name == "gauss" else "regression"
    return Points(X[:n_train], t[:n_train], X[n_train:], t[n_train:], bounds, problem, name)


def split_table(table: Table, train_ratio: float, seed: int) -> Points:
    """A seeded shuffle of ``table``'s rows, the first ``train_ratio`` of them for training."""
    n = len(table.y)
    order = np.random.default_rng(seed).permutation(n)
    n_train = min(max(int(round(n * train_ratio)), 1), n - 1)
    X = table.X[order]
    y = table.y[order]
    if table.problem == "regression":
        y = y.astype(np.float32).reshape(-1, 1)
    return Points(X[:n_train], y[:n_train], X[n_train:], y[n_train:], _bounds(table.X),
                  table.problem, table.name)


def _bounds(X: np.ndarray) -> tuple[float, float, float, float]:
    """The points' box plus a 10 % margin (square cells are not required)."""
    lo, hi = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    pad = np.maximum((hi - lo) * 0.1, 1e-3)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


# ---- features ----------------------------------------------------------------------------

_FEATURE_FUNCS = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1sq": lambda X: X[:, 0] * X[:, 0],
    "x2sq": lambda X: X[:, 1] * X[:, 1],
    "x1x2": lambda X: X[:, 0] * X[:, 1],
    "sinx1": lambda X: np.sin(X[:, 0]),
    "sinx2": lambda X: np.sin(X[:, 1]),
}


def features(X: np.ndarray, names) -> np.ndarray:
    """The network's inputs: the named features of each point, as float32 columns.

    >>> features(np.array([[2.0, 3.0]]), ["x1", "x1x2", "x2sq"]).tolist()
    [[2.0, 6.0, 9.0]]
    """
    return np.stack([_FEATURE_FUNCS[n](X) for n in names], axis=1).astype(np.float32)


# ---- CSV ---------------------------------------------------------------------------------


def _number(text: str, row: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise DataError(f"row {row}, column {column!r}: {shown!r} is not a number; "
                        "every value must be numeric (e.g. 0.5, -1, 2e-3)") from None
    if not math.isfinite(value):
        raise DataError(f"row {row}, column {column!r} is {text.strip()!r}; the playground "
                        "needs finite numbers: remove or fill in that row")
    return value


def _rows(text: str) -> tuple[list[str], list[list[str]], int]:
    """(column names, data rows, number of the first data row): a first row that is not
    numeric is a header; without one the columns are x1, x2, label."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not rows:
        raise DataError("the CSV file is empty; give two feature columns and a label column "
                        "(x1,x2,label) with one point per row")
    try:
        [float(c) for c in rows[0][:3]]
        return ["x1", "x2", "label"], rows, 1
    except ValueError:
        return [c.strip() or f"column {i + 1}" for i, c in enumerate(rows[0])], rows[1:], 2


def parse_csv(raw: bytes, problem: str, name: str = "upload.csv") -> Table:
    """Check and parse a CSV of two feature columns and a label column.

    Refused, each with a message that names the row and column: more than
    :data:`MAX_CSV_BYTES`, text that is not UTF-8, fewer than three columns, values that
    are not numbers, NaN or infinite values, fewer than 4 or more than 5,000 rows, and for
    classification labels that are not whole numbers or that name more than two classes.

    >>> t = parse_csv(b"x1,x2,label\\n0,0,0\\n1,1,1\\n0,1,1\\n1,0,0\\n", "classification")
    >>> t.X.shape, t.y.tolist(), t.classes
    ((4, 2), [0, 1, 1, 0], (0.0, 1.0))
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise DataError(f"a CSV upload must be bytes, got {type(raw).__name__}")
    if len(raw) > MAX_CSV_BYTES:
        raise DataError(f"the CSV file is {len(raw):,} bytes, more than the "
                        f"{MAX_CSV_BYTES:,} the playground accepts; keep at most "
                        f"{MAX_POINTS:,} rows")
    try:
        text = bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"the CSV file is not UTF-8 text ({e.reason} at byte {e.start}); "
                        "save it as UTF-8 CSV") from None
    header, rows, first = _rows(text)
    if len(header) < 3:
        raise DataError(f"the CSV has {len(header)} column(s) ({', '.join(header)}); it needs "
                        "three: two feature columns and a label column (x1,x2,label)")
    columns = header[:3]
    values = np.empty((len(rows), 3), dtype=np.float64)
    for i, row in enumerate(rows):
        line = first + i
        if len(row) < 3:
            missing = ", ".join(repr(c) for c in columns[len(row):])
            raise DataError(f"row {line} has {len(row)} value(s): column(s) {missing} are "
                            "missing; every row needs x1, x2 and a label")
        for j in range(3):
            values[i, j] = _number(row[j], line, columns[j])
    n = len(values)
    if n < 4 or n > MAX_POINTS:
        raise DataError(f"the CSV has {n} data row(s); the playground needs 4 to "
                        f"{MAX_POINTS:,} points")
    X = values[:, :2].astype(np.float32)
    labels = values[:, 2]
    if problem == "regression":
        return Table(X, labels.astype(np.float32), problem, name)
    if not np.all(labels == np.round(labels)):
        row = first + int(np.argmax(labels != np.round(labels)))
        raise DataError(f"row {row}, column {columns[2]!r}: the label {labels[row - first]:g} "
                        "is not a whole number; classification needs class labels such "
                        "as 0 and 1 (choose regression for continuous targets)")
    classes = tuple(float(c) for c in np.unique(labels))
    if len(classes) > 2:
        shown = ", ".join(f"{c:g}" for c in classes[:6]) + (", ..." if len(classes) > 6 else "")
        raise DataError(f"the label column {columns[2]!r} has {len(classes)} classes "
                        f"({shown}); the playground classifies two classes: keep two labels "
                        "(e.g. 0 and 1) or choose regression")
    if len(classes) < 2:
        raise DataError(f"the label column {columns[2]!r} has one class only "
                        f"({classes[0]:g}); classification needs two")
    y = (labels == classes[1]).astype(np.int64)
    return Table(X, y, problem, name, classes)
