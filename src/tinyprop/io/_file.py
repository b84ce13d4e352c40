"""Reading and writing checkpoint files: atomic writes, validated reads."""

from __future__ import annotations

import errno
import json
import os

from .._atomic import atomic_write as _atomic_write
from .._optional import require
from ..errors import CheckpointError
from . import _tree
from ._read import RAISE_FILE_LIMIT, max_file_bytes, open_regular

FORMAT = "tinyprop-checkpoint"
VERSION = 1
META_KEY = "tinyprop"
DIGEST_KEY = "tinyprop.sha256"
MAX_HEADER = 100_000_000
"""Largest safetensors header read (the limit safetensors itself applies)."""

_FIX = "Save it again with tinyprop.save (or keep the previous copy)"


def _safetensors_numpy():
    return require("safetensors.numpy", "tinyprop.save and tinyprop.load", "safetensors")


# ---------------------------------------------------------------------------- writing


def atomic_write(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never a mix.

    The bytes go to a temporary file in the same directory, are flushed and fsynced, and
    the temporary file replaces ``path`` in one ``os.replace``; the directory is fsynced
    last. On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        if os.path.exists(directory):
            raise NotADirectoryError(
                errno.ENOTDIR,
                "cannot save: expected a directory to hold the file, but this is a file; "
                "choose a path inside a directory",
                directory,
            )
        raise FileNotFoundError(
            errno.ENOENT, "cannot save: the directory does not exist; create it first", directory
        )
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "cannot save over a directory; name a file", path)
    _atomic_write(path, lambda f: f.write(data))


def save(obj, path) -> None:
    """Save a state dict, or a nested structure of them, to a safetensors file at ``path``.

    ``obj`` may nest dicts (str or int keys), lists and tuples of NumPy arrays, Tensors,
    NumPy scalars and Python ``int``/``float``/``bool``/``str``/``None``. Arrays and
    Tensors become safetensors tensors named by their key path (``model/fc1.weight``);
    everything else is JSON in the file's metadata. Nothing is pickled. The write is
    atomic: ``path`` holds the old checkpoint or the new one, never a torn file.

    Tensors are stored as their arrays and :func:`load` returns NumPy arrays; dict
    subclasses (``OrderedDict``) come back as ``dict`` and named tuples as ``tuple``.

    >>> import os, tempfile, numpy as np, tinyprop as tp
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> tp.save({"w": np.eye(2, dtype=np.float32), "step": 3, "best": float("inf")}, path)
    >>> tp.load(path)
    {'w': array([[1., 0.],
           [0., 1.]], dtype=float32), 'step': 3, 'best': inf}
    """
    stn = _safetensors_numpy()
    tree, tensors = _tree.encode(obj)
    doc = {"format": FORMAT, "version": VERSION, "tree": tree}
    meta = json.dumps(doc, allow_nan=False, separators=(",", ":"))
    metadata = {META_KEY: meta, DIGEST_KEY: _tree.digest(meta, tensors)}
    atomic_write(path, stn.save(tensors, metadata=metadata))


# ---------------------------------------------------------------------------- reading


def _sniff(head: bytes, path: str) -> None:
    """Name the common wrong files before reading them as safetensors."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        kind = "a pickle (written by pickle.dump or an old torch.save)"
    elif head.startswith(b"PK\x03\x04"):
        kind = "a zip archive (torch.save writes these; they hold a pickle)"
    elif head.startswith(b"\x93NUMPY"):
        kind = "a NumPy .npy file"
    else:
        return
    raise CheckpointError(
        f"{path} is {kind}, not a safetensors checkpoint. tinyprop never unpickles "
        "(unpickling can run arbitrary code). Load it with the tool that wrote it, in a "
        "process you trust, and re-save the arrays with tinyprop.save"
    )


def _bad_file(path: str, found: str) -> CheckpointError:
    return CheckpointError(
        f"{path} is not a readable tinyprop checkpoint: expected a safetensors file written "
        f"by tinyprop.save, found {found}. {_FIX}"
    )


def _json(text, path: str, what: str):
    def reject(token):
        raise ValueError(f"non-standard JSON constant {token}")

    try:
        return json.loads(text, parse_constant=reject)
    except (ValueError, RecursionError) as e:
        raise _bad_file(path, f"{what} that is not valid JSON ({e})") from None


def _read(path: str) -> tuple[bytes, dict, int]:
    """Read the whole file (a regular file within :func:`max_file_bytes`, see
    :mod:`tinyprop.io._read`); check its safetensors header against the file size."""
    try:
        f = open_regular(
            path, "a checkpoint file", max_bytes=max_file_bytes(), error=CheckpointError,
            fix=RAISE_FILE_LIMIT,
        )
    except FileNotFoundError:
        raise FileNotFoundError(
            errno.ENOENT, "no checkpoint file here; check the path (or save one first)", path
        ) from None
    with f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(9)
        n = int.from_bytes(head[:8], "little")
        if len(head) < 9 or head[8:] != b"{" or not 2 <= n <= min(size - 8, MAX_HEADER):
            _sniff(head, path)  # a pickle or a zip gets its own message
            limit = min(size - 8, MAX_HEADER)
            if size < 10:
                found = f"a file of {size} bytes (a safetensors file has at least 10)"
            elif not 2 <= n <= limit:
                found = (
                    f"a header length field of {n} bytes in a file of {size} bytes (expected "
                    f"2..{limit}; the file is truncated or not safetensors)"
                )
            else:
                found = f"a file starting with {head!r} (no JSON header after 8 bytes)"
            raise _bad_file(path, found)
        f.seek(0)
        blob = f.read(size)
    if len(blob) != size:
        raise _bad_file(path, f"{len(blob)} bytes where the file said {size} (it changed)")
    try:
        text = blob[8 : 8 + n].decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_file(path, "a header that is not UTF-8 text") from None
    header = _json(text, path, "a header")
    if not isinstance(header, dict):
        raise _bad_file(path, f"a header that is a JSON {type(header).__name__}, not an object")
    return blob, header, n


def _check_entries(header: dict, data_len: int, path: str) -> None:
    """Check every tensor entry of the header: dtype, shape and offsets within the file."""
    codes = set(_tree.ST_DTYPES.values())
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        ok = isinstance(entry, dict) and set(entry) == {"dtype", "shape", "data_offsets"}
        if ok:
            dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
            ints = (
                [*shape, *offsets]
                if isinstance(shape, list) and isinstance(offsets, list)
                else None
            )
            ok = (
                dtype in codes
                and ints is not None
                and len(offsets) == 2
                and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ints)
            )
        if not ok:
            raise _bad_file(path, f"a malformed header entry for tensor {name!r}: {entry!r:.100}")
        begin, end = offsets
        itemsize = 1 if dtype in ("BOOL", "I8", "U8") else int(dtype[1:]) // 8
        count = 1
        for d in shape:
            count *= d
        if not begin <= end <= data_len or end - begin != count * itemsize:
            raise _bad_file(
                path,
                f"tensor {name!r} at bytes {begin}..{end} with shape {shape} {dtype} in a data "
                f"section of {data_len} bytes (the file is truncated or damaged)",
            )


def load(path):
    """Load what :func:`save` wrote. Arrays (and saved Tensors) come back as NumPy arrays.

    Raises ``FileNotFoundError`` for a missing file and :class:`CheckpointError` (a
    ``ValueError``) for anything that is not an intact tinyprop checkpoint: truncated or
    damaged files, other safetensors files, pickles (never unpickled), newer formats, and
    for a path that is not a regular file (a FIFO, a device) or is larger than
    ``tinyprop.io._read.max_file_bytes()`` (``TINYPROP_MAX_FILE_BYTES``); nothing is read
    from those. A directory raises ``IsADirectoryError``.

    >>> import os, tempfile, tinyprop as tp
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> tp.save({"step": 3, "names": ["a", "b"]}, path)
    >>> load(path)
    {'step': 3, 'names': ['a', 'b']}
    """
    path = os.fspath(path)
    blob, header, n = _read(path)
    metadata = header.get("__metadata__")
    if not isinstance(metadata, dict) or not isinstance(metadata.get(META_KEY), str):
        names = sorted(k for k in header if k != "__metadata__")
        raise CheckpointError(
            f"{path} is a safetensors file but not a tinyprop checkpoint: it has no "
            f"{META_KEY!r} metadata (tensors: {names[:5]}{'...' if len(names) > 5 else ''}). "
            "Read its tensors with safetensors.numpy.load_file, or save them with tinyprop.save"
        )
    meta = metadata[META_KEY]
    doc = _json(meta, path, f"{META_KEY!r} metadata")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else doc
        raise _bad_file(path, f"{META_KEY!r} metadata with format {found!r:.80}")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _bad_file(path, f"format version {version!r:.80} (expected an integer >= 1)")
    if version > VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format version {version}, newer than the version "
            f"{VERSION} this tinyprop reads; upgrade tinyprop (pip install -U tinyprop)"
        )
    if "tree" not in doc:
        raise _bad_file(path, f"{META_KEY!r} metadata without a 'tree'")
    _check_entries(header, len(blob) - 8 - n, path)
    try:
        tensors = _safetensors_numpy().load(blob)
    except Exception as e:  # safetensors raises its own error types; report them as ours
        raise _bad_file(path, f"data safetensors cannot read ({type(e).__name__}: {e})") from e
    del blob
    if metadata.get(DIGEST_KEY) != _tree.digest(meta, tensors):
        raise CheckpointError(
            f"{path} fails its checksum: the SHA-256 of its contents does not match the one "
            f"saved with it, so the file was damaged or edited after it was written. {_FIX}"
        )
    return _tree.decode(doc["tree"], tensors)
