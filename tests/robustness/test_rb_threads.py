"""Concurrency (issue 8): two threads training at once get exactly what each gets alone;
grad mode, anomaly mode and the default random generator are per thread."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn, optim
from tinyprop.backend import default_generator
from tinyprop.data import DataLoader, load_digits

DIGITS = load_digits(seed=0)


def train(seed: int, *, default_rng: bool, start: threading.Barrier | None = None) -> dict:
    """Two epochs of a 64-32-10 MLP (with dropout) trained by SGD + momentum on digits.

    ``default_rng=True`` initialises the model from tinyprop's default generator after
    ``tp.manual_seed(seed)`` (per thread); otherwise from explicit generators.
    """
    if start is not None:
        start.wait(timeout=30)
    began = time.perf_counter()
    if default_rng:  # every draw from this thread's default generator
        tp.manual_seed(seed)
        layers = [nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10), nn.Dropout(0.1)]
    else:  # every draw from explicit generators
        layers = [
            nn.Linear(64, 32, generator=seed),
            nn.Tanh(),
            nn.Linear(32, 10, generator=seed + 1000),
            nn.Dropout(0.1, generator=seed + 2000),
        ]
    model = nn.Sequential(*layers)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(DIGITS.X_train, DIGITS.y_train, batch_size=32, seed=seed)
    losses = []
    for _ in range(2):
        for xb, yb in loader:
            opt.zero_grad()
            loss = tp.cross_entropy(model(tp.tensor(xb)), yb)
            assert loss.grad_fn is not None  # recording is on in this thread
            loss.backward()
            opt.step()
            losses.append(loss.item())
    params = [p.numpy().copy() for p in model.parameters()]
    return {"losses": losses, "params": params, "span": (began, time.perf_counter())}


def assert_same_run(a: dict, b: dict) -> None:
    assert a["losses"] == b["losses"]
    assert len(a["params"]) == len(b["params"])
    for x, y in zip(a["params"], b["params"]):
        np.testing.assert_array_equal(x, y)


def run_threads(*targets):
    """Run each ``target(start)`` in its own thread, released together; return results."""
    start = threading.Barrier(len(targets))
    results: list = [None] * len(targets)
    errors: list = []

    def runner(i, target):
        try:
            results[i] = target(start)
        except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_threads_train_as_if_alone():
    alone_a = train(1, default_rng=True)
    alone_b = train(2, default_rng=False)
    both = run_threads(
        lambda s: train(1, default_rng=True, start=s),
        lambda s: train(2, default_rng=False, start=s),
    )
    assert_same_run(both[0], alone_a)
    assert_same_run(both[1], alone_b)
    assert both[0]["losses"] != both[1]["losses"]  # really two different runs
    (a0, a1), (b0, b1) = both[0]["span"], both[1]["span"]
    assert a0 < b1 and b0 < a1, "the two trainings did not overlap in time"


def test_same_seed_in_two_threads_gives_the_same_run():
    a, b = run_threads(*(lambda s: train(3, default_rng=True, start=s) for _ in range(2)))
    assert_same_run(a, b)


def test_no_grad_in_one_thread_does_not_stop_recording_in_the_other():
    alone = train(4, default_rng=False)
    frozen = nn.Sequential(nn.Linear(64, 10, generator=0))
    x = tp.tensor(DIGITS.X_test[:16])
    stop = threading.Event()

    def evaluate(start):
        start.wait(timeout=30)
        checks = 0
        with tp.no_grad():
            while not stop.is_set() or checks < 50:
                assert not tp.is_grad_enabled()
                out = frozen(x)
                assert not out.requires_grad and out.grad_fn is None
                checks += 1
        assert tp.is_grad_enabled()
        return checks

    def training(start):
        try:
            return train(4, default_rng=False, start=start)
        finally:
            stop.set()

    checks, result = run_threads(evaluate, training)
    assert checks >= 50
    assert_same_run(result, alone)
    assert frozen[0].weight.grad is None


def test_anomaly_mode_is_per_thread():
    inside = threading.Event()
    release = threading.Event()

    def watcher():
        with tp.detect_anomaly():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=watcher)
    t.start()
    assert inside.wait(10)
    try:
        with np.errstate(all="ignore"):  # NaN passes silently in this thread
            assert np.isnan(tp.log(tp.tensor([-1.0])).item())
    finally:
        release.set()
        t.join()


def draws(seed: int | None, n: int = 40, start: threading.Barrier | None = None):
    """``n`` small batches from the default generator, via library functions."""
    if start is not None:
        start.wait(timeout=30)
    if seed is not None:
        tp.manual_seed(seed)
    out = []
    for i in range(n):
        out.append(tp.randn(8).numpy().copy())
        out.append(tp.rand(3).numpy().copy())
        out.append(tp.randperm(6).numpy().copy())
        if i % 7 == 0:
            threading.Event().wait(0.001)  # let the other thread run in between
    return np.concatenate([o.astype(np.float64) for o in out])


def test_manual_seed_in_one_thread_leaves_the_other_stream_alone():
    expected = draws(11)
    main_state = default_generator().bit_generator.state

    def reseeding(start):
        start.wait(timeout=30)
        for i in range(200):
            tp.manual_seed(i)
            tp.randn(4)
        return id(default_generator())

    got, other_id = run_threads(lambda s: draws(11, start=s), reseeding)
    np.testing.assert_array_equal(got, expected)
    assert default_generator().bit_generator.state == main_state  # main thread untouched
    assert other_id != id(default_generator())


def test_new_thread_does_not_inherit_the_seeded_stream():
    tp.manual_seed(5)
    here = draws(None, n=3)
    tp.manual_seed(5)
    (there,) = run_threads(lambda s: draws(None, n=3, start=s))
    assert not np.array_equal(here, there)  # each thread has its own generator


@pytest.mark.parametrize("n_threads", [4])
def test_many_threads_each_with_its_own_seed(n_threads):
    alone = [draws(100 + i) for i in range(n_threads)]
    together = run_threads(*(lambda s, i=i: draws(100 + i, start=s) for i in range(n_threads)))
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a, b)
