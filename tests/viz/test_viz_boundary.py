"""make_grid, plot_decision_boundary and animate_decision_boundary."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed")
PIL = pytest.importorskip("PIL", reason="Pillow is not installed")

import matplotlib.image as mpimg  # noqa: E402
from PIL import Image  # noqa: E402

from tinyprop import viz  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


def circles(n=200, seed=0):
    """Two noisy concentric circles: class 0 at r=0.5, class 1 at r=1.5."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    y = np.arange(n) % 2
    r = np.where(y == 0, 0.5, 1.5) + rng.normal(0, 0.1, n)
    X = np.column_stack([r * np.cos(theta), r * np.sin(theta)]).astype(np.float32)
    return X, y


def ring_probs(points, sharpness=1.0):
    """A fake classifier: P(class 1) = sigmoid(sharpness * (r - 1))."""
    r = np.hypot(points[:, 0], points[:, 1])
    p1 = 1.0 / (1.0 + np.exp(-sharpness * (r - 1.0)))
    return np.column_stack([1.0 - p1, p1])


# ---- make_grid -------------------------------------------------------------------------
def test_make_grid_contract():
    X, _ = circles()
    xx, yy, points = viz.make_grid(X, n=50, margin=0.5)
    assert xx.shape == yy.shape == (50, 50)
    assert points.shape == (2500, 2) and points.dtype == np.float32
    np.testing.assert_allclose(points[:, 0], xx.ravel(), rtol=1e-6)
    np.testing.assert_allclose(points[:, 1], yy.ravel(), rtol=1e-6)
    assert np.isclose(xx.min(), X[:, 0].min() - 0.5) and np.isclose(yy.max(), X[:, 1].max() + 0.5)
    assert viz.make_grid([[0, 0], [1, 1]], n=3)[2].dtype == np.float64
    xx, _, _ = viz.make_grid([[1.0, 1.0]], n=4, margin=0)  # degenerate extent still a grid
    assert xx.max() > xx.min()


@pytest.mark.parametrize(
    "X, kwargs, exc, words",
    [
        (np.zeros((5, 3)), {}, ValueError, "(N, 2), got shape (5, 3)"),
        (np.zeros(5), {}, ValueError, "got shape (5,)"),
        (np.zeros((0, 2)), {}, ValueError, "empty"),
        (np.array([[0, np.nan]]), {}, ValueError, "NaN"),
        (np.zeros((3, 2)), {"n": 1}, ValueError, "n must be >= 2"),
        (np.zeros((3, 2)), {"margin": -1}, ValueError, "margin"),
    ],
)
def test_make_grid_validation(X, kwargs, exc, words):
    with pytest.raises(exc) as info:
        viz.make_grid(X, **kwargs)
    assert words in str(info.value)


# ---- plot_decision_boundary -------------------------------------------------------------
def test_decision_boundary_ring_png(tmp_path):
    X, y = circles()
    xx, yy, points = viz.make_grid(X, n=120)
    path = tmp_path / "boundary.png"
    fig = viz.plot_decision_boundary(ring_probs(points), X, y, (xx, yy), path=path, title="r")
    img = assert_png(path)
    assert img.shape[0] > 300 and img.shape[1] > 300
    assert fig.axes[0].get_title() == "r"


def _pixel(fig, ax, x, y):
    """RGB of the rendered figure at data coordinates (x, y)."""
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    px, py = ax.transData.transform((x, y))
    return rgba[rgba.shape[0] - int(round(py)), int(round(px)), :3].astype(int)


def test_decision_boundary_orientation_binary_1d_probs():
    # P(class 1) grows with x only: left must be red (class 0), right blue (class 1).
    X = np.array([[-2.0, -2.0], [2.0, 2.0]])
    y = np.array([0, 1])
    xx, yy, points = viz.make_grid(X, n=60)
    p1 = 1.0 / (1.0 + np.exp(-10.0 * points[:, 0]))
    fig = viz.plot_decision_boundary(p1, X, y, (xx, yy))
    ax = fig.axes[0]
    left, right = _pixel(fig, ax, -1.5, 1.5), _pixel(fig, ax, 1.5, -1.5)
    assert left[0] > left[2] + 40, left
    assert right[2] > right[0] + 40, right


def test_decision_boundary_center_of_ring_is_class_0():
    X, y = circles()
    grid = viz.make_grid(X, n=100)
    fig = viz.plot_decision_boundary(lambda pts: ring_probs(pts, 4.0), X, y, grid)
    ax = fig.axes[0]
    center = _pixel(fig, ax, 0.05, 0.05)
    corner = _pixel(fig, ax, 2.0, -2.0)
    assert center[0] > center[2] + 40, center
    assert corner[2] > corner[0] + 40, corner


def test_decision_boundary_multiclass_and_onehot_y(tmp_path):
    X, _ = circles(90)
    y3 = np.arange(90) % 3
    xx, yy, points = viz.make_grid(X, n=40)
    logits = np.column_stack([points[:, 0], points[:, 1], -points[:, 0]])
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    path = tmp_path / "three.png"
    viz.plot_decision_boundary(probs, X, np.eye(3)[y3], (xx, yy, points), path=path)
    assert_png(path)


@pytest.mark.parametrize(
    "case, exc, words",
    [
        ("X3d", ValueError, "two input features"),
        ("ylen", ValueError, "y has 199 labels but 200"),
        ("probs", ValueError, "run the model on the grid's points"),
        ("grid", TypeError, "grid must be (xx, yy)"),
        ("gridshape", ValueError, "meshgrid arrays"),
        ("classes", ValueError, "only 2 classes"),
    ],
)
def test_decision_boundary_validation(case, exc, words):
    X, y = circles()
    xx, yy, points = viz.make_grid(X, n=20)
    probs = ring_probs(points)
    args = {"probs": probs, "X": X, "y": y, "grid": (xx, yy)}
    if case == "X3d":
        args["X"] = np.column_stack([X, X[:, :1]])
    elif case == "ylen":
        args["y"] = y[:-1]
    elif case == "probs":
        args["probs"] = probs[:-1]
    elif case == "grid":
        args["grid"] = xx
    elif case == "gridshape":
        args["grid"] = (xx, yy[:-1])
    elif case == "classes":
        args["y"] = np.where(y == 1, 2, 0)
    with pytest.raises(exc) as info:
        viz.plot_decision_boundary(**args)
    assert words in str(info.value)


# ---- animate_decision_boundary ----------------------------------------------------------
def test_animation_gif_frames(tmp_path):
    X, y = circles()
    xx, yy, points = viz.make_grid(X, n=40)
    frames = ((ring_probs(points, s), f"epoch {s}") for s in range(1, 6))  # a generator
    path = viz.animate_decision_boundary(frames, X, y, (xx, yy), tmp_path / "anim.gif", fps=4)
    assert path == tmp_path / "anim.gif"
    assert path.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == 5
        assert im.info.get("duration") == 250
    assert [p.name for p in tmp_path.iterdir()] == ["anim.gif"]


def test_animation_validation(tmp_path):
    X, y = circles()
    xx, yy, points = viz.make_grid(X, n=20)
    good = [(ring_probs(points), "a"), (ring_probs(points), "b")]
    with pytest.raises(ValueError, match=r"expected one of \.gif"):
        viz.animate_decision_boundary(good, X, y, (xx, yy), tmp_path / "anim.mp4")
    with pytest.raises(ValueError, match="frames is empty"):
        viz.animate_decision_boundary([], X, y, (xx, yy), tmp_path / "a.gif")
    with pytest.raises(ValueError, match="fps"):
        viz.animate_decision_boundary(good, X, y, (xx, yy), tmp_path / "a.gif", fps=0)
    with pytest.raises(TypeError, match=r"frames\[0\] must be a \(probs, title\) pair"):
        viz.animate_decision_boundary([ring_probs(points)], X, y, (xx, yy), tmp_path / "a.gif")
    three = np.full((points.shape[0], 3), 1 / 3)
    bad = [good[0], (three, "c")]
    with pytest.raises(ValueError, match=r"frames\[1\] has 3 classes"):
        viz.animate_decision_boundary(bad, X, y, (xx, yy), tmp_path / "a.gif")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
