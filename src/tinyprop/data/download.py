"""Download the four files of MNIST or Fashion-MNIST, verified by SHA-256, written
atomically (``download_dataset``, ``download_mnist``)."""

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

from .._validate import check_bool, check_choice, check_float, type_error
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

FASHION_MNIST_MIRRORS: tuple[str, ...] = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
"""Base URLs tried in order: Zalando's official mirror, then the files in its repository."""

FASHION_MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": (
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
    ),
    "train-labels-idx1-ubyte.gz": (
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
    ),
}
"""SHA-256 of Zalando's four gzipped Fashion-MNIST files (26,421,880, 29,515, 4,422,102
and 5,148 bytes). Debian's ``dataset-fashion-mnist`` ships the same compressed data with
a gzip header stripped of the file name and time, so its ``.gz`` files have other
checksums; restoring that header to each of them gives exactly these."""

_SOURCES: dict[str, tuple[tuple[str, ...], dict[str, str], str]] = {
    "mnist": (MNIST_MIRRORS, MNIST_SHA256, "load_mnist"),
    "fashion-mnist": (FASHION_MNIST_MIRRORS, FASHION_MNIST_SHA256, "load_fashion_mnist"),
}

DOWNLOADABLE: tuple[str, ...] = tuple(_SOURCES)
"""The dataset names ``download_dataset`` accepts."""

MAX_DOWNLOAD_BYTES = 64 << 20
"""A download is cut off past this size (the largest file, Fashion-MNIST's training
images, is about 25 MiB)."""

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
                "mirror, or pass a larger deadline= (seconds per file)"
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
                    raise OSError(f"response larger than {max_bytes:,} bytes; not a dataset file")
                h.update(block)
                out.write(block)
        watch.check()  # a read that the deadline ended looks like the end of the body
    except Exception:
        watch.check()  # whatever the deadline broke, report the deadline
        raise
    finally:
        watch.cancel()
    return h.hexdigest()


def _check_mirrors(mirrors: Iterable[str] | None, default: Iterable[str]) -> list[str]:
    if mirrors is None:
        return list(default)
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
    return _download("mnist", root, mirrors, (timeout, deadline), force, checksums)


def download_dataset(
    name: str,
    root: str | os.PathLike | None = None,
    *,
    mirrors: Iterable[str] | None = None,
    timeout: float = 30.0,
    deadline: float = DEFAULT_DEADLINE,
    force: bool = False,
    checksums: Mapping[str, str] | None = None,
) -> Path:
    """Download the four ``.gz`` files of ``name`` (``"mnist"`` or ``"fashion-mnist"``;
    ``_`` works for ``-``, case is ignored) to where the loaders look; return the directory.

    The files go to ``root/<name>`` (``root`` as in ``load_dataset(name, data_dir=root)``
    and ``--data-dir``), by default ``$TINYPROP_DATA/<name>``, else
    ``~/.cache/tinyprop/<name>``. ``mirrors`` defaults to ``MNIST_MIRRORS`` or
    ``FASHION_MNIST_MIRRORS``, ``checksums`` to ``MNIST_SHA256`` or
    ``FASHION_MNIST_SHA256``; ``timeout``, ``deadline`` and ``force`` are as in
    :func:`download_mnist`, and so are the atomic writes and the ``DownloadError``.

    >>> load_fashion_mnist(download_dataset("fashion-mnist"))  # doctest: +SKIP
    """
    if not isinstance(name, str):
        raise type_error("name", "a dataset name (str)", name,
                         f"pass one of {', '.join(DOWNLOADABLE)}")
    key = name.strip().lower().replace("_", "-")
    check_choice(key, "name", DOWNLOADABLE, fix=f"pass one of {', '.join(DOWNLOADABLE)}")
    directory = (Path(root).expanduser() / key) if root is not None else default_data_dir(key)
    return _download(key, directory, mirrors, (timeout, deadline), force, checksums)


def _download(name: str, root: Path, mirrors, limits: tuple, force: bool, checksums) -> Path:
    """Fetch the files of dataset ``name`` into ``root``; see ``download_dataset``."""
    default_mirrors, default_sums, _ = _SOURCES[name]
    bases = _check_mirrors(mirrors, default_mirrors)
    timeout, deadline = limits
    timeout = check_float(timeout, "timeout", low=0, closed="neither", fix="pass e.g. timeout=30")
    deadline = check_float(deadline, "deadline", low=0, closed="neither",
                           fix="pass e.g. deadline=300 (seconds per file)")
    force = check_bool(force, "force")
    sums = dict(default_sums if checksums is None else checksums)
    if set(sums) != set(default_sums):
        raise ConfigError(
            f"checksums must have exactly the keys {sorted(default_sums)}, got {sorted(sums)}"
        )
    root.mkdir(parents=True, exist_ok=True)
    for file, expected in sums.items():
        dest = root / file
        if not force and dest.is_file() and _sha256_file(dest) == expected:
            continue
        _download_file(name, file, expected, bases, root, (timeout, deadline))
    return root


def _download_file(dataset: str, name, expected, bases, root: Path, limits: tuple) -> None:
    """Fetch ``name`` from the first mirror that serves it intact, else DownloadError."""
    errors: list[str] = []
    for base in bases:
        if _try_mirror(base + name, name, expected, root, limits, errors):
            return
    tried = "\n".join(f"  {e}" for e in errors)
    label = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}[dataset]
    raise DownloadError(
        f"could not download {name}; tried:\n{tried}\n"
        f"Fix: check the internet connection, or download the four {label} files "
        f"({', '.join(_SOURCES[dataset][1])}) by hand and put them in {root} "
        f"(or in $TINYPROP_DATA/{dataset}, or ~/.cache/tinyprop/{dataset}), then call "
        f"{_SOURCES[dataset][2]}({str(root)!r})"
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
