"""Datasets by name: available_datasets() and load_dataset()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinyprop.data import DATASETS, DataSplits, available_datasets, load_dataset


def test_available_datasets(tmp_path: Path, mnist_writer) -> None:
    info = available_datasets(tmp_path)
    assert list(info) == list(DATASETS)
    assert info["circles"].available and info["circles"].location == "generated (NumPy)"
    assert info["digits"].available and "digits.csv.gz" in info["digits"].location
    assert not info["mnist"].available and "tinyprop download mnist" in info["mnist"].hint
    mnist_writer(tmp_path / "mnist", n_train=11, n_test=2)
    found = available_datasets(tmp_path)["mnist"]
    assert found.available and found.location == str(tmp_path / "mnist")


@pytest.mark.parametrize("name", ["digits", "circles", "moons", "xor", "spiral"])
def test_load_dataset_builtin(name: str) -> None:
    d = load_dataset(name, seed=1, val_split=0.1)
    assert isinstance(d, DataSplits) and d.name == name and d.has_val
    np.testing.assert_array_equal(d.X_train, load_dataset(name, seed=1, val_split=0.1).X_train)
    assert load_dataset(name).X_val is None


def test_load_dataset_mnist_names_and_kwargs(tmp_path: Path, mnist_writer) -> None:
    mnist_writer(tmp_path / "mnist", n_train=30, n_test=4)
    d = load_dataset("MNIST", data_dir=tmp_path, val_split=10, flatten=False)
    assert d.X_train.shape == (20, 28, 28) and d.X_val.shape == (10, 28, 28)
    with pytest.raises(ValueError, match="val_size must be a count between 0 and 29"):
        load_dataset("mnist", data_dir=tmp_path)  # default 10,000 is too many here
    with pytest.raises(FileNotFoundError, match="fashion-mnist files not found"):
        load_dataset("fashion_mnist", data_dir=tmp_path / "none")
    assert load_dataset("spiral", n_classes=5).n_classes == 5


def test_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'cifar'; expected one of digits, circ"):
        load_dataset("cifar")
    with pytest.raises(TypeError, match="name must be a str"):
        load_dataset(3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        load_dataset("moons", bogus=1)
