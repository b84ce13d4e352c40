"""One process per run directory: a lock file inside it, held with ``fcntl.flock``.

The lock file (``.tinyprop.lock``) holds the holder's pid and host; a second process is
refused with a :class:`~tinyprop.errors.RunError` naming them. The lock is taken before
anything of a run is read for ``--resume`` and when ``--out`` is created (whoever holds it
must still find ``--out`` empty, so only one process creates a run there). Without
``fcntl`` (Windows) the lock file is created with ``O_EXCL`` instead. The file is opened with
``O_NOFOLLOW`` (a symlink in its place is refused) and removed when the lock is released;
one left behind by a killed process holds no lock and is simply taken over.

>>> import tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> with RunLock.acquire(d):
...     try:
...         RunLock.acquire(d)
...     except RunError as e:
...         print(str(e).split(" is in use")[0] == f"run directory {d}")
True
>>> list(d.iterdir())
[]
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from pathlib import Path

from ..errors import RunError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, O_EXCL only
    fcntl = None

LOCK_NAME = ".tinyprop.lock"
_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        if text:
            return text
    return "another process"


def _open(path: Path, run_dir: Path) -> int:
    exclusive = os.O_EXCL if fcntl is None else 0
    try:
        return os.open(path, _FLAGS | exclusive, 0o644)
    except FileExistsError:
        raise RunError(
            f"run directory {run_dir} is in use by another process (lock file {path}); wait "
            "until that process ends (or remove the file if none is running)"
        ) from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise RunError(f"{path} is a symbolic link; tinyprop never writes through links: "
                           "remove it and try again") from None
        raise


class RunLock:
    """The lock of one run directory, held by this process until :meth:`release`."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd, self.path = fd, path

    @classmethod
    def acquire(cls, run_dir) -> RunLock:
        """Take the lock of ``run_dir`` (an existing directory) or raise ``RunError``
        naming the holder."""
        run_dir = Path(run_dir)
        path = run_dir / LOCK_NAME
        while True:
            fd = _open(path, run_dir)
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    holder = _holder(fd)
                    os.close(fd)
                    raise RunError(
                        f"run directory {run_dir} is in use by {holder} (lock file {path}); "
                        "wait until that process ends, or stop it"
                    ) from None
            try:  # a holder that released meanwhile unlinked the file we opened: retry
                same = os.path.samestat(os.fstat(fd), os.lstat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on host {socket.gethostname()}\n".encode(), 0)
        return cls(fd, path)

    def release(self) -> None:
        """Remove the lock file and let go of the lock (idempotent)."""
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            if os.path.samestat(os.fstat(self.fd), os.lstat(self.path)):
                os.unlink(self.path)
        os.close(self.fd)  # closing drops the flock
        self.fd = -1

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()
