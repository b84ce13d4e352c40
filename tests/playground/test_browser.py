"""The playground in a real browser (Debian's Chromium driven by Playwright).

Each test loads the page from a real ``tinyprop playground`` process, works its controls
as a person would and reads what the page shows; the backprop view's numbers are checked
against gradients computed here by tinyprop's own modules for the same network and batch.
Screenshots of each state go to the ``screenshots`` folder (see conftest.py).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn
from tinyprop.playground.session import Session
from tinyprop.playground.settings import Settings

pytestmark = pytest.mark.requires_tool("chromium")

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def numbers(text: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(text.replace("\u2212", "-"))]


def open_page(page, url: str, fragment: str = ""):
    page.goto("about:blank")  # a new fragment alone would not reload the page
    page.goto(url + ("#" + fragment if fragment else ""))
    page.wait_for_function("() => window.playground && window.playground.stats.inits > 0")
    return page


def settings(page) -> dict:
    return page.evaluate("() => window.playground.state().settings")


def wait_setting(page, key: str, value) -> None:
    """Wait until the server has applied ``key = value`` and the page has drawn it."""
    page.wait_for_function("([k, v]) => { const s = window.playground.state(); return "
                           "JSON.stringify(s.settings[k]) === v && s.pending.size === 0; }",
                           arg=[key, json.dumps(value, separators=(",", ":"))])


def canvas(page, selector: str) -> str:
    return page.eval_on_selector(selector, "c => c.toDataURL()")


def frames(page) -> int:
    return page.evaluate("() => window.playground.stats.frames")


def test_play_trains_and_redraws(page, server, screenshots):
    open_page(page, server, "hidden=8,8&seed=1")
    assert page.inner_text("#epoch") == "0.00"
    boundary, grads = canvas(page, "#boundary"), canvas(page, "#grad-chart")
    neuron = canvas(page, ".neuron[data-col='1'][data-index='0'] canvas")
    first_loss = page.evaluate("() => window.playground.state().history[0].train_loss")
    page.click("#play")
    page.wait_for_function("() => window.playground.stats.ticks >= 10")
    page.click("#play")  # pause
    page.wait_for_function("() => !window.playground.state().playing")
    assert float(page.inner_text("#epoch")) > 1
    shown, history = page.evaluate("() => [document.getElementById('train-loss').textContent,"
                                   " window.playground.state().history]")
    assert len(history) > 10 and history[-1]["train_loss"] < first_loss
    assert float(shown.replace("\u2212", "-")) == pytest.approx(history[-1]["train_loss"],
                                                                 rel=1e-3)
    assert canvas(page, "#boundary") != boundary
    assert canvas(page, "#grad-chart") != grads
    assert canvas(page, ".neuron[data-col='1'][data-index='0'] canvas") != neuron
    page.screenshot(path=screenshots / "playground-forward-view.png")


def test_step_and_reset(page, server):
    open_page(page, server, "seed=4")
    for expected in ("1", "2"):
        n = frames(page)
        page.click("#step")
        page.wait_for_function("n => window.playground.stats.frames > n", arg=n)
        assert page.inner_text("#step-count") == expected
    page.click("#reset")
    page.wait_for_function("() => window.playground.stats.inits > 1")
    assert page.inner_text("#step-count") == "0"


SELECTS = [("#lr", "0.1", "lr", 0.1), ("#batch-size", "20", "batch_size", 20),
           ("#optimizer", "adam", "optimizer", "adam"), ("#reg", "l2", "reg", "l2"),
           ("#reg-rate", "0.01", "reg_rate", 0.01), ("#dropout", "0.2", "dropout", 0.2),
           ("#init", "normal", "init", "normal"), ("#sigma", "1", "sigma", 1),
           ("#engine", "manual", "engine", "manual")]


def test_every_control_reaches_the_server(page, server, browser, screenshots):
    open_page(page, server)
    for selector, option, key, value in SELECTS:
        page.select_option(selector, option)
        wait_setting(page, key, value)
    for name in ("xor", "gauss", "spiral", "moons", "circles"):
        page.click(f".dataset[data-dataset='{name}']")
        wait_setting(page, "dataset", name)
    page.fill("#noise", "0.3")
    wait_setting(page, "noise", 0.3)
    page.fill("#train-ratio", "0.7")
    wait_setting(page, "train_ratio", 0.7)
    page.fill("#seed", "5")
    page.press("#seed", "Enter")
    wait_setting(page, "seed", 5)
    page.click("#regenerate")
    wait_setting(page, "seed", 6)
    page.check(".feature[data-feature='x1sq']")
    wait_setting(page, "features", ["x1", "x2", "x1sq"])
    page.click("#add-layer")
    wait_setting(page, "hidden", [4, 2, 4])
    page.click(".add-neuron[data-layer='1']")
    wait_setting(page, "hidden", [4, 3, 4])
    page.click(".remove-neuron[data-layer='0']")
    wait_setting(page, "hidden", [3, 3, 4])
    page.select_option(".activation[data-layer='2']", "relu")
    wait_setting(page, "activations", ["tanh", "tanh", "relu"])
    page.click("#remove-layer")
    wait_setting(page, "hidden", [3, 3])
    assert page.locator(".neuron").count() == 3 + 3 + 3 + 2
    before = canvas(page, "#boundary")
    page.check("#show-test")
    assert canvas(page, "#boundary") != before
    page.select_option("#problem", "regression")
    wait_setting(page, "dataset", "plane")
    page.click(".dataset[data-dataset='multigauss']")
    wait_setting(page, "dataset", "multigauss")
    page.screenshot(path=screenshots / "playground-controls-regression.png")
    # the share link carries every setting: a new page opens in the same state
    wanted = settings(page)
    share = page.input_value("#share-url")
    assert "#" in share and "token" not in share
    other = browser.new_context(bypass_csp=True).new_page()
    try:
        open_page(other, share)
        assert settings(other) == wanted
    finally:
        other.context.close()


def _tinyprop_gradients(s: Settings, weights, X, y):
    """The network rebuilt from tinyprop's modules, its loss differentiated by autograd:
    (weight gradients, delta of every layer, the penalised loss)."""
    acts = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
    x = tp.tensor(X)
    linears, zs = [], []
    for k, (w, b) in enumerate(weights):
        lin = nn.Linear(w.shape[1], w.shape[0])
        lin.weight._data[...] = w
        lin.bias._data[...] = b
        linears.append(lin)
        x = lin(x)
        x.retain_grad()
        zs.append(x)
        if k < len(weights) - 1:
            x = acts[s.activations[k]]()(x)
    loss = nn.functional.cross_entropy(x, tp.tensor(y))
    for lin in linears:
        loss = loss + 0.5 * s.reg_rate * (lin.weight * lin.weight).sum()
    loss.backward()
    return [lin.weight.grad.numpy() for lin in linears], [z.grad.numpy() for z in zs]


def test_backprop_view_shows_tinyprops_gradients(page, server, screenshots):
    fragment = "hidden=3,2&activations=tanh,sigmoid&batch_size=4&reg=l2&reg_rate=0.05&seed=3"
    open_page(page, server, fragment)
    for _ in range(2):
        n = frames(page)
        page.click("#step")
        page.wait_for_function("n => window.playground.stats.frames > n", arg=n)
    page.check("#view-backprop")
    page.click("#bp-step")
    page.wait_for_function("() => window.playground.stats.traces > 0")
    assert page.inner_text("#bp-phase").startswith("forward pass: 4 samples")
    # the same state in Python: two batches trained, then the batch the page traced
    s = Settings().updated(dict(p.split("=") for p in fragment.split("&")))
    session = Session(s)
    session.advance(batches=2)
    before = [(w.copy(), b.copy()) for w, b in session.engine.weights()]
    session.trace()
    t = session.engine.last_trace
    grads, deltas = _tinyprop_gradients(s, before, t.X, t.y)
    phases = []
    for _ in range(4):  # three layers backward, then the update
        page.click("#bp-next")
        phases.append(page.inner_text("#bp-phase"))
    assert phases[0].startswith("backward pass: layer 3 of 3") and phases[-1].startswith("update")

    # a line: dL/dw = sum_n delta_j a_i, plus the L2 term, and the SGD update
    k, i, j = 1, 0, 1
    page.locator(f".hit[data-layer='{k}'][data-from='{i}'][data-to='{j}']").dispatch_event(
        "mouseover")
    tip = {el.get_attribute("data-kind"): el.inner_text()
           for el in page.locator("#tip .formula").all()}
    d0, a0 = numbers(tip["dw"].split("=")[2])[:2]
    assert d0 == pytest.approx(deltas[k][0, j], rel=2e-3, abs=1e-7)
    assert a0 == pytest.approx(t.inputs[k][0, i], rel=2e-3, abs=1e-7)
    data_term = numbers(tip["dw"].split("=")[-1])[0]
    assert data_term == pytest.approx((deltas[k][:, j] * t.inputs[k][:, i]).sum(), rel=2e-3)
    assert numbers(tip["penalty"])[-1] == pytest.approx(0.05 * before[k][0][j, i], rel=2e-3)
    assert numbers(tip["grad"])[-1] == pytest.approx(grads[k][j, i], rel=2e-3)
    assert numbers(tip["update"])[-1] == pytest.approx(-s.lr * grads[k][j, i], rel=2e-3)

    # a hidden neuron, hovered with the mouse: delta_j = dL/da_j * f'(z_j)
    page.hover(".neuron[data-col='1'][data-index='0']")
    page.wait_for_function("() => !document.getElementById('tip').hidden && document."
                           "getElementById('tip').dataset.for === 'neuron 1 0'")
    delta_text = page.inner_text("#tip .formula[data-kind='delta']")
    assert delta_text.startswith("δ_j = ∂L/∂a_j · f′(z_j) = ")
    g, fp, delta = numbers(delta_text.split("=", 2)[2])
    assert delta == pytest.approx(deltas[0][0, 0], rel=2e-3, abs=1e-8)
    assert g * fp == pytest.approx(deltas[0][0, 0], rel=5e-3, abs=1e-8)
    assert "a 0." in page.inner_text(".neuron[data-col='1'][data-index='0'] .val") or \
        "a \u22120." in page.inner_text(".neuron[data-col='1'][data-index='0'] .val")
    page.screenshot(path=screenshots / "playground-backprop-view.png")
    # another sample of the batch
    page.select_option("#bp-sample", index=2)  # the third sample
    page.hover(".neuron[data-col='3'][data-index='1']")
    page.wait_for_function("() => document.getElementById('tip').dataset.for === 'neuron 3 1'")
    out = page.inner_text("#tip")
    assert "sample 3 of 4" in out
    assert numbers(page.inner_text("#tip .formula[data-kind='delta']"))[-1] == pytest.approx(
        deltas[2][2, 1], rel=2e-3, abs=1e-8)


BAD_CSVS = [
    ("bad.csv", b"x1,x2,label\n0,0,0\n1,oops,1\n0,1,1\n1,0,0\n",
     "bad.csv: row 3, column 'x2': 'oops' is not a number"),
    ("three.csv", b"x1,x2,label\n0,0,0\n1,1,1\n0,1,2\n1,0,0\n", "has 3 classes (0, 1, 2)"),
    ("short.csv", b"x1,x2,label\n0,0,0\n1,1\n0,1,1\n1,0,0\n", "'label' are missing"),
    ("nan.csv", b"x1,x2,label\n0,0,0\n1,NaN,1\n0,1,1\n1,0,0\n", "column 'x2' is 'NaN'"),
]


def test_a_bad_csv_shows_its_error_and_a_good_one_is_used(page, server, screenshots):
    open_page(page, server)
    for name, content, words in BAD_CSVS:
        page.set_input_files("#csv-file", files=[{"name": name, "mimeType": "text/csv",
                                                  "buffer": content}])
        page.wait_for_function("w => document.getElementById('csv-error').textContent"
                               ".includes(w)", arg=words)
        assert page.is_visible("#csv-error")
        if name == "bad.csv":
            page.screenshot(path=screenshots / "playground-csv-error.png")
    assert settings(page)["dataset"] == "circles"  # nothing changed, the server is fine
    rng = np.random.default_rng(0)
    rows = "".join(f"{x:.3f},{y:.3f},{int(x * y > 0)}\n" for x, y in rng.uniform(-1, 1, (60, 2)))
    page.set_input_files("#csv-file", files=[{"name": "mine.csv", "mimeType": "text/csv",
                                              "buffer": ("x1,x2,label\n" + rows).encode()}])
    wait_setting(page, "dataset", "csv")
    assert page.is_hidden("#csv-error")
    assert page.get_attribute(".dataset[data-dataset='csv']", "class") == "dataset selected"
    assert page.evaluate("() => window.playground.state().init.train.y.length") == 30


def test_take_it_home(page, server, tmp_path):
    open_page(page, server, "hidden=6&seed=2")
    page.click("#play")
    page.wait_for_function("() => window.playground.stats.ticks >= 3")
    page.click("#play")
    page.wait_for_function("() => !window.playground.state().playing")
    assert "tinyprop evaluate reads" in page.inner_text("#export-note")
    with page.expect_download() as download:
        page.click("#export-run")
    zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())).extractall(tmp_path)
    run_dir = tmp_path / "playground-run"
    r = subprocess.run([sys.executable, "-c", "import sys; from tinyprop.cli import main; "
                        "sys.exit(main())", "evaluate", str(run_dir), "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout)) >= {"train_loss", "test_loss", "test_accuracy"}
    with page.expect_download() as download:
        page.click("#export-script")
    script = tmp_path / "script" / "train_playground.py"
    script.parent.mkdir()
    download.value.save_as(script)
    r = subprocess.run([sys.executable, script.name], cwd=script.parent, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["epochs"] >= 1 and np.isfinite(result["train_loss"])


def test_both_engines_show_the_same_losses(page, server):
    losses = {}
    for engine in ("autograd", "manual"):
        open_page(page, server, f"engine={engine}&hidden=5,5&dropout=0.2&optimizer=adam")
        for _ in range(5):
            n = frames(page)
            page.click("#step")
            page.wait_for_function("n => window.playground.stats.frames > n", arg=n)
        losses[engine] = page.evaluate("() => window.playground.state().history.at(-1)")
    assert losses["autograd"]["step"] == losses["manual"]["step"] == 5
    assert losses["autograd"]["train_loss"] == pytest.approx(losses["manual"]["train_loss"],
                                                              rel=1e-5)
    assert "same numbers" in page.inner_text("#engine-note")
