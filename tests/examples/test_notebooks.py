"""The example notebooks run top to bottom and print what they should.

Each notebook in ``examples/`` is executed with nbclient (kernel ``python3``) in a
temporary working directory with ``TINYPROP_SMALL=1``, its quick mode. Notebooks that
read Fashion-MNIST are skipped locally when the dataset is missing, and required in CI
(``require_tool`` in ``tests/conftest.py``), where ``.ci/run`` installs it. Every notebook
must also be stored with its outputs stripped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell

EXPECTED_NOTEBOOKS = {
    "000_backprop_from_scratch.ipynb",
    "001_backprop_lab_circles_mnist.ipynb",
    "002_autograd_and_torch_nn.ipynb",
    "003_layer_api_mnist.ipynb",
    "004_computational_graph_logreg.ipynb",
}

# Text every notebook must print (in its quick mode), as literal strings.
EXPECTED_TEXT = {
    "000_backprop_from_scratch.ipynb": [
        "[nan  0.  0.]",
        "tp.softmax:  tensor([1., 0., 0.])",
        "tp.softmax, row sums: tensor([1., 1.])",
        "mean:       0.7469",
        "tensor(0.7469)",
        "Epoch: 2, loss: ",
        "gradient check of function",
        "MLP(sizes=[64, 128, 64, 10], activation='tanh')",
        "warning: init='zeros'",
    ],
    "001_backprop_lab_circles_mnist.ipynb": [
        "Iter 0: Acc train ",
        "gradient check of function",
        "circles.gif: ",
        "'W3': (2, 10)",
        "Epoch 1: Acc train ",
        "Test: accuracy ",
        "tinyprop train --preset seed001: acc test ",
    ],
    "002_autograd_and_torch_nn.ipynb": [
        "x=4.0, f(x)=16.0",
        "f'(x) = 8.0",
        "Gradients: tensor([2., 8., 4.])\nGradients: tensor([2., 8., 4.])",
        "grad b is\n tensor([1.])",
        "Output shape is (4, 3)",
        "digraph tinyprop {",
        "Epoch: 2, loss: ",
        "(fc1): Linear(in_features=64, out_features=50, bias=True)",
    ],
    "003_layer_api_mnist.ipynb": [
        "gradient check of Linear",
        "gradient check of SoftMax",
        "gradient check of CrossEntropy",
        "gradient check of PReLU (float64, eps=1e-06, atol=1e-05, rtol=0.0001): passed",
        "gradient check of BuggyPReLU",
        "passed: False - failing: ['a']",
        "epoch   2: cost=",
        "learned slopes: ",
    ],
    "004_computational_graph_logreg.ipynb": [
        "z   = 10.0\nd_x = [-1.0, 0.0, 1.0, 2.0]\nd_y = [1.0, 2.0, 3.0, 4.0]",
        "d_x = [0.0, 1.0, 2.0, 3.0]",
        "x.grad = [-1.0, 0.0, 1.0, 2.0]  y.grad = [1.0, 2.0, 3.0, 4.0]",
        "Epoch    0, loss = 2.3026",
    ],
}

# (pattern with one number group, lowest allowed, highest allowed); every match is checked.
EXPECTED_NUMBERS = {
    "000_backprop_from_scratch.ipynb": [
        (r"largest difference from the hand-derived \w+'s \w+: (\S+)", 0.0, 1e-4),
        (r"test accuracy: (\S+)", 0.85, 1.0),
    ],
    "001_backprop_lab_circles_mnist.ipynb": [
        (r"largest difference from Part 1's parameters: (\S+)", 0.0, 1e-4),
        (r"Test: accuracy (\S+)%", 50.0, 100.0),
    ],
    "002_autograd_and_torch_nn.ipynb": [
        (r"test accuracy: (\S+)", 0.7, 1.0),
    ],
    "003_layer_api_mnist.ipynb": [
        (r"max \|d_logits - \(p - t\)/B\| = (\S+)", 0.0, 1e-8),
        (r"softmax/CE: test accuracy (\S+)", 0.6, 1.0),
    ],
    "004_computational_graph_logreg.ipynb": [
        (r"accuracy_test = (\S+)", 0.8, 1.0),
        (r"largest difference from the hand-derived model's parameters: (\S+)", 0.0, 1e-4),
    ],
}


def _fashion_mnist_available() -> bool:
    from tinyprop.data import find_dataset_dir

    return find_dataset_dir("fashion-mnist") is not None


def _source(nb) -> str:
    return "\n".join(cell.source for cell in nb.cells)


def _text_outputs(nb) -> tuple[str, str]:
    """All stdout and plain-text results of the executed notebook, and all stderr."""
    out, err = [], []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                (err if output.name == "stderr" else out).append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                out.append(output.get("data", {}).get("text/plain", ""))
    return "".join(out), "".join(err)


def test_the_five_seed_notebooks_are_there():
    assert {p.name for p in NOTEBOOKS} >= EXPECTED_NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and (cell.outputs or cell.execution_count is not None or "execution" in cell.metadata)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} keep outputs, execution counts or run timings; strip them"
    )
    first_code = next(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert 'SMALL = os.environ.get("TINYPROP_SMALL", "0") == "1"' in first_code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch, require_tool):
    nb = nbformat.read(path, as_version=4)
    if "load_fashion_mnist" in _source(nb) and not _fashion_mnist_available():
        require_tool("fashion-mnist")  # or the files under $TINYPROP_DATA
    monkeypatch.setenv("TINYPROP_SMALL", "1")
    before = sorted(EXAMPLES.iterdir())
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error

    out, err = _text_outputs(nb)
    assert not err.strip(), f"{path.name} wrote to stderr:\n{err}"
    missing = [text for text in EXPECTED_TEXT.get(path.name, []) if text not in out]
    assert not missing, f"{path.name} did not print {missing}; it printed:\n{out}"
    for pattern, low, high in EXPECTED_NUMBERS.get(path.name, []):
        values = [float(v) for v in re.findall(pattern, out)]
        assert values, f"{path.name}: nothing matched {pattern!r}; it printed:\n{out}"
        assert all(low <= v <= high for v in values), (
            f"{path.name}: {pattern!r} gave {values}, expected within [{low}, {high}]"
        )
    assert sorted(EXAMPLES.iterdir()) == before, f"{path.name} wrote into {EXAMPLES}"
