"""Bad-input catalog (issue 15), part 4: special files, oversized files, lying headers,
slow servers.

Every file tinyprop reads goes through ``tinyprop.io._read`` (regular files only, size
checked before reading), ``.npy`` and image headers are checked before anything is
allocated, and a download has an overall deadline. See ``test_rb_support.py`` for what
every case asserts (one line / the exception, expected and got in the message, nothing
changed). FIFOs live outside the case's working directory: the "nothing changed" check
reads every file there, and reading a FIFO would block.
"""

from __future__ import annotations

import http.server
import io
import os
import shutil
import struct
import tempfile
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

import tinyprop as tp
from robustness.test_rb_support import Bad, Cli, Env, Registry, make_env
from tinyprop.errors import CheckpointError, DataError

cases = Registry()

HAS_FIFO = hasattr(os, "mkfifo")

# ---- helpers --------------------------------------------------------------------------


def fifo(env: Env, name: str) -> Path:
    """A FIFO (named pipe) with no writer, in a directory of its own (removed after)."""
    if not HAS_FIFO:  # pragma: no cover - Windows
        pytest.skip("os.mkfifo is not available")
    directory = Path(tempfile.mkdtemp(prefix="tp-fifo-"))
    env.cleanups.append(lambda: shutil.rmtree(directory, ignore_errors=True))
    path = directory / name
    os.mkfifo(path)
    return path


def setenv(env: Env, name: str, value: str | None) -> None:
    """Set (or, with ``None``, unset) an environment variable for this case only."""
    old = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    env.cleanups.append(
        lambda: os.environ.__setitem__(name, old) if old is not None else os.environ.pop(name, None)
    )


def npy_header(shape, descr: str = "<f4") -> bytes:
    """The bytes of a ``.npy`` header declaring ``shape`` (the data is left out)."""
    buf = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": tuple(shape)}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue()


def png_bytes(width: int, height: int) -> bytes:
    """A tiny grayscale PNG whose IHDR declares ``width`` x ``height`` (the pixels are
    missing: the header is what a bomb is made of)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def predict(env: Env, path: Path, expected, got) -> Cli:
    return Cli(["predict", str(env.run_dir), str(path)], expected, got, (path,))


# ======================================================================================
# special files: FIFOs, devices, directories
# ======================================================================================


@cases.case("files-load-fifo")
def _(env):
    p = fifo(env, "ckpt.safetensors")
    return Bad(lambda: tp.load(p), CheckpointError, ("regular file",), ("FIFO", str(p)))


@cases.case("files-load-char-device")
def _(env):
    return Bad(
        lambda: tp.load("/dev/zero"), CheckpointError, ("regular file",), ("character device",)
    )


@cases.case("files-read-idx-fifo")
def _(env):
    from tinyprop.data import read_idx

    p = fifo(env, "train-labels-idx1-ubyte")
    return Bad(lambda: read_idx(p), DataError, ("an IDX file (a regular file)",), ("FIFO", str(p)))


@cases.case("files-read-idx-char-device")
def _(env):
    from tinyprop.data import read_idx

    return Bad(lambda: read_idx("/dev/zero"), DataError, ("an IDX file",), ("character device",))


@cases.case("files-read-idx-symlink-to-fifo")
def _(env):
    """An IDX name that links to a FIFO: ``open`` follows the link, ``fstat`` sees the FIFO."""
    from tinyprop.data import read_idx

    target = fifo(env, "labels")
    link = target.parent / "train-labels-idx1-ubyte.gz"
    link.symlink_to(target)
    return Bad(lambda: read_idx(link, ndim=1), DataError, ("regular file",), ("FIFO",))


@cases.case("files-cli-config-fifo")
def _(env):
    p = fifo(env, "train.toml")
    return Cli(["train", "--config", str(p), "--no-progress"], ("TOML config file",), ("FIFO",))


@cases.case("files-cli-config-dev-zero")
def _(env):
    return Cli(
        ["train", "--config", "/dev/zero", "--no-progress"],
        ("TOML config file (a regular file)",),
        ("character device", "/dev/zero"),
    )


@cases.case("files-cli-config-directory")
def _(env):
    d = env.tmp / "configs"
    d.mkdir()
    return Cli(
        ["train", "--config", str(d), "--no-progress"], ("TOML config file",), ("a directory",)
    )


@cases.case("files-cli-config-nested-too-deeply")
def _(env):
    p = env.tmp / "train.toml"
    p.write_text("lr = " + "[" * 5000 + "]" * 5000 + "\n")  # 10 KB; tomllib recurses
    return Cli(["train", "--config", str(p), "--no-progress"], ("flat config",), (str(p),), (p,))


@cases.case("files-cli-predict-fifo-npy")
def _(env):
    p = fifo(env, "x.npy")
    return Cli(["predict", str(env.run_dir), str(p)], ("regular file",), ("FIFO", str(p)))


@cases.case("files-cli-predict-fifo-png")
def _(env):
    p = fifo(env, "digit.png")
    return Cli(["predict", str(env.run_dir), str(p)], ("regular file",), ("FIFO", str(p)))


# ======================================================================================
# oversized files (the limits lowered through their environment variables)
# ======================================================================================


@cases.case("files-load-over-the-limit")
def _(env):
    p = env.tmp / "ckpt.safetensors"
    tp.save({"w": np.zeros(1000, np.float32)}, p)
    setenv(env, "TINYPROP_MAX_FILE_BYTES", "1000")
    return Bad(
        lambda: tp.load(p),
        CheckpointError,
        ("at most 1,000 bytes", "TINYPROP_MAX_FILE_BYTES"),
        (f"found {p.stat().st_size:,} bytes",),
        (p,),
    )


@cases.case("files-cli-config-over-the-limit")
def _(env):
    p = env.tmp / "train.toml"
    p.write_bytes(b"#" * (2 << 20) + b"\nepochs = 0\n")  # valid TOML, 2 MiB of comment
    return Cli(
        ["train", "--config", str(p), "--no-progress"],
        ("at most 1,048,576 bytes",),
        (f"found {p.stat().st_size:,} bytes",),
        (p,),
    )


@cases.case("files-cli-predict-npy-over-the-limit")
def _(env):
    p = env.tmp / "x.npy"
    np.save(p, np.zeros((100, 64), np.float32))  # 25,728 bytes; the run's weights: ~16 KB
    setenv(env, "TINYPROP_MAX_FILE_BYTES", "20000")
    return predict(env, p, ("at most 20,000 bytes",), (f"found {p.stat().st_size:,} bytes",))


@cases.case("files-limit-variable-not-a-number")
def _(env):
    p = env.tmp / "ckpt.safetensors"
    tp.save({"w": np.zeros(3, np.float32)}, p)
    setenv(env, "TINYPROP_MAX_FILE_BYTES", "lots")
    return Bad(lambda: tp.load(p), ValueError, ("positive integer",), ("'lots'",), (p,))


# ======================================================================================
# lying headers: .npy shapes, image dimensions
# ======================================================================================


@cases.case("files-cli-predict-npy-huge-shape")
def _(env):
    p = env.tmp / "x.npy"
    p.write_bytes(npy_header((10**13, 64)))  # 640 trillion floats, declared in 128 bytes
    return predict(
        env, p, ("more than the limit",), ("(10000000000000, 64)", "2,560,000,000,000,000 bytes")
    )


@cases.case("files-cli-predict-npy-truncated")
def _(env):
    p = env.tmp / "x.npy"
    p.write_bytes(npy_header((1000, 64)) + bytes(64 * 4))
    return predict(env, p, ("256,000 bytes",), ("the file holds 256 (truncated)",))


@cases.case("files-cli-predict-npy-0d")
def _(env):
    p = env.tmp / "x.npy"
    np.save(p, np.float32(3.0))
    return predict(env, p, ("samples of 64 features",), ("x.npy", "shape ()"))


@cases.case("files-cli-predict-npy-empty")
def _(env):
    p = env.tmp / "x.npy"
    np.save(p, np.zeros((0, 0), np.float32))
    return predict(env, p, ("samples of 64 features",), ("x.npy", "shape (0, 0)"))


@cases.case("files-cli-predict-png-bomb")
def _(env):
    p = env.tmp / "digit.png"
    p.write_bytes(png_bytes(100_000, 100_000))
    return predict(env, p, ("at most 67,108,864 pixels",), ("10000000000 pixels", "digit.png"))


@cases.case("files-cli-predict-png-over-the-pixel-limit")
def _(env):
    p = env.tmp / "digit.png"
    p.write_bytes(png_bytes(10_000, 10_000))  # under PIL's own limit, over tinyprop's
    return predict(env, p, ("at most 67,108,864 pixels",), ("10000x10000",))


# ======================================================================================
# downloads: an overall deadline
# ======================================================================================


class _Drip(http.server.BaseHTTPRequestHandler):
    """Promises 100,000 bytes, then sends one every 50 ms (for 5 s at most)."""

    stop: threading.Event

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for _ in range(100):
            if self.stop.is_set():
                return
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)


def drip_server(env: Env) -> str:
    """A local server that drips bytes; stopped when the case ends. Returns its URL."""
    stop = threading.Event()
    handler = type("Drip", (_Drip,), {"stop": stop})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop_server() -> None:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join()

    env.cleanups.append(stop_server)
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        setenv(env, var, None)
    setenv(env, "no_proxy", "*")
    return f"http://127.0.0.1:{server.server_address[1]}/"


@cases.case("files-download-drip-feed")
def _(env):
    from tinyprop.data import DownloadError, download_mnist

    url = drip_server(env)
    root = env.tmp / "mnist"
    root.mkdir()
    return Bad(
        lambda: download_mnist(root, mirrors=[url], timeout=5, deadline=1),
        DownloadError,
        ("overall deadline of 1 s",),
        (url + "train-images-idx3-ubyte.gz", "bytes received"),
        (root,),
    )


# ---- the test ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(cases.params()))
def test_bad_input(name, tmp_path, monkeypatch, capsys, finished_run):
    for var in ("TINYPROP_MAX_FILE_BYTES", "TINYPROP_MAX_IMAGE_PIXELS"):
        monkeypatch.delenv(var, raising=False)
    cases.run(name, make_env(tmp_path, monkeypatch, finished_run), capsys)
