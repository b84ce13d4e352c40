"""Download the four MNIST files, verified by SHA-256, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import tempfile
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from .._validate import check_float
from ..errors import ConfigError, TinypropError

MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
"""Base URLs tried in order (PyTorch's and TensorFlow's mirrors of LeCun's files)."""

MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
}
"""SHA-256 of the four original gzipped MNIST files."""

MAX_DOWNLOAD_BYTES = 64 << 20
"""A download is cut off past this size (the largest MNIST file is about 9.5 MiB)."""

DEFAULT_DEADLINE = 300.0
"""Seconds one file may take from one mirror, all told (connection, headers, body)."""


class DownloadError(TinypropError, OSError):
    """Every mirror failed for a file; the message lists each URL, its error and the fix.

    A :class:`~tinyprop.errors.TinypropError` and an ``OSError``.

    >>> try:
    ...     raise DownloadError("could not download train-labels-idx1-ubyte.gz")
    ... except OSError as e:
    ...     print(type(e).__name__, e)
    DownloadError could not download train-labels-idx1-ubyte.gz
    """


def default_data_dir(name: str = "mnist") -> Path:
    """``$TINYPROP_DATA/<name>`` when ``TINYPROP_DATA`` is set, else ``~/.cache/tinyprop/<name>``.

    >>> default_data_dir("mnist").name
    'mnist'
    """
    env = os.environ.get("TINYPROP_DATA")
    base = Path(env).expanduser() if env else Path.home() / ".cache" / "tinyprop"
    return base / name


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Deadline:
    """The overall deadline of one download: when it passes, the sockets of the download's
    connections are shut down, which ends any read or header wait blocked on them."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.received = 0
        self._lock = threading.Lock()
        self._connections: list = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _shut(self, conn) -> None:
        sock = getattr(conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError, ValueError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for conn in self._connections:
                self._shut(conn)

    def connection_class(self, base):
        """``base`` (an ``http.client`` connection class) whose sockets this deadline ends."""
        deadline = self

        class Connection(base):
            def connect(self) -> None:
                super().connect()
                with deadline._lock:
                    deadline._connections.append(self)
                    if deadline.expired:
                        deadline._shut(self)

        return Connection

    def check(self) -> None:
        if self.expired:
            raise TimeoutError(
                f"gave up after the overall deadline of {self.seconds:g} s per file "
                f"({self.received:,} bytes received); the server is too slow: try another "
                "mirror, or pass a larger deadline= (download_mnist(deadline=...))"
            )

    def cancel(self) -> None:
        self._timer.cancel()


def _opener(deadline: _Deadline):
    """A urllib opener whose HTTP(S) connections end when ``deadline`` passes."""
    import http.client
    import urllib.request

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(deadline.connection_class(http.client.HTTPConnection), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            conn = deadline.connection_class(http.client.HTTPSConnection)
            return self.do_open(conn, req, context=self._context)

    return urllib.request.build_opener(HTTPHandler(), HTTPSHandler())


def _fetch(url: str, out: BinaryIO, timeout: float, deadline: float,
           max_bytes: int = MAX_DOWNLOAD_BYTES) -> str:
    """Stream ``url`` into ``out``; return the SHA-256 hex digest of what was written.

    ``timeout`` bounds each socket operation, ``deadline`` the whole transfer (headers and
    body): past it, ``TimeoutError``."""
    watch = _Deadline(deadline)
    h = hashlib.sha256()
    try:
        with _opener(watch).open(url, timeout=timeout) as response:
            while block := response.read1(1 << 16):  # what arrived, not a full 64 KiB
                watch.check()
                watch.received += len(block)
                if watch.received > max_bytes:
                    raise OSError(f"response larger than {max_bytes:,} bytes; not an MNIST file")
                h.update(block)
                out.write(block)
        watch.check()  # a read that the deadline ended looks like the end of the body
    except Exception:
        watch.check()  # whatever the deadline broke, report the deadline
        raise
    finally:
        watch.cancel()
    return h.hexdigest()


def _check_mirrors(mirrors: Iterable[str] | None) -> list[str]:
    if mirrors is None:
        return list(MNIST_MIRRORS)
    if isinstance(mirrors, str):
        mirrors = [mirrors]
    out = []
    for m in mirrors:
        scheme = urllib.parse.urlsplit(str(m)).scheme
        if scheme not in ("http", "https"):
            raise ConfigError(
                f"mirror URLs must start with http:// or https://, got {m!r}; "
                "for local files copy them into the data directory instead"
            )
        out.append(str(m) if str(m).endswith("/") else str(m) + "/")
    if not out:
        raise ConfigError("mirrors must name at least one base URL, got an empty list")
    return out


def download_mnist(
    root: str | os.PathLike | None = None,
    *,
    mirrors: Iterable[str] | None = None,
    timeout: float = 30.0,
    deadline: float = DEFAULT_DEADLINE,
    force: bool = False,
    checksums: Mapping[str, str] | None = None,
) -> Path:
    """Download the four MNIST ``.gz`` files into ``root`` (default ``default_data_dir()``).

    Each file goes to a temp file, is checked against ``checksums`` (default
    ``MNIST_SHA256``), then renamed into place; files already there with the right checksum
    are kept unless ``force``. ``mirrors`` (base URLs) are tried in order. If every mirror
    fails for a file, ``DownloadError`` (an ``OSError``) lists each URL and error and says
    where to put the files by hand. Returns the directory, ready for ``load_mnist(root)``.

    ``timeout`` (seconds) bounds each network operation (connecting, each read);
    ``deadline`` (seconds, default 300) bounds the whole download of one file from one
    mirror, however the server drips its bytes: past it that mirror counts as failed.

    >>> load_mnist(download_mnist())  # doctest: +SKIP
    """
    root = Path(root).expanduser() if root is not None else default_data_dir("mnist")
    bases = _check_mirrors(mirrors)
    timeout = check_float(timeout, "timeout", low=0, closed="neither", fix="pass e.g. timeout=30")
    deadline = check_float(deadline, "deadline", low=0, closed="neither",
                           fix="pass e.g. deadline=300 (seconds per file)")
    sums = dict(MNIST_SHA256 if checksums is None else checksums)
    if set(sums) != set(MNIST_SHA256):
        raise ConfigError(
            f"checksums must have exactly the keys {sorted(MNIST_SHA256)}, got {sorted(sums)}"
        )
    root.mkdir(parents=True, exist_ok=True)
    for name, expected in sums.items():
        dest = root / name
        if not force and dest.is_file() and _sha256_file(dest) == expected:
            continue
        _download_file(name, expected, bases, root, (timeout, deadline), sums)
    return root


def _download_file(name, expected, bases, root: Path, limits: tuple, sums) -> None:
    """Fetch ``name`` from the first mirror that serves it intact, else DownloadError."""
    errors: list[str] = []
    for base in bases:
        if _try_mirror(base + name, name, expected, root, limits, errors):
            return
    tried = "\n".join(f"  {e}" for e in errors)
    raise DownloadError(
        f"could not download {name}; tried:\n{tried}\n"
        f"Fix: check the internet connection, or download the four MNIST files "
        f"({', '.join(sums)}) by hand and put them in {root} "
        "(or in $TINYPROP_DATA/mnist, or ~/.cache/tinyprop/mnist), then call "
        f"load_mnist({str(root)!r})"
    )


def _try_mirror(url, name, expected, root: Path, limits: tuple, errors: list) -> bool:
    """Download ``url`` via a temp file into ``root / name``; True if it arrived with
    the ``expected`` SHA-256, else append the failure to ``errors`` and return False."""
    import http.client

    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=root)
    try:
        with os.fdopen(fd, "wb") as f:
            got = _fetch(url, f, *limits)  # limits: (timeout, deadline)
            f.flush()
            os.fsync(f.fileno())
        if got != expected:
            errors.append(f"{url}: sha256 mismatch, expected {expected}, got {got}")
            return False
        os.replace(tmp, root / name)
        return True
    except (OSError, http.client.HTTPException, ValueError) as err:
        errors.append(f"{url}: {type(err).__name__}: {err}")
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
