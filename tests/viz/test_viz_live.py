"""Live pictures: LiveCurves rewrites its files every epoch; the notebook variant updates."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed")

import tinyprop as tp  # noqa: E402
from tinyprop import nn, optim, viz  # noqa: E402
from tinyprop.data import DataLoader, make_circles  # noqa: E402
from tinyprop.train import AutogradEngine, Callback, Trainer  # noqa: E402


class Snapshot(Callback):
    """Runs after LiveCurves: records each watched file's bytes at every epoch end."""

    def __init__(self, paths):
        self.paths = paths
        self.seen = {p.name: [] for p in paths}

    def on_epoch_end(self, trainer, epoch, logs):
        for p in self.paths:
            self.seen[p.name].append(hashlib.sha256(p.read_bytes()).hexdigest())


def _trainer(callbacks, epochs=3):
    tp.manual_seed(0)
    d = make_circles(seed=0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.5))
    loader = DataLoader(d.X_train, d.y_train, 50, seed=0)
    return d, engine, lambda: Trainer(engine, loader, epochs=epochs, test_data=d.test,
                                      callbacks=callbacks, verbose=False)


def test_live_curves_rewrite_curves_and_boundary_every_epoch(tmp_path):
    d, engine, _ = _trainer([])
    live = viz.LiveCurves(tmp_path, every=1, X=d.X_test, y=d.y_test, engine=engine,
                          min_interval=0)
    assert live.paths == [tmp_path / "curves.png", tmp_path / "boundary.png"]
    snap = Snapshot(live.paths)
    trainer = Trainer(engine, DataLoader(d.X_train, d.y_train, 50, seed=0), epochs=3,
                      test_data=d.test, callbacks=[live, snap], verbose=False)
    trainer.fit()
    assert live.saves == 6  # two files, three epochs
    for name in ("curves.png", "boundary.png"):
        hashes = snap.seen[name]
        assert len(hashes) == 3 and len(set(hashes)) == 3, name  # new picture each epoch
    assert not [p for p in tmp_path.iterdir() if p.name not in ("curves.png", "boundary.png")]


def test_live_curves_every_n_and_last_epoch_images_only_curves(tmp_path):
    d, engine, _ = _trainer([])
    live = viz.LiveCurves(tmp_path, every=2, X=np.zeros((3, 64)), y=[0, 1, 0], engine=engine,
                          min_interval=0)
    assert live.paths == [tmp_path / "curves.png"]  # not 2-D: no boundary
    trainer = Trainer(engine, DataLoader(d.X_train, d.y_train, 50, seed=0), epochs=3,
                      callbacks=[live], verbose=False)
    trainer.fit()
    assert live.saves == 2  # after epoch 2 and after the last (3)
    with pytest.raises(ValueError, match="every"):
        viz.LiveCurves(tmp_path, every=0)


def test_live_curves_wait_min_interval_between_drawings_but_draw_the_last(tmp_path,
                                                                          monkeypatch):
    from tinyprop.viz import live as live_mod

    now = [0.0]
    monkeypatch.setattr(live_mod, "_clock", lambda: now[0])

    class Tick(Callback):  # each epoch takes 0.4 s of the fake clock
        def on_epoch_end(self, trainer, epoch, logs):
            now[0] += 0.4

    d, engine, _ = _trainer([])
    live = viz.LiveCurves(tmp_path, min_interval=1.0)
    drawn = []
    original = live_mod.plot_curves
    monkeypatch.setattr(live_mod, "plot_curves",
                        lambda history, **kw: (drawn.append(len(history)),
                                               original(history, **kw))[1])
    Trainer(engine, DataLoader(d.X_train, d.y_train, 50, seed=0), epochs=7,
            callbacks=[Tick(), live], verbose=False).fit()
    # drawn at 0.4 s (epoch 1), then at 1.6 s (epoch 4: 1.2 s later), then the last (7)
    assert drawn == [1, 4, 7] and live.saves == 3
    for bad, err in ((-1, ValueError), (float("nan"), ValueError), ("1", TypeError)):
        with pytest.raises(err, match="min_interval"):
            viz.LiveCurves(tmp_path, min_interval=bad)


def test_notebook_live_curves_update_one_output(monkeypatch):
    from tinyprop.viz import live as live_mod

    shown = []

    class Handle:
        def update(self, image):
            shown.append(("update", image))

    def fake_display(image):
        shown.append(("display", image))
        return Handle()

    pytest.importorskip("IPython", reason="IPython is not installed")
    monkeypatch.setattr(live_mod, "_display_handle", fake_display)
    d, engine, _ = _trainer([])
    cb = viz.NotebookLiveCurves(min_interval=0)
    Trainer(engine, DataLoader(d.X_train, d.y_train, 50, seed=0), epochs=3,
            callbacks=[cb], verbose=False).fit()
    assert [kind for kind, _ in shown] == ["display", "update", "update"]
    assert cb.saves == 3 and cb.png[:8] == b"\x89PNG\r\n\x1a\n"


def test_notebook_live_curves_without_a_kernel_is_quiet(capsys):
    d, engine, _ = _trainer([])
    cb = viz.NotebookLiveCurves(min_interval=0)
    Trainer(engine, DataLoader(d.X_train, d.y_train, 50, seed=0), epochs=2,
            callbacks=[cb], verbose=False).fit()
    assert cb.saves == 2 and cb.png is not None
    assert capsys.readouterr().out == ""
