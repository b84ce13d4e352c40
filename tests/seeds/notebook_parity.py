"""Run a seed notebook's PyTorch cells twice, with ``torch`` and with ``tinyprop``, and
compare what they print.

A test writes the cells once, as Python source that imports ``torch`` exactly as the
notebook does. :func:`to_tinyprop` rewrites only the import lines (``import torch`` becomes
``import tinyprop as torch``, ``from torch.X import Y`` becomes ``from tinyprop.X import Y``)
and leaves every other line alone: that is the claim under test, "the course code runs
with only its imports changed".

Two modes:

- ``"seeded"``: every ``torch.randn(`` in the cells is replaced by ``randn_np(`` (a float32
  tensor drawn from a NumPy generator) and every ``#SEEDED: code`` comment becomes
  ``code``, so both runs start from the same numbers. The outputs are then compared line
  by line: text exactly, numbers with a tolerance (:func:`compare_outputs`), and so are
  the tensors, numbers and strings left in the notebook's namespace (dtype, shape,
  ``requires_grad`` and values).
- ``"verbatim"``: the cells run as written (``torch.manual_seed(0)`` first); random
  numbers differ between the libraries, so numbers are masked and only the printed
  structure, dtypes and shapes are compared.

Figures made with matplotlib (Agg backend) are reported as text: each axes' title and
labels and the y values of its lines, so ``plt.plot(epochs, losses)`` is compared too.

:func:`parity_tests` makes the three tests every seed's file runs; :func:`run_tinyprop`
runs cells with tinyprop alone (for checks that need no torch).
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import functools
import io
import linecache
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

# ---- the import rewrite -------------------------------------------------------------

_IMPORT = re.compile(
    r"^(?P<indent>\s*)import\s+torch(?P<rest>(?:\.\w+)*)(?P<alias>\s+as\s+\w+)?\s*$"
)
_FROM = re.compile(r"^(?P<indent>\s*)from\s+torch(?P<rest>(?:\.\w+)*)\s+import\s+(?P<names>.+)$")


def to_tinyprop(source: str) -> str:
    """``source`` with its ``torch`` imports pointed at ``tinyprop``; nothing else changes."""
    out = []
    for line in source.splitlines():
        if m := _IMPORT.match(line):
            indent, rest, alias = m["indent"], m["rest"], m["alias"]
            if rest and not alias:
                raise ValueError(f"`{line.strip()}` binds `torch` to a submodule; add `as NAME`")
            line = f"{indent}import tinyprop{rest}{alias or ' as torch'}"
        elif m := _FROM.match(line):
            line = f"{m['indent']}from tinyprop{m['rest']} import {m['names']}"
        elif re.match(r"^\s*(import|from)\s+torch\b", line):
            raise ValueError(f"cannot rewrite the import line {line!r}")
        out.append(line)
    return "\n".join(out) + "\n"


# ---- the two modes --------------------------------------------------------------------

SEEDED_PRELUDE = """\
import numpy as np
import torch

_numpy_rng = np.random.default_rng(0)


def randn_np(*shape, requires_grad=False):
    # stands in for torch.randn: the same float32 numbers in both runs
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    values = _numpy_rng.standard_normal(shape).astype(np.float32)
    return torch.tensor(values, requires_grad=requires_grad)


def uniform_np(shape, bound):
    return torch.from_numpy(_numpy_rng.uniform(-bound, bound, size=shape).astype(np.float32))


def reinit_linear_layers(model):
    # the same uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) values as nn.Linear, from NumPy
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, torch.nn.Linear):
                bound = 1 / np.sqrt(layer.in_features)
                layer.weight.copy_(uniform_np(tuple(layer.weight.shape), bound))
                layer.bias.copy_(uniform_np(tuple(layer.bias.shape), bound))

"""

VERBATIM_PRELUDE = """\
import torch

torch.manual_seed(0);

"""

PRELUDE_NAMES = {"randn_np", "uniform_np", "reinit_linear_layers"}


def prepare(cells: str, mode: str) -> str:
    """The source one run executes (still importing ``torch``)."""
    if mode == "verbatim":
        return VERBATIM_PRELUDE + "# %% the notebook\n" + cells
    if mode != "seeded":
        raise ValueError(f"mode must be 'seeded' or 'verbatim', got {mode!r}")
    cells = cells.replace("torch.randn(", "randn_np(")
    cells = re.sub(r"^(\s*)#SEEDED: ", r"\1", cells, flags=re.MULTILINE)
    return SEEDED_PRELUDE + "# %% the notebook\n" + cells


# ---- running ----------------------------------------------------------------------------


@dataclass
class Run:
    output: str
    namespace: dict
    warnings: list[str] = field(default_factory=list)


def _figures_as_text() -> list[str]:
    import matplotlib.pyplot as plt

    lines = []
    for number in plt.get_fignums():
        fig = plt.figure(number)
        for a, ax in enumerate(fig.axes, 1):
            where = f"[figure {number}, axes {a}]"
            for what in ("title", "xlabel", "ylabel"):
                text = getattr(ax, f"get_{what}")()
                if text:
                    lines.append(f"{where} {what}: {text}")
            for i, line in enumerate(ax.get_lines()):
                y = np.asarray(line.get_ydata(), dtype=float)
                lines.append(f"{where} line {i}: " + ", ".join(repr(float(v)) for v in y))
            if ax.get_images():
                shapes = [tuple(im.get_array().shape) for im in ax.get_images()]
                lines.append(f"{where} images: {shapes}")
    plt.close("all")
    return lines


CELL = re.compile(r"^# %%.*$", re.MULTILINE)


def _run_cell(cell: str, filename: str, namespace: dict) -> None:
    """Execute one cell; like Jupyter, show the value of a last bare expression unless the
    cell ends with ``;``."""
    linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
    tree = ast.parse(cell, filename)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and not cell.rstrip().endswith(";"):
        tree.body.pop()
        exec(compile(tree, filename, "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
        if value is not None:
            print(repr(value))
    else:
        exec(compile(tree, filename, "exec"), namespace)


def run(source: str, name: str) -> Run:
    """Execute ``source`` as a notebook, cell by cell (cells are separated by ``# %%``
    lines): what it prints, the values its cells show and, after each cell (as with
    ``%matplotlib inline``), its figures become ``Run.output``.

    NumPy's global random state is seeded with 0 first and restored afterwards, so a
    notebook's ``np.random.permutation`` gives both runs the same numbers without touching
    other tests.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    namespace = {"__name__": "seed_notebook"}
    stdout = io.StringIO()
    state = np.random.get_state()
    np.random.seed(0)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(stdout):
            warnings.simplefilter("always")
            for number, cell in enumerate(CELL.split(source)):
                filename = f"<{name}, cell {number}>"
                try:
                    _run_cell(cell, filename, namespace)
                except BaseException as error:
                    error.add_note(f"{name} printed before it failed:\n{stdout.getvalue()}")
                    raise
                for line in _figures_as_text():
                    print(f"cell {number} {line}")
    finally:
        np.random.set_state(state)
        plt.close("all")
    seen = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return Run(stdout.getvalue(), namespace, seen)


def run_tinyprop(cells: str, mode: str, name: str) -> Run:
    """The tinyprop run of ``cells`` alone (no torch needed). tinyprop's global generator
    is left as it was: a verbatim run reseeds it, and other tests draw from it too."""
    from tinyprop.backend import generator_state

    generator = generator_state().rng
    state = generator.bit_generator.state
    try:
        return run(to_tinyprop(prepare(cells, mode)), f"{name} [tinyprop, {mode}]")
    finally:
        generator.bit_generator.state = state
        generator_state().rng = generator


@functools.cache
def run_both(cells: str, mode: str, name: str) -> tuple[Run, Run]:
    """(torch run, tinyprop run) of ``cells``, cached for the session so that several
    checks of one notebook share its two runs. The tinyprop run goes first so that a crash
    there shows even where torch is missing; then ``torch`` is imported (or the test
    skipped)."""
    tp_run = run_tinyprop(cells, mode, name)
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: threads only wait on each other (10x slower on 2 CPUs)
    try:
        with torch.random.fork_rng():
            torch_run = run(prepare(cells, mode), f"{name} [torch, {mode}]")
    finally:
        torch.set_num_threads(threads)
    return torch_run, tp_run


# ---- comparing printed text ---------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w.])(-?(?:\d+\.\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|\d+(?:e[-+]?\d+)?|nan|inf))(?![\w])"
)


def _is_int(token: str) -> bool:
    return re.fullmatch(r"-?\d+", token) is not None


def _last_place(token: str) -> float:
    """One unit in the last printed digit: ``0.35`` -> 0.01, ``1.`` -> 1, ``2.5e-03`` -> 1e-4."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _numbers_match(a: str, b: str, rtol: float, atol: float) -> bool:
    if _is_int(a) or _is_int(b):
        return a == b
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
        return (math.isnan(x) and math.isnan(y)) or x == y
    tol = max(rtol * max(abs(x), abs(y)), atol, min(_last_place(a), _last_place(b)))
    return abs(x - y) <= tol * (1 + 1e-9)


def line_mismatch(expected: str, got: str, rtol: float = 1e-4, atol: float = 1e-6):
    """Why two printed lines differ, or None: the text between numbers must be equal,
    integers equal, and other numbers within ``rtol`` / ``atol`` or one unit in the last
    digit the finer of the two printed (a float32 sum rounded the other way)."""
    xs, ys = _NUMBER.split(expected), _NUMBER.split(got)
    if len(xs) != len(ys):
        return "a different number of numbers"
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i % 2 == 0 and x != y:
            return f"text {x!r} != {y!r}"
        if i % 2 == 1 and not _numbers_match(x, y, rtol, atol):
            return f"number {x} != {y}"
    return None


def _mask(line: str) -> str:
    """``line`` with each number as ``#`` and the padding around numbers (which depends on
    the values) dropped."""
    return re.sub(r"\s*#\s*", "#", re.sub(r"\s+", " ", _NUMBER.sub("#", line))).strip()


def torch_text_as_tinyprop(text: str) -> str:
    return text.replace("torch.", "tinyprop.")


def compare_outputs(torch_out: str, tp_out: str, mode: str) -> None:
    """Assert that the tinyprop run printed what the torch run printed."""
    expected = torch_text_as_tinyprop(torch_out).splitlines()
    got = tp_out.splitlines()
    if mode == "verbatim":
        expected, got = [_mask(x) for x in expected], [_mask(x) for x in got]
    problems = []
    if len(expected) != len(got):
        problems.append(f"torch printed {len(expected)} lines, tinyprop {len(got)}")
    for n, (x, y) in enumerate(zip(expected, got), 1):
        why = (None if x == y else "text differs") if mode == "verbatim" else line_mismatch(x, y)
        if why:
            problems.append(f"line {n}: {why}\n  torch:    {x}\n  tinyprop: {y}")
    if problems:
        diff = "\n".join(difflib.unified_diff(expected, got, "torch", "tinyprop", lineterm=""))
        raise AssertionError(
            "tinyprop printed something else than torch:\n"
            + "\n".join(problems[:10])
            + f"\n\nfull diff:\n{diff}"
        )


# ---- comparing what is left in the namespace -----------------------------------------


def _lib_types(namespace: dict):
    """(Tensor class, nn.Module class) of the library the notebook imported as ``torch``."""
    lib = namespace["torch"]
    return lib.Tensor, lib.nn.Module


def _describe(value, path: str, types, defined_here: str, depth: int, out: dict) -> None:
    tensor_type, module_type = types
    if depth > 4:
        return
    if isinstance(value, tensor_type):
        array = np.array(value.detach().numpy())
        grad = value.grad if value.is_leaf else None  # torch warns on a non-leaf's .grad
        out[path] = ("tensor", array, bool(value.requires_grad))
        if grad is not None:
            out[path + ".grad"] = ("tensor", np.array(grad.numpy()), False)
    elif isinstance(value, module_type):
        # named_parameters, not state_dict: tinyprop's state_dict holds NumPy copies
        for key, tensor in value.named_parameters():
            _describe(tensor, f"{path}.{key}", types, defined_here, depth + 1, out)
    elif isinstance(value, (bool, int, float, str, np.ndarray, np.generic)):
        out[path] = ("value", value, None)
    elif type(value) is dict:  # a plain dict such as seed 001's params (not sklearn's Bunch)
        for key, item in value.items():
            _describe(item, f"{path}[{key!r}]", types, defined_here, depth + 1, out)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _describe(item, f"{path}[{i}]", types, defined_here, depth + 1, out)
    elif getattr(type(value), "__module__", None) == defined_here and hasattr(value, "__dict__"):
        for key, item in vars(value).items():
            _describe(item, f"{path}.{key}", types, defined_here, depth + 1, out)


def namespace_values(namespace: dict) -> dict:
    """Every tensor, number, string and array the notebook left behind, by access path."""
    out: dict = {}
    types = _lib_types(namespace)
    for name, value in namespace.items():
        if name.startswith("_") or name in PRELUDE_NAMES:
            continue
        _describe(value, name, types, namespace["__name__"], 0, out)
    return out


def _value_mismatch(x, y, mode: str, rtol: float, atol: float):
    kind_x, a, rg_x = x
    kind_y, b, rg_y = y
    if kind_x != kind_y:
        return f"a {kind_x} in torch, a {kind_y} in tinyprop"
    if kind_x == "value" and type(a).__name__ != type(b).__name__:
        return f"type {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):  # a tensor's values, or an array
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"dtype/shape {a.dtype}{list(a.shape)} != {b.dtype}{list(b.shape)}"
        if rg_x != rg_y:
            return f"requires_grad {rg_x} != {rg_y}"
        if mode == "seeded" and not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
            worst = np.max(np.abs(a.astype(float) - b.astype(float)))
            return f"values differ (max abs difference {worst:.3g})"
        return None
    if mode == "verbatim":
        return None
    if isinstance(a, str):
        return line_mismatch(torch_text_as_tinyprop(a), b, rtol, atol)
    if isinstance(a, (float, np.floating)):
        ok = math.isclose(a, b, rel_tol=rtol, abs_tol=atol) or (math.isnan(a) and math.isnan(b))
        return None if ok else f"{a!r} != {b!r}"
    return None if a == b else f"{a!r} != {b!r}"


def compare_namespaces(torch_run: Run, tp_run: Run, mode: str, rtol=1e-4, atol=1e-5) -> None:
    """Assert that both runs left the same tensors (dtype, shape, requires_grad and, when
    seeded, values), numbers and strings behind."""
    want, got = namespace_values(torch_run.namespace), namespace_values(tp_run.namespace)
    problems = [f"{path}: missing in the tinyprop run" for path in want if path not in got]
    problems += [f"{path}: only in the tinyprop run" for path in got if path not in want]
    for path in want.keys() & got.keys():
        why = _value_mismatch(want[path], got[path], mode, rtol, atol)
        if why:
            problems.append(f"{path}: {why}")
    assert not problems, "the runs left different values behind:\n" + "\n".join(sorted(problems))


def compare_warnings(torch_run: Run, tp_run: Run) -> None:
    """A notebook shows warnings: tinyprop must not warn where torch does not."""
    extra = sorted(set(tp_run.warnings) - set(torch_run.warnings))
    assert not extra, "tinyprop warned where torch did not:\n" + "\n".join(extra)


def assert_same_run(cells: str, mode: str, name: str) -> tuple[Run, Run]:
    """Run ``cells`` with both libraries; compare the printed output and the namespace."""
    torch_run, tp_run = run_both(cells, mode, name)
    compare_outputs(torch_run.output, tp_run.output, mode)
    compare_namespaces(torch_run, tp_run, mode)
    return torch_run, tp_run


def assert_same_warnings(cells: str, mode: str, name: str) -> None:
    """Run ``cells`` with both libraries (shared with :func:`assert_same_run`); compare
    the warnings."""
    compare_warnings(*run_both(cells, mode, name))


# ---- the tests every seed runs ------------------------------------------------------------


def parity_tests(seed: str, sections: dict[str, str], whole_notebook: str):
    """The three oracle tests of a seed's cells, for its test file to bind to these names
    (pytest collects them there): ``sections`` are run seeded, one by one, and
    ``whole_notebook`` verbatim, in one run."""

    @pytest.mark.oracle
    @pytest.mark.parametrize("section", list(sections))
    def test_same_numbers(section):
        """Random values from one NumPy generator (and the same permutations) in both
        runs: the same printed lines, figures and values."""
        assert_same_run(sections[section], "seeded", f"{seed} {section}")

    @pytest.mark.oracle
    @pytest.mark.parametrize("section", list(sections))
    def test_no_warning_torch_does_not_give(section):
        assert_same_warnings(sections[section], "seeded", f"{seed} {section}")

    @pytest.mark.oracle
    def test_whole_notebook_verbatim():
        """The cells as written (``torch.randn`` and ``nn.Linear``'s own initialisation
        included), in one run: the same printed structure, dtypes and shapes."""
        assert_same_run(whole_notebook, "verbatim", seed)

    return test_same_numbers, test_no_warning_torch_does_not_give, test_whole_notebook_verbatim
