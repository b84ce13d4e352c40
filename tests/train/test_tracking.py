"""CSVLogger and TensorBoardLogger on real Trainer runs; TensorBoard's own reader reads back
what the logger wrote (tensorboardX and tensorboard are in the test extra, so CI has them:
a skip for either is a failure there)."""

from __future__ import annotations

import csv
import math
import sys

import numpy as np
import pytest

from tinyprop import manual, nn, optim
from tinyprop.data import make_moons
from tinyprop.train import AutogradEngine, CSVLogger, ManualEngine, TensorBoardLogger, Trainer


def _trainer(callbacks, epochs=3, engine="autograd"):
    d = make_moons(seed=0, val_size=40)
    if engine == "autograd":
        model = nn.Sequential(nn.Linear(2, 8, generator=0), nn.Tanh(),
                              nn.Linear(8, 2, generator=1))
        eng = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1))
    else:
        net = manual.Network([manual.Linear(2, 8, generator=0), manual.Tanh(),
                              manual.Linear(8, 2, generator=1)])
        eng = ManualEngine(net, manual.SoftmaxCrossEntropy(), lambda ps: optim.SGD(ps, lr=0.1))
    return Trainer(eng, d.loader("train", batch_size=20, seed=0), epochs=epochs,
                   val_data=d.val, test_data=d.test, callbacks=callbacks, verbose=False)


def _accumulator(log_dir):
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    sizes = {"scalars": 0, "histograms": 0, "tensors": 0}
    return ea_mod.EventAccumulator(str(log_dir), size_guidance=sizes).Reload()


# ---- CSV --------------------------------------------------------------------------------
def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    path = tmp_path / "logs" / "metrics.csv"
    history = _trainer([CSVLogger(path)]).fit()
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    assert list(rows[0]) == list(history[0])  # the header is the first epoch's keys
    for row, logs in zip(rows, history):
        assert int(row["epoch"]) == logs["epoch"]
        for key in ("train_loss", "val_accuracy", "test_accuracy", "lr"):
            assert float(row[key]) == pytest.approx(logs[key], rel=1e-12)


def test_csv_logger_rewrites_the_file_when_training_begins(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("stale,content\n1,2\n")
    _trainer([CSVLogger(path)], epochs=2).fit()
    lines = path.read_text().splitlines()
    assert lines[0].startswith("epoch,") and len(lines) == 3


def test_csv_logger_resumed_trainer_keeps_its_history(tmp_path):
    path = tmp_path / "m.csv"
    first = _trainer([CSVLogger(path)], epochs=2)
    first.fit()
    state = first.state_dict()
    path.write_text(path.read_text() + "9,junk\n")  # a row the checkpoint does not have
    second = _trainer([CSVLogger(path)], epochs=4)
    second.load_state_dict(state)
    second.fit()
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]


def test_csv_logger_missing_and_late_keys(tmp_path):
    path = tmp_path / "m.csv"
    logger = CSVLogger(path)
    logger.on_train_begin(None)
    logger.on_epoch_end(None, 0, {"epoch": 1, "loss": 0.5, "flag": True})
    logger.on_epoch_end(None, 1, {"epoch": 2, "extra": 3.0, "flag": False})
    assert path.read_text().splitlines() == ["epoch,loss,flag", "1,0.5,True", "2,,False"]


def test_csv_logger_refuses_a_symlink(tmp_path):
    target = tmp_path / "elsewhere.csv"
    target.write_text("keep\n")
    link = tmp_path / "m.csv"
    logger = CSVLogger(link)
    logger.on_train_begin(None)  # replaces whatever is at the path, never its target
    link.unlink()
    link.symlink_to(target)
    with pytest.raises(OSError):
        logger.on_epoch_end(None, 0, {"epoch": 1})
    assert target.read_text() == "keep\n"


def test_csv_logger_checks_its_path():
    with pytest.raises(TypeError, match="str or os.PathLike"):
        CSVLogger(3)
    with pytest.raises(ValueError, match="must not be empty"):
        CSVLogger("")


# ---- TensorBoard -------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["autograd", "manual"])
def test_tensorboard_reader_reads_back_the_scalars(tmp_path, engine):
    pytest.importorskip("tensorboardX")
    history = _trainer([TensorBoardLogger(tmp_path / "tb")], engine=engine).fit()
    acc = _accumulator(tmp_path / "tb")
    tags = acc.Tags()
    numeric = {k for k, v in history[0].items() if k != "epoch" and isinstance(v, float)}
    assert numeric <= set(tags["scalars"])
    for key in ("train_loss", "val_accuracy", "test_accuracy", "lr"):
        events = acc.Scalars(key)
        assert [e.step for e in events] == [1, 2, 3]
        np.testing.assert_allclose([e.value for e in events], [h[key] for h in history],
                                   rtol=1e-6)  # stored as float32


def test_tensorboard_histograms_of_weights_and_gradients(tmp_path):
    pytest.importorskip("tensorboardX")
    trainer = _trainer([TensorBoardLogger(tmp_path / "tb")])
    trainer.fit()
    acc = _accumulator(tmp_path / "tb")
    names = [n for n, _ in trainer.engine.model.named_parameters()]
    expected = {f"{kind}/{n}" for n in names for kind in ("weights", "gradients")}
    assert set(acc.Tags()["histograms"]) == expected
    weight = trainer.engine.model.state_dict()["0.weight"]
    last = acc.Histograms("weights/0.weight")[-1]
    assert last.step == 3
    assert last.histogram_value.num == weight.size
    assert last.histogram_value.min == pytest.approx(float(np.min(weight)), rel=1e-6)
    assert last.histogram_value.max == pytest.approx(float(np.max(weight)), rel=1e-6)
    assert len(acc.Histograms("gradients/2.bias")) == 3


def test_tensorboard_graph_and_model_text(tmp_path):
    pytest.importorskip("tensorboardX")
    _trainer([TensorBoardLogger(tmp_path / "tb", histograms=False)]).fit()
    acc = _accumulator(tmp_path / "tb")
    assert acc.Tags()["histograms"] == []
    graph = acc.Graph()
    assert [n.name for n in graph.node] == ["input", "0_Linear", "1_Tanh", "2_Linear", "output"]
    assert list(graph.node[2].input) == ["0_Linear"]
    assert any("model" in tag for tag in acc.Tags()["tensors"])


def test_tensorboard_skips_nonfinite_histogram_values(tmp_path):
    pytest.importorskip("tensorboardX")
    logger = TensorBoardLogger(tmp_path / "tb")
    trainer = _trainer([logger], epochs=1)
    trainer.fit()
    logger.on_train_begin(trainer)
    logger._histogram("weights/nan", np.array([math.nan, math.inf]), 1)  # nothing to draw
    logger.on_epoch_end(trainer, 1, {"loss": 0.5, "note": "text", "flag": True})
    logger.close()
    assert "note" not in _accumulator(tmp_path / "tb").Tags()["scalars"]


def test_tensorboard_logger_without_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import fails: "not installed"
    with pytest.raises(ImportError) as info:
        TensorBoardLogger("tb")
    message = str(info.value)
    assert "pip install tinyprop[tracking]" in message and "\n" not in message


def test_tensorboard_logger_checks_its_arguments(tmp_path):
    with pytest.raises(TypeError, match="log_dir"):
        TensorBoardLogger(None)
    with pytest.raises(TypeError, match="histograms"):
        TensorBoardLogger(tmp_path, histograms="yes")
