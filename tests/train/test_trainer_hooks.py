"""Issue 14: the Trainer's callback hooks, the loader as the one owner of the epoch
position, the engines' ``forward``, and EarlyStopping's weights-only snapshot."""

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import manual, nn, optim
from tinyprop.data import DataLoader, make_circles
from tinyprop.errors import DataError
from tinyprop.train import (
    AutogradEngine,
    Callback,
    EarlyStopping,
    LayerEngine,
    ManualEngine,
    Trainer,
)


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_begin(self, trainer):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, trainer, epoch):
        self.events.append(("epoch_begin", epoch))

    def on_batch_begin(self, trainer, batch, size):
        self.events.append(("batch_begin", batch, size))

    def on_batch_end(self, trainer, batch, loss):
        self.events.append(("batch_end", batch))

    def on_epoch_end(self, trainer, epoch, logs):
        self.events.append(("epoch_end", epoch))

    def on_train_end(self, trainer):
        self.events.append(("train_end",))


def _engine(seed=0, momentum=0.0):
    tp.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    return AutogradEngine(model, optim.SGD(model.parameters(), lr=0.5, momentum=momentum))


def _data():
    return make_circles(seed=0, n_train=25, n_test=20, val_size=10)


def test_hooks_run_in_order_with_batch_index_and_size():
    d = _data()
    rec = Recorder()
    loader = d.loader("train", batch_size=10, seed=0)
    n = len(loader.X)
    Trainer(_engine(), loader, epochs=2, callbacks=[rec], verbose=False).fit()
    sizes = [min(10, n - 10 * i) for i in range(len(loader))]
    epoch = []
    for b, size in enumerate(sizes):
        epoch += [("batch_begin", b, size), ("batch_end", b)]
    expected = [("train_begin",)]
    for e in range(2):
        expected += [("epoch_begin", e), *epoch, ("epoch_end", e)]
    assert rec.events == [*expected, ("train_end",)]


def test_a_stop_set_in_a_batch_hook_ends_training_after_that_epoch():
    class StopInBatch(Callback):
        def on_batch_end(self, trainer, batch, loss):
            if trainer.epoch == 1 and batch == 0:
                trainer.stop = True

    d = _data()
    trainer = Trainer(_engine(), d.loader("train", batch_size=5, seed=0), epochs=5,
                      callbacks=[StopInBatch()], verbose=False)
    assert len(trainer.fit()) == 2


def test_totals_hold_the_epochs_batches_and_evaluate_false_skips_evaluation():
    class Sums(Callback):
        def __init__(self):
            self.losses, self.seen = [], []

        def on_epoch_begin(self, trainer, epoch):
            self.sum, self.n = 0.0, 0

        def on_batch_end(self, trainer, batch, loss):
            self.seen.append(trainer.totals[2])

        def on_epoch_end(self, trainer, epoch, logs):
            self.losses.append(trainer.totals[0] / trainer.totals[2])

    d = _data()
    sums = Sums()
    loader = d.loader("train", batch_size=10, seed=0)
    history = Trainer(_engine(), loader, epochs=2, callbacks=[sums], verbose=False,
                      evaluate=False, test_data=d.test).fit()
    assert "train_loss" not in history[0] and "test_loss" not in history[0]
    assert [h["train_batch_loss"] for h in history] == sums.losses
    n = len(loader.X)
    assert sums.seen == [min(10 * (i + 1), n) for i in range(len(loader))] * 2


def _weights(engine):
    return {k: v.numpy().copy() for k, v in engine.model.state_dict().items()}


def test_interrupted_epoch_resumes_from_the_loaders_position():
    class InterruptAt(Callback):
        def on_batch_end(self, trainer, batch, loss):
            if trainer.epoch == 1 and batch == 1:
                trainer.interrupted = True

    d = _data()
    reference = Trainer(_engine(), d.loader("train", batch_size=5, seed=0), epochs=3,
                        verbose=False)
    reference.fit()

    first = Trainer(_engine(), d.loader("train", batch_size=5, seed=0), epochs=3,
                    callbacks=[InterruptAt()], verbose=False)
    first.fit()
    assert first.epoch == 1 and first.loader.position == 2
    state = first.state_dict()
    assert state["loader"]["position"] == 2 and "partial" not in state["trainer"]

    second = Trainer(_engine(seed=9), d.loader("train", batch_size=5, seed=3), epochs=3,
                     verbose=False)
    second.load_state_dict(state)
    assert second.loader.position == 2
    second.fit()
    assert [h["train_loss"] for h in second.history] == [h["train_loss"] for h in
                                                         reference.history]
    for k, v in _weights(reference.engine).items():
        np.testing.assert_array_equal(_weights(second.engine)[k], v)


def test_a_state_with_the_old_partial_tuple_still_loads():
    d = _data()
    trainer = Trainer(_engine(), d.loader("train", batch_size=5, seed=0), epochs=1,
                      verbose=False)
    state = trainer.state_dict()
    del state["trainer"]["totals"]
    state["trainer"]["partial"] = [2, 1.5, 3, 10]
    trainer.load_state_dict(state)
    assert trainer.totals == (1.5, 3, 10)


def test_engines_forward_is_a_batch_of_logits_without_recording():
    x = np.random.default_rng(0).normal(size=(7, 2)).astype(np.float32)
    engine = _engine()
    out = engine.forward(x)
    assert isinstance(out, np.ndarray) and out.shape == (7, 2)
    assert engine.model.training  # the training mode is put back
    np.testing.assert_array_equal(out, engine.predict_logits(x, batch_size=7))
    net = manual.Network([manual.Linear(2, 3, generator=0)])
    m = ManualEngine(net, manual.SoftmaxCrossEntropy(), lambda ps: optim.SGD(ps, lr=0.1))
    np.testing.assert_array_equal(m.forward(x), net.forward(x))
    layer = LayerEngine(net, manual.SoftmaxCrossEntropy(), 0.1)
    np.testing.assert_array_equal(layer.forward(x), net.forward(x))


def test_predict_paths_use_forward():
    class Counting(AutogradEngine):
        calls = 0

        def forward(self, X):
            Counting.calls += 1
            return super().forward(X)

    model = nn.Linear(2, 2, generator=0)
    engine = Counting(model, optim.SGD(model.parameters(), lr=0.1))
    engine.predict_logits(np.ones((5, 2), np.float32), batch_size=2)
    assert Counting.calls == 3


def test_layer_engine_counts_one_hot_and_label_targets():
    net = manual.Network([manual.Linear(2, 2, generator=0)])
    engine = LayerEngine(net, manual.SoftmaxCrossEntropy(), 1e-12)  # nothing moves
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    pred = net.forward(x).argmax(axis=1)
    loss, correct = engine.train_step(x, pred)
    assert correct == 3 and loss == pytest.approx(engine.last_cost * 3)
    assert engine.train_step(x, np.eye(2)[1 - pred])[1] == 0


def test_early_stopping_keeps_a_weights_only_snapshot():
    d = _data()
    engine = _engine(momentum=0.9)
    stopper = EarlyStopping(patience=1, monitor="train_loss", mode="max")  # stops at once
    trainer = Trainer(engine, d.loader("train", batch_size=5, seed=0), epochs=5,
                      callbacks=[stopper], verbose=False)
    snapshots = []
    original = engine.model_state_dict

    def spy():
        snapshots.append(original())
        return snapshots[-1]

    engine.model_state_dict = spy
    trainer.fit()
    assert trainer.stop and len(trainer.history) == 2
    assert stopper.best_state is snapshots[0]
    assert set(stopper.best_state) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    buffers = [s["momentum_buffer"].copy() for s in engine.optimizer.state.values()]
    assert buffers  # restoring the weights leaves the optimizer's buffers alone
    for k, v in stopper.best_state.items():
        np.testing.assert_array_equal(engine.model.state_dict()[k].numpy(), v.numpy())


def test_loader_order_sets_each_epochs_rows():
    X = np.arange(6, dtype=np.float32).reshape(6, 1)
    orders = iter([np.array([5, 4, 3, 2, 1, 0]), np.array([0, 2, 4, 1, 3, 5])])
    loader = DataLoader(X, np.arange(6), batch_size=4, order=lambda: next(orders))
    assert [yb.tolist() for _, yb in loader] == [[5, 4, 3, 2], [1, 0]]
    assert [yb.tolist() for _, yb in loader] == [[0, 2, 4, 1], [3, 5]]
    bad = DataLoader(X, np.arange(6), batch_size=4, order=lambda: np.arange(5))
    with pytest.raises(DataError, match="permutation"):
        list(bad)
    with pytest.raises(TypeError, match="order"):
        DataLoader(X, order=3)
