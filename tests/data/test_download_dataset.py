"""download_dataset (``tinyprop download``) against local addresses only: a refused port
and a local http.server serving small MNIST-format files."""

from __future__ import annotations

import hashlib

import pytest

from tinyprop.data import (
    DOWNLOADABLE,
    FASHION_MNIST_MIRRORS,
    FASHION_MNIST_SHA256,
    MNIST_SHA256,
    DownloadError,
    download_dataset,
    find_dataset_dir,
    load_fashion_mnist,
    load_mnist,
)

REFUSED = "http://127.0.0.1:9/"  # discard port: nothing listens, the connection is refused


pytestmark = pytest.mark.usefixtures("no_proxy")


@pytest.fixture
def served(serve, mnist_writer):
    """Small MNIST-format files served on 127.0.0.1; yields (base URL, their checksums)."""
    directory, base = serve
    mnist_writer(directory, n_train=20, n_test=10)
    sums = {n: hashlib.sha256((directory / n).read_bytes()).hexdigest() for n in MNIST_SHA256}
    return base, sums


def test_fashion_mnist_lands_where_the_loader_looks(tmp_path, served):
    url, sums = served
    out = download_dataset("fashion-mnist", mirrors=[REFUSED, url], timeout=5, checksums=sums)
    assert out == tmp_path / "home" / ".cache" / "tinyprop" / "fashion-mnist"
    assert sorted(p.name for p in out.iterdir()) == sorted(FASHION_MNIST_SHA256)
    assert find_dataset_dir("fashion-mnist") == out
    d = load_fashion_mnist(val_size=5)
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (15, 5, 10)
    assert d.source == str(out) and d.classes[0] == "T-shirt/top"
    # Already there with the right checksums: nothing is fetched.
    assert download_dataset("fashion_mnist", mirrors=[REFUSED], checksums=sums) == out


def test_root_and_tinyprop_data(tmp_path, served, monkeypatch):
    url, sums = served
    root = tmp_path / "my-data"
    out = download_dataset("mnist", root, mirrors=url, timeout=5, checksums=sums)
    assert out == root / "mnist"
    assert find_dataset_dir("mnist", root) == out  # what --data-dir searches first
    assert load_mnist(root, val_size=0).source == str(out)
    monkeypatch.setenv("TINYPROP_DATA", str(tmp_path / "env"))
    out = download_dataset("Fashion-MNIST", mirrors=[url], timeout=5, checksums=sums)
    assert out == tmp_path / "env" / "fashion-mnist"
    assert load_fashion_mnist(val_size=0).source == str(out)


def test_offline_failure_names_the_dataset(tmp_path):
    with pytest.raises(DownloadError) as info:
        download_dataset("fashion-mnist", tmp_path, mirrors=[REFUSED], timeout=5)
    msg = str(info.value)
    assert REFUSED + "train-images-idx3-ubyte.gz" in msg
    assert "four Fashion-MNIST files" in msg and "load_fashion_mnist(" in msg
    assert str(tmp_path / "fashion-mnist") in msg
    assert list((tmp_path / "fashion-mnist").iterdir()) == []  # nothing half-written


def test_checksum_mismatch_is_rejected(tmp_path, served):
    url, _ = served
    with pytest.raises(DownloadError, match="sha256 mismatch, expected 3aede38d"):
        download_dataset("fashion-mnist", tmp_path, mirrors=[url], timeout=5)
    assert list((tmp_path / "fashion-mnist").iterdir()) == []


def test_known_sources():
    assert DOWNLOADABLE == ("mnist", "fashion-mnist")
    assert FASHION_MNIST_MIRRORS[0] == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    assert set(FASHION_MNIST_SHA256) == set(MNIST_SHA256)
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in FASHION_MNIST_SHA256.values())


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="digits"):
        download_dataset("digits", tmp_path)
    with pytest.raises(TypeError, match="dataset name"):
        download_dataset(3, tmp_path)
    with pytest.raises(ValueError, match="http:// or https://"):
        download_dataset("fashion-mnist", tmp_path, mirrors=["file:///etc/"])
    with pytest.raises(ValueError, match="checksums must have exactly the keys"):
        download_dataset("mnist", tmp_path, mirrors=[REFUSED], checksums={"a.gz": "0"})
    with pytest.raises(TypeError, match="force"):
        download_dataset("mnist", tmp_path, mirrors=[REFUSED], force="yes")
