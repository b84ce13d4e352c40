"""MNIST-format loaders on small IDX files written by the tests, and real Fashion-MNIST."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tinyprop.data import (
    DataLoader,
    candidate_dirs,
    load_fashion_mnist,
    load_mnist,
    write_idx,
)
from tinyprop.data.mnist import DEBIAN_FASHION_MNIST


def test_load_mnist_split_like_seed_003(mnist_dir) -> None:
    root, arrays = mnist_dir
    d = load_mnist(root, val_size=20)
    assert (d.X_train.shape, d.X_val.shape, d.X_test.shape) == ((100, 784), (20, 784), (30, 784))
    assert d.X_train.dtype == np.uint8 and d.y_train.dtype == np.int64
    flat = arrays["train_images"].reshape(120, -1)
    np.testing.assert_array_equal(d.X_train, flat[:100])  # the first 100, unshuffled
    np.testing.assert_array_equal(d.X_val, flat[100:])  # the last val_size
    np.testing.assert_array_equal(d.y_val, arrays["train_labels"][100:])
    np.testing.assert_array_equal(d.X_test, arrays["test_images"].reshape(30, -1))
    assert d.n_classes == 10 and d.input_shape == (784,) and d.name == "mnist"
    assert d.source == str(root)


def test_load_mnist_options(mnist_dir) -> None:
    root, arrays = mnist_dir
    d = load_mnist(root, val_size=0, flatten=False)
    assert d.X_val is None and d.X_train.shape == (120, 28, 28) and d.input_shape == (28, 28)
    f = load_mnist(root, val_size=0.25, dtype=np.float32)
    assert f.X_train.shape == (90, 784) and f.X_val.shape == (30, 784)
    assert f.X_train.dtype == np.float32 and f.X_train.min() >= 0 and f.X_train.max() <= 1
    np.testing.assert_allclose(f.X_test * 255, arrays["test_images"].reshape(30, -1), atol=1e-4)
    Xtr, ytr, Xva, yva, Xte, yte = load_mnist(root, val_size=10, return_X_y=True)
    assert len(Xtr) == 110 and len(Xva) == 10 and len(Xte) == 30
    with pytest.raises(ValueError, match="val_size must be a count between 0 and 119"):
        load_mnist(root, val_size=120)
    with pytest.raises(TypeError, match="float dtype"):
        load_mnist(root, dtype=np.int32)


def test_default_val_size_is_10000(tmp_path: Path, mnist_writer) -> None:
    mnist_writer(tmp_path, n_train=10050, n_test=5)
    d = load_mnist(tmp_path)
    assert len(d.X_train) == 50 and len(d.X_val) == 10000


def test_raw_and_dotted_file_names(tmp_path: Path, mnist_writer) -> None:
    mnist_writer(tmp_path, gz=False)
    assert load_mnist(tmp_path, val_size=0).X_train.shape == (120, 784)
    for p in tmp_path.iterdir():
        p.rename(p.with_name(p.name.replace("-idx", ".idx")))
    assert load_mnist(tmp_path, val_size=0).X_test.shape == (30, 784)


def test_batches_are_float_in_unit_range(mnist_dir) -> None:
    root, arrays = mnist_dir
    d = load_mnist(root, val_size=0)
    Xb, yb = next(iter(DataLoader(d.X_train, d.y_train, batch_size=16, shuffle=False)))
    assert Xb.dtype == np.float32 and Xb.shape == (16, 784)
    np.testing.assert_array_equal(Xb, arrays["train_images"][:16].reshape(16, -1) / np.float32(255))


def test_search_order_env_and_cache(tmp_path: Path, monkeypatch, mnist_writer) -> None:
    home = Path(os.environ["HOME"])
    mnist_writer(home / ".cache" / "tinyprop" / "mnist", n_train=12, n_test=3)
    assert load_mnist(val_size=0).source == str(home / ".cache" / "tinyprop" / "mnist")
    env = tmp_path / "env"
    mnist_writer(env, n_train=14, n_test=3)  # files directly in $TINYPROP_DATA
    monkeypatch.setenv("TINYPROP_DATA", str(env))
    assert len(load_mnist(val_size=0).X_train) == 14
    mnist_writer(env / "mnist", n_train=16, n_test=3)  # its mnist/ subfolder wins
    assert len(load_mnist(val_size=0).X_train) == 16
    assert candidate_dirs("mnist") == [env / "mnist", env, home / ".cache/tinyprop/mnist"]
    assert candidate_dirs("fashion-mnist")[-1] == DEBIAN_FASHION_MNIST


def test_missing_files_message(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TINYPROP_DATA", str(tmp_path / "env"))
    (tmp_path / "env").mkdir()
    write_idx(tmp_path / "env" / "train-images-idx3-ubyte.gz", np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist()
    msg = str(info.value)
    for place in candidate_dirs("mnist"):
        assert str(place) in msg
    assert "missing train-labels-idx1-ubyte[.gz]" in msg
    assert "tinyprop download mnist" in msg and "TINYPROP_DATA" in msg
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path / "nowhere")


def _replace(root: Path, stem: str, arr: np.ndarray) -> None:
    write_idx(root / f"{stem}.gz", arr)


@pytest.mark.parametrize(
    ("stem", "arr", "pattern"),
    [
        ("train-labels-idx1-ubyte", np.full(120, 10, np.uint8), "labels in 0..9, got max 10"),
        ("train-labels-idx1-ubyte", np.zeros(119, np.uint8), "120 images but .* 119 labels"),
        ("t10k-images-idx3-ubyte", np.zeros((30, 27, 28), np.uint8), "28x28 but test .*27x28"),
        ("train-images-idx3-ubyte", np.zeros((120, 784), np.uint8), r"3 dimension\(s\), got 2"),
        ("train-labels-idx1-ubyte", np.zeros(120, np.int32), "expected uint8 data"),
        ("t10k-images-idx3-ubyte", np.zeros((0, 28, 28), np.uint8), "at least one image"),
    ],
)
def test_inconsistent_files(mnist_dir, stem: str, arr: np.ndarray, pattern: str) -> None:
    root, _ = mnist_dir
    _replace(root, stem, arr)
    if stem.startswith("t10k-images") and arr.shape[0] == 0:
        _replace(root, "t10k-labels-idx1-ubyte", np.zeros(0, np.uint8))
    with pytest.raises(ValueError, match=pattern) as info:
        load_mnist(root)
    assert "download" in str(info.value) or "swapped" in str(info.value)


def test_corrupt_file_names_the_file(mnist_dir) -> None:
    root, _ = mnist_dir
    path = root / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(root)


@pytest.fixture(scope="module")
def fashion():
    return load_fashion_mnist(DEBIAN_FASHION_MNIST, val_size=0)


@pytest.mark.requires_tool("fashion-mnist")
def test_fashion_mnist_from_debian_package(fashion) -> None:
    d = fashion
    assert d.X_train.shape == (60000, 784) and d.X_test.shape == (10000, 784)
    assert d.X_train.dtype == np.uint8 and d.y_train.dtype == np.int64
    assert d.y_train.min() == 0 and d.y_train.max() == 9
    np.testing.assert_array_equal(np.bincount(d.y_test), np.full(10, 1000))
    assert d.classes[0] == "T-shirt/top" and d.classes[9] == "Ankle boot"
    assert d.X_train.max() == 255


@pytest.mark.requires_tool("fashion-mnist")
def test_fashion_mnist_default_search_finds_debian(fashion) -> None:
    d = load_fashion_mnist()  # HOME and TINYPROP_DATA point nowhere: Debian's folder
    assert d.source == str(DEBIAN_FASHION_MNIST)
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (50000, 10000, 10000)
