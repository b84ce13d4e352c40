"""Datasets and the ``DataLoader``.

Every loader returns ``DataSplits`` (``X_train, y_train, X_test, y_test`` and an optional
validation split; ``return_X_y=True`` gives the arrays as a tuple):

- ``load_digits``: scikit-learn's 8x8 digits, scaled to [0, 1];
- ``make_circles``, ``make_moons``, ``make_xor``, ``make_spiral``: seeded 2-D toy sets;
- ``load_mnist``, ``load_fashion_mnist``: IDX files on disk, kept uint8 until batched;
- ``download_dataset(name)`` (``download_mnist``): fetch those files where the loaders look;
- ``load_dataset(name)`` / ``available_datasets()``: by name, for the command line.

>>> from tinyprop.data import DataLoader, make_circles
>>> d = make_circles(seed=0)
>>> for Xb, yb in DataLoader(d.X_train, d.y_train, batch_size=10, seed=0):
...     pass
"""

from .digits import load_digits
from .download import (
    DOWNLOADABLE,
    FASHION_MNIST_MIRRORS,
    FASHION_MNIST_SHA256,
    MNIST_MIRRORS,
    MNIST_SHA256,
    DownloadError,
    default_data_dir,
    download_dataset,
    download_mnist,
)
from .idx import read_idx, write_idx
from .loader import DataLoader
from .mnist import (
    FASHION_CLASSES,
    MNIST_FILES,
    candidate_dirs,
    find_dataset_dir,
    load_fashion_mnist,
    load_mnist,
)
from .registry import DATASETS, DatasetInfo, available_datasets, load_dataset
from .splits import DataSplits, Grid, make_grid, to_one_hot
from .toy import make_circles, make_moons, make_spiral, make_xor

__all__ = [
    "DATASETS",
    "DOWNLOADABLE",
    "FASHION_MNIST_MIRRORS",
    "FASHION_MNIST_SHA256",
    "FASHION_CLASSES",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "MNIST_SHA256",
    "DataLoader",
    "DataSplits",
    "DatasetInfo",
    "DownloadError",
    "Grid",
    "available_datasets",
    "candidate_dirs",
    "default_data_dir",
    "download_dataset",
    "download_mnist",
    "find_dataset_dir",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "make_circles",
    "make_grid",
    "make_moons",
    "make_spiral",
    "make_xor",
    "read_idx",
    "to_one_hot",
    "write_idx",
]
