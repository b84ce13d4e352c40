"""graph_of_run: one node per elementary op, shapes and gradients, top-down (issue 16, item 7)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import viz
from tinyprop.train import Run, TrainConfig, train_run

ELEMENTARY = {"MatMul", "Add", "Permute", "Tanh", "Sub", "Exp", "Sum", "Log", "Mul", "Neg",
              "Div"}


def _ops(dot):
    return re.findall(r'op\d+ \[label="([^"]+)"', dot)


def _tensor_labels(dot):
    return re.findall(r't\d+ \[label="\{(.*?)\}"', dot)


@pytest.mark.parametrize("engine", ["autograd", "manual"])
def test_graph_of_a_fresh_run_has_elementary_ops_shapes_and_grads(engine):
    run = Run(TrainConfig(data="digits", engine=engine), verbose=False)
    g = viz.graph_of_run(run, batch_size=4)
    dot = g.dot
    assert "rankdir=TB" in dot
    ops = _ops(dot)
    assert len(ops) == g.n_ops == 16 and set(ops) <= ELEMENTARY
    assert ops.count("MatMul") == 2 and ops.count("Tanh") == 1
    assert "Linear" not in ops and "CrossEntropy" not in ops  # nothing fused
    labels = _tensor_labels(dot)
    assert len(labels) == g.n_tensors
    for label in labels:  # every tensor: a shape, and a gradient unless it is a constant
        assert re.search(r"(scalar|\(\d+(, \d+)*,?\)) float32", label), label
        assert "grad None" not in label
        assert " | grad " in label or "constant (no grad)" in label, label
    assert any(label.startswith("0.weight | (50, 64) float32 | grad mean") for label in labels)
    assert any(label.startswith("logits | (4, 10) float32 | grad") for label in labels)
    assert np.isfinite(g.loss)


def test_elementary_loss_equals_cross_entropy_and_leaves_no_gradients():
    run = Run(TrainConfig(data="circles"), verbose=False)
    xb, yb = run.data.X_test[:8], run.data.y_test[:8]
    loss = viz.elementary_loss(run.model, xb, yb)
    ref = tp.nn.functional.cross_entropy(run.model(tp.tensor(xb)), tp.tensor(yb))
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)
    viz.graph_of_run(run)
    assert all(p.grad is None for p in run.model.parameters())


def test_graph_of_a_trained_run_directory(tmp_path):
    out = tmp_path / "run"
    train_run(TrainConfig(data="circles", epochs=2, plots=False), out=str(out), verbose=False)
    g = viz.graph_of_run(out, batch_size=3)
    assert "x (batch) | (3, 2) float32" in g.dot
    assert g.loss == pytest.approx(
        viz.elementary_loss(tp.train.load_run(out).model,
                            *_first_test_rows(out, 3)).item(), rel=1e-5)


def _first_test_rows(out, n):
    d = tp.train.load_run(out).data
    return d.X_test[:n], d.y_test[:n]


def test_graph_of_run_rejects_other_things():
    with pytest.raises(TypeError, match="Run or a run directory"):
        viz.graph_of_run(42)


def test_retain_grads_turns_grad_none_into_gradients():
    w = tp.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3.0
    loss = h.tanh().sum()
    assert viz.retain_grads(loss) == 3
    loss.backward()
    dot = viz.draw_graph(loss, show_grads=True).dot
    assert "grad None" not in dot
    assert dot.count("grad ") == 4


@pytest.mark.requires_tool("graphviz")
def test_graph_of_run_renders_taller_than_wide(tmp_path):
    g = viz.graph_of_run(Run(TrainConfig(data="digits"), verbose=False))
    svg = g.render(tmp_path / "graph.svg").read_text()
    width, height = (float(v) for v in re.search(
        r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert height > width  # top-down: fits a page, not a 4025x205 strip
