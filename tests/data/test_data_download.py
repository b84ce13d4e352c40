"""download_mnist against local addresses only: refused port, a local http.server."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from tinyprop.data import MNIST_SHA256, DownloadError, download_mnist, load_mnist

REFUSED = "http://127.0.0.1:9/"  # discard port: nothing listens, the connection is refused


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure urllib talks to 127.0.0.1 directly, never through a proxy."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve(tmp_path: Path):
    """Serve a directory on 127.0.0.1 (random port); yields (directory, base URL)."""
    directory = tmp_path / "served"
    directory.mkdir()
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield directory, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


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
