"""Each teaching picture is checked for its content, not only for existing (issue 16, item 7)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed")

from tinyprop import viz  # noqa: E402
from tinyprop.data.mnist import FASHION_CLASSES  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_fashion_and_digit_class_names_are_exposed():
    from tinyprop.data import load_dataset

    assert FASHION_CLASSES == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    assert load_dataset("digits").classes == tuple(str(i) for i in range(10))


def test_confusion_matrix_ticks_are_the_class_names(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 200)
    pred = np.where(rng.random(200) < 0.8, y, rng.integers(0, 10, 200))
    fig = viz.plot_confusion_matrix(y, pred, class_names=FASHION_CLASSES,
                                    path=tmp_path / "confusion.png")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(FASHION_CLASSES)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(FASHION_CLASSES)
    assert ax.get_xticklabels()[0].get_rotation() == 45  # long names slant, no overlap


def test_samples_show_mistakes_first_with_names(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.random((40, 784)).astype(np.float32)
    y_true = np.arange(40) % 10
    y_pred = y_true.copy()
    wrong = [7, 19, 33]
    y_pred[wrong] = (y_true[wrong] + 1) % 10
    fig = viz.plot_samples(images, y_true, y_pred, n=16, class_names=FASHION_CLASSES,
                           path=tmp_path / "samples.png")
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert len(titles) == 16
    expected = [f"predicted {FASHION_CLASSES[(i + 1) % 10]}, true {FASHION_CLASSES[i % 10]}"
                for i in wrong]
    assert titles[:3] == expected
    assert all(t.startswith("correct: ") for t in titles[3:])
    assert titles[3] == "correct: T-shirt/top"


def test_curves_epoch_ticks_are_integers():
    history = [{"epoch": e, "train_loss": 1.0 / e, "val_loss": 1.2 / e,
                "train_accuracy": 0.5 + 0.1 * e} for e in (1, 2, 3)]
    fig = viz.plot_curves(history)
    fig.canvas.draw()
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_boundary_grid_is_200_by_200_and_vectorised(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    calls = []

    def probs(points):
        calls.append(points.shape)
        return 1 / (1 + np.exp(-3 * points[:, 0] * points[:, 1]))

    fig = viz.plot_decision_boundary(probs, X, y, path=tmp_path / "boundary.png")
    assert calls == [(200 * 200, 2)]  # one call with the whole 200x200 grid
    assert viz.GRID_SIZE == 200
    xx, yy, points = viz.make_grid(X)
    assert xx.shape == yy.shape == (200, 200) and points.shape == (40000, 2)
    assert fig is not None and (tmp_path / "boundary.png").stat().st_size > 0
    with pytest.raises(ValueError, match="40000"):
        viz.plot_decision_boundary(np.zeros(10), X, y)  # arrays need a matching grid


def test_weights_have_one_colour_bar(tmp_path):
    W = np.random.default_rng(3).normal(size=(12, 64))
    fig = viz.plot_first_layer_weights(W, path=tmp_path / "weights.png")
    image_axes = [ax for ax in fig.axes if ax.images]
    colorbars = {id(ax.images[0].colorbar) for ax in image_axes if ax.images[0].colorbar}
    assert len(colorbars) == 1
    cbar = image_axes[-1].images[0].colorbar
    assert cbar.ax in fig.axes and not cbar.ax.images  # its own axis, beside the units
    assert cbar.ax.get_ylabel().startswith("weight")
    vmax = np.abs(W).max()
    for ax in image_axes:  # one shared scale, so the colour bar reads every unit
        assert ax.images[0].get_clim() == pytest.approx((-vmax, vmax))
