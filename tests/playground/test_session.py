"""The server's state logic without a server: engines, stepping, live changes, traces."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn
from tinyprop.errors import ConfigError
from tinyprop.playground.data import parse_csv
from tinyprop.playground.session import Session
from tinyprop.playground.settings import Settings

SETUPS = [
    {"hidden": "8,8"},
    {"hidden": "5,3", "activations": "relu,sigmoid", "reg": "l1", "reg_rate": 0.01,
     "dropout": 0.3, "optimizer": "adam", "init": "he"},
    {"problem": "regression", "dataset": "multigauss", "hidden": "6", "activations": "linear",
     "reg": "l2", "reg_rate": 0.1, "optimizer": "momentum", "init": "normal", "sigma": 0.5,
     "features": "x1,x2,x1x2,sinx2"},
    {"dataset": "spiral", "hidden": "4,4,4", "optimizer": "rmsprop", "batch_size": 7,
     "features": "x1,x2,x1sq,x2sq"},
]


@pytest.mark.parametrize("changes", SETUPS)
def test_both_engines_give_the_same_numbers(changes):
    a = Session(Settings().updated({**changes, "engine": "autograd"}))
    m = Session(Settings().updated({**changes, "engine": "manual"}))
    for _ in range(3):
        fa, fm = a.advance(batches=17), m.advance(batches=17)
    assert fa["step"] == fm["step"] == a.step > 17  # stops at the epoch's end too
    for (wa, ba), (wm, bm) in zip(a.engine.weights(), m.engine.weights()):
        np.testing.assert_allclose(wa, wm, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ba, bm, rtol=1e-5, atol=1e-6)
    assert fa["loss"]["train_loss"] == pytest.approx(fm["loss"]["train_loss"], rel=1e-5)
    ta, tm = a.trace()["trace"], m.trace()["trace"]
    for la, lm in zip(ta["layers"], tm["layers"]):
        for key in ("a", "z", "delta", "w_grad", "w_update"):
            # JSON rounds a and z to 6 decimals, gradients to 8
            np.testing.assert_allclose(la[key], lm[key], rtol=1e-4, atol=2e-6, err_msg=key)


def test_stepping_in_pieces_equals_whole_epochs():
    whole, pieces = Session(Settings(hidden=[8, 8], activations=["tanh", "tanh"])), \
        Session(Settings(hidden=[8, 8], activations=["tanh", "tanh"]))
    for _ in range(3):
        whole.advance()  # one epoch each
    while pieces.step < whole.step:
        pieces.advance(batches=7)
    assert pieces.step == whole.step == 75
    assert whole.trainer.epoch == pieces.trainer.epoch == 3
    for (w1, _), (w2, _) in zip(whole.engine.weights(), pieces.engine.weights()):
        np.testing.assert_array_equal(w1, w2)


def _independent_gradients(settings: Settings, weights, X, y):
    """The same network rebuilt from plain tinyprop modules: its weight gradients."""
    acts = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
    layers, linears = [], []
    for k, (w, b) in enumerate(weights):
        lin = nn.Linear(w.shape[1], w.shape[0])
        lin.weight._data[...] = w
        lin.bias._data[...] = b
        layers.append(lin)
        linears.append(lin)
        if k < len(weights) - 1:
            layers.append(acts[settings.activations[k]]())
    model = nn.Sequential(*layers)
    out = model(tp.tensor(X))
    loss = nn.functional.cross_entropy(out, tp.tensor(y))
    if settings.reg == "l2":
        for lin in linears:
            loss = loss + 0.5 * settings.reg_rate * (lin.weight * lin.weight).sum()
    loss.backward()
    return [lin.weight.grad.numpy() for lin in linears], out.numpy()


@pytest.mark.parametrize("engine", ["autograd", "manual"])
def test_trace_equals_tinyprops_own_gradients(engine):
    s = Settings().updated({"hidden": "3,2", "activations": "tanh,sigmoid", "batch_size": 5,
                            "reg": "l2", "reg_rate": 0.05, "engine": engine})
    session = Session(s)
    session.advance(batches=4)
    before = [(w.copy(), b.copy()) for w, b in session.engine.weights()]
    trace = session.trace()["trace"]
    t = session.engine.last_trace
    grads, logits = _independent_gradients(s, before, t.X, t.y)
    for k, g in enumerate(grads):
        np.testing.assert_allclose(trace["layers"][k]["w_grad"], g, rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(trace["layers"][k]["w"], before[k][0], rtol=1e-5, atol=1e-6)
        # SGD: the update is -lr * grad
        np.testing.assert_allclose(trace["layers"][k]["w_update"], -s.lr * g, rtol=1e-3,
                                   atol=1e-7)
    # the output layer's delta is (softmax - one-hot) / batch
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    expected = (p - np.eye(2)[t.y]) / len(t.y)
    np.testing.assert_allclose(trace["layers"][-1]["delta"], expected, rtol=1e-4, atol=1e-7)
    assert trace["batch"] == 5 and session.step == 5


def test_live_changes_keep_training_and_others_restart():
    session = Session()
    session.advance(batches=20)
    weights = [w.copy() for w, _ in session.engine.weights()]
    assert session.apply({"lr": 0.3, "reg": "l2", "reg_rate": 0.01, "dropout": 0.1}) is False
    assert session.step == 20 and session.engine.optimizer.param_groups[0]["lr"] == 0.3
    assert session.engine.penalty.active
    assert session.apply({"batch_size": 25}) is False  # a new loader, same weights
    assert len(session.loader) == 10
    np.testing.assert_array_equal(session.engine.weights()[0][0], weights[0])
    session.advance(batches=3)
    assert session.step == 23
    assert session.apply({"hidden": [2]}) is True
    assert session.step == 0 and session.settings.hidden == [2]


def test_a_refused_change_changes_nothing():
    session = Session()
    version = session.version
    with pytest.raises(ConfigError):
        session.apply({"hidden": [4, 2], "lr": -1})
    assert session.settings == Settings() and session.version == version


def test_divergence_is_reported_not_raised():
    s = Settings().updated({"problem": "regression", "lr": 10, "optimizer": "sgd",
                            "activations": "linear", "hidden": "8,8", "init": "normal",
                            "sigma": 3})
    session = Session(s)
    frame = None
    for _ in range(20):
        frame = session.advance()
        if frame["diverged"]:
            break
    assert "diverged" in frame["diverged"] and "learning rate" in frame["diverged"]
    from tinyprop.playground.server import _finite, _json

    json.loads(_json(_finite(frame)))  # the frame still goes out as JSON
    session.reset()
    assert session.diverged is None and session.step == 0


def test_frame_has_every_picture():
    session = Session(Settings().updated({"hidden": "3,2", "features": "x1,x2,x1x2"}))
    frame = session.frame()
    assert [len(col) for col in frame["neurons"]] == [3, 3, 2, 2]
    assert len(frame["boundary"]) == 4 * ((100 * 100 + 2) // 3)  # base64 of 10,000 bytes
    assert [np.shape(w) for w in frame["weights"]] == [(3, 3), (2, 3), (2, 2)]


def test_an_uploaded_table_is_used():
    session = Session()
    rows = "".join(f"{x},{y},{int(x > y)}\n" for x, y in np.random.default_rng(0).random((40, 2)))
    session.set_table(parse_csv(("x1,x2,label\n" + rows).encode(), "classification"))
    assert session.settings.dataset == "csv" and len(session.points.y_train) == 20
    session.advance()
    assert session.history[-1]["train_loss"] < session.history[0]["train_loss"]
