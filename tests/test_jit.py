"""The numba kernels (the ``fast`` extra) give NumPy's numbers, and load when they should.

Every compiled pass is held to the NumPy route it replaces, on the same arrays (special
values included): bit for bit, and for the softmax family (libm's exponential, sums in
order) to the last bits, exactly consistent among themselves. A training run with the
kernels and one without end on the same weights up to that rounding. Both routes run
here whatever TINYPROP_JIT says; so do the rules for when numba loads (never at import,
not for small arrays, after ``AUTO_AFTER`` elements, at once with TINYPROP_JIT=1).
No timing is asserted (speed: benchmarks/).
"""

from __future__ import annotations

import os
import subprocess
import sys
import types

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import _jit, kernels, manual, nn, optim
from tinyprop.data import DataLoader
from tinyprop.errors import ConfigError
from tinyprop.optim._steps import _sub_scaled_
from tinyprop.train import AutogradEngine, ManualEngine, to_manual_network

pytest.importorskip("numba")  # the test extra installs it; the fallback is tested below


@pytest.fixture
def jit_state():
    """Restores whether the kernels are on (and the automatic count) after the test."""
    saved = _jit.state, _jit._seen
    yield
    _jit.state, _jit._seen = saved


def both_routes(fn):
    """``fn()`` computed with NumPy, then with the compiled kernels."""
    saved = _jit.state
    try:
        assert kernels.use_jit(False) is False
        plain = fn()
        assert kernels.use_jit(True) is True
        return plain, fn()
    finally:
        _jit.state = saved


def same_bits(a, b):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.view(np.uint8), b.view(np.uint8))


def special(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:8] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-40, -1e-40, 3.0]
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 50), (4096,), (8, 16, 16), (10, 10)])
def test_activation_backwards_are_the_numpy_expressions(dtype, shape):
    out = special(shape, dtype)
    g = special(shape, dtype, seed=1)[::-1].copy()  # specials meet specials elsewhere
    for name in ("relu_backward", "tanh_backward"):
        plain, fast = both_routes(lambda name=name: getattr(kernels, name)(out, g))
        same_bits(plain, fast)
    same_bits(kernels.relu_backward(out, g), np.where(out <= 0, np.zeros((), dtype), g))
    with np.errstate(invalid="ignore", over="ignore"):
        same_bits(kernels.tanh_backward(out, g), g * (1 - out * out))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias_shape", [(100,), (1, 100)])
def test_add_rows_is_numpy_broadcasting_in_place(dtype, bias_shape):
    x = special((64, 100), dtype)  # above _jit.MIN_IN_PLACE
    b = special(bias_shape, dtype, seed=2)

    def run():
        y = x.copy()
        assert kernels.add_rows_(y, b) is y
        return y

    plain, fast = both_routes(run)
    same_bits(plain, fast)
    with np.errstate(invalid="ignore"):
        same_bits(fast, x + b)


def test_add_rows_refuses_what_numpy_refuses(jit_state):
    kernels.use_jit(True)
    with pytest.raises(ValueError, match="broadcast"):
        kernels.add_rows_(np.zeros((64, 100), np.float32), np.zeros(99, np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lr", [0.1, 1e-3, 3.0])
def test_optimizer_update_rounds_as_numpy(dtype, lr):
    p0, x = special((80, 64), dtype), special((80, 64), dtype, seed=3)

    def run():
        p = p0.copy()
        _sub_scaled_(p, x, lr, np.empty_like(p))
        return p

    plain, fast = both_routes(run)
    same_bits(plain, fast)
    with np.errstate(invalid="ignore"):
        same_bits(fast, p0 - x * lr)  # NEP 50: the Python float becomes p's dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 10), (16, 64), (400, 10)])
def test_softmax_family_agrees_with_numpy_and_with_itself(dtype, shape):
    rng = np.random.default_rng(4)
    z = (rng.standard_normal(shape) * 5).astype(dtype)
    z[0, :3] = [50.0, -50.0, 0.0]
    labels = rng.integers(0, shape[1], shape[0])
    names = ("softmax", "log_softmax")
    plain, fast = both_routes(lambda: [getattr(kernels, f)(z, axis=-1) for f in names]
                              + list(kernels.softmax_cross_entropy(z, labels)))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    for a, b in zip(plain, fast):  # exp and summation order may differ in the last bits
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(b, a, **tol)
    p, logp, loss, p_ce = fast  # within one route: each other's numbers exactly
    same_bits(p_ce, p)
    terms = logp[np.arange(len(labels)), labels]
    np.testing.assert_allclose(loss, -terms.sum(dtype=np.float64), rtol=1e-6)
    plain_grad, fast_grad = both_routes(lambda: kernels.softmax_xent_grad(p, labels))
    same_bits(plain_grad, fast_grad)


def test_softmax_family_special_rows_as_numpy(jit_state):
    z = np.zeros((32, 10), np.float32)
    z[1, 2] = np.nan
    z[2, :] = -np.inf
    z[3, 4] = np.inf
    z[4, :] = 3.0
    got = {}
    for flag in (False, True):
        kernels.use_jit(flag)
        with np.errstate(invalid="ignore"):
            got[flag] = (kernels.softmax(z), kernels.log_softmax(z),
                         kernels.softmax_cross_entropy(z, np.zeros(32, np.int64))[1])
    for a, b in zip(got[False], got[True]):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_compiled_labels_are_indexed_as_numpy(jit_state):
    z = np.zeros((32, 10), np.float32)
    kernels.use_jit(True)
    for bad in (10, -11):
        with pytest.raises(IndexError):
            kernels.softmax_cross_entropy(z, np.full(32, bad, np.int64))
    last = kernels.softmax_cross_entropy(z, np.full(32, -1, np.int64))
    same_bits(last[0], kernels.softmax_cross_entropy(z, np.full(32, 9, np.int64))[0])
    p = kernels.softmax(z)
    outside = np.full(32, 10, np.int64)  # no one-hot column, as NumPy's comparison gives
    plain, fast = both_routes(lambda: kernels.softmax_xent_grad(p, outside))
    same_bits(plain, fast)


@pytest.mark.parametrize("engine", ["autograd", "manual"])
@pytest.mark.parametrize("opt", ["sgd", "adam", "momentum"])
def test_training_ends_on_the_same_weights(engine, opt):
    rng = np.random.default_rng(5)
    X = rng.integers(0, 256, (256, 64), dtype=np.uint8)
    y = rng.integers(0, 10, 256)
    make = {"sgd": lambda p: optim.SGD(p, lr=0.1),
            "adam": lambda p: optim.Adam(p, lr=1e-3),
            "momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9)}[opt]

    def run():
        tp.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.Tanh(),
                              nn.Linear(64, 10))
        if engine == "autograd":
            eng = AutogradEngine(model, make(model.parameters()))
        else:
            eng = ManualEngine(to_manual_network(model), manual.SoftmaxCrossEntropy(), make)
        for _ in range(2):
            for xb, yb in DataLoader(X, y, batch_size=32, seed=1):
                eng.train_step(xb, yb)
        return [np.array(w) for w in eng.model_state_dict().values()]

    plain, fast = both_routes(run)
    assert len(plain) == len(fast) == 6
    for a, b in zip(plain, fast):  # the losses' last bits may differ (see the softmax test)
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


def test_use_jit_checks_its_argument(jit_state):
    with pytest.raises(TypeError, match="True, False or None"):
        kernels.use_jit("yes")
    assert kernels.use_jit(False) is False and kernels.use_jit() is False
    assert kernels.use_jit(True) is True and kernels.use_jit() is True


def test_small_arrays_stay_on_numpy(jit_state, monkeypatch):
    calls = []
    monkeypatch.setattr(_jit, "eligible", lambda size: calls.append(size))
    _jit.state = _jit.UNSET  # as in a new process: numba not loaded yet
    small = np.ones((8, 8), np.float32)
    kernels.relu_backward(small, small)
    kernels.tanh_backward(small, small)
    kernels.add_rows_(np.ones((32, 100), np.float32), np.ones(100, np.float32))
    kernels.softmax(small)
    ones = np.ones((32, 100), np.float32)
    _sub_scaled_(ones, ones.copy(), 0.1, np.empty_like(ones))
    assert calls == []
    kernels.relu_backward(ones, ones)
    assert calls == [3200]


def test_numba_loads_once_numpy_has_done_enough(jit_state, monkeypatch):
    monkeypatch.delenv("TINYPROP_JIT", raising=False)
    monkeypatch.setattr(_jit, "AUTO_AFTER", 3 * 4096)
    _jit.state, _jit._seen = _jit.UNSET, None
    g = np.ones((64, 64), np.float32)
    for _ in range(2):
        kernels.tanh_backward(g, g)  # NumPy, counted
        assert _jit.state is _jit.UNSET and not kernels.use_jit()
    kernels.tanh_backward(g, g)  # the third pass reaches AUTO_AFTER: numba from here on
    assert kernels.use_jit() and _jit.state is not _jit.UNSET


def test_each_pass_counts_once_towards_loading(jit_state, monkeypatch):
    monkeypatch.delenv("TINYPROP_JIT", raising=False)
    _jit.state, _jit._seen = _jit.UNSET, None
    w = tp.tensor(np.ones((200, 100), np.float32), requires_grad=True)  # above SGD's _SMALL
    w.grad = tp.tensor(np.ones((200, 100), np.float32))
    optim.SGD([w], lr=0.1).step()
    assert _jit._seen == 20000 and _jit.state is _jit.UNSET


def test_a_bad_setting_is_a_clear_error(jit_state, monkeypatch):
    monkeypatch.setenv("TINYPROP_JIT", "fast")
    _jit.state, _jit._seen = _jit.UNSET, None
    g = np.ones((64, 64), np.float32)
    with pytest.raises(ConfigError, match="TINYPROP_JIT must be 0 or 1.*got 'fast'.*unset"):
        kernels.relu_backward(g, g)
    assert _jit.state is _jit.UNSET  # nothing decided: fixing the variable is enough
    monkeypatch.setenv("TINYPROP_JIT", "0")
    same_bits(kernels.relu_backward(g, g), g)


@pytest.mark.parametrize("env, numba_found", [("0", True), ("", False)])
def test_numpy_for_good_when_turned_off_or_missing(env, numba_found, jit_state, monkeypatch):
    monkeypatch.setenv("TINYPROP_JIT", env)
    monkeypatch.setattr(_jit, "find_spec", lambda name: object() if numba_found else None)
    _jit.state, _jit._seen = _jit.UNSET, None
    g = np.ones((64, 64), np.float32)
    kernels.relu_backward(g, g)
    assert _jit.state is None and not kernels.use_jit()


def test_a_broken_numba_warns_once_and_falls_back(jit_state, monkeypatch):
    broken = types.ModuleType("tinyprop._numba_kernels")

    def fail():
        raise RuntimeError("cannot compile here")

    broken.compile_float32 = fail
    monkeypatch.setitem(sys.modules, "tinyprop._numba_kernels", broken)
    monkeypatch.delenv("TINYPROP_JIT", raising=False)
    _jit.state = _jit.UNSET
    with pytest.warns(RuntimeWarning, match="cannot compile here.*NumPy instead"):
        assert _jit.kernels() is None
    g = np.ones(2048, np.float32)
    same_bits(kernels.relu_backward(g, g), g)  # NumPy, and no second warning


def test_missing_numba_is_the_plain_numpy_install(jit_state, monkeypatch):
    monkeypatch.setitem(sys.modules, "tinyprop._numba_kernels", None)  # import fails
    _jit.state = _jit.UNSET
    assert _jit.kernels() is None
    with pytest.raises(ImportError, match=r"tinyprop\[fast\]"):
        kernels.use_jit(True)


@pytest.mark.parametrize("env, loaded", [("1", True), ("0", False), ("", False)])
def test_numba_loads_only_when_used_and_allowed(env, loaded):
    # TINYPROP_JIT=1: on the first pass that can use it; 0: never; unset: not for a
    # short piece of work like this one (see _jit.AUTO_AFTER)
    code = (
        "import sys, numpy as np, tinyprop as tp\n"
        "assert 'numba' not in sys.modules, 'import tinyprop loaded numba'\n"
        "tp.nn.Linear(8, 8)(tp.ones(8, 8)).sum().backward()\n"
        "assert 'numba' not in sys.modules, 'a small array loaded numba'\n"
        "tp.nn.Linear(64, 64)(tp.ones(64, 64)).sum().backward()\n"
        "from tinyprop.kernels import use_jit\n"
        "print('numba' in sys.modules, use_jit())\n"
    )
    env_vars = {k: v for k, v in os.environ.items() if k != "TINYPROP_JIT"}
    if env:
        env_vars["TINYPROP_JIT"] = env
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env_vars, check=True).stdout.split()
    assert out == [str(loaded), str(loaded)]
