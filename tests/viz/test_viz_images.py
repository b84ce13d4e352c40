"""plot_samples and plot_first_layer_weights."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.image as mpimg  # noqa: E402

from tinyprop import viz  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RED = mcolors.to_rgba("#d62728")


def assert_png(path):
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 0 and img.shape[1] > 0
    return img


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def test_plot_samples_flat_8x8_and_mistakes(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((20, 64))
    y_true = np.arange(20) % 10
    y_pred = y_true.copy()
    y_pred[[1, 5]] = 9 - y_true[[1, 5]]
    path = tmp_path / "samples.png"
    fig = viz.plot_samples(images, y_true, y_pred, n=9, path=path)
    assert_png(path)
    axes = image_axes(fig)
    assert len(axes) == 9
    assert axes[0].images[0].get_array().shape == (8, 8)
    # mistakes first (samples 1 and 5), then the correct ones in data order
    assert [ax.get_title() for ax in axes[:3]] == [
        "predicted 8, true 1", "predicted 4, true 5", "correct: 0"
    ]
    assert mcolors.to_rgba(axes[1].title.get_color()) == RED
    assert mcolors.to_rgba(axes[2].title.get_color()) != RED
    assert mcolors.to_rgba(axes[1].spines["left"].get_edgecolor()) == RED
    np.testing.assert_allclose(axes[0].images[0].get_array(), images[1].reshape(8, 8))
    assert "2 of 9 shown wrong" in fig._suptitle.get_text()
    fig = viz.plot_samples(images, y_true, y_pred, n=9, mistakes_first=False)
    assert image_axes(fig)[1].get_title() == "predicted 8, true 1"


def test_plot_samples_784_class_names_and_only_mistakes(tmp_path):
    images = np.zeros((6, 784), dtype=np.float32)
    names = ["zero", "one", "two"]
    fig = viz.plot_samples(
        images, [0, 1, 2, 0, 1, 2], [0, 2, 2, 1, 1, 2], class_names=names, only_mistakes=True
    )
    axes = image_axes(fig)
    assert [ax.get_title() for ax in axes] == [
        "predicted two, true one", "predicted one, true zero"
    ]
    assert axes[0].images[0].get_array().shape == (28, 28)


def test_plot_samples_stacked_rgb_no_pred_and_no_mistakes(tmp_path):
    fig = viz.plot_samples(np.random.default_rng(1).random((3, 5, 7)), [0, 1, 2], n=16)
    assert len(image_axes(fig)) == 3
    assert image_axes(fig)[2].get_title() == "2"
    fig = viz.plot_samples(np.random.default_rng(1).random((4, 6, 6, 3)), [0, 1, 1, 0])
    assert image_axes(fig)[0].images[0].get_array().shape == (6, 6, 3)
    path = tmp_path / "none.png"
    fig = viz.plot_samples(np.zeros((2, 4)), [0, 1], [0, 1], only_mistakes=True, path=path)
    assert_png(path)
    assert fig.axes[0].texts[0].get_text() == "no mistakes"


def test_plot_samples_needs_image_shape_for_non_square():
    with pytest.raises(ValueError, match=r"pass image_shape=\(H, W\)"):
        viz.plot_samples(np.zeros((4, 60)), [0, 1, 2, 3])
    fig = viz.plot_samples(np.zeros((4, 60)), [0, 1, 2, 3], image_shape=(6, 10))
    assert image_axes(fig)[0].images[0].get_array().shape == (6, 10)
    with pytest.raises(ValueError, match="does not fit"):
        viz.plot_samples(np.zeros((4, 60)), [0, 1, 2, 3], image_shape=(7, 10))


@pytest.mark.parametrize(
    "images, y_true, y_pred, kwargs, exc, words",
    [
        (np.zeros((4, 64)), [0, 1, 2], None, {}, ValueError, "y_true has 3 labels but 4"),
        (np.zeros((4, 64)), [0, 1, 2, 3], [0, 1], {}, ValueError, "y_pred has 2 labels"),
        (np.zeros(64), [0], None, {}, ValueError, "(N, H, W)"),
        (np.zeros((4, 64)), [0, 1, 2, 3], None, {"n": 0}, ValueError, "n must be"),
        (np.zeros((4, 64)), [0, 1, 2, 3], None, {"only_mistakes": True}, ValueError, "y_pred"),
        ([["a"]], [0], None, {}, TypeError, "numbers"),
    ],
)
def test_plot_samples_validation(images, y_true, y_pred, kwargs, exc, words):
    with pytest.raises(exc) as info:
        viz.plot_samples(images, y_true, y_pred, **kwargs)
    assert words in str(info.value)


def test_plot_first_layer_weights(tmp_path):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(10, 64))
    path = tmp_path / "weights.png"
    fig = viz.plot_first_layer_weights(W, path=path)
    assert_png(path)
    axes = image_axes(fig)
    assert len(axes) == 10
    np.testing.assert_allclose(axes[3].images[0].get_array(), W[3].reshape(8, 8))
    vmin, vmax = axes[3].images[0].get_clim()
    assert vmin == -vmax  # centred on zero
    fig = viz.plot_first_layer_weights(rng.normal(size=(30, 784)), n=4)
    assert len(image_axes(fig)) == 4
    assert "4 of 30 units, 28x28" in fig._suptitle.get_text()


def test_plot_first_layer_weights_validation():
    with pytest.raises(ValueError, match=r"pass weight\.T"):
        viz.plot_first_layer_weights(np.zeros((64, 10)))
    with pytest.raises(ValueError, match=r"2-D \(out, in\)"):
        viz.plot_first_layer_weights(np.zeros((2, 8, 8)))
    fig = viz.plot_first_layer_weights(np.zeros((3, 12)), image_shape=(3, 4))
    assert image_axes(fig)[0].images[0].get_array().shape == (3, 4)
