"""The fast routes in ``tinyprop.kernels`` give NumPy's own answers.

Row maxima, row and column sums, ReLU and the label range check each take a faster path than the
obvious NumPy call for some shapes; these tests hold them to the obvious call on
random shapes (narrow and wide rows, C and Fortran order), with NaN and infinities.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyprop import kernels

shapes = st.tuples(st.integers(1, 80), st.sampled_from([1, 2, 10, 31, 32, 33, 100]))


def _array(data, shape, dtype, special):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = (rng.standard_normal(shape) * 10).astype(dtype)
    if special:
        flat = x.reshape(-1)
        idx = rng.integers(0, flat.size, size=min(3, flat.size))
        flat[idx] = rng.choice([np.nan, np.inf, -np.inf], size=len(idx))
    if data.draw(st.booleans()):
        x = np.asfortranarray(x)
    return x


@settings(max_examples=60, deadline=None)
@given(st.data(), shapes, st.sampled_from([np.float32, np.float64]), st.booleans())
def test_amax_is_numpys_row_max(data, shape, dtype, special):
    x = _array(data, shape, dtype, special)
    for axis in (1, -1):
        got = kernels.amax(x, axis)
        np.testing.assert_array_equal(got, x.max(axis=1, keepdims=True))
        assert got.shape == (shape[0], 1)
    np.testing.assert_array_equal(kernels.amax(x, 0), x.max(axis=0, keepdims=True))


@settings(max_examples=60, deadline=None)
@given(st.data(), shapes, st.sampled_from([np.float32, np.float64]))
def test_row_sum_is_numpys_row_sum(data, shape, dtype):
    x = _array(data, shape, dtype, special=False)
    got = kernels.row_sum(x, 1)
    want = x.sum(axis=1, keepdims=True)
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=0, atol=tol * np.abs(x).sum(axis=1).max())


@settings(max_examples=60, deadline=None)
@given(st.data(), shapes, st.sampled_from([np.float32, np.float64]))
def test_col_sum_is_numpys_column_sum(data, shape, dtype):
    x = _array(data, shape, dtype, special=False)
    got = kernels.col_sum(x)
    want = x.sum(axis=0)
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=0, atol=tol * np.abs(x).sum(axis=0).max())


def test_row_sum_keeps_nan_and_inf_and_other_dtypes():
    x = np.array([[1.0, np.nan], [np.inf, 1.0], [np.inf, -np.inf]], np.float32)
    np.testing.assert_array_equal(kernels.row_sum(x), x.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(kernels.col_sum(x.T), x.sum(axis=1))
    ints = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(kernels.row_sum(ints), [[3], [12]])
    np.testing.assert_array_equal(kernels.col_sum(ints), [3, 5, 7])


@settings(max_examples=60, deadline=None)
@given(st.data(), shapes, st.sampled_from([np.float32, np.float64]), st.booleans())
def test_relu_is_maximum_with_zero(data, shape, dtype, special):
    x = _array(data, shape, dtype, special)
    got = kernels.relu(x)
    np.testing.assert_array_equal(got, np.maximum(x, 0))
    assert got.dtype == x.dtype
    got[...] = 7  # a fresh array, never the cached zeros
    np.testing.assert_array_equal(kernels.relu(np.zeros_like(x)), 0)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
def test_labels_in_range_matches_the_two_sided_check(dtype):
    rng = np.random.default_rng(0)
    lo = 0 if np.dtype(dtype).kind == "u" else -3
    for _ in range(200):
        t = rng.integers(lo, 8, size=rng.integers(0, 6)).astype(dtype)
        want = bool(((t >= 0) & (t < 5)).all())
        assert kernels.labels_in_range(t, 5) is want
    assert kernels.labels_in_range(np.array([-1, 2], np.int64)[::-1], 3) is False  # strided


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_labels_in_range_with_more_classes_than_the_dtype_holds(dtype):
    # read as unsigned, int8's -1 is 255: in range for 300 classes unless caught
    n = int(np.iinfo(dtype).max) + 100
    assert kernels.labels_in_range(np.array([-1, 0], dtype), n) is False
    assert kernels.labels_in_range(np.array([-100, 3], dtype), n) is False
    assert kernels.labels_in_range(np.array([0, np.iinfo(dtype).max], dtype), n) is True


@settings(max_examples=40, deadline=None)
@given(st.data(), shapes, st.sampled_from([np.float32, np.float64]))
def test_softmax_cross_entropy_is_log_softmax_at_the_labels(data, shape, dtype):
    z = _array(data, shape, dtype, special=False)
    labels = np.random.default_rng(shape[0]).integers(0, shape[1], shape[0])
    loss, p = kernels.softmax_cross_entropy(z, labels)
    logp = kernels.log_softmax(z, axis=1)
    assert loss == -logp[np.arange(shape[0]), labels].sum()  # the same numbers, bit for bit
    np.testing.assert_array_equal(p, kernels.softmax(z, axis=1))
    d = kernels.softmax_xent_grad(p, labels)
    np.testing.assert_array_equal(d, p - np.eye(shape[1], dtype=dtype)[labels])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_xent_grad_takes_labels_or_target_rows(dtype):
    rng = np.random.default_rng(0)
    p = kernels.softmax(rng.standard_normal((7, 5)).astype(dtype))
    labels = rng.integers(0, 5, 7)
    onehot = np.eye(5, dtype=dtype)[labels]
    by_label = kernels.softmax_xent_grad(p, labels)
    np.testing.assert_array_equal(by_label, kernels.softmax_xent_grad(p, onehot))
    assert by_label.dtype == dtype and not np.shares_memory(by_label, p)
    coef = rng.random((7, 5)).astype(dtype)  # rows not summing to 1 (weights, smoothing)
    want = p * coef.sum(axis=1, keepdims=True) - coef
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(kernels.softmax_xent_grad(p, coef), want, rtol=0, atol=tol)


def test_softmax_xent_grad_is_the_cross_entropy_derivative():
    rng = np.random.default_rng(1)
    z, t = rng.standard_normal((4, 3)), rng.random((4, 3))

    def loss(z):
        return -(t * kernels.log_softmax(z, axis=1)).sum()

    eps, numeric = 1e-6, np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        dz = np.zeros_like(z)
        dz[idx] = eps
        numeric[idx] = (loss(z + dz) - loss(z - dz)) / (2 * eps)
    np.testing.assert_allclose(kernels.softmax_xent_grad(kernels.softmax(z), t), numeric,
                               atol=1e-8)


@pytest.mark.parametrize("x_shape", [(6, 4), (4,), (2, 3, 4)])
def test_affine_backward_in_both_layouts(x_shape):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((5, 4))  # (out, in)
    g = rng.standard_normal(x_shape[:-1] + (5,))
    dx, dw, db = kernels.affine_backward(x, g, w)
    rows_x, rows_g = x.reshape(-1, 4), g.reshape(-1, 5)
    np.testing.assert_allclose(dx, g @ w)
    np.testing.assert_allclose(dw, rows_g.T @ rows_x)
    np.testing.assert_allclose(db, rows_g.sum(axis=0))
    dx2, dw2, db2 = kernels.affine_backward(x, g, w.T, layout="in_out")  # W stored (in, out)
    np.testing.assert_allclose(dx2, dx)
    np.testing.assert_allclose(dw2, dw.T)
    np.testing.assert_allclose(db2, db)
    assert kernels.affine_backward(x, g, weight=False, bias=False) == (None, None, None)
    with pytest.raises(ValueError, match="layout"):
        kernels.affine_backward(x, g, layout="io")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_affine_backward_writes_the_weight_gradient_in_place(dtype):
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((6, 4)).astype(dtype), rng.standard_normal((6, 5))
    out = np.full((5, 4), np.nan, np.float32)  # other dtype than g: copied in
    _, dw, _ = kernels.affine_backward(x, g.astype(dtype), weight_out=out, bias=False)
    assert dw is out
    np.testing.assert_allclose(out, g.T @ x, rtol=1e-5)


def test_sum_to_shape_undoes_broadcasting():
    g = np.arange(24.0).reshape(2, 3, 4)
    assert kernels.sum_to_shape(g, (2, 3, 4)) is g
    np.testing.assert_array_equal(kernels.sum_to_shape(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(kernels.sum_to_shape(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(kernels.sum_to_shape(g, (1, 1, 1)), [[[g.sum()]]])
    np.testing.assert_array_equal(kernels.sum_to_shape(g, ()), g.sum())


def test_sum_to_shape_is_also_autograds():
    from tinyprop import autograd

    assert autograd.sum_to_shape is kernels.sum_to_shape
