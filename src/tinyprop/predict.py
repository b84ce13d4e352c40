"""Turn user files (.npy arrays, PNG images) into model inputs for ``tinyprop predict``."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _image_to_features(path: Path, shape: tuple, scale_max: float) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            gray = im.convert("L").resize((shape[1], shape[0]), Image.Resampling.BILINEAR)
            arr = np.asarray(gray, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as e:
        raise ValueError(f"{path} is not a readable image ({e}); pass a PNG file") from None
    return (arr * scale_max).reshape(-1)


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
            raise FileNotFoundError(f"input {p} does not exist")
        if p.suffix.lower() == ".npy":
            try:
                arr = np.load(p, allow_pickle=False)
            except ValueError as e:
                raise ValueError(f"{p} is not a plain .npy array ({e})") from None
            arr = np.asarray(arr, dtype=np.float32)
            arr = arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(len(arr), -1)
            if arr.shape[1] != n_features:
                raise ValueError(
                    f"{p} has {arr.shape[1]} features per sample, the model expects "
                    f"{n_features}; save arrays of shape (N, {n_features})"
                )
            if not np.isfinite(arr).all():
                raise ValueError(f"{p} contains NaN or infinite values; clean the data first")
            rows.append(arr)
            names += [f"{p.name}[{i}]" for i in range(len(arr))] if len(arr) > 1 else [p.name]
        elif p.suffix.lower() == ".png":
            side = int(round(np.sqrt(n_features)))
            if side * side != n_features:
                raise ValueError(f"images need a square-image dataset; this model takes "
                                 f"{n_features} features")
            rows.append(_image_to_features(p, (side, side), 1.0)[None, :])
            names.append(p.name)
        else:
            raise ValueError(f"unsupported input {p.name}: expected a .npy array or a .png image")
    return np.concatenate(rows).astype(np.float32), names
