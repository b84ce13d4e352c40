"""Settings and data of the playground: what is accepted and how refusals read."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.errors import ConfigError, DataError, TinypropTypeError
from tinyprop.playground.data import MAX_CSV_BYTES, features, make_points, parse_csv
from tinyprop.playground.settings import LIVE, Settings


def test_url_strings_become_settings():
    s = Settings().updated({"hidden": "8,3,1", "activations": "relu", "features": "x2,x1,sinx1",
                            "lr": "0.1", "batch_size": "4", "seed": "7"})
    assert s.hidden == [8, 3, 1]
    assert s.activations == ["relu", "relu", "relu"]  # new layers copy the last activation
    assert s.features == ["x1", "x2", "sinx1"]  # one fixed order
    assert (s.lr, s.batch_size, s.seed) == (0.1, 4, 7)


@pytest.mark.parametrize("changes, error, words", [
    ({"hiden": [4]}, ConfigError, "setting names"),
    ({"hidden": [4] * 7}, ConfigError, "at most 6 hidden layers"),
    ({"hidden": [9]}, ConfigError, "<= 8"),
    ({"hidden": "4,x"}, TinypropTypeError, "a list of integers"),
    ({"activations": ["softmax"]}, ConfigError, "'tanh', 'relu', 'sigmoid', 'linear'"),
    ({"features": []}, ConfigError, "at least one input feature"),
    ({"lr": 0}, ConfigError, "lr must be > 0"),
    ({"lr": "fast"}, TinypropTypeError, "lr must be a real number"),
    ({"dropout": 0.95}, ConfigError, "dropout must be >= 0 and <= 0.9"),
    ({"optimizer": "lbfgs"}, ConfigError, "optimizer must be one of"),
])
def test_bad_settings_are_refused_with_a_fix(changes, error, words):
    with pytest.raises(error) as e:
        Settings().updated(changes)
    assert words in str(e.value)


def test_switching_the_problem_picks_its_dataset():
    s = Settings().updated({"problem": "regression"})
    assert s.dataset == "plane"
    assert Settings().updated({"problem": "regression", "dataset": "multigauss"}).dataset == \
        "multigauss"


def test_live_settings_are_the_optimisation_ones():
    assert {"lr", "reg", "reg_rate", "dropout", "batch_size"} == LIVE


@pytest.mark.parametrize("name", ["circles", "xor", "gauss", "spiral", "moons"])
def test_classification_sets_split_by_ratio(name):
    s = Settings().updated({"dataset": name, "n_points": 200, "train_ratio": 0.3})
    p = make_points(s)
    assert (len(p.y_train), len(p.y_test)) == (60, 140)
    assert set(np.unique(np.concatenate([p.y_train, p.y_test]))) == {0, 1}
    assert p.X_train.dtype == np.float32


def test_noise_and_seed_change_the_points():
    base = make_points(Settings())
    assert not np.array_equal(base.X_train, make_points(Settings(noise=0.3)).X_train)
    assert not np.array_equal(base.X_train, make_points(Settings(seed=1)).X_train)
    assert np.array_equal(base.X_train, make_points(Settings()).X_train)


@pytest.mark.parametrize("name", ["plane", "multigauss"])
def test_regression_sets_have_float_targets(name):
    p = make_points(Settings(problem="regression", dataset=name))
    assert p.problem == "regression" and p.y_train.shape == (250, 1)
    assert p.y_train.dtype == np.float32


def test_features_are_the_named_functions():
    X = np.array([[0.5, -2.0]], dtype=np.float32)
    got = features(X, ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"])[0]
    np.testing.assert_allclose(got, [0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)],
                               rtol=1e-6)


def test_csv_with_and_without_header():
    t = parse_csv(b"a,b,cls\n0,0,-1\n1,1,1\n0,1,1\n1,0,-1\n", "classification")
    assert t.y.tolist() == [0, 1, 1, 0] and t.classes == (-1.0, 1.0)
    t = parse_csv(b"0;0;0.5\n1;1;1.5\n0;1;2\n1;0;3\n", "regression")
    assert t.y.tolist() == [0.5, 1.5, 2.0, 3.0]


@pytest.mark.parametrize("raw, problem, words", [
    (b"x1,x2,label\n0,0,0\n1,1\n0,1,1\n1,0,0\n", "classification",
     "row 3 has 2 value(s): column(s) 'label' are missing"),
    (b"x1,x2\n0,0\n1,1\n", "classification", "it needs three"),
    (b"x1,x2,label\n0,0,0\n1,abc,1\n0,1,1\n1,0,0\n", "classification",
     "row 3, column 'x2': 'abc' is not a number"),
    (b"x1,x2,label\n0,0,0\n1,nan,1\n0,1,1\n1,0,0\n", "classification",
     "row 3, column 'x2' is 'nan'"),
    (b"x1,x2,label\n0,0,0\n1,1,1\n0,1,2\n1,0,0\n", "classification", "has 3 classes (0, 1, 2)"),
    (b"x1,x2,label\n0,0,0\n1,1,0.5\n0,1,1\n1,0,0\n", "classification", "not a whole number"),
    (b"x1,x2,label\n0,0,1\n1,1,1\n0,1,1\n1,0,1\n", "classification", "one class only"),
    (b"x1,x2,label\n0,0,1\n", "classification", "1 data row(s)"),
    (b"\xff\xfe,1,2\n", "regression", "not UTF-8"),
    (b"", "regression", "the CSV file is empty"),
])
def test_bad_csv_is_refused_with_the_place(raw, problem, words):
    with pytest.raises(DataError) as e:
        parse_csv(raw, problem)
    assert words in str(e.value)


def test_csv_size_cap():
    raw = b"x1,x2,label\n" + b"0,0,0\n" * (MAX_CSV_BYTES // 6)
    with pytest.raises(DataError, match="more than the 1,048,576"):
        parse_csv(raw, "classification")
