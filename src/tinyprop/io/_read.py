"""One way to read a file: regular files only, bounded in size, checked before reading.

Every reader in tinyprop (checkpoints, TOML configs, IDX files, the ``.npy`` and image
inputs of ``tinyprop predict``) opens its file through :func:`open_regular` or
:func:`read_regular`:

- the file is opened with ``O_NONBLOCK``, so a FIFO (named pipe) never blocks the open;
- the *opened descriptor* is checked with ``fstat`` (no race between a path check and the
  open): a directory raises ``IsADirectoryError``, a FIFO, a device (``/dev/zero``) or a
  socket raises the reader's error kind (``DataError``, ``CheckpointError``,
  ``ConfigError``), one line naming the path and what was found;
- the size is checked against a limit before a byte is read, and reading never takes
  more than the limit plus one byte (a file that grows while it is read is refused too).

Limits
------
- :func:`max_file_bytes`: files read whole (checkpoints, ``.npy`` arrays, images) and the
  arrays declared in ``.npy`` headers: half the machine's physical memory, at most
  :data:`MAX_FILE_BYTES_CAP` (64 GiB); 4 GiB where the memory size is unknown. The
  environment variable ``TINYPROP_MAX_FILE_BYTES`` (a number of bytes) overrides it.
- :data:`MAX_CONFIG_BYTES`: TOML configuration files, 1 MiB.
- :func:`max_image_pixels`: images, width x height at most :data:`MAX_IMAGE_PIXELS`
  (2**26 = 67,108,864, e.g. 8192 x 8192); ``TINYPROP_MAX_IMAGE_PIXELS`` overrides it.
- IDX files: ``read_idx(max_bytes=...)``, 2 GiB by default
  (:data:`tinyprop.data.idx.DEFAULT_MAX_BYTES`).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
>>> _ = open(path, "w").write("hello")
>>> read_regular(path, "a text file", max_bytes=100)
b'hello'
>>> try:
...     read_regular("/dev/zero", "a text file", max_bytes=100)
... except DataError as e:
...     print(e)  # doctest: +ELLIPSIS
/dev/zero: expected a text file (a regular file), found a character device; ...
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from ..errors import ConfigError, DataError

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_FILE_BYTES_CAP",
    "MAX_IMAGE_PIXELS",
    "RAISE_FILE_LIMIT",
    "max_file_bytes",
    "max_image_pixels",
    "open_regular",
    "read_bounded",
    "read_regular",
]

MAX_CONFIG_BYTES = 1 << 20
"""Largest TOML configuration file read (1 MiB)."""

MAX_FILE_BYTES_CAP = 64 << 30
"""Upper bound of the default :func:`max_file_bytes` (64 GiB)."""

MAX_IMAGE_PIXELS = 1 << 26
"""Default largest image (width x height) read as a ``predict`` input: 67,108,864 pixels."""

FILE_BYTES_ENV = "TINYPROP_MAX_FILE_BYTES"
IMAGE_PIXELS_ENV = "TINYPROP_MAX_IMAGE_PIXELS"

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _env_limit(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(
            f"environment variable {name} must be a positive integer, got {raw!r}; "
            f"unset it or set e.g. {name}={default}"
        )
    return value


def max_file_bytes() -> int:
    """The largest file (or ``.npy`` array) read whole, in bytes: ``TINYPROP_MAX_FILE_BYTES``
    if set, else half the physical memory, capped at 64 GiB (4 GiB if memory is unknown).

    >>> max_file_bytes() > 0
    True
    """
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        memory = -1
    default = min(memory // 2, MAX_FILE_BYTES_CAP) if memory > 0 else 4 << 30
    return _env_limit(FILE_BYTES_ENV, default)


def max_image_pixels() -> int:
    """The largest image read (width x height): ``TINYPROP_MAX_IMAGE_PIXELS`` if set, else
    :data:`MAX_IMAGE_PIXELS`.

    >>> max_image_pixels() == MAX_IMAGE_PIXELS or "TINYPROP_MAX_IMAGE_PIXELS" in os.environ
    True
    """
    return _env_limit(IMAGE_PIXELS_ENV, MAX_IMAGE_PIXELS)


RAISE_FILE_LIMIT = f"if the file is right, raise the limit with {FILE_BYTES_ENV}=<bytes>"
"""The fix named when a file is over :func:`max_file_bytes`."""

_SIZE_FIX = "check the path: this is not the file you meant"


def _special(path: str, what: str, mode: int, error: type) -> Exception:
    kind = next((name for test, name in _KINDS if test(mode)), f"file type {stat.S_IFMT(mode):o}")
    return error(
        f"{path}: expected {what} (a regular file), found {kind}; "
        "tinyprop reads only regular files: pass the path of the file itself"
    )


def open_regular(path, what: str, *, max_bytes: int, error: type = DataError,
                 fix: str = _SIZE_FIX) -> BinaryIO:
    """Open ``path`` for binary reading, checked to be a regular file of at most
    ``max_bytes`` bytes (see the module docstring); returns the open file.

    ``what`` names what was expected (``"a checkpoint file"``); ``error`` is the error
    kind raised for a special file or a file over the limit, and ``fix`` ends the message
    of the latter (:data:`RAISE_FILE_LIMIT` when the limit is :func:`max_file_bytes`).
    A missing or unreadable path raises the ``OSError`` of ``open`` (``FileNotFoundError``,
    ``PermissionError``), a directory ``IsADirectoryError``.
    """
    path = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno in (errno.ENXIO, errno.ENODEV, errno.EOPNOTSUPP):  # a socket, a bare device
            mode = os.stat(path).st_mode
            raise _special(path, what, mode, error) from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(
                errno.EISDIR, f"expected {what}, got a directory; name the file itself", path
            )
        if not stat.S_ISREG(info.st_mode):
            raise _special(path, what, info.st_mode, error)
        if info.st_size > max_bytes:
            raise error(
                f"{path}: expected {what} of at most {max_bytes:,} bytes, found "
                f"{info.st_size:,} bytes (over the limit); {fix}"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, what: str, *, max_bytes: int, error: type = DataError,
                 fix: str = _SIZE_FIX) -> bytes:
    """The bytes of ``path``, read through :func:`open_regular` and never more than
    ``max_bytes`` (a file that grew past the limit while it was read is refused)."""
    with open_regular(path, what, max_bytes=max_bytes, error=error, fix=fix) as f:
        data = read_bounded(f, max_bytes)
    if data is None:
        raise error(
            f"{os.fspath(path)}: expected {what} of at most {max_bytes:,} bytes, found more "
            f"while reading (the file is growing or is not a plain file); "
            f"{fix}"
        )
    return data


def read_bounded(f, max_bytes: int) -> bytes | None:
    """The rest of the open file ``f``, or ``None`` when it holds more than ``max_bytes``.

    Reads the size ``fstat`` gives plus one byte first, then in 1 MiB chunks (files whose
    size is unknown or grows), so memory never goes past ``max_bytes`` plus one chunk.
    """
    size = os.fstat(f.fileno()).st_size - f.tell()
    data = f.read(max(0, min(size, max_bytes)) + 1)
    if len(data) > size:
        buf = bytearray(data)
        while len(buf) <= max_bytes and (chunk := f.read(min(1 << 20, max_bytes + 1 - len(buf)))):
            buf += chunk
        data = bytes(buf)
    return None if len(data) > max_bytes else data
