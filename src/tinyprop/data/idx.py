"""IDX files (the MNIST format), raw or gzipped: a checked reader and an atomic writer.

Layout: two zero bytes, a type code, the number of dimensions, then one big-endian
uint32 per dimension, then the big-endian payload. The reader checks the header and
that the payload is exactly the declared size before it allocates for it.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError, TinypropTypeError
from ..io._read import open_regular
from ._validate import atomic_write

IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
"""IDX type code -> big-endian NumPy dtype."""

DEFAULT_MAX_BYTES = 1 << 31
"""Largest payload ``read_idx`` accepts unless told otherwise (2 GiB)."""

_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_FIX = "the file is damaged or not an IDX file; delete it and download it again"


def _file_limit(max_bytes: int) -> int:
    """The largest IDX file (raw or gzipped) for a payload of ``max_bytes``: header (at most
    255 dimensions) plus payload, plus gzip's worst-case growth (about 0.03 %, bounded here
    by 1/256 + 64 KiB)."""
    return max_bytes + max_bytes // 256 + (64 << 10)


def _bad(path: Path, what: str, fix: str = _FIX) -> DataError:
    return DataError(f"{path}: {what}; {fix}")


def _read_exact(f, n: int) -> bytes:
    data = f.read(n)
    return data if data is not None else b""


def _parse_header(path: Path, f, ndim: int | None) -> tuple[np.dtype, tuple[int, ...], int]:
    magic = _read_exact(f, 4)
    if len(magic) < 4:
        raise _bad(path, f"expected a 4-byte IDX header, got {len(magic)} byte(s) (truncated)")
    if magic[:2] != b"\x00\x00":
        raise _bad(
            path,
            f"expected IDX magic bytes 00 00 <type> <ndim>, got {magic.hex(' ')} (not an IDX file)",
        )
    code, nd = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.name})" for c, d in IDX_DTYPES.items())
        raise _bad(path, f"expected an IDX type code in {known}, got 0x{code:02X}")
    if nd == 0:
        raise _bad(path, "expected at least 1 dimension in the IDX header, got 0")
    if ndim is not None and nd != ndim:
        raise _bad(
            path,
            f"expected {ndim} dimension(s), got {nd}",
            "check that images and labels files are not swapped, or re-download them",
        )
    raw_dims = _read_exact(f, 4 * nd)
    if len(raw_dims) < 4 * nd:
        raise _bad(path, f"header declares {nd} dimensions but the file ends inside them")
    dims = struct.unpack(f">{nd}I", raw_dims)
    dtype = IDX_DTYPES[code]
    payload = dtype.itemsize
    for d in dims:
        payload *= d
    return dtype, dims, payload


def read_idx(
    path: str | os.PathLike, *, ndim: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> np.ndarray:
    """Read an IDX file (raw, or gzipped: detected by its content) into a native-endian array.

    Raises :class:`~tinyprop.errors.DataError` (a ``ValueError``) naming the file, what
    was expected and what was found when the header is malformed, ``ndim`` does not match,
    the payload is larger than ``max_bytes``, or the payload is shorter or longer than
    declared, or when ``path`` is not a regular file (a FIFO, a device: refused without
    reading) or is larger than a gzip of ``max_bytes`` can be. Missing files raise
    ``FileNotFoundError``, directories ``IsADirectoryError``.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "a.idx.gz"
    >>> _ = write_idx(p, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(p)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    path = Path(path)
    fix = "if the file is really that large pass max_bytes=... (the payload limit)"
    with open_regular(path, "an IDX file", max_bytes=_file_limit(max_bytes), fix=fix) as raw:
        if raw.read(2) == _GZIP_MAGIC:
            raw.seek(0)
            try:
                with gzip.GzipFile(fileobj=raw, mode="rb") as f:
                    return _read_body(path, f, ndim, max_bytes, file_size=None)
            except (gzip.BadGzipFile, EOFError, zlib.error) as err:
                raise _bad(path, f"the gzip stream is corrupt or truncated ({err})") from None
        raw.seek(0)
        return _read_body(path, raw, ndim, max_bytes, file_size=os.fstat(raw.fileno()).st_size)


def _read_body(path: Path, f, ndim, max_bytes: int, file_size: int | None) -> np.ndarray:
    dtype, dims, payload = _parse_header(path, f, ndim)
    shape = " x ".join(map(str, dims))
    if payload > max_bytes:
        raise _bad(
            path,
            f"header declares {shape} items of {dtype.itemsize} byte(s) = {payload:,} bytes, "
            f"more than the limit of {max_bytes:,} bytes",
            "the header is probably corrupt (re-download the file); "
            "if the file is really that large pass max_bytes=...",
        )
    header = 4 + 4 * len(dims)
    if file_size is not None:
        if file_size != header + payload:
            what = "truncated" if file_size < header + payload else "has trailing bytes"
            raise _bad(
                path,
                f"expected {header + payload:,} bytes ({header}-byte header + {shape} items), "
                f"got {file_size:,} ({what})",
            )
        out = np.empty(payload, dtype=np.uint8)
        got = f.readinto(memoryview(out))
        if got != payload:  # the file changed under us
            raise _bad(path, f"expected {payload:,} payload bytes, read {got:,}")
        buf = out
    else:
        # gzip: read in chunks, so a lying header cannot make us allocate its size up front.
        data = bytearray()
        while len(data) <= payload:
            chunk = f.read(min(_CHUNK, payload + 1 - len(data)))
            if not chunk:
                break
            data += chunk
        if len(data) != payload:
            what = (
                f"got only {len(data):,} (truncated)"
                if len(data) < payload
                else "got more (trailing bytes)"
            )
            raise _bad(path, f"expected {payload:,} uncompressed payload bytes ({shape}), {what}")
        buf = np.frombuffer(data, dtype=np.uint8)
    arr = buf.view(dtype).reshape(dims)
    return arr if dtype.itemsize == 1 else arr.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array) -> Path:
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in ``.gz``), atomically.

    Supported dtypes: uint8, int8, int16, int32, float32, float64. Returns the path.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
    >>> write_idx(p, np.array([3, 1, 4], dtype=np.uint8)).stat().st_size
    11
    """
    arr = np.asarray(array)
    code = next((c for c, d in IDX_DTYPES.items() if d.newbyteorder("=") == arr.dtype), None)
    if code is None:
        names = ", ".join(d.newbyteorder("=").name for d in IDX_DTYPES.values())
        raise TinypropTypeError(
            f"write_idx supports dtypes {names}, got {arr.dtype}; convert with arr.astype(...)"
        )
    if not 1 <= arr.ndim <= 255:
        raise DataError(f"write_idx needs 1 to 255 dimensions, got {arr.ndim}")
    if any(d >= 2**32 for d in arr.shape):
        raise DataError(f"IDX dimensions must be < 2**32, got shape {tuple(arr.shape)}")
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()
    path = Path(path)

    def write(f) -> None:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
                gz.write(header)
                gz.write(payload)
        else:
            f.write(header)
            f.write(payload)

    return atomic_write(path, write)
