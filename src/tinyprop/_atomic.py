"""One atomic file write for the whole library (checkpoints, IDX files, plots, JSON).

``atomic_write(path, write)`` calls ``write(f)`` with a binary file object opened on a
temporary file beside ``path``, flushes and fsyncs it, gives it the permissions the old
file had (or the usual umask-based ones), replaces ``path`` in one ``os.replace`` and
fsyncs the directory. Readers see the old file or the new one, never a mix; on any error
(Ctrl-C included) the temporary file is removed and ``path`` is untouched. A symlink at
``path`` is replaced by the new file, never followed: nothing is written outside the
directory. ``append_text`` appends to a file and refuses a symlink (``O_NOFOLLOW``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _open_temp(path: Path, suffix: str = "") -> tuple[Path, int]:
    while True:  # os.open applies the umask, unlike mkstemp's private 0600 files
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp{suffix}"
        try:
            return tmp, os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:  # pragma: no cover - random name collision
            continue


def atomic_write(path, write: Callable[[BinaryIO], object]) -> Path:
    """Write ``path`` atomically with ``write(f)``; returns the path.

    The parent directory must exist (create it first when that is wanted).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.bin"
    >>> atomic_write(p, lambda f: f.write(b"hi")).read_bytes()
    b'hi'
    """
    return _replace_with(Path(path), write, by_path=False)


def atomic_write_path(path, write: Callable[[Path], object]) -> Path:
    """Like :func:`atomic_write` for writers that need a file name (``write(tmp_path)``);
    the temporary name keeps ``path``'s suffix so format detection still works.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write_path(p, lambda tmp: tmp.write_text("hi")).read_text()
    'hi'
    """
    return _replace_with(Path(path), write, by_path=True)


def _replace_with(path: Path, write, by_path: bool) -> Path:
    tmp, fd = _open_temp(path, path.suffix if by_path else "")
    try:
        if by_path:
            os.close(fd)
            write(tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):
            old = os.lstat(path)  # a symlink's target is never consulted
            if stat.S_ISREG(old.st_mode):
                os.chmod(tmp, stat.S_IMODE(old.st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def append_text(path, text: str) -> None:
    """Append ``text`` (UTF-8) to ``path``, creating it; a symlink at ``path`` is refused
    with an ``OSError`` (``O_NOFOLLOW``) instead of writing where it points.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "log.txt"
    >>> append_text(p, "a\\n"); append_text(p, "b\\n"); p.read_text()
    'a\\nb\\n'
    """
    flags = (os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0))
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "ab") as f:
        f.write(text.encode("utf-8"))
        f.flush()
