"""Turn user files (.npy arrays, images) into model inputs and predictions for
``tinyprop predict``.

Each file is opened through :func:`tinyprop.io._read.open_regular`: a regular file (a FIFO
or a device is refused without reading) of at most ``max_file_bytes()`` bytes
(``TINYPROP_MAX_FILE_BYTES``). A ``.npy`` header is read and checked (numeric dtype, at
least one dimension, at least one sample, declared size within the limit and equal to the
file's) before the array is allocated; an image's width x height is checked against
``max_image_pixels()`` (``TINYPROP_MAX_IMAGE_PIXELS``) before its pixels are decoded. Any
other file is read as an image in any format Pillow opens (PNG, JPEG, GIF, BMP, TIFF,
WebP, ...; EPS is refused: Pillow would run Ghostscript on it).

Inputs are compared with the training data (see :func:`load_inputs`): an input whose
values lie far outside the training range, or an image whose polarity differs (a dark
drawing on white paper for a model trained on MNIST's bright strokes on black), raises one
:class:`PredictWarning` line per file naming the fix (``--scale`` / ``scale=True``,
``--invert`` / ``invert=True``).

A file that is not a usable input raises :class:`~tinyprop.errors.DataError` (a
``ValueError``); a missing one ``FileNotFoundError``, a directory ``IsADirectoryError``.
"""

from __future__ import annotations

import errno
import struct
import tokenize
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import check_bool, check_int
from .errors import DataError
from .io._read import RAISE_FILE_LIMIT, max_file_bytes, max_image_pixels, open_regular

__all__ = ["PredictWarning", "class_labels", "format_predictions", "format_probability",
           "load_inputs", "predict_files"]

_KINDS = "pass .npy arrays or images (.png, .jpg or any format Pillow reads)"
_NO_IMAGE_FORMATS = frozenset({"EPS"})  # Pillow opens EPS by running Ghostscript
_SAMPLE = 1000  # training rows looked at to learn the data's range and polarity


class PredictWarning(UserWarning):
    """An input differs from the training data (range or polarity): the prediction is
    likely wrong. The message names the file, what differs and the fix."""


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


def _image_formats() -> list[str]:
    """The Pillow formats ``predict`` opens: every one Pillow can read, except EPS."""
    from PIL import Image

    Image.init()
    return sorted(set(Image.OPEN) - _NO_IMAGE_FORMATS)


def _decode_image(f, p: Path, size: tuple[int, int]) -> np.ndarray:
    """Grayscale pixels of the image in ``f``, turned upright by its EXIF orientation and
    resized to ``size`` (width, height), after checking its declared dimensions against
    ``max_image_pixels()``."""
    from PIL import Image, ImageOps

    limit = max_image_pixels()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(f, formats=_image_formats()) as im:  # reads the header only
            w, h = im.size
            if w * h > limit:
                raise DataError(
                    f"{p}: expected an image of at most {limit:,} pixels, found {w}x{h} = "
                    f"{w * h:,} pixels; shrink the image first (or raise the limit with "
                    "TINYPROP_MAX_IMAGE_PIXELS=<pixels>)"
                )
            im.draft("L", size)  # a JPEG decodes at a reduced scale: less memory
            upright = ImageOps.exif_transpose(im)
            gray = upright.convert("L").resize(size, Image.Resampling.BILINEAR)
            return np.asarray(gray, dtype=np.float32)


def _image_to_features(path: Path, side: int) -> np.ndarray:
    """The image at ``path`` as one row of ``side * side`` values in [0, 1]."""
    from PIL import Image, UnidentifiedImageError

    unreadable = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                  struct.error, zlib.error, Image.DecompressionBombError)
    with _open_input(path, "an image") as f:
        try:
            arr = _decode_image(f, path, (side, side)) / 255.0
        except DataError:
            raise
        except Image.DecompressionBombError as e:
            raise DataError(
                f"{path}: expected an image of at most {max_image_pixels():,} pixels, found a "
                f"larger one ({e}); shrink the image first"
            ) from None
        except UnidentifiedImageError:
            if path.suffix.lower() in Image.registered_extensions():
                raise DataError(f"{path} is not a readable image (Pillow cannot identify "
                                "it); pass an intact image file") from None
            raise DataError(f"unsupported input {path.name}: expected a .npy array or a .png, "
                            ".jpg or other image Pillow reads") from None
        except unreadable as e:
            raise DataError(
                f"{path} is not a readable image ({type(e).__name__}: {e}); "
                "pass an intact image file (PNG, JPEG, ...)"
            ) from None
    return arr.reshape(1, -1).astype(np.float32)


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


def _npy_rows(p: Path, n_features: int) -> tuple[np.ndarray, np.dtype]:
    """The samples of one ``.npy`` file as an (N, n_features) float32 array, and the
    file's dtype."""
    with _open_input(p, "a .npy array") as f:
        _check_npy(f, p, n_features)
        try:
            arr = np.load(f, allow_pickle=False)
        except (ValueError, EOFError, OSError) as e:
            raise DataError(f"{p} is not a plain .npy array ({e})") from None
    dtype = arr.dtype
    arr = arr.astype(np.float32)
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(len(arr), -1)
    if arr.shape[1] != n_features:
        raise DataError(
            f"{p} has {arr.shape[1]} features per sample, the model expects "
            f"{n_features}; save arrays of shape (N, {n_features})"
        )
    if not np.isfinite(arr).all():
        raise DataError(f"{p} contains NaN or infinite values; clean the data first")
    return arr, dtype


# ---- comparing inputs with the training data ------------------------------------------


@dataclass(frozen=True)
class _Reference:
    """What the model saw in training: the value range, and for square images in [0, 1]
    their side and whether their background is dark (``None``: unclear, not checked)."""

    lo: float
    hi: float
    side: int | None
    dark: bool | None

    @property
    def span(self) -> float:
        return self.hi - self.lo if self.hi > self.lo else 1.0


def _background(rows: np.ndarray, side: int) -> np.ndarray:
    """Each row's background level: the median of its image's border pixels."""
    im = rows.reshape(len(rows), side, side)
    edge = np.concatenate([im[:, 0, :], im[:, -1, :], im[:, 1:-1, 0], im[:, 1:-1, -1]], axis=1)
    return np.median(edge, axis=1)


def _reference(data) -> _Reference:
    """The range (and, for images, the polarity) of ``data``'s training inputs, as the
    model sees them (uint8 images divided by 255)."""
    X = np.asarray(data.X_train[:_SAMPLE])
    X = X.reshape(len(X), -1)
    if X.dtype == np.uint8:
        lo, hi, X = 0.0, 1.0, X / 255.0
    else:
        lo, hi = float(X.min()), float(X.max())
    side = int(round(np.sqrt(X.shape[1])))
    if side * side != X.shape[1] or side < 4 or lo < 0 or hi > 1:
        return _Reference(lo, hi, None, None)
    bg = float(_background(X, side).mean())
    span = hi - lo if hi > lo else 1.0
    dark = True if bg < lo + 0.25 * span else False if bg > lo + 0.75 * span else None
    return _Reference(lo, hi, side, dark)


def _polarity(dark: bool) -> str:
    return ("light-on-dark (bright strokes on a dark background)" if dark
            else "dark-on-light (dark strokes on a light background)")


def _range_issue(rows: np.ndarray, ref: _Reference) -> str | None:
    """Why ``rows`` lie outside the training range, with the fix; ``None`` if they fit."""
    lo, hi, margin = ref.lo, ref.hi, 0.25 * ref.span
    mn, mx = float(rows.min()), float(rows.max())
    if lo - margin <= mn and mx <= hi + margin:
        return None
    if lo >= 0 and hi <= 1 and mn >= 0 and mx <= 255:
        fix = ("if these are 0-255 pixel values, pass --scale (scale=True) to divide them "
               "by 255")
    else:
        fix = "preprocess them like the training data"
    return (f"values span {mn:.4g}..{mx:.4g}, far outside the training data's "
            f"{lo:.4g}..{hi:.4g}, so the prediction is likely wrong; {fix}")


def _polarity_issue(rows: np.ndarray, ref: _Reference) -> str | None:
    """Why ``rows`` (images) have the opposite polarity of the training images, with the
    fix; ``None`` if they match or the training data has no clear polarity."""
    if ref.side is None or ref.dark is None:
        return None
    dark = _background(rows, ref.side) < (ref.lo + ref.hi) / 2
    flipped = int(np.count_nonzero(dark != ref.dark))
    if not flipped:
        return None
    what = "looks" if len(rows) == 1 else f"has {flipped} of {len(rows)} samples that look"
    return (f"{what} {_polarity(not ref.dark)}, but the model was trained on "
            f"{_polarity(ref.dark)} images, so the prediction is likely wrong; pass --invert "
            "(invert=True) to flip it")


def _adjust(name: str, rows: np.ndarray, ref: _Reference, *, scale: bool, invert,
            check_range: bool) -> np.ndarray:
    """``rows`` scaled and inverted as asked; one ``PredictWarning`` if they still differ
    from the training data (range checked when ``check_range``, polarity when ``invert``
    is ``None``)."""
    if scale:
        rows = rows / np.float32(255)
    issue = _range_issue(rows, ref) if check_range else None
    if invert:
        rows = np.float32(ref.lo + ref.hi) - rows
    elif invert is None and issue is None:
        issue = _polarity_issue(rows, ref)
    if issue:
        warnings.warn(f"{name}: {issue}", PredictWarning, stacklevel=3)
    return rows


def _check_option(value, name: str, flag: str):
    if value is None:
        return None
    return check_bool(value, name, fix=f"pass {name}=True or False ({flag}), or None to check")


def load_inputs(paths, data, *, invert: bool | None = None,
                scale: bool | None = None) -> tuple[np.ndarray, list[str]]:
    """Stack the inputs of ``paths`` into an (N, features) float32 array, with a name for
    each row (``x.npy``, or ``x.npy[i]`` for a file of several samples).

    A ``.npy`` file holds one sample (features,) or several (N, features). Any other file
    is an image (any format Pillow reads), converted to grayscale, resized to the
    dataset's square image shape (8x8 for digits, 28x28 for MNIST) and scaled to [0, 1].

    ``scale``: ``None`` (default) divides a ``uint8`` array by 255, as tinyprop does with
    uint8 training images, and leaves other arrays as they are; ``True`` divides every
    array by 255 (0-255 pixel values saved as floats or ints); ``False`` never scales.
    ``invert``: ``True`` flips every input within the training range (``lo + hi - x``,
    ``1 - x`` for images), for dark drawings on white paper; ``False`` never flips.

    With an option left at ``None``, each input is compared with the training data and
    one :class:`PredictWarning` per file says what differs and the fix: values far
    outside the training range (``scale=None``; ``--scale``), or images whose background
    is light where the training images' is dark, or the reverse (``invert=None``;
    ``--invert``).
    """
    invert, scale = _check_option(invert, "invert", "--invert"), _check_option(
        scale, "scale", "--scale")
    n_features = int(np.prod(data.X_train.shape[1:]))
    ref = _reference(data)
    rows, names = [], []
    for p in map(Path, paths):
        if p.suffix.lower() == ".npy":
            arr, dtype = _npy_rows(p, n_features)
            auto = scale is None and dtype == np.uint8
            arr = _adjust(p.name, arr, ref, scale=bool(scale) or auto, invert=invert,
                          check_range=scale is None)
            names += [f"{p.name}[{i}]" for i in range(len(arr))] if len(arr) > 1 else [p.name]
        else:
            side = int(round(np.sqrt(n_features)))
            if side * side != n_features:
                raise DataError(f"images need a square-image dataset; this model takes "
                                f"{n_features} features; pass .npy arrays of shape "
                                f"(N, {n_features})")
            arr = _adjust(p.name, _image_to_features(p, side), ref, scale=False,
                          invert=invert, check_range=False)
            names.append(p.name)
        rows.append(arr)
    return np.concatenate(rows).astype(np.float32), names


# ---- predictions ----------------------------------------------------------------------


def format_probability(p: float) -> str:
    """A probability as a percentage with one decimal, capped so that rounding never
    claims certainty: ``>99.9 %`` above 99.95 %, ``<0.1 %`` below 0.05 %.

    >>> format_probability(0.99712), format_probability(0.9999999), format_probability(1e-9)
    ('99.7 %', '>99.9 %', '<0.1 %')
    """
    pct = 100.0 * float(p)
    if pct >= 99.95:
        return ">99.9 %"
    if pct < 0.05:
        return "<0.1 %"
    return f"{pct:.1f} %"


def class_labels(data) -> tuple[str, ...]:
    """The class names of ``data`` (a ``DataSplits``), one per class: its ``classes``
    (Fashion-MNIST's names, or ``"0"``, ``"1"``, ... where a dataset has none)."""
    from .data.mnist import FASHION_CLASSES

    n = int(data.n_classes)
    for names in (getattr(data, "class_names", None), getattr(data, "classes", None)):
        if names is not None and len(names) == n and tuple(names) != _numbers(n):
            return tuple(map(str, names))
    if getattr(data, "name", "") == "fashion-mnist" and n == len(FASHION_CLASSES):
        return FASHION_CLASSES
    return _numbers(n)


def _numbers(n: int) -> tuple[str, ...]:
    return tuple(str(i) for i in range(n))


def predict_files(run, paths, *, invert: bool | None = None, scale: bool | None = None,
                  top_k: int = 3) -> list[dict]:
    """Predict the inputs of ``paths`` (see :func:`load_inputs`) with ``run`` (a
    ``tinyprop.train.load_run`` result): one dict per sample,

    ``{"input": name, "class": int, "label": str, "probability": float,
    "top_k": [{"class": int, "label": str, "probability": float}, ...]}``

    where ``class``/``label``/``probability`` are the most likely class and ``top_k`` the
    ``top_k`` most likely (at most the number of classes), most likely first.
    """
    from .kernels import softmax

    top_k = check_int(top_k, "top_k", low=1, fix="pass top_k=1 or more (--top-k K)")
    X, names = load_inputs(paths, run.data, invert=invert, scale=scale)
    probs = softmax(np.asarray(run.engine.predict_logits(X), dtype=np.float64), axis=1)
    labels = class_labels(run.data)
    k = min(top_k, probs.shape[1])
    rows = []
    for name, p in zip(names, probs):
        order = np.argsort(-p, kind="stable")[:k]
        top = [{"class": int(c), "label": labels[int(c)] if int(c) < len(labels) else str(c),
                "probability": float(p[c])} for c in order]
        rows.append({"input": name, **top[0], "top_k": top})
    return rows


def format_predictions(rows: list[dict]) -> str:
    """The lines ``tinyprop predict`` prints, one per sample:
    ``shoe.png: Sneaker (97.3 %); next: Sandal (2.1 %), Ankle boot (0.5 %)``.

    >>> format_predictions([{"input": "x.npy", "label": "7", "probability": 0.999991,
    ...                      "top_k": [{"label": "7", "probability": 0.999991},
    ...                                {"label": "1", "probability": 9e-6}]}])
    'x.npy: 7 (>99.9 %); next: 1 (<0.1 %)'
    """
    lines = []
    for r in rows:
        line = f"{r['input']}: {r['label']} ({format_probability(r['probability'])})"
        rest = r.get("top_k", [])[1:]
        if rest:
            line += "; next: " + ", ".join(
                f"{t['label']} ({format_probability(t['probability'])})" for t in rest)
        lines.append(line)
    return "\n".join(lines)
