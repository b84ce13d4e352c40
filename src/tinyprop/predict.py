"""Turn user files (.npy arrays, PNG images) into model inputs for ``tinyprop predict``.

Each file is opened through :func:`tinyprop.io._read.open_regular`: a regular file (a FIFO
or a device is refused without reading) of at most ``max_file_bytes()`` bytes
(``TINYPROP_MAX_FILE_BYTES``). A ``.npy`` header is read and checked (numeric dtype, at
least one dimension, at least one sample, declared size within the limit and equal to the
file's) before the array is allocated; an image's width x height is checked against
``max_image_pixels()`` (``TINYPROP_MAX_IMAGE_PIXELS``) before its pixels are decoded.

A file that is not a usable input raises :class:`~tinyprop.errors.DataError` (a
``ValueError``); a missing one ``FileNotFoundError``, a directory ``IsADirectoryError``.
"""

from __future__ import annotations

import errno
import struct
import tokenize
import warnings
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError
from .io._read import RAISE_FILE_LIMIT, max_file_bytes, max_image_pixels, open_regular

_KINDS = "pass .npy or .png files"


def _open_input(p: Path, what: str):
    """``p`` opened through ``open_regular``, with ``predict``'s messages for the usual
    mistakes (a missing path, a directory)."""
    try:
        return open_regular(p, what, max_bytes=max_file_bytes(), fix=RAISE_FILE_LIMIT)
    except FileNotFoundError:
        raise FileNotFoundError(
            errno.ENOENT, f"input {p} does not exist; {_KINDS}", str(p)
        ) from None
    except IsADirectoryError:
        raise IsADirectoryError(
            errno.EISDIR, f"input {p} is a directory, not a file; {_KINDS}", str(p)
        ) from None


# ---- images ---------------------------------------------------------------------------


def _decode_image(f, p: Path, size: tuple[int, int]) -> np.ndarray:
    """Grayscale pixels of the image in ``f``, resized to ``size`` (width, height), after
    checking its declared dimensions against ``max_image_pixels()``."""
    from PIL import Image

    limit = max_image_pixels()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(f) as im:  # reads the header only
            w, h = im.size
            if w * h > limit:
                raise DataError(
                    f"{p}: expected an image of at most {limit:,} pixels, found {w}x{h} = "
                    f"{w * h:,} pixels; shrink the image first (or raise the limit with "
                    "TINYPROP_MAX_IMAGE_PIXELS=<pixels>)"
                )
            gray = im.convert("L").resize(size, Image.Resampling.BILINEAR)
            return np.asarray(gray, dtype=np.float32)


def _image_to_features(path: Path, shape: tuple, scale_max: float) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    unreadable = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                  struct.error, zlib.error, Image.DecompressionBombError)
    with _open_input(path, "a PNG image") as f:
        try:
            arr = _decode_image(f, path, (shape[1], shape[0])) / 255.0
        except DataError:
            raise
        except Image.DecompressionBombError as e:
            raise DataError(
                f"{path}: expected an image of at most {max_image_pixels():,} pixels, found a "
                f"larger one ({e}); shrink the image first"
            ) from None
        except unreadable as e:
            raise DataError(
                f"{path} is not a readable image ({type(e).__name__}: {e}); pass a PNG file"
            ) from None
    return (arr * scale_max).reshape(-1)


# ---- .npy arrays ----------------------------------------------------------------------


def _npy_header(f, p: Path) -> tuple[tuple, np.dtype, int]:
    """Shape, dtype and data offset of the ``.npy`` file ``f``, checked before loading."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(f)
        else:
            raise ValueError(f".npy format version {version[0]}.{version[1]} is not supported")
    except (ValueError, EOFError, SyntaxError, TypeError, struct.error, RecursionError,
            tokenize.TokenError) as e:  # numpy parses the header with tokenize and ast
        raise DataError(
            f"{p} is not a plain .npy array ({e}); save one array with np.save"
        ) from None
    if any(d < 0 for d in shape):
        raise DataError(f"{p} is not a plain .npy array (its header declares shape {shape}); "
                        "save one array with np.save")
    if dtype.hasobject:
        raise DataError(f"{p} is not a plain .npy array (Object arrays need pickle, which "
                        "tinyprop never loads); save a numeric array with np.save")
    return shape, dtype, f.tell()


def _check_npy(f, p: Path, n_features: int) -> None:
    """Refuse, before anything is allocated, a ``.npy`` file whose header does not fit."""
    shape, dtype, offset = _npy_header(f, p)
    if dtype.kind not in "biuf":
        raise DataError(f"{p} must hold numbers, got dtype {dtype}; "
                        "save a float array (np.save(path, X.astype(np.float32)))")
    fix = f"save arrays of shape (N, {n_features})"
    if len(shape) == 0:
        raise DataError(f"{p} holds a single number (shape ()), expected samples of "
                        f"{n_features} features; {fix}")
    count = 1
    for d in shape:
        count *= d
    if count == 0:
        raise DataError(f"{p} holds no values (shape {shape}), expected samples of "
                        f"{n_features} features; {fix}")
    nbytes, limit = count * dtype.itemsize, max_file_bytes()
    if nbytes > limit:
        raise DataError(
            f"{p}: header declares shape {shape} of {dtype} = {nbytes:,} bytes, more than the "
            f"limit of {limit:,} bytes; {RAISE_FILE_LIMIT}"
        )
    size = f.seek(0, 2)
    if size - offset != nbytes:
        what = "truncated" if size - offset < nbytes else "has trailing bytes"
        raise DataError(f"{p}: header declares shape {shape} of {dtype} = {nbytes:,} bytes, "
                        f"the file holds {size - offset:,} ({what}); save it again with np.save")
    f.seek(0)


def _npy_rows(p: Path, n_features: int) -> np.ndarray:
    """The samples of one ``.npy`` file as an (N, n_features) float32 array."""
    with _open_input(p, "a .npy array") as f:
        _check_npy(f, p, n_features)
        try:
            arr = np.load(f, allow_pickle=False)
        except (ValueError, EOFError, OSError) as e:
            raise DataError(f"{p} is not a plain .npy array ({e})") from None
    arr = arr.astype(np.float32)
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(len(arr), -1)
    if arr.shape[1] != n_features:
        raise DataError(
            f"{p} has {arr.shape[1]} features per sample, the model expects "
            f"{n_features}; save arrays of shape (N, {n_features})"
        )
    if not np.isfinite(arr).all():
        raise DataError(f"{p} contains NaN or infinite values; clean the data first")
    return arr


def load_inputs(paths, data) -> tuple[np.ndarray, list[str]]:
    """Stack the inputs of ``paths`` into an (N, features) float32 array.

    A ``.npy`` file holds one sample (features,) or several (N, features), in the same
    scale as the training data. A PNG is converted to grayscale, resized to the
    dataset's image shape (8x8 for digits, 28x28 for MNIST) and scaled to [0, 1];
    bright strokes on a dark background, as in the datasets.
    """
    n_features = int(np.prod(data.X_train.shape[1:]))
    rows, names = [], []
    for p in map(Path, paths):
        if p.suffix.lower() == ".npy":
            arr = _npy_rows(p, n_features)
            rows.append(arr)
            names += [f"{p.name}[{i}]" for i in range(len(arr))] if len(arr) > 1 else [p.name]
        elif p.suffix.lower() == ".png":
            side = int(round(np.sqrt(n_features)))
            if side * side != n_features:
                raise DataError(f"images need a square-image dataset; this model takes "
                                 f"{n_features} features")
            rows.append(_image_to_features(p, (side, side), 1.0)[None, :])
            names.append(p.name)
        else:
            raise DataError(f"unsupported input {p.name}: expected a .npy array or a .png image")
    return np.concatenate(rows).astype(np.float32), names
