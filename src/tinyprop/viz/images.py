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
    mistakes_first=True,
):
    """A grid of ``n`` labelled images, mistakes first, each titled in words.

    With ``y_pred``, misclassified images come first (``mistakes_first=True``, in data
    order), each titled "predicted X, true Y" in red with a red frame; the rest of the
    ``n`` panels are correct ones titled "correct: X". ``class_names`` (one str per
    class, e.g. a dataset's ``classes``) replace the numbers. ``only_mistakes=True``
    shows mistakes only; ``mistakes_first=False`` keeps data order. Without ``y_pred``
    each title is the true label. ``images``: (N, H, W), (N, H, W, C) or flattened
    (N, D) with a square D (64 -> 8x8, 784 -> 28x28) unless ``image_shape=(H, W)`` is
    given; pass the whole test set to find its mistakes. ``y_true``/``y_pred``: labels
    (N,) or one-hot/scores (N, K). Returns the Figure; with ``path`` saves and closes it.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "samples.png")
    >>> fig = plot_samples(np.eye(4).reshape(4, 2, 2), [0, 1, 2, 3], [0, 1, 2, 0], path=path,
    ...                    class_names=["cat", "dog", "cow", "owl"])
    >>> [ax.get_title() for ax in fig.axes][:2], [t.get_text() for t in fig.texts]
    (['predicted cat, true owl', 'correct: cat'], ['1 of 4 shown wrong (mistakes first, in red)'])
    """
    if path is not None:
        check_path(path)
    imgs = _as_images(images, image_shape, "images")
    n = check_positive_int(n, "n")
    t = as_labels(y_true, "y_true", n=len(imgs))
    p = None if y_pred is None else as_labels(y_pred, "y_pred", n=len(imgs))
    if class_names is not None:
        class_names = [str(c) for c in class_names]
    idx = _sample_order(t, p, only_mistakes, mistakes_first)[:n]
    plt = pyplot()
    if len(idx) == 0:
        return _empty_samples_figure(plt, only_mistakes and len(imgs), path)
    rows, cols = grid_layout(len(idx))
    wide = p is not None and (class_names is not None or t.max() >= 10)
    fig, axes = plt.subplots(
        rows, cols, figsize=((2.2 if wide else 1.7) * cols, 1.9 * rows), squeeze=False
    )
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


def _sample_order(t, p, only_mistakes: bool, mistakes_first: bool) -> np.ndarray:
    """Indices to show: mistakes (data order) before correct ones, or data order."""
    idx = np.arange(len(t))
    if p is None:
        if only_mistakes:
            raise ValueError("only_mistakes=True needs y_pred; pass the predicted labels")
        return idx
    wrong = t != p
    if only_mistakes:
        return idx[wrong]
    if mistakes_first:
        return np.concatenate([idx[wrong], idx[~wrong]])
    return idx


def _empty_samples_figure(plt, no_mistakes, path):
    """A small figure saying there is nothing to show."""
    fig, ax = plt.subplots(figsize=(4, 1.5))
    ax.axis("off")
    msg = "no mistakes" if no_mistakes else "no images"
    ax.text(0.5, 0.5, msg, ha="center", va="center", fontsize=12)
    return finish(fig, path)


def _title_sample(ax, true: int, pred, class_names) -> None:
    """Title one sample; a mistake reads "predicted X, true Y", red, with a red frame."""
    wrong = pred is not None and true != pred
    if pred is None:
        text = _label_text(true, class_names)
    elif wrong:
        text = f"predicted {_label_text(pred, class_names)}, true {_label_text(true, class_names)}"
    else:
        text = f"correct: {_label_text(true, class_names)}"
    ax.set_title(
        text,
        fontsize=7 if len(text) > 24 else 8,
        color=_MISTAKE if wrong else "black",
        fontweight="bold" if wrong else "normal",
    )
    if wrong:
        for spine in ax.spines.values():
            spine.set_edgecolor(_MISTAKE)
            spine.set_linewidth(2.5)


def _samples_heading(t, p, idx) -> str:
    """The figure heading: how many shown are wrong."""
    if p is None:
        return "true labels"
    n_wrong = int((t[idx] != p[idx]).sum())
    return f"{n_wrong} of {len(idx)} shown wrong (mistakes first, in red)"


def plot_first_layer_weights(weight, image_shape=None, n=None, path=None, title=None):
    """Show each hidden unit's incoming weights as an image (a row of ``weight``).

    ``weight``: the first layer's (out, in) matrix (PyTorch/tinyprop ``Linear.weight``
    layout; pass ``W.T`` for an (in, out) matrix). Each row is reshaped to
    ``image_shape`` (inferred when ``in`` is a square: 64 -> 8x8, 784 -> 28x28).
    ``n``: how many units to show (default: all). Each image uses a diverging colour
    map centred on 0 (red positive, blue negative), one scale shared by all units, read
    off the colour bar at the right (``fig.axes[-1]``).
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
        rows, cols, figsize=(1.2 * cols + 1.3, 1.2 * rows + 0.6), squeeze=False
    )
    for ax in axes.flat[n:]:
        ax.axis("off")
    vmax = float(np.abs(w[:n]).max()) or 1.0  # one scale for all units: one colour bar
    image = None
    for u, ax in enumerate(axes.flat[:n]):
        _show(ax, w[u].reshape(shape), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        image = ax.images[-1] if ax.images else image
        if n <= 64:
            ax.set_title(f"unit {u}", fontsize=7)
    head = f"first-layer weights ({n} of {w.shape[0]} units, {shape[0]}x{shape[1]})"
    fig.suptitle(f"{title}: {head}" if title else head, fontsize=10)
    fig.tight_layout(rect=(0, 0, 0.88, 1))
    cax = fig.add_axes((0.9, 0.15, 0.025, 0.7))
    cbar = fig.colorbar(image, cax=cax)
    cbar.set_label("weight (red +, blue -)")
    return finish(fig, path)
