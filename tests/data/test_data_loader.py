"""DataLoader: batching, shuffling, determinism, resume, uint8 scaling and input checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyprop.backend import manual_seed
from tinyprop.data import DataLoader


def _ids(loader) -> list[list[int]]:
    return [yb.tolist() for _, yb in loader]


def _data(n: int = 10):
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n)


def test_sequential_batches_are_views() -> None:
    X, y = _data(10)
    loader = DataLoader(X, y, batch_size=4, shuffle=False)
    batches = list(loader)
    assert len(loader) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    assert np.shares_memory(batches[0][0], X) and np.shares_memory(batches[0][1], y)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)


def test_drop_last_and_len() -> None:
    X, y = _data(10)
    assert len(DataLoader(X, y, batch_size=3, drop_last=True)) == 3
    assert len(DataLoader(X, y, batch_size=3)) == 4
    assert len(DataLoader(X, y, batch_size=10, drop_last=True)) == 1
    loader = DataLoader(X, y, batch_size=3, drop_last=True, seed=0)
    for _ in range(3):
        ids = _ids(loader)
        assert [len(i) for i in ids] == [3, 3, 3]
    with pytest.raises(ValueError, match="drop_last=True with batch_size=11 > 10 samples"):
        DataLoader(X, y, batch_size=11, drop_last=True)


def test_shuffle_is_seeded_and_new_each_epoch() -> None:
    X, y = _data(50)
    a, b = DataLoader(X, y, batch_size=8, seed=3), DataLoader(X, y, batch_size=8, seed=3)
    epochs_a = [_ids(a) for _ in range(3)]
    assert epochs_a == [_ids(b) for _ in range(3)]
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]
    for ids in epochs_a:
        assert sorted(sum(ids, [])) == list(range(50))
    assert a.epoch == 3
    assert _ids(DataLoader(X, y, batch_size=8, seed=4)) != epochs_a[0]


def test_pairs_stay_aligned_when_shuffled() -> None:
    X, y = _data(20)
    for Xb, yb in DataLoader(X, y, batch_size=6, seed=1):
        np.testing.assert_array_equal(Xb[:, 0], 2 * yb)


def test_seed_none_follows_manual_seed_and_generator_seed() -> None:
    X, y = _data(30)
    manual_seed(7)
    first = _ids(DataLoader(X, y, batch_size=5))
    manual_seed(7)
    assert _ids(DataLoader(X, y, batch_size=5)) == first
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert _ids(DataLoader(X, y, seed=g1)) == _ids(DataLoader(X, y, seed=g2))


def test_x_only_and_one_hot_targets() -> None:
    X, _ = _data(7)
    batches = list(DataLoader(X, batch_size=3, shuffle=False))
    assert isinstance(batches[0], np.ndarray) and batches[0].shape == (3, 2)
    Y = np.eye(7, dtype=np.float32)
    _, Yb = next(iter(DataLoader(X, Y, batch_size=3, seed=0)))
    assert Yb.shape == (3, 7)


def test_uint8_scaled_per_batch() -> None:
    X = np.arange(256, dtype=np.uint8).reshape(64, 4)
    y = np.zeros(64, np.int64)
    Xb, _ = next(iter(DataLoader(X, y, batch_size=64, shuffle=False)))
    assert Xb.dtype == np.float32 and Xb.min() == 0.0 and Xb.max() == 1.0
    np.testing.assert_array_equal(Xb, X.astype(np.float32) / np.float32(255))
    Xb64, _ = next(iter(DataLoader(X, y, batch_size=8, seed=0, dtype=np.float64)))
    assert Xb64.dtype == np.float64
    raw, _ = next(iter(DataLoader(X, y, batch_size=8, shuffle=False, scale=False)))
    assert raw.dtype == np.uint8
    f64 = np.zeros((4, 2), np.float64)
    assert next(iter(DataLoader(f64, batch_size=2))).dtype == np.float64  # untouched


def test_transform_applied_after_scaling() -> None:
    X = np.full((4, 2), 255, np.uint8)
    Xb = next(iter(DataLoader(X, batch_size=4, transform=lambda b: b * 2)))
    np.testing.assert_array_equal(Xb, np.full((4, 2), 2.0, np.float32))


@pytest.mark.parametrize("stop_after", [0, 1, 3, 4])
def test_state_dict_resume_is_bit_exact(stop_after: int) -> None:
    X, y = _data(37)
    ref = DataLoader(X, y, batch_size=8, seed=11)
    reference = [_ids(ref) for _ in range(4)]  # 4 epochs of 5 batches
    run = DataLoader(X, y, batch_size=8, seed=11)
    seen = _ids(run)  # epoch 1 complete
    it = iter(run)
    seen_2 = [next(it)[1].tolist() for _ in range(stop_after)]
    state = json.loads(json.dumps(run.state_dict()))  # JSON round trip
    resumed = DataLoader(X, y, batch_size=8, seed=999)
    resumed.load_state_dict(state)
    rest_2 = _ids(resumed)
    assert [seen, seen_2 + rest_2] == reference[:2]
    assert [_ids(resumed), _ids(resumed)] == reference[2:]
    assert resumed.epoch == 4


def test_state_dict_unshuffled_resume() -> None:
    X, y = _data(10)
    a = DataLoader(X, y, batch_size=3, shuffle=False)
    it = iter(a)
    next(it)
    b = DataLoader(X, y, batch_size=3, shuffle=False)
    b.load_state_dict(a.state_dict())
    assert _ids(b) == [[3, 4, 5], [6, 7, 8], [9]]
    assert _ids(b) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_load_state_dict_rejects_mismatch() -> None:
    X, y = _data(10)
    state = DataLoader(X, y, batch_size=2, seed=0).state_dict()
    with pytest.raises(ValueError, match="batch_size=2, this one has batch_size=3"):
        DataLoader(X, y, batch_size=3).load_state_dict(state)
    with pytest.raises(ValueError, match="n_samples=10, this one has n_samples=9"):
        DataLoader(X[:9], y[:9], batch_size=2).load_state_dict(state)
    with pytest.raises(ValueError, match="missing keys"):
        DataLoader(X, y, batch_size=2).load_state_dict({"epoch": 1})
    bad = dict(state, rng_state={"bit_generator": "PCG64"})
    with pytest.raises(ValueError, match="not a valid generator state"):
        DataLoader(X, y, batch_size=2).load_state_dict(bad)
    with pytest.raises(ValueError, match="past the 5 batches"):
        DataLoader(X, y, batch_size=2).load_state_dict(dict(state, position=5))


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an int"),
        ({"batch_size": True}, TypeError, "batch_size must be an int"),
        ({"y": np.arange(9)}, ValueError, "same number of samples, got 10 rows in X and 9"),
        ({"X": np.zeros((0, 2))}, ValueError, "at least one sample"),
        ({"X": np.array(["a"] * 10)}, TypeError, "numeric array"),
        ({"X": np.float32(1)}, ValueError, "0-d array"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"seed": "0"}, TypeError, "seed must be an int"),
        ({"transform": 3}, TypeError, "transform must be callable"),
        ({"dtype": np.int32}, TypeError, "float dtype"),
    ],
)
def test_bad_inputs(kwargs, error, pattern) -> None:
    X, y = _data(10)
    args = {"X": X, "y": y, **kwargs}
    with pytest.raises(error, match=pattern):
        DataLoader(**args)


def test_nan_and_inf_rejected_with_location() -> None:
    X, y = _data(10)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN and 0 infinite.*index \(3, 1\)"):
        DataLoader(X, y)
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="0 NaN and 1 infinite"):
        DataLoader(X, y)
    big = np.full((4, 2), 1e308)  # float64 sum overflows, but values are finite: accepted
    assert len(DataLoader(big, batch_size=2)) == 2


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 60),
    batch_size=st.integers(1, 70),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_each_index_once_per_epoch(n, batch_size, shuffle, drop_last, seed) -> None:
    if drop_last and batch_size > n:
        return
    X = np.arange(n, dtype=np.float32)[:, None]
    loader = DataLoader(X, np.arange(n), batch_size, shuffle, drop_last, seed)
    for _ in range(2):
        ids = _ids(loader)
        flat = sum(ids, [])
        assert len(ids) == len(loader)
        assert all(len(b) == batch_size for b in ids[:-1]) and 1 <= len(ids[-1]) <= batch_size
        assert len(set(flat)) == len(flat)
        if drop_last:
            assert len(flat) == (n // batch_size) * batch_size
        else:
            assert sorted(flat) == list(range(n))
