"""draw_graph: DOT structure, escaping, deep graphs, truncation and rendering."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import viz
from tinyprop.viz import graph as graph_mod

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def expression():
    a = tp.tensor([1.0, 2.0], requires_grad=True)
    b = tp.tensor([3.0, 4.0], requires_grad=True)
    c = tp.tensor([0.5, 0.5])
    return a, b, c, (a * b + c).tanh().sum()


def node_lines(dot):
    return [line for line in dot.splitlines() if re.match(r"\s+(t|op)\d+ \[", line)]


def op_labels(dot):
    return re.findall(r'op\d+ \[label="([^"]*)"', dot)


def test_small_expression_structure():
    a, b, c, out = expression()
    g = viz.draw_graph(out, names={a: "a", "b": b})
    dot = g.dot
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert sorted(op_labels(dot)) == ["Add", "Mul", "Sum", "Tanh"]
    assert "Backward" not in dot
    tensors = re.findall(r"^\s+t\d+ \[", dot, flags=re.M)
    assert len(tensors) == 7  # a, b, c, a*b, +c, tanh, sum
    assert (g.n_tensors, g.n_ops, g.total_nodes, g.truncated) == (7, 4, 11, False)
    assert len(re.findall(r"->", dot)) == 10  # 6 op inputs + 4 op outputs
    # edges: a->Mul, b->Mul, Mul->t, t->Add, c->Add, Add->t, t->Tanh, Tanh->t, t->Sum, Sum->t
    assert dot.count("#cfe2ff") == 2  # parameters a and b
    assert dot.count("dashed") == 1  # the constant c
    assert re.search(r'label="\{a \| \(2,\) float32\}"', dot)
    assert re.search(r'label="\{b \| \(2,\) float32\}"', dot)
    assert re.search(r't0 \[label="\{scalar float32\}", style="filled,bold"', dot)
    assert "truncated" not in dot
    assert "7 tensors, 4 ops" in repr(g) and str(g) == dot


def test_edges_follow_input_op_output():
    a, b, _, out = expression()
    dot = viz.draw_graph(out, names={id(a): "a", id(b): "b"}).dot
    ids = {m[1]: m[0] for m in re.findall(r'(t\d+) \[label="\{(a|b) \|', dot)}
    mul = re.search(r'(op\d+) \[label="Mul"', dot).group(1)
    assert f"{ids['a']} -> {mul};" in dot and f"{ids['b']} -> {mul};" in dot
    tanh = re.search(r'(op\d+) \[label="Tanh"', dot).group(1)
    assert re.search(rf"{tanh} -> t\d+;", dot)


def test_values_and_grads():
    a = tp.tensor([1.0, 2.0], requires_grad=True)
    b = tp.tensor([3.0, 4.0], requires_grad=True)
    out = (a * b).sum()
    before = viz.draw_graph(out, show_grads=True).dot
    assert before.count("grad None") == 4
    out.backward()
    dot = viz.draw_graph(out, show_values=True, show_grads=True, names={a: "a"}).dot
    assert "data 11" in dot  # the sum 1*3 + 2*4
    assert re.search(r"a \| \(2,\) float32 \| data \[1\., 2\.\] \| grad \[3\., 4\.\]", dot)
    big = tp.tensor(np.arange(20.0), requires_grad=True)
    dot = viz.draw_graph((big * 2).sum(), show_values=True).dot
    assert "mean 9.5, min 0, max 19" in dot


def test_repeated_input_and_scalar_operands():
    a = tp.tensor([1.0, 2.0], requires_grad=True)
    dot = viz.draw_graph(a * a * 3.0).dot
    assert len(re.findall(r"^\s+t\d+ \[", dot, flags=re.M)) == 3  # a, a*a, (a*a)*3
    mul_first = re.findall(r'(op\d+) \[label="Mul"', dot)
    assert len(mul_first) == 2
    assert len(re.findall(rf"t\d+ -> {mul_first[1]};", dot)) == 2  # a used twice


def test_leaf_only_graph():
    g = viz.draw_graph(tp.tensor([1.0]))
    assert (g.n_tensors, g.n_ops) == (1, 0) and "->" not in g.dot


def test_label_escaping():
    a = tp.tensor([1.0], requires_grad=True)
    weird = 'w{1}|<x> "q" \\ end\nline2'
    dot = viz.draw_graph(a * 2.0, names={a: weird}).dot
    assert r"w\{1\}\|\<x\> \"q\" \\ end\nline2" in dot
    line = [ln for ln in dot.splitlines() if "end" in ln][0]
    # every quote inside the label is escaped: the label is one DOT string
    label = re.search(r'label="((?:[^"\\]|\\.)*)"', line).group(1)
    assert label.startswith(r"{w\{1\}")
    assert viz.graph.escape_string('say "hi" \\') == r"say \"hi\" \\"


@pytest.mark.requires_tool("graphviz")
def test_escaped_labels_render_as_written():
    a = tp.tensor([1.0], requires_grad=True)
    weird = 'w{1}|<x> "q" \\ end'
    svg = viz.draw_graph(a * 2.0, names={a: weird}).pipe("svg").decode()
    texts = [t.text for t in ET.fromstring(svg).iter() if t.tag.endswith("text") and t.text]
    assert weird in texts


def test_deep_chain_does_not_recurse():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    g = viz.draw_graph(y, max_nodes=20_000)
    assert (g.n_tensors, g.n_ops, g.truncated) == (5001, 5000, False)
    assert len(op_labels(g.dot)) == 5000
    assert len(node_lines(g.dot)) == 10_001


def test_truncation_note():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    g = viz.draw_graph(y)  # default max_nodes=500
    assert g.truncated and g.n_tensors + g.n_ops == 500 and g.total_nodes == 10_001
    assert "graph truncated: showing 500 of 10001 nodes" in g.dot
    assert "max_nodes=10001" in g.dot
    assert g.dot.count("(inputs not drawn)") == 1
    assert len(node_lines(g.dot)) == 500
    edges = re.findall(r"(\w+) -> (\w+);", g.dot)
    declared = {re.match(r"\s+(\w+) \[", ln).group(1) for ln in node_lines(g.dot)}
    assert all(a in declared and b in declared for a, b in edges)  # no dangling edges


@pytest.mark.requires_tool("graphviz")
def test_render_svg_and_png(tmp_path):
    *_, out = expression()
    g = viz.draw_graph(out, show_values=True)
    svg_path = g.render(tmp_path / "graph.svg")
    root = ET.parse(svg_path).getroot()
    assert root.tag.endswith("svg")
    texts = {t.text for t in root.iter() if t.tag.endswith("text")}
    assert {"Mul", "Add", "Tanh", "Sum"} <= texts
    png_path = g.render(tmp_path / "graph.out", format="png")
    assert png_path.read_bytes()[:8] == PNG_SIGNATURE
    mpimg = pytest.importorskip("matplotlib.image", reason="matplotlib is not installed")
    assert mpimg.imread(png_path).shape[0] > 0
    assert g._repr_svg_().lstrip().startswith(("<?xml", "<svg"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.out", "graph.svg"]


@pytest.mark.requires_tool("graphviz")
def test_render_truncated_deep_graph(tmp_path):
    x = tp.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(2000):
        y = (y * 1.0).tanh()
    path = viz.draw_graph(y, max_nodes=200).render(tmp_path / "deep.svg")
    assert "graph truncated" in path.read_text()


def test_missing_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_mod.shutil, "which", lambda name: None)
    *_, out = expression()
    g = viz.draw_graph(out)
    with pytest.raises(viz.GraphvizNotFoundError) as info:
        g.render(tmp_path / "g.svg")
    msg = str(info.value)
    assert "Graphviz's `dot` was not found" in msg and "apt-get install graphviz" in msg
    assert ".dot" in msg
    assert isinstance(info.value, RuntimeError)
    assert g._repr_svg_() is None
    assert g.render(tmp_path / "g.dot").read_text() == g.dot  # DOT text needs no Graphviz
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_bad_arguments(tmp_path):
    *_, out = expression()
    g = viz.draw_graph(out)
    with pytest.raises(ValueError, match="unknown graph format 'jpg'"):
        g.render(tmp_path / "g.jpg")
    with pytest.raises(ValueError, match="unknown graph format 'bmp'"):
        g.render(tmp_path / "g.svg", format="bmp")
    with pytest.raises(TypeError, match="needs a tinyprop Tensor"):
        viz.draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(out, max_nodes=0)
    with pytest.raises(TypeError, match="names must map tensors"):
        viz.draw_graph(out, names={1.5: "x"})
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(out, rankdir="up")
    assert list(tmp_path.iterdir()) == []
