"""The speed routes of the engine give exactly what the plain routes give.

Each fast route (issue 19) is held to the NumPy expression or the general code path it
replaces: bit for bit where the arithmetic is the same, to BLAS rounding where a product
is computed the other way round. No timing is asserted here (speed lives in benchmarks/).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import kernels, nn, optim
from tinyprop.autograd import dependencies, topological_order
from tinyprop.ops._util import broadcast_grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 100), (3, 5), (40, 80, 2)])
def test_zero_where_is_np_where_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(0)
    out = np.maximum(rng.standard_normal(shape), 0).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    out.flat[0] = np.nan  # a NaN output passes the gradient (PyTorch's rule)
    g.flat[1:20] = [np.inf, -np.inf, np.nan, -0.0] * 4 + [1.0, 2.0, 3.0]
    cond = out <= 0
    ref = np.where(cond, np.zeros((), dtype), g)
    got = kernels.zero_where(cond, g)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert np.array_equal(got.view(np.uint8), ref.view(np.uint8))
    assert got.base is None and got.flags.writeable
    got_t = kernels.zero_where(cond.T, g.T)  # strided operands
    assert np.array_equal(got_t, np.where(cond.T, 0, g.T), equal_nan=True)


def test_relu_backward_drops_even_an_infinite_gradient():
    x = tp.tensor(np.linspace(-1, 1, 4096, dtype=np.float32), requires_grad=True)
    g = np.full(4096, np.inf, np.float32)
    tp.relu(x).backward(tp.tensor(g))
    expected = np.where(x.numpy() > 0, np.inf, 0).astype(np.float32)
    assert np.array_equal(x.grad.numpy(), expected)


@pytest.mark.parametrize("rows", [1, 2, 32, 64, 65, 200])
@pytest.mark.parametrize("out_in", [(256, 784), (10, 50)])
def test_linear_product_is_x_times_w_transposed(rows, out_in):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((rows, out_in[1])).astype(np.float32)
    w = rng.standard_normal(out_in).astype(np.float32)
    got = kernels.linear_product(x, w)
    assert got.flags.c_contiguous and got.dtype == np.float32
    np.testing.assert_allclose(got, x @ w.T, rtol=1e-5, atol=1e-4)
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    np.testing.assert_allclose(kernels.linear_product(x64, w64), x64 @ w64.T, rtol=1e-12)


def test_linear_product_keeps_leading_dimensions_and_mixed_dtypes():
    x = np.ones((2, 3, 784), np.float32)
    w = np.ones((256, 784), np.float32)
    assert kernels.linear_product(x, w).shape == (2, 3, 256)
    assert kernels.linear_product(x[0].astype(np.float64), w).dtype == np.float64


@pytest.mark.parametrize("g_shape,shape", [((1, 1), (32, 50)), ((), ()), ((1, 50), (32, 50)),
                                           ((32, 1), (32, 50)), ((1, 1, 1), (2, 3, 4))])
def test_broadcast_grad_is_np_broadcast_to(g_shape, shape):
    g = np.arange(int(np.prod(g_shape)), dtype=np.float32).reshape(g_shape) + 1
    got = broadcast_grad(g, shape)
    ref = np.broadcast_to(g, shape)
    assert got.shape == ref.shape and np.array_equal(got, ref)
    assert not got.flags.writeable


def test_broadcast_grad_refuses_what_numpy_refuses():
    with pytest.raises(ValueError):
        broadcast_grad(np.ones((2, 3)), (4, 3))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
def test_labels_in_range_per_dtype(dtype):
    labels = np.array([0, 3, 9], dtype=dtype)
    assert kernels.labels_in_range(labels, 10)
    assert not kernels.labels_in_range(labels, 9)
    if np.dtype(dtype).kind == "i":
        assert not kernels.labels_in_range(np.array([-1, 2], dtype=dtype), 10)
        assert kernels.labels_in_range(np.array([1, 2], dtype=dtype), 10**12)


@pytest.mark.parametrize("n", [4, 32, 1000])
def test_softmax_xent_grad_both_routes(n):
    rng = np.random.default_rng(2)
    p = rng.random((n, 10)).astype(np.float32)
    t = rng.integers(0, 10, n)
    ref = p.copy()
    ref[np.arange(n), t] -= 1
    got = kernels.softmax_xent_grad(p, t)
    assert got.dtype == np.float32 and np.array_equal(got, ref)


def test_amax_short_rows_matches_numpy():
    x = np.random.default_rng(3).standard_normal((16, 10)).astype(np.float32)
    x[2, 3] = np.nan
    assert np.array_equal(kernels.amax(x, 1), x.max(axis=1, keepdims=True), equal_nan=True)


def test_cross_entropy_fast_call_is_the_general_call():
    rng = np.random.default_rng(4)
    z = rng.standard_normal((8, 5)).astype(np.float32)
    y = rng.integers(0, 5, 8)
    a = tp.tensor(z, requires_grad=True)
    b = tp.tensor(z, requires_grad=True)
    la = tp.cross_entropy(a, y)  # the fast call
    lb = tp.cross_entropy(b, tp.tensor(y))  # a Tensor target: the general path
    assert la.item() == lb.item()
    la.backward()
    lb.backward()
    assert np.array_equal(a.grad.numpy(), b.grad.numpy())
    with pytest.raises(TypeError):
        tp.cross_entropy(a, y, ignore_index=-100.0)
    with pytest.raises(ValueError):
        tp.cross_entropy(a, np.array([0, 1, 2, 3, 4, 5, 0, 1]))


def _sgd_pair(momentum=0.0):
    rng = np.random.default_rng(5)
    ws = [rng.standard_normal(s).astype(np.float32) for s in ((300, 100), (7,))]
    out = []
    for _ in range(2):
        ps = [tp.tensor(w.copy(), requires_grad=True) for w in ws]
        for p in ps:
            p.grad = tp.tensor(rng.standard_normal(p.shape).astype(np.float32))
        out.append(ps)
    out[1] = [tp.tensor(p.numpy().copy(), requires_grad=True) for p in out[0]]
    for p, q in zip(out[0], out[1]):
        q.grad = tp.tensor(p.grad.numpy().copy())
    return out


def test_plain_sgd_step_is_the_general_update_bit_for_bit():
    fast, general = _sgd_pair()
    optim.SGD(fast, lr=0.1).step()
    opt = optim.SGD(general, lr=0.1)
    for group in opt.param_groups:
        optim.Optimizer._step_group(opt, group)  # the general route
    for p, q in zip(fast, general):
        assert np.array_equal(p.numpy(), q.numpy())
    assert not optim.SGD(fast, lr=0.1).state


def test_plain_sgd_keeps_the_gradient_and_checks_its_shape():
    w = tp.tensor(np.ones(3, np.float32), requires_grad=True)
    w.grad = tp.tensor(np.full(3, 2.0, np.float32))
    optim.SGD([w], lr=0.5).step()
    assert w.grad.tolist() == [2.0, 2.0, 2.0] and w.tolist() == [0.0, 0.0, 0.0]
    w.grad = tp.tensor(np.ones(4, np.float32))
    with pytest.raises(ValueError):
        optim.SGD([w], lr=0.5).step()


def test_backward_order_waits_for_every_consumer():
    # a diamond with a shared node, several uses of one tensor, and two roots
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    a = x * 3
    b = a.tanh()
    c = a * a
    d = (b + c + a).sum()
    e = (a * 2).sum()
    deps = dependencies([d.grad_fn])
    assert deps[a.grad_fn] == 4  # used by tanh, twice by the product, and by the sum
    order = topological_order([d.grad_fn])
    assert order.index(a.grad_fn) > order.index(c.grad_fn) > order.index(d.grad_fn)
    gx, = tp.autograd.grad([d, e], [x])
    xs = np.array([1.0, 2.0], np.float32)
    av = 3 * xs
    expected = 3 * ((1 - np.tanh(av) ** 2) + 2 * av + 1) + 6
    np.testing.assert_allclose(gx.numpy(), expected, rtol=1e-5)


def test_backward_with_the_same_root_twice_and_unreached_branches():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    (g,) = tp.autograd.grad([y, y], [x])
    assert g.tolist() == [4.0, 8.0]
    z = tp.tensor([1.0], requires_grad=True)
    u = x.sum() + (z * 0).detach().sum()  # a detached branch carries no gradient
    u.backward()
    assert z.grad is None and x.grad.tolist() == [1.0, 1.0]


def test_grad_mode_is_per_thread_and_defaults_on_in_new_threads():
    seen = []
    with tp.no_grad():
        t = threading.Thread(target=lambda: seen.append(tp.is_grad_enabled()))
        t.start()
        t.join()
        assert not tp.is_grad_enabled()
    assert seen == [True] and tp.is_grad_enabled()


def test_a_model_trains_the_same_after_the_fast_routes():
    # the engine's step still moves a small model towards its labels
    rng = np.random.default_rng(6)
    X = rng.standard_normal((64, 784)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = tp.cross_entropy(model(tp.tensor(X)), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
def test_affine_backward_of_one_sample_is_the_matrix_product(layout):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 784)).astype(np.float32)
    g = rng.standard_normal((1, 256)).astype(np.float32)
    _, dw, db = kernels.affine_backward(x, g, layout=layout)
    ref = g.T @ x if layout == "out_in" else x.T @ g
    assert dw.shape == ref.shape and np.array_equal(dw, ref)
    buf = np.empty_like(ref)
    _, dw2, _ = kernels.affine_backward(x, g, layout=layout, weight_out=buf)
    assert dw2 is buf and np.array_equal(buf, ref)
    buf64 = np.empty(ref.shape, np.float64)
    kernels.affine_backward(x, g, layout=layout, weight_out=buf64)
    assert np.array_equal(buf64, ref.astype(np.float64))


def test_linear_of_one_sample_has_second_derivatives():
    w = tp.tensor(np.random.default_rng(8).standard_normal((3, 4)), requires_grad=True)
    x = tp.tensor(np.random.default_rng(9).standard_normal((1, 4)), requires_grad=True)
    assert tp.gradcheck(lambda a, b: tp.linear(a, b).tanh(), (x, w))
    assert tp.gradgradcheck(lambda a, b: tp.linear(a, b).tanh(), (x, w))


# ---- round 3: the plain backward, one- to three-input apply, Sum's one-element gradient --


def _mlp_grads(route: str, seed: int = 0):
    """Gradients of a small MLP (shared node, retained grad, leaf used twice) taken by
    ``loss.backward()`` (the plain route) or by the general ``_Pass`` route."""
    from tinyprop import anomaly

    rng = np.random.default_rng(seed)
    x = tp.tensor(rng.standard_normal((8, 5)).astype(np.float32), requires_grad=True)
    w = tp.tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    b = tp.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    h = tp.tanh(tp.linear(x, w, b))
    h.retain_grad()
    z = h * h + h - b  # h used three times, b twice
    loss = tp.cross_entropy(z, np.arange(8) % 4) + (x * x).sum() + x.sum()
    if route == "plain":
        loss.backward()
    elif route == "inputs":  # the general _Pass with every leaf asked for
        loss.backward(inputs=[x, w, b])
    elif route == "gradient":
        loss.backward(tp.tensor(np.float32(1.0)))
    else:  # anomaly mode takes the general route too
        with anomaly.detect_anomaly():
            loss.backward()
    grads = [t.grad.numpy() for t in (x, w, b)]
    if route != "inputs":
        grads.append(h.grad.numpy())
    return grads


@pytest.mark.parametrize("route", ["inputs", "gradient", "anomaly"])
def test_plain_backward_is_the_general_pass_bit_for_bit(route):
    plain = _mlp_grads("plain")
    other = _mlp_grads(route)
    for p, o in zip(plain, other):
        assert p.dtype == o.dtype and np.array_equal(p.view(np.uint8), o.view(np.uint8))


def test_plain_backward_keeps_its_errors_and_retain_graph():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # retained: a second pass accumulates
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="one-element"):
        (x * 2).backward()
    # a leaf reached twice gets one owned, writable gradient per leaf
    a = tp.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    c = tp.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    (a + c).sum().backward()
    assert a.grad._data is not c.grad._data
    assert a.grad._data.flags.writeable and a.grad._data.base is None
    a.grad._data[0, 0] = 5.0
    assert c.grad._data[0, 0] == 1.0


def test_apply_unpacked_inputs_build_the_same_node():
    from tinyprop.ops.affine import LinearFunction
    from tinyprop.ops.arithmetic import Add
    from tinyprop.ops.reduce import Sum

    x = tp.tensor(np.ones((2, 3), np.float32))
    w = tp.tensor(np.ones((4, 3), np.float32), requires_grad=True)
    b = tp.tensor(np.zeros(4, np.float32), requires_grad=True)
    out = LinearFunction.apply(x, w, b)
    assert out.grad_fn.parents == (x, w, b)
    assert out.grad_fn.needs_input_grad == (False, True, True)
    s = Sum.apply(w, (0,), False)
    assert s.grad_fn.parents == (w, None, None)
    assert s.grad_fn.needs_input_grad == (True, False, False)
    t = Add.apply(w, np.ones(3, np.float32))  # a Tensor and an array
    assert t.grad_fn.parents == (w, None) and t.grad_fn.needs_input_grad == (True, False)
    u = Add.apply(x, x)  # nothing requires grad: not recorded
    assert u.grad_fn is None and not u.requires_grad
    with tp.no_grad():
        assert Add.apply(w, w).grad_fn is None
    # mixed inputs of three (Tensor, array, Tensor) take the general loop
    b2 = tp.tensor(np.zeros(2, np.float32), requires_grad=True)
    m = LinearFunction.apply(w, np.ones((2, 3), np.float32), b2)
    assert m.grad_fn.parents == (w, None, b2)
    assert m.grad_fn.needs_input_grad == (True, False, True)


@pytest.mark.parametrize("shape,dim,keepdim", [((32, 50), None, False), ((1, 3), 1, False),
                                               ((2, 1), 0, True), ((), None, False),
                                               ((0, 3), None, False)])
def test_sum_of_one_element_gradient_is_the_expanded_route(shape, dim, keepdim):
    from tinyprop.ops._util import expand_reduced

    x = tp.tensor(np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape),
                  requires_grad=True)
    s = x.sum() if dim is None else x.sum(dim, keepdim=keepdim)
    g = np.full(s.shape, 3.0, np.float32)
    s.backward(tp.tensor(g))
    axes = tuple(range(len(shape))) if dim is None else (dim,)
    ref = np.broadcast_to(expand_reduced(g, shape, axes, keepdim), shape)
    assert np.array_equal(x.grad.numpy(), ref)


def test_add_shape_error_stays_clear():
    a = tp.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    with pytest.raises(ValueError, match="do not broadcast"):
        a + tp.tensor(np.ones((4, 3), np.float32))
