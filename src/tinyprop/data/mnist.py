"""MNIST and Fashion-MNIST from IDX files on disk (never downloaded implicitly).

Images stay uint8 in memory; a ``DataLoader`` batch turns them into float32 in [0, 1].
Following seed 003, the last ``val_size`` (default 10,000) images of the training file
form the validation split, without shuffling; the t10k files are the test split.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._validate import check_choice
from ..errors import DataError, TinypropTypeError
from ._validate import check_count
from .idx import DEFAULT_MAX_BYTES, read_idx
from .splits import DataSplits

MNIST_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
"""The four standard file stems; ``.gz`` and the ``train-images.idx3-ubyte`` spelling work too."""

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
"""Fashion-MNIST's class names, by label."""

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the files."""

_SUBDIRS = {"mnist": "mnist", "fashion-mnist": "fashion-mnist"}


def _variants(stem: str) -> list[str]:
    dotted = stem.replace("-idx", ".idx", 1)
    return [stem + ".gz", stem, dotted + ".gz", dotted]


def find_file(directory: str | os.PathLike, key: str) -> Path | None:
    """The file for ``key`` (``train_images``, ...) in ``directory``, any accepted spelling.

    >>> find_file("/nonexistent", "train_images") is None
    True
    """
    directory = Path(directory)
    for name in _variants(MNIST_FILES[key]):
        p = directory / name
        try:
            if p.is_file():
                return p
        except PermissionError:
            raise PermissionError(
                f"cannot look into {directory}: permission denied (on it or a parent "
                "directory); expected a readable directory holding the MNIST-format files; "
                "fix the permissions (chmod u+rx) or pass another root (--data-dir)"
            ) from None
    return None


def candidate_dirs(name: str, root: str | os.PathLike | None = None) -> list[Path]:
    """The directories searched for ``name`` (``"mnist"`` or ``"fashion-mnist"``), in order.

    With ``root``: ``root/<name>``, then ``root``. Without: ``$TINYPROP_DATA/<name>``,
    ``$TINYPROP_DATA``, ``~/.cache/tinyprop/<name>``, and for Fashion-MNIST Debian's
    ``/usr/share/datasets/fashion-mnist``.

    >>> candidate_dirs("mnist", "/data")
    [PosixPath('/data/mnist'), PosixPath('/data')]
    """
    check_choice(name, "name", _SUBDIRS)
    sub = _SUBDIRS[name]
    if root is not None:
        root = Path(root).expanduser()
        return [root / sub, root]
    dirs: list[Path] = []
    env = os.environ.get("TINYPROP_DATA")
    if env:
        dirs += [Path(env).expanduser() / sub, Path(env).expanduser()]
    dirs.append(Path.home() / ".cache" / "tinyprop" / sub)
    if name == "fashion-mnist":
        dirs.append(DEBIAN_FASHION_MNIST)
    return dirs


def find_dataset_dir(name: str, root: str | os.PathLike | None = None) -> Path | None:
    """The first candidate directory holding all four files of ``name``, or ``None``.

    >>> find_dataset_dir("mnist", "/nonexistent") is None
    True
    """
    for d in candidate_dirs(name, root):
        if all(find_file(d, key) is not None for key in MNIST_FILES):
            return d
    return None


def _why_not(d: Path) -> str:
    """Why directory ``d`` does not hold the dataset (for the not-found message)."""
    if d.is_dir():
        missing = [MNIST_FILES[k] + "[.gz]" for k in MNIST_FILES if find_file(d, k) is None]
        return "missing " + ", ".join(missing)
    if d.exists():
        return "is a file, not a directory"
    return "no such directory"


def _not_found(name: str, root) -> FileNotFoundError:
    dirs = candidate_dirs(name, root)
    reasons = [(d, _why_not(d)) for d in dirs]
    looked = "\n".join(f"  {d}: {why}" for d, why in reasons)
    if name == "fashion-mnist":
        how = (
            "run `tinyprop download fashion-mnist` (needs internet), or install Debian's "
            f"package (`apt-get install dataset-fashion-mnist`, files land in "
            f"{DEBIAN_FASHION_MNIST})"
        )
    else:
        how = "run `tinyprop download mnist` (needs internet)"
    # The first line stands alone (the CLI prints only it): what was expected, what was
    # found, and how to fix it; the lines after it detail every directory searched.
    summary = "; ".join(
        f"{d} ({why if not why.startswith('missing') else 'files missing'})" for d, why in reasons
    )
    return FileNotFoundError(
        f"{name} files not found: expected the four IDX files (train-images, train-labels, "
        f"t10k-images, t10k-labels) in one of {summary}. To get them: {how}; "
        f"or pass root=... (--data-dir) naming the directory that holds them. Looked in:\n"
        f"{looked}\n"
        "The files: train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, in "
        f"~/.cache/tinyprop/{_SUBDIRS[name]} or in $TINYPROP_DATA/{_SUBDIRS[name]}"
    )


def _read_pair(images_path: Path, labels_path: Path, max_bytes: int):
    images = read_idx(images_path, ndim=3, max_bytes=max_bytes)
    labels = read_idx(labels_path, ndim=1, max_bytes=max_bytes)
    for p, a in ((images_path, images), (labels_path, labels)):
        if a.dtype != np.uint8:
            raise DataError(
                f"{p}: expected uint8 data (IDX type 0x08), got {a.dtype}; "
                "this is not an MNIST-format file, re-download it"
            )
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} "
            "labels; they must match: the files come from different sets, re-download them"
        )
    if len(images) == 0:
        raise DataError(f"{images_path}: expected at least one image, got 0; re-download it")
    if int(labels.max()) > 9:
        raise DataError(
            f"{labels_path}: expected labels in 0..9, got max {int(labels.max())}; "
            "re-download the labels file"
        )
    return images, labels.astype(np.int64)


def load_idx_dataset(
    name: str,
    root: str | os.PathLike | None = None,
    *,
    flatten: bool = True,
    val_size=10000,
    dtype=None,
    classes: tuple[str, ...] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    return_X_y: bool = False,
):
    """Load an MNIST-format dataset (``"mnist"`` or ``"fashion-mnist"``); see ``load_mnist``."""
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TinypropTypeError(
                f"dtype must be a float dtype such as np.float32 (or None to keep uint8), "
                f"got {dtype}"
            )
    directory = find_dataset_dir(name, root)
    if directory is None:
        raise _not_found(name, root)
    paths = {k: find_file(directory, k) for k in MNIST_FILES}
    X, y = _read_pair(paths["train_images"], paths["train_labels"], max_bytes)
    X_test, y_test = _read_pair(paths["test_images"], paths["test_labels"], max_bytes)
    if X.shape[1:] != X_test.shape[1:]:
        raise DataError(
            f"train images are {X.shape[1]}x{X.shape[2]} but test images are "
            f"{X_test.shape[1]}x{X_test.shape[2]} (in {directory}); the files come from "
            "different datasets, re-download them"
        )
    n_val = check_count(val_size, "val_size", len(X) - 1)
    image_shape = tuple(X.shape[1:])
    if flatten:
        X, X_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)
    if dtype is not None:
        X, X_test = (np.true_divide(a, dtype.type(255), dtype=dtype) for a in (X, X_test))
    cut = len(X) - n_val
    splits = DataSplits(
        X_train=X[:cut],
        y_train=y[:cut],
        X_test=X_test,
        y_test=y_test,
        X_val=X[cut:] if n_val else None,
        y_val=y[cut:] if n_val else None,
        n_classes=10,
        name=name,
        input_shape=tuple(X.shape[1:]),
        classes=classes,
        source=str(directory),
        meta={"image_shape": image_shape, "files": {k: str(p) for k, p in paths.items()}},
    )
    return splits.as_tuple() if return_X_y else splits


def load_mnist(
    root: str | os.PathLike | None = None,
    *,
    flatten: bool = True,
    val_size=10000,
    dtype=None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    return_X_y: bool = False,
):
    """MNIST from the four IDX files (raw or ``.gz``) as ``DataSplits``.

    ``root=None`` searches ``$TINYPROP_DATA/mnist``, ``$TINYPROP_DATA`` and
    ``~/.cache/tinyprop/mnist`` (see ``candidate_dirs``); missing files raise
    ``FileNotFoundError`` listing every place looked. Images stay uint8, ``(N, 784)``
    (``flatten=False``: ``(N, 28, 28)``) unless ``dtype`` (e.g. ``np.float32``) asks for
    floats in [0, 1]. The last ``val_size`` training images (count or fraction; 0 for
    none) are the validation split: 50,000 / 10,000 / 10,000 by default.

    >>> d = load_mnist("~/data")  # doctest: +SKIP
    >>> d.X_train.shape, d.X_val.shape, d.X_test.shape  # doctest: +SKIP
    ((50000, 784), (10000, 784), (10000, 784))
    """
    return load_idx_dataset(
        "mnist",
        root,
        flatten=flatten,
        val_size=val_size,
        dtype=dtype,
        max_bytes=max_bytes,
        return_X_y=return_X_y,
    )


def load_fashion_mnist(
    root: str | os.PathLike | None = None,
    *,
    flatten: bool = True,
    val_size=10000,
    dtype=None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    return_X_y: bool = False,
):
    """Fashion-MNIST as ``DataSplits``; like ``load_mnist``, and ``root=None`` also searches
    ``/usr/share/datasets/fashion-mnist`` (``apt-get install dataset-fashion-mnist``).
    ``classes`` holds the ten class names.

    >>> d = load_fashion_mnist(val_size=0)  # doctest: +SKIP
    >>> d.X_train.shape, d.X_test.shape, d.classes[0]  # doctest: +SKIP
    ((60000, 784), (10000, 784), 'T-shirt/top')
    """
    return load_idx_dataset(
        "fashion-mnist",
        root,
        flatten=flatten,
        val_size=val_size,
        dtype=dtype,
        classes=FASHION_CLASSES,
        max_bytes=max_bytes,
        return_X_y=return_X_y,
    )
