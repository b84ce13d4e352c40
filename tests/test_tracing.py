"""``tp.compile``: a replayed trace gives what eager mode gives, or it is not replayed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn, optim
from tinyprop.op_cases import CASES, C, make_inputs
from tinyprop.tracing import MAX_TRACES, Program


def _programs(compiled):
    return [p for p in compiled.traces.values() if isinstance(p, Program)]


def _args(case, seed):
    return [x if isinstance(spec, C) else tp.tensor(x, requires_grad=True)
            for spec, x in zip(case.inputs, make_inputs(case, seed))]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_op_replays_like_eager_or_is_not_replayed(case):
    compiled = tp.compile(case.fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled(*_args(case, 0))  # the trace, on other values than the check below
    replayed, eager = _args(case, 1), _args(case, 1)
    out, ref = compiled(*replayed), case.fn(*eager)
    np.testing.assert_allclose(out.data, ref.data, rtol=1e-12, atol=1e-12)
    if not ref.requires_grad:
        return
    cot = tp.tensor(np.random.default_rng(2).standard_normal(ref.shape))
    out.backward(cot)
    ref.backward(cot)
    for a, b in zip(replayed, eager):
        if isinstance(b, tp.Tensor) and b.requires_grad:
            np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-12, atol=1e-12)


def test_most_ops_are_replayed():
    # Ops fall back to eager only when the case closes over a NumPy array (labels, masks,
    # class weights); huber_loss takes its branch inside one op, so it replays.
    replayed = 0
    for case in CASES:
        compiled = tp.compile(case.fn)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled(*_args(case, 0))
        replayed += bool(_programs(compiled))
    assert replayed >= 86, replayed


def _mlp(seed=0, dropout=False):
    tp.manual_seed(seed)
    layers = [nn.Linear(6, 16), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    return nn.Sequential(*layers, nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6)).astype(np.float32), rng.integers(0, 3, n)


def test_compiled_module_trains_exactly_like_eager():
    runs = []
    for compile_ in (False, True):
        model = _mlp()
        forward = tp.compile(model) if compile_ else model
        opt = optim.Adam(model.parameters(), lr=0.01)
        losses = []
        for step in range(6):
            X, y = _data(seed=step)
            opt.zero_grad()
            loss = tp.cross_entropy(forward(tp.tensor(X)), tp.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        runs.append((losses, [p.numpy().copy() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_one_trace_per_signature_and_attribute_passthrough():
    model = tp.compile(_mlp())
    X, _ = _data()
    for _ in range(3):
        model(tp.tensor(X))
    assert len(model.traces) == 1
    model(tp.tensor(X[:5]))  # a new batch size: a second trace
    assert len(model.traces) == 2
    with tp.no_grad():  # grad mode is part of the signature
        model(tp.tensor(X))
    assert len(model.traces) == 3
    assert len(list(model.parameters())) == 6
    assert "Sequential" in repr(model)


def test_eval_mode_and_structure_changes_retrace():
    model = _mlp()
    compiled = tp.compile(model)
    x = tp.tensor(_data()[0])
    compiled(x)
    model.eval()
    compiled(x)
    assert len(compiled.traces) == 2
    model[4] = nn.Linear(16, 3)  # a new last layer: the old trace must not be used
    out = compiled(x)
    np.testing.assert_allclose(out.data, model(x).data, rtol=1e-6)
    assert len(compiled.traces) == 3


def test_replaced_parameter_data_is_seen_without_retracing():
    model = _mlp()
    compiled = tp.compile(model)
    x = tp.tensor(_data()[0])
    compiled(x)
    model[4].bias.data = model[4].bias.data + 1.0
    np.testing.assert_allclose(compiled(x).data, model(x).data, rtol=1e-6)
    assert len(compiled.traces) == 1


def test_frozen_parameters_get_no_gradient_after_retrace():
    model = _mlp()
    compiled = tp.compile(model)
    x = tp.tensor(_data()[0])
    compiled(x).sum().backward()
    model.zero_grad()
    model[0].weight.requires_grad_(False)
    compiled(x).sum().backward()
    assert model[0].weight.grad is None
    assert model[0].bias.grad is not None


def test_dropout_is_not_replayed_and_still_random():
    model = tp.compile(_mlp(dropout=True))
    x = tp.tensor(_data()[0])
    with pytest.warns(UserWarning, match="random numbers"):
        a = model(x)
    b = model(x)
    assert not _programs(model)
    assert not np.array_equal(a.data, b.data)
    model.eval()  # no dropout in eval mode: traceable
    model(x)
    assert len(_programs(model)) == 1


@pytest.mark.parametrize("body, reason", [
    (lambda x: x * 2 if x.sum().item() > 0 else x * 3, "read into Python"),
    (lambda x: x * 2 if x.sum() > 0 else x * 3, "control flow"),
    (lambda x: x * tp.tensor(np.asarray(x._data > 0, np.float64)), "outside the traced ops"),
    (lambda x: tp.where(tp.Tensor._wrap(x._data > 0), x, -x), "outside the traced ops"),
    (lambda x: x.numpy().sum() * x, "NumPy array"),
    (lambda x: (x * 2, x * 3), "not a single tensor"),
    (lambda x: x, "not computed"),
])
def test_data_dependent_functions_run_eagerly(body, reason):
    f = tp.compile(body)
    with pytest.warns(UserWarning, match=reason):
        f(tp.tensor([1.0, 2.0]))
    out = f(tp.tensor([-1.0, -2.0]))
    ref = body(tp.tensor([-1.0, -2.0]))
    for o, r in zip(out if isinstance(out, tuple) else (out,),
                    ref if isinstance(ref, tuple) else (ref,)):
        np.testing.assert_array_equal(o.data, r.data)


def test_in_place_change_during_trace_runs_eagerly():
    buf = tp.zeros(2)

    def f(x):
        y = x * 2
        buf.add_(1.0)
        return y

    g = tp.compile(f)
    with pytest.warns(UserWarning, match="in place"):
        g(tp.tensor([1.0, 2.0]))
    g(tp.tensor([1.0, 2.0]))
    assert buf.tolist() == [2.0, 2.0]


def test_labels_are_checked_on_every_replay():
    model = _mlp()
    loss = tp.compile(lambda x, y: tp.cross_entropy(model(x), y))
    X, y = _data()
    loss(tp.tensor(X), tp.tensor(y))
    loss(tp.tensor(X), tp.tensor(y))
    assert len(_programs(loss)) == 1
    bad = y.copy()
    bad[3] = 7
    with pytest.raises(ValueError, match="target label 7 is out of range for 3 classes"):
        loss(tp.tensor(X), tp.tensor(bad))
    bad[3] = -100  # the default ignore_index: that row is skipped, as in eager mode
    np.testing.assert_allclose(loss(tp.tensor(X), tp.tensor(bad)).data,
                               tp.cross_entropy(model(tp.tensor(X)), tp.tensor(bad)).data,
                               rtol=1e-6)


def test_second_backward_through_a_replay_needs_retain_graph():
    model = tp.compile(_mlp())
    x = tp.tensor(_data()[0])
    model(x)
    out = model(x).sum()
    out.backward(retain_graph=True)
    out.backward()
    with pytest.raises(RuntimeError, match="second time"):
        out.backward()


def test_backward_with_release_frees_each_context_and_gives_the_same_gradients():
    model = tp.compile(_mlp())
    x = tp.tensor(_data()[0])
    model(x)
    (program,) = _programs(model)
    arrays = [x.data] + [p.data for p in program.externals]
    seed = np.ones((len(x.data), 3))
    kept, freed = [], []
    program.forward(arrays, kept)
    program.forward(arrays, freed)
    want = program.backward(kept, seed)
    got = program.backward(freed, seed, release=True)
    assert not any(c.freed for c in kept) and all(c.freed for c in freed)
    for a, b in zip(got, want):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    program.backward(kept, seed)  # the kept contexts still work a second time


def test_inputs_that_need_gradients_get_them():
    w = tp.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    f = tp.compile(lambda x: (x @ w).tanh().sum())
    for _ in range(2):
        x = tp.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]], requires_grad=True)
        w.grad = None
        f(x).backward()
    x2 = tp.tensor(x.data, requires_grad=True)
    w2 = tp.tensor(w.data, requires_grad=True)
    (x2 @ w2).tanh().sum().backward()
    np.testing.assert_allclose(x.grad.data, x2.grad.data, rtol=1e-6)
    np.testing.assert_allclose(w.grad.data, w2.grad.data, rtol=1e-6)


def test_too_many_signatures_run_eagerly():
    f = tp.compile(lambda x: (x * 2).sum())
    for n in range(1, MAX_TRACES + 3):
        assert f(tp.ones(n)).item() == 2 * n
    assert len(f.traces) == MAX_TRACES


def test_anomaly_mode_runs_eagerly_and_checks_each_op():
    f = tp.compile(lambda x: (x.log() * 0).sum())
    f(tp.tensor([1.0, 2.0], requires_grad=True))
    with tp.detect_anomaly(), pytest.raises(tp.AnomalyError, match="Log produced infinity"):
        f(tp.tensor([1.0, 0.0], requires_grad=True))


def test_compile_rejects_what_it_cannot_call():
    with pytest.raises(TypeError, match="function or an nn.Module"):
        tp.compile(3)
    with pytest.raises(AttributeError):
        _ = tp.compile(lambda x: x).weight


def test_compiled_engine_steps_like_the_eager_engine():
    from tinyprop.train import AutogradEngine

    results = []
    for compile_ in (False, True):
        model = _mlp()
        engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                                compile=compile_)
        steps = [engine.train_step(*_data(n=24 if i % 3 else 7, seed=i)) for i in range(9)]
        logits = engine.predict_logits(_data(n=10, seed=99)[0])
        results.append((steps, logits, [p.numpy().copy() for p in model.parameters()]))
    (s0, l0, p0), (s1, l1, p1) = results
    assert [c for _, c in s0] == [c for _, c in s1]  # number correct per batch
    np.testing.assert_allclose([v for v, _ in s0], [v for v, _ in s1], rtol=1e-6)
    np.testing.assert_allclose(l0, l1, rtol=1e-6)
    for a, b in zip(p0, p1):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_compiled_engine_with_dropout_trains_eagerly():
    from tinyprop.train import AutogradEngine

    model = _mlp(dropout=True)
    engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1), compile=True)
    with pytest.warns(UserWarning, match="random numbers"):
        engine.train_step(*_data())
    loss, _ = engine.train_step(*_data())
    assert np.isfinite(loss)


def test_threads_trace_and_replay_independently():
    import threading

    errors = []

    def work(seed):
        try:
            model = _mlp(seed)
            compiled = tp.compile(model)
            X, _ = _data(seed=seed)
            for _ in range(20):
                np.testing.assert_allclose(compiled(tp.tensor(X)).data,
                                           model(tp.tensor(X)).data, rtol=1e-6)
            assert len(_programs(compiled)) == 1
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_engine_compile_flag_must_be_a_bool():
    from tinyprop.train import AutogradEngine

    model = _mlp()
    with pytest.raises(TypeError, match="compile must be True or False, got 'yes'"):
        AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1), compile="yes")
