"""Turn user files (.npy arrays, PNG images) into model inputs for ``tinyprop predict``.

A file that is not a usable input raises :class:`~tinyprop.errors.DataError` (a
``ValueError``); a missing one ``FileNotFoundError``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DataError


def _image_to_features(path: Path, shape: tuple, scale_max: float) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            gray = im.convert("L").resize((shape[1], shape[0]), Image.Resampling.BILINEAR)
            arr = np.asarray(gray, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as e:
        raise DataError(f"{path} is not a readable image ({e}); pass a PNG file") from None
    return (arr * scale_max).reshape(-1)


def _npy_rows(p: Path, n_features: int) -> np.ndarray:
    """The samples of one ``.npy`` file as an (N, n_features) float32 array."""
    try:
        arr = np.load(p, allow_pickle=False)
    except (ValueError, EOFError) as e:
        raise DataError(f"{p} is not a plain .npy array ({e})") from None
    if not isinstance(arr, np.ndarray):  # an .npz archive under a .npy name
        arr.close()
        raise DataError(f"{p} is not a plain .npy array (it is an .npz archive); "
                        "save one array with np.save")
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{p} must hold numbers, got dtype {arr.dtype}; "
                        "save a float array (np.save(path, X.astype(np.float32)))")
    if arr.ndim == 0:
        raise DataError(f"{p} holds a single number, expected samples of {n_features} "
                        f"features; save arrays of shape (N, {n_features})")
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
        if not p.is_file():
            what = "is a directory, not a file" if p.is_dir() else "does not exist"
            raise FileNotFoundError(f"input {p} {what}; pass .npy or .png files")
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
