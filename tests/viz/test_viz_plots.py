"""plot_curves, confusion_matrix and plot_confusion_matrix."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed")

import matplotlib.image as mpimg  # noqa: E402

from tinyprop import viz  # noqa: E402
from tinyprop.viz import plots  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 0 and img.shape[1] > 0
    return img


def no_temp_files(directory):
    return [p.name for p in directory.iterdir() if ".tmp" in p.name] == []


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def history(n=5, with_val=True):
    rows = []
    for e in range(1, n + 1):
        row = {"epoch": e, "train_loss": 1.0 / e, "train_accuracy": 1 - 0.5 / e}
        if with_val and e % 2:  # validation only every other epoch: gaps are fine
            row.update(val_loss=1.2 / e, val_accuracy=1 - 0.6 / e)
        rows.append(row)
    return rows


# ---- plot_curves -----------------------------------------------------------------------
def test_plot_curves_png(tmp_path):
    path = tmp_path / "curves.png"
    fig = viz.plot_curves(history(), path=path, title="demo")
    assert_png(path)
    assert no_temp_files(tmp_path)
    loss_ax, acc_ax = fig.axes
    assert {line.get_label() for line in loss_ax.get_lines()} == {"train", "val"}
    val = [line for line in loss_ax.get_lines() if line.get_label() == "val"][0]
    np.testing.assert_allclose(val.get_xdata(), [1, 3, 5])
    assert acc_ax.get_ylabel() == "accuracy"


def test_plot_curves_returns_open_figure_without_path():
    fig = viz.plot_curves(history(3, with_val=False))
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train"]


def test_plot_curves_loss_only_and_test_split(tmp_path):
    rows = [{"train_loss": 1.0, "test_loss": 1.1, "lr": 0.1}, {"train_loss": 0.5, "test_loss": 0.7}]
    fig = viz.plot_curves(rows, path=tmp_path / "loss.png")
    assert len(fig.axes) == 1
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["train", "test"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_xdata(), [1, 2])


def test_plot_curves_dict_of_lists_and_numpy_scalars(tmp_path):
    cols = {"train_loss": [np.float32(1.0), np.float32(0.5)], "val_acc": [0.5, 0.75]}
    fig = viz.plot_curves(cols, path=tmp_path / "c.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        ([], ValueError, "empty"),
        ("train_loss", TypeError, "list of per-epoch dicts"),
        ([1.0, 2.0], TypeError, "history[0]"),
        ([{"epoch": 1, "lr": 0.1}], ValueError, "train_loss"),
        ([{"train_loss": "high"}], TypeError, "not a number"),
        ({"train_loss": [1.0, 2.0], "val_loss": [1.0]}, ValueError, "common length"),
    ],
)
def test_plot_curves_bad_history(bad, exc, words):
    with pytest.raises(exc, match=None) as info:
        viz.plot_curves(bad)
    assert words in str(info.value)


def test_bad_path_suffix_is_rejected_before_drawing(tmp_path):
    with pytest.raises(ValueError, match=r"expected one of \.png"):
        viz.plot_curves(history(), path=tmp_path / "curves.jpeg")
    with pytest.raises(TypeError, match="path must be"):
        viz.plot_curves(history(), path=3)
    assert list(tmp_path.iterdir()) == []


def test_save_creates_parent_dirs_and_svg(tmp_path):
    path = tmp_path / "run" / "plots" / "curves.svg"
    viz.plot_curves(history(), path=path)
    assert path.read_bytes().lstrip().startswith(b"<?xml")


# ---- confusion_matrix ------------------------------------------------------------------
def test_confusion_matrix_hand_computed():
    y_true = [0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0, 2]
    expected = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    cm = viz.confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64
    assert cm.sum() == 7 and np.trace(cm) == 5


def test_confusion_matrix_padding_onehot_scores_and_inference():
    cm = viz.confusion_matrix([0, 1], [1, 1], n_classes=4)
    assert cm.shape == (4, 4) and cm[0, 1] == 1 and cm[1, 1] == 1
    onehot = np.eye(3)[[0, 2, 1]]
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    np.testing.assert_array_equal(
        viz.confusion_matrix(onehot, scores), [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    )
    assert viz.confusion_matrix(np.array([0.0, 2.0]), np.array([2, 2])).shape == (3, 3)
    assert viz.confusion_matrix([], [], n_classes=2).sum() == 0


def test_confusion_matrix_doctest():
    result = doctest.testmod(plots, verbose=False)
    assert result.attempted >= 1 and result.failed == 0


@pytest.mark.parametrize(
    "y_true, y_pred, n, exc, words",
    [
        ([0, 1, 2], [0, 1], 3, ValueError, "y_true has 3 labels but y_pred has 2"),
        ([0, 3], [0, 1], 3, ValueError, "n_classes=3"),
        ([0, -1], [0, 1], 3, ValueError, ">= 0"),
        ([0, 1], [0.5, 1], 3, ValueError, "non-integer"),
        ([0, 1], ["a", "b"], 3, TypeError, "integer class labels"),
        (np.zeros((2, 2, 2)), [0, 1], 3, ValueError, "got shape (2, 2, 2)"),
        ([0, 1], [0, 1], 0, ValueError, "positive int"),
        ([], [], None, ValueError, "n_classes"),
    ],
)
def test_confusion_matrix_validation(y_true, y_pred, n, exc, words):
    with pytest.raises(exc) as info:
        viz.confusion_matrix(y_true, y_pred, n)
    assert words in str(info.value)


# ---- plot_confusion_matrix ---------------------------------------------------------------
def test_plot_confusion_matrix_png_and_cell_texts(tmp_path):
    path = tmp_path / "cm.png"
    fig = viz.plot_confusion_matrix(
        [0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2], class_names=["a", "b", "c"], path=path
    )
    assert_png(path)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1", "1", "0", "0", "2", "0", "1", "0", "2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert "accuracy 71.4%" in ax.get_title()


def test_plot_confusion_matrix_normalized(tmp_path):
    fig = viz.plot_confusion_matrix(
        [0, 0, 1, 1], [0, 1, 1, 1], n_classes=3, normalize=True, path=tmp_path / "n.png"
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:3] == ["0.50", "0.50", "0.00"]
    assert texts[6:] == ["0.00", "0.00", "0.00"]  # empty row stays 0, not NaN


def test_plot_confusion_matrix_class_names_mismatch():
    with pytest.raises(ValueError, match="class_names has 2 names but there are 3 classes"):
        viz.plot_confusion_matrix([0, 1, 2], [0, 1, 2], n_classes=3, class_names=["a", "b"])
