"""download_mnist against local addresses only: refused port, a local http.server."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tinyprop.data import MNIST_SHA256, DownloadError, download_mnist, load_mnist

REFUSED = "http://127.0.0.1:9/"  # discard port: nothing listens, the connection is refused


pytestmark = pytest.mark.usefixtures("no_proxy")


def test_offline_failure_message(tmp_path: Path) -> None:
    root = tmp_path / "mnist"
    with pytest.raises(DownloadError) as info:
        download_mnist(root, mirrors=[REFUSED], timeout=5)
    assert isinstance(info.value, OSError)
    msg = str(info.value)
    assert REFUSED + "train-images-idx3-ubyte.gz" in msg
    assert "refused" in msg.lower()
    assert str(root) in msg and "by hand" in msg
    assert list(root.iterdir()) == []  # nothing half-written


def test_sha256_mismatch_is_rejected(tmp_path: Path, serve) -> None:
    served, url = serve
    for name in MNIST_SHA256:
        (served / name).write_bytes(b"not mnist")
    root = tmp_path / "mnist"
    with pytest.raises(DownloadError) as info:
        download_mnist(root, mirrors=[url], timeout=5)
    msg = str(info.value)
    expected = MNIST_SHA256["train-images-idx3-ubyte.gz"]
    assert (
        f"sha256 mismatch, expected {expected}, got {hashlib.sha256(b'not mnist').hexdigest()}"
        in msg
    )
    assert list(root.iterdir()) == []


def test_download_falls_back_verifies_and_loads(tmp_path: Path, serve, mnist_writer) -> None:
    served, url = serve
    mnist_writer(served, n_train=20, n_test=10)
    sums = {n: hashlib.sha256((served / n).read_bytes()).hexdigest() for n in MNIST_SHA256}
    root = tmp_path / "mnist"
    out = download_mnist(root, mirrors=[REFUSED, url], timeout=5, checksums=sums)
    assert out == root
    assert sorted(p.name for p in root.iterdir()) == sorted(MNIST_SHA256)
    d = load_mnist(root, val_size=5)
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (15, 5, 10)
    # Already there with the right checksum: nothing is fetched (the mirror is unreachable).
    assert download_mnist(root, mirrors=[REFUSED], checksums=sums) == root
    with pytest.raises(DownloadError):
        download_mnist(root, mirrors=[REFUSED], checksums=sums, force=True)
    assert load_mnist(root, val_size=5).X_test.shape == (10, 784)  # old files intact


def test_default_root_uses_tinyprop_data(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TINYPROP_DATA", str(tmp_path / "env"))
    with pytest.raises(DownloadError, match=str(tmp_path / "env" / "mnist")):
        download_mnist(mirrors=REFUSED, timeout=5)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        download_mnist(tmp_path, mirrors=["file:///etc/"])
    with pytest.raises(ValueError, match="at least one base URL"):
        download_mnist(tmp_path, mirrors=[])
    with pytest.raises(ValueError, match="checksums must have exactly the keys"):
        download_mnist(tmp_path, mirrors=[REFUSED], checksums={"a.gz": "0"})
