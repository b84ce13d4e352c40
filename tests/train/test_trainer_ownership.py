"""Issue 14: the Trainer is the one owner of the scheduler; one builder per engine from the
config, both starting from the same initial weights."""

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import optim
from tinyprop.data import make_circles
from tinyprop.train import (
    AutogradEngine,
    TrainConfig,
    Trainer,
    build_manual_model,
    build_model,
    initial_weights,
)


def _trainer(scheduler_of, epochs=3, **kwargs):
    d = make_circles(seed=0, n_train=40, n_test=20)
    tp.manual_seed(0)
    model = build_model(TrainConfig(data="circles").resolved(), 2, 2)
    opt = optim.SGD(model.parameters(), lr=1.0)
    loader = d.loader("train", batch_size=10, seed=0)
    sched = scheduler_of(opt, len(loader) * epochs)
    trainer = Trainer(AutogradEngine(model, opt), loader, epochs=epochs, scheduler=sched,
                      verbose=False, **kwargs)
    return trainer, opt


def test_trainer_steps_an_epoch_scheduler_once_per_epoch():
    trainer, opt = _trainer(lambda o, n: optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5))
    history = trainer.fit()
    assert [h["lr"] for h in history] == [1.0, 0.5, 0.25]
    assert opt.param_groups[0]["lr"] == 0.125


def test_trainer_steps_a_per_batch_scheduler_every_batch():
    trainer, _ = _trainer(lambda o, n: optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=n),
                          scheduler_interval="batch")
    trainer.fit()  # one step too many would raise: OneCycleLR stops at total_steps
    assert trainer.scheduler.last_epoch == 3 * len(trainer.loader)


def test_plateau_gets_the_monitored_value():
    trainer, opt = _trainer(
        lambda o, n: optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=0, mode="max"),
        scheduler_monitor="no_such_key")  # falls back to train_loss, which never "improves"
    trainer.fit()
    assert opt.param_groups[0]["lr"] < 1.0


def test_scheduler_interval_is_checked():
    with pytest.raises(ValueError, match="scheduler_interval"):
        _trainer(lambda o, n: None, scheduler_interval="step")


@pytest.mark.parametrize("init", ["normal", "default", "xavier", "he"])
def test_both_builders_start_from_the_same_weights(init):
    cfg = TrainConfig(data="circles", init=init, hidden=[8, 6]).resolved()
    tp.manual_seed(3)
    expected = [(w.copy(), b.copy()) for w, b in initial_weights(cfg, 2, 3)]
    tp.manual_seed(3)
    model = build_model(cfg, 2, 3)
    tp.manual_seed(3)
    net = build_manual_model(cfg, 2, 3)
    state = model.state_dict()
    params = net.parameters()
    for i, (w, b) in enumerate(expected):
        np.testing.assert_array_equal(state[f"{2 * i}.weight"], w)
        np.testing.assert_array_equal(params[f"{2 * i}.w"], w)
        np.testing.assert_array_equal(params[f"{2 * i}.b"].reshape(-1), b)
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    np.testing.assert_array_equal(net.forward(x), model(tp.tensor(x)).numpy())
