"""Toy 2-D sets, digits, DataSplits, one-hot targets and grids."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tinyprop.data import (
    DataSplits,
    load_digits,
    make_circles,
    make_grid,
    make_moons,
    make_spiral,
    make_xor,
    to_one_hot,
)

TOYS = [make_circles, make_moons, make_xor, make_spiral]


@pytest.mark.parametrize("make", TOYS)
def test_toy_sets_shapes_seeds_balance(make) -> None:
    d = make(seed=0)
    assert isinstance(d, DataSplits)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.X_train.shape[1] == 2 and d.input_shape == (2,)
    assert len(d.X_train) == len(d.X_test) and d.X_val is None
    counts = np.bincount(np.concatenate([d.y_train, d.y_test]), minlength=d.n_classes)
    assert counts.max() - counts.min() <= 1  # balanced classes
    again = make(seed=0)
    np.testing.assert_array_equal(d.X_train, again.X_train)
    np.testing.assert_array_equal(d.y_test, again.y_test)
    assert not np.array_equal(d.X_train, make(seed=1).X_train)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(make(seed=g1).X_test, make(seed=g2).X_test)
    assert make(seed=0, dtype=np.float64).X_train.dtype == np.float64


def test_circles_matches_seed_001_layout() -> None:
    d = make_circles(seed=0)
    assert d.X_train.shape == (200, 2) and d.X_test.shape == (200, 2)
    assert d.Y_train.shape == (200, 2) and d.Y_test.dtype == np.float32
    np.testing.assert_array_equal(d.Y_train.argmax(1), d.y_train)
    r = np.linalg.norm(d.X_train, axis=1)
    assert r[d.y_train == 0].mean() < 0.6 < 1.0 < r[d.y_train == 1].mean()
    assert np.abs(d.X_train).max() < 2.0  # inside the grid
    g = d.grid()
    assert g.points.shape == (1600, 2) and g.shape == (40, 40)
    assert g.points.min() == -2.0 and np.isclose(g.points.max(), 1.9)
    scores = np.stack([g.points[:, 0], -g.points[:, 0]], axis=1)
    assert g.reshape(scores).shape == (40, 40, 2)
    np.testing.assert_array_equal(g.reshape(g.points[:, 0]), g.xx)


def test_spiral_classes_and_val_split() -> None:
    d = make_spiral(n_train=400, n_test=100, n_classes=4, seed=0, val_size=0.25)
    assert d.n_classes == 4 and sorted(set(d.y_train.tolist())) == [0, 1, 2, 3]
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (300, 100, 100)
    assert len(d.as_tuple()) == 6
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        make_spiral(n_classes=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"noise": -0.1}, ValueError, "noise must be >= 0, got -0.1"),
        ({"noise": float("nan")}, ValueError, "noise must be a finite number >= 0, got nan"),
        ({"noise": "x"}, TypeError, r"noise must be a real number >= 0, got 'x' \(str\)"),
        ({"n_train": 0}, ValueError, "n_train must be >= 1"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        ({"val_size": 1.0}, ValueError, r"val_size as a fraction must be in \[0, 1\)"),
        ({"val_size": 200}, ValueError, "leave no training samples"),
    ],
)
def test_toy_bad_inputs(kwargs, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        make_moons(**kwargs)


def test_return_x_y() -> None:
    X_train, y_train, X_test, y_test = make_xor(seed=0, return_X_y=True)
    assert X_train.shape == (200, 2) and y_test.shape == (200,)


def test_digits() -> None:
    d = load_digits(seed=0)
    assert d.X_train.shape == (1438, 64) and d.X_test.shape == (359, 64)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.X_train.min() == 0.0 and d.X_train.max() == 1.0
    assert d.n_classes == 10 and d.name == "digits"
    np.testing.assert_array_equal(d.X_test, load_digits(seed=0).X_test)
    assert not np.array_equal(d.y_test, load_digits(seed=1).y_test)
    sq = load_digits(flatten=False, test_size=0.1, val_size=0.1, seed=0, dtype=np.float64)
    assert sq.X_train.shape[1:] == (8, 8) and sq.input_shape == (8, 8)
    assert (len(sq.X_train), len(sq.X_val), len(sq.X_test)) == (1455, 162, 180)
    assert sq.X_train.dtype == np.float64
    # all 1,797 samples, each exactly once
    all_X = np.concatenate([sq.X_train, sq.X_val, sq.X_test]).reshape(-1, 64)
    full = load_digits(test_size=0, dtype=np.float64)
    assert full.X_test.shape == (0, 64)
    np.testing.assert_array_equal(np.unique(all_X, axis=0), np.unique(full.X_train, axis=0))
    with pytest.raises(ValueError, match="test_size"):
        load_digits(test_size=2000)


def test_to_one_hot_and_make_grid() -> None:
    np.testing.assert_array_equal(to_one_hot([1, 0, 2]), np.eye(3)[[1, 0, 2]])
    assert to_one_hot(np.array([0, 1]), 4, dtype=np.float64).shape == (2, 4)
    with pytest.raises(ValueError, match=r"class indices in 0..2, got values in 0..3"):
        to_one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="1-D class indices"):
        to_one_hot(np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="limits must be increasing"):
        make_grid((1, 0), (0, 1))
    g = make_grid((0, 1), (0, 2), n=4)
    assert g.shape == (4, 4) and g.points.shape == (16, 2)
    with pytest.raises(ValueError, match="one row per grid point"):
        g.reshape(np.zeros(5))


def test_data_splits_helpers() -> None:
    d = make_moons(seed=0, val_size=50)
    assert d.has_val and d.val[0] is d.X_val and d.train[1] is d.y_train
    assert d.Y_val.shape == (50, 2)
    assert "train=float32(150, 2)" in repr(d)
    loader = d.loader(batch_size=50, seed=0)
    assert len(loader) == 3 and loader.shuffle
    assert not d.loader("test", batch_size=50).shuffle
    with pytest.raises(ValueError, match="no validation split"):
        make_moons(seed=0).loader("val")
    with pytest.raises(ValueError, match="split must be"):
        d.loader("dev")
    with pytest.raises(ValueError, match="needs 2-D samples"):
        load_digits().grid()
    with pytest.raises(ValueError, match="same length"):
        DataSplits(np.zeros((3, 2)), np.zeros(2, int), np.zeros((1, 2)), np.zeros(1, int))
    manual = DataSplits(np.zeros((3, 2)), np.array([0, 1, 2]), np.zeros((1, 2)), np.array([0]))
    assert manual.n_classes == 3 and manual.input_shape == (2,) and manual.classes[2] == "2"
    assert manual.grid(n=5).shape == (5, 5)  # bounds from the data


def test_import_is_light() -> None:
    code = (
        "import sys, tinyprop.data; "
        "bad = [m for m in ('sklearn', 'matplotlib', 'torch', 'urllib.request') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
