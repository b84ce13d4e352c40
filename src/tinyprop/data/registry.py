"""Datasets by name, for the command line: what is available, and loading one."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from .._validate import type_error
from ..errors import ConfigError
from .digits import load_digits
from .mnist import find_dataset_dir, load_fashion_mnist, load_mnist
from .splits import DataSplits
from .toy import make_circles, make_moons, make_spiral, make_xor

DATASETS: tuple[str, ...] = (
    "digits",
    "circles",
    "moons",
    "xor",
    "spiral",
    "mnist",
    "fashion-mnist",
)
"""Every name ``load_dataset`` accepts (``_`` works for ``-``, case is ignored)."""

_DESCRIPTIONS = {
    "digits": "8x8 handwritten digits, 1,797 images, 10 classes (scikit-learn)",
    "circles": "2-D inner disc vs outer ring, 2 classes (generated)",
    "moons": "2-D interleaving half circles, 2 classes (generated)",
    "xor": "2-D XOR of four blobs, 2 classes (generated)",
    "spiral": "2-D interleaved spiral arms, 3 classes by default (generated)",
    "mnist": "28x28 handwritten digits, 60,000 + 10,000 images, 10 classes (IDX files)",
    "fashion-mnist": "28x28 clothing images, 60,000 + 10,000 images, 10 classes (IDX files)",
}


@dataclass(frozen=True)
class DatasetInfo:
    """Whether one dataset can be loaded here, and from where (or how to get it).

    >>> available_datasets()["circles"].available
    True
    """

    name: str
    available: bool
    location: str | None
    description: str
    hint: str = ""


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise type_error("dataset name", "a str", name, "pass e.g. 'digits'")
    key = name.strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    return key


def _info(name: str, data_dir) -> DatasetInfo:
    desc = _DESCRIPTIONS[name]
    if name == "digits":
        spec = importlib.util.find_spec("sklearn")
        if spec is None or not spec.submodule_search_locations:
            return DatasetInfo(
                name, False, None, desc, "pip install scikit-learn (or tinyprop[train])"
            )
        where = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
        return DatasetInfo(name, True, f"scikit-learn ({where / 'digits.csv.gz'})", desc)
    if name in ("mnist", "fashion-mnist"):
        found = find_dataset_dir(name, data_dir)
        if found is not None:
            return DatasetInfo(name, True, str(found), desc)
        hint = (
            "tinyprop download fashion-mnist, or apt-get install dataset-fashion-mnist"
            if name == "fashion-mnist"
            else "tinyprop download mnist, or put the four IDX files in ~/.cache/tinyprop/mnist"
        )
        return DatasetInfo(name, False, None, desc, hint)
    return DatasetInfo(name, True, "generated (NumPy)", desc)


def available_datasets(data_dir: str | os.PathLike | None = None) -> dict[str, DatasetInfo]:
    """``{name: DatasetInfo}`` for every name in ``DATASETS``, in that order.

    ``data_dir`` is searched for MNIST-format files like ``load_dataset`` does; nothing is
    loaded or imported (scikit-learn is only located).

    >>> {n: i.available for n, i in available_datasets().items()}["moons"]
    True
    """
    return {name: _info(name, data_dir) for name in DATASETS}


def load_dataset(
    name: str,
    data_dir: str | os.PathLike | None = None,
    seed=0,
    val_split=None,
    **kwargs,
) -> DataSplits:
    """Load a dataset by name as ``DataSplits``; ``kwargs`` go to its loader.

    ``val_split`` (a count or a fraction of the training part) becomes the loader's
    ``val_size``; ``None`` keeps the loader's default (10,000 for MNIST-format sets, none
    otherwise). ``seed`` drives generated sets and the digits shuffle; ``data_dir`` is the
    ``root`` of MNIST-format sets. Unknown names raise ``ConfigError`` (a ``ValueError``)
    listing valid ones.

    >>> load_dataset("spiral", seed=0, n_classes=4).n_classes
    4
    """
    key = _canonical(name)
    if kwargs.get("return_X_y"):
        raise ConfigError("load_dataset always returns DataSplits; call .as_tuple() for arrays")
    if val_split is not None:
        kwargs["val_size"] = val_split
    if key in ("mnist", "fashion-mnist"):
        loader = load_mnist if key == "mnist" else load_fashion_mnist
        return loader(data_dir, **kwargs)
    if key == "digits":
        return load_digits(seed=seed, **kwargs)
    maker = {"circles": make_circles, "moons": make_moons, "xor": make_xor, "spiral": make_spiral}
    return maker[key](seed=seed, **kwargs)
