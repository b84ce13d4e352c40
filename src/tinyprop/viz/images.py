"""Image grids: labelled samples (with mistakes highlighted) and first-layer weights."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_labels, check_positive_int, grid_layout, image_shape_for
from ._mpl import check_path, finish, pyplot

_MISTAKE = "#d62728"


def _as_images(images, image_shape, what: str) -> np.ndarray:
    """(N, H, W) or (N, H, W, C) float images from stacked or flattened input."""
    arr = as_float_array(images, what)
    if arr.ndim == 2:
        shape = image_shape_for(arr.shape[1], image_shape, what)
        return arr.reshape((arr.shape[0],) + shape)
    if arr.ndim == 3 or (arr.ndim == 4 and arr.shape[-1] in (1, 3, 4)):
        if image_shape is not None and tuple(image_shape) != arr.shape[1:]:
            raise ValueError(
                f"image_shape {tuple(image_shape)} does not match {what} of shape "
                f"{tuple(arr.shape)}; leave image_shape out for stacked images"
            )
        return arr[..., 0] if arr.ndim == 4 and arr.shape[-1] == 1 else arr
    raise ValueError(
        f"{what} must have shape (N, H, W), (N, H, W, C) or flattened (N, H*W), got {arr.shape}"
    )


def _label_text(label: int, class_names) -> str:
    if class_names is None:
        return str(label)
    return class_names[label] if 0 <= label < len(class_names) else str(label)


def _show(ax, img, **kwargs):
    if img.ndim == 3:  # colour: scale to [0, 1] for imshow
        lo, hi = float(img.min()), float(img.max())
        img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        ax.imshow(img, interpolation="nearest")
    else:
        ax.imshow(img, interpolation="nearest", **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_samples(
    images,
    y_true,
    y_pred=None,
    n=16,
    class_names=None,
    path=None,
    image_shape=None,
    only_mistakes=False,
    title=None,
):
    """A grid of the first ``n`` images titled "true/pred"; mistakes are drawn in red.

    ``images``: (N, H, W), (N, H, W, C) or flattened (N, D) with a square D (64 -> 8x8,
    784 -> 28x28) unless ``image_shape=(H, W)`` is given. ``y_true``/``y_pred``: labels
    (N,) or one-hot/scores (N, K). ``only_mistakes=True`` shows the first ``n``
    misclassified images instead. Returns the Figure; with ``path`` saves and closes it.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "samples.png")
    >>> fig = plot_samples(np.eye(4).reshape(4, 2, 2), [0, 1, 2, 3], [0, 1, 2, 0], path=path)
    >>> os.path.exists(path), [t.get_text() for t in fig.texts]
    (True, ['true/pred (1 of 4 shown wrong, in red)'])
    """
    if path is not None:
        check_path(path)
    imgs = _as_images(images, image_shape, "images")
    n = check_positive_int(n, "n")
    t = as_labels(y_true, "y_true", n=len(imgs))
    p = None if y_pred is None else as_labels(y_pred, "y_pred", n=len(imgs))
    if class_names is not None:
        class_names = [str(c) for c in class_names]
    idx = np.arange(len(imgs))
    if only_mistakes:
        if p is None:
            raise ValueError("only_mistakes=True needs y_pred; pass the predicted labels")
        idx = idx[t != p]
    idx = idx[:n]
    plt = pyplot()
    if len(idx) == 0:
        return _empty_samples_figure(plt, only_mistakes and len(imgs), path)
    rows, cols = grid_layout(len(idx))
    fig, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 1.7 * rows), squeeze=False)
    lo, hi = float(imgs[idx].min()), float(imgs[idx].max())
    for ax in axes.flat[len(idx) :]:
        ax.axis("off")
    for ax, i in zip(axes.flat, idx):
        _show(ax, imgs[i], cmap="gray_r", vmin=lo, vmax=hi)
        _title_sample(ax, int(t[i]), None if p is None else int(p[i]), class_names)
    head = _samples_heading(t, p, idx)
    fig.suptitle(f"{title}: {head}" if title else head, fontsize=10)
    fig.tight_layout()
    return finish(fig, path)


def _empty_samples_figure(plt, no_mistakes, path):
    """A small figure saying there is nothing to show."""
    fig, ax = plt.subplots(figsize=(4, 1.5))
    ax.axis("off")
    msg = "no mistakes" if no_mistakes else "no images"
    ax.text(0.5, 0.5, msg, ha="center", va="center", fontsize=12)
    return finish(fig, path)


def _title_sample(ax, true: int, pred, class_names) -> None:
    """Title one sample "true/pred"; a mistake gets a red bold title and red frame."""
    text = _label_text(true, class_names)
    wrong = False
    if pred is not None:
        text += "/" + _label_text(pred, class_names)
        wrong = bool(true != pred)
    ax.set_title(
        text,
        fontsize=9,
        color=_MISTAKE if wrong else "black",
        fontweight="bold" if wrong else "normal",
    )
    if wrong:
        for spine in ax.spines.values():
            spine.set_edgecolor(_MISTAKE)
            spine.set_linewidth(2.5)


def _samples_heading(t, p, idx) -> str:
    """The figure heading: what the titles mean and how many shown are wrong."""
    head = "true/pred" if p is not None else "true label"
    if p is not None:
        n_wrong = int((t[idx] != p[idx]).sum())
        head += f" ({n_wrong} of {len(idx)} shown wrong, in red)"
    return head


def plot_first_layer_weights(weight, image_shape=None, n=None, path=None, title=None):
    """Show each hidden unit's incoming weights as an image (a row of ``weight``).

    ``weight``: the first layer's (out, in) matrix (PyTorch/tinyprop ``Linear.weight``
    layout; pass ``W.T`` for an (in, out) matrix). Each row is reshaped to
    ``image_shape`` (inferred when ``in`` is a square: 64 -> 8x8, 784 -> 28x28).
    ``n``: how many units to show (default: all). Each image uses a diverging colour
    map centred on 0 (red positive, blue negative).
    Returns the Figure; with ``path`` saves it (PNG) and closes it.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.png")
    >>> fig = plot_first_layer_weights(np.eye(4), path=path)  # 4 units, 2x2 inputs
    >>> os.path.exists(path), [t.get_text() for t in fig.texts]
    (True, ['first-layer weights (4 of 4 units, 2x2)'])
    """
    if path is not None:
        check_path(path)
    w = as_float_array(weight, "weight")
    if w.ndim != 2:
        raise ValueError(
            f"weight must be a 2-D (out, in) matrix, got shape {tuple(w.shape)}; "
            "pass the first Linear layer's weight"
        )
    try:
        shape = image_shape_for(w.shape[1], image_shape, "weight")
    except ValueError as exc:
        hint = ""
        if image_shape is None and int(np.sqrt(w.shape[0])) ** 2 == w.shape[0]:
            hint = "; if your matrix is (in, out), pass weight.T"
        raise ValueError(f"{exc}{hint}") from None
    n = w.shape[0] if n is None else min(check_positive_int(n, "n"), w.shape[0])
    rows, cols = grid_layout(n)
    plt = pyplot()
    fig, axes = plt.subplots(
        rows, cols, figsize=(1.2 * cols + 0.5, 1.2 * rows + 0.6), squeeze=False
    )
    for ax in axes.flat[n:]:
        ax.axis("off")
    for u, ax in enumerate(axes.flat[:n]):
        img = w[u].reshape(shape)
        vmax = float(np.abs(img).max()) or 1.0
        _show(ax, img, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        if n <= 64:
            ax.set_title(f"unit {u}", fontsize=7)
    head = f"first-layer weights ({n} of {w.shape[0]} units, {shape[0]}x{shape[1]})"
    fig.suptitle(f"{title}: {head}" if title else head, fontsize=10)
    fig.tight_layout()
    return finish(fig, path)
