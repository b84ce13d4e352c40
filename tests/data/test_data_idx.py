"""IDX reader and writer: round trips and every kind of malformed file."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinyprop.data import read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip(tmp_path: Path, dtype, suffix: str) -> None:
    arr = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    path = write_idx(tmp_path / f"a-idx3{suffix}", arr)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, arr)
    assert back.flags.writeable
    if suffix:
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


def test_layout_is_big_endian_mnist(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "l", np.array([1, 2, 3], dtype=np.int32))
    raw = path.read_bytes()
    assert raw[:4] == b"\x00\x00\x0c\x01"
    assert struct.unpack(">I", raw[4:8]) == (3,)
    assert struct.unpack(">3i", raw[8:]) == (1, 2, 3)


def test_one_dim_labels_and_empty(tmp_path: Path) -> None:
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "l.gz", labels)), labels)
    empty = read_idx(write_idx(tmp_path / "e", np.zeros((0, 28, 28), np.uint8)))
    assert empty.shape == (0, 28, 28)


def test_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    arr = np.arange(6, dtype=np.uint8)
    gz = write_idx(tmp_path / "x.gz", arr)
    renamed = tmp_path / "x-without-suffix"
    renamed.write_bytes(gz.read_bytes())
    np.testing.assert_array_equal(read_idx(renamed), arr)


def test_ndim_check(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "labels", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match=r"expected 3 dimension\(s\), got 1.*swapped"):
        read_idx(path, ndim=3)


def test_write_idx_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="supports dtypes.*got int64"):
        write_idx(tmp_path / "a", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="1 to 255 dimensions, got 0"):
        write_idx(tmp_path / "a", np.uint8(3))
    assert not list(tmp_path.iterdir())


def _header(code: int = 0x08, dims: tuple[int, ...] = (2, 3)) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


MALFORMED = {
    "empty": (b"", "4-byte IDX header, got 0"),
    "short header": (b"\x00\x00", "4-byte IDX header, got 2"),
    "bad magic": (b"\x12\x34\x08\x01" + b"\x00" * 8, "magic bytes 00 00.*got 12 34 08 01"),
    "bad dtype code": (_header(0x07) + b"\x00" * 6, "type code in .*got 0x07"),
    "zero dims": (b"\x00\x00\x08\x00", "at least 1 dimension"),
    "dims cut off": (b"\x00\x00\x08\x03" + b"\x00\x00\x00\x02", "ends inside them"),
    "truncated payload": (_header() + b"\x00" * 5, "expected 18 bytes.*got 17 .truncated"),
    "trailing bytes": (_header() + b"\x00" * 7, "expected 18 bytes.*got 19 .has trailing"),
    "huge dims": (_header(dims=(2**31, 2**31)) + b"\x00" * 16, "more than the limit"),
}


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_files_raise_value_error(tmp_path: Path, case: str, gz: bool) -> None:
    content, pattern = MALFORMED[case]
    path = tmp_path / ("bad.gz" if gz else "bad")
    path.write_bytes(gzip.compress(content) if gz else content)
    if gz and case in ("truncated payload", "trailing bytes"):
        pattern = "uncompressed payload bytes"
    with pytest.raises(ValueError, match=pattern) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message  # names the file
    assert "download" in message or "max_bytes" in message  # says how to fix


def test_huge_declared_size_does_not_allocate(tmp_path: Path) -> None:
    # 2**31 x 2**31 items, and a merely large (1 GiB) claim under a raised limit: both must
    # fail from the header / file size, never by allocating the declared size.
    for name, dims, limit in [("a.gz", (2**31, 2**31), None), ("b.gz", (2**15, 2**15), 2**31)]:
        path = tmp_path / name
        path.write_bytes(gzip.compress(_header(dims=dims) + b"\x01" * 100))
        tracemalloc.start()
        with pytest.raises(ValueError):
            read_idx(path) if limit is None else read_idx(path, max_bytes=limit)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 16 << 20, f"peak {peak} bytes"
    raw = tmp_path / "raw"
    raw.write_bytes(_header(dims=(2**15, 2**15)) + b"\x01" * 100)
    with pytest.raises(ValueError, match="truncated"):
        read_idx(raw, max_bytes=2**31)


def test_corrupt_gzip_stream(tmp_path: Path) -> None:
    good = gzip.compress(_header() + bytes(6))
    for name, content in [("cut", good[:-6]), ("crc", good[:-8] + b"\xff" * 8)]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match="gzip stream is corrupt or truncated"):
            read_idx(path)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=64), gz=st.booleans())
def test_random_bytes_only_value_error(tmp_path: Path, data: bytes, gz: bool) -> None:
    path = tmp_path / "fuzz"
    path.write_bytes(gzip.compress(data) if gz else data)
    try:
        arr = read_idx(path)
    except ValueError:
        return
    assert isinstance(arr, np.ndarray)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, 200), gz=st.booleans(), flip=st.integers(0, 300))
def test_truncated_or_flipped_valid_file_only_value_error(
    tmp_path: Path, cut: int, gz: bool, flip: int
) -> None:
    arr = np.arange(60, dtype=np.int16).reshape(3, 4, 5)
    path = write_idx(tmp_path / ("ok.gz" if gz else "ok"), arr)
    content = bytearray(path.read_bytes())
    if flip < len(content):
        content[flip] ^= 0xFF
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(content[: len(content) - cut]))
    try:
        out = read_idx(bad)
    except ValueError:
        return
    assert out.dtype == np.int16  # only a flip inside the payload can still parse
