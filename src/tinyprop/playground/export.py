"""Take the playground home: a run directory (zipped) and a Python script.

:func:`run_zip` packs ``model.safetensors`` (the trained weights, a tinyprop checkpoint
that ``tp.load`` reads), ``playground.json`` (every setting), ``metrics.jsonl`` and
``summary.json`` (the curves), ``train_playground.py`` (:func:`script`) and, for an
uploaded CSV, ``data.csv``. When the network is one ``tinyprop train`` can build (a
tinyprop dataset by name — circles, moons or xor —, inputs x1 and x2, one activation
for every hidden layer, classification) it also holds ``config.json`` with the weights
stored under that model's names, so ``tinyprop evaluate DIR`` reads it like any run;
``playground.json`` says which it is, and why not when it is not.

:func:`script` writes a short script that rebuilds the same network with tinyprop (the
same data, features, initial weights, dropout masks, optimizer and batches) and trains
it for the epochs the page trained. Changes made while training (learning rate, batch
size, ...) are not replayed: the script trains with the settings at export time.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .. import __version__
from .._atomic import atomic_write
from .settings import FEATURES

EVALUATE_SETS = ("circles", "moons", "xor")


def evaluate_support(session) -> str | None:
    """None when ``tinyprop evaluate`` can read the exported run, else the reason."""
    s = session.settings
    if s.dataset not in EVALUATE_SETS:
        return (f"dataset {s.dataset!r} is not one tinyprop train can load by name "
                f"(those are {', '.join(EVALUATE_SETS)})")
    if s.features != ["x1", "x2"]:
        return "tinyprop train feeds x1 and x2 only; untick the other features"
    if len(set(s.activations)) > 1 or (s.activations and s.activations[0] == "linear"):
        return "tinyprop train uses one activation (tanh, ReLU or sigmoid) for every layer"
    return None


def _train_config(session):
    from ..train.config import TrainConfig

    s = session.settings
    epochs = max(1, session.trainer.epoch)
    return TrainConfig(
        data=s.dataset, model="mlp" if s.hidden else "logreg", hidden=list(s.hidden),
        activation=s.activations[0] if s.activations else "tanh", init=s.init,
        init_std=s.sigma, engine=s.engine, optimizer=s.optimizer, lr=s.lr,
        batch_size=s.batch_size, epochs=epochs, seed=s.seed, plots=False, progress=False,
    ).resolved()


def _write(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_run(session, out: Path) -> Path:
    """Write the run directory into the existing empty directory ``out``."""
    from ..io import save
    from ..train.run import Run

    s = session.settings
    weights = [(w.copy(), b.copy()) for w, b in session.engine.weights()]
    reason = evaluate_support(session)
    if reason is None:  # the weights under the names tinyprop train's model uses
        run = Run(_train_config(session), verbose=False)
        names = list(run.engine.model_state_dict().items())
        flat = [a for pair in weights for a in pair]
        state = {name: arr.reshape(np.shape(ref)).astype(np.asarray(ref).dtype)
                 for (name, ref), arr in zip(names, flat)}
        run.engine.load_model_state_dict(state)
        run.write_config(out)
        save(run.engine.state_dict()["model"], out / "model.safetensors")
    else:
        save({f"{k}.{name}": arr for k, (w, b) in enumerate(weights)
              for name, arr in (("weight", w), ("bias", b))}, out / "model.safetensors")
    last = session.history[-1]
    meta = {"format": "tinyprop-playground/1", "tinyprop_version": __version__,
            "settings": s.to_dict(), "problem": session.points.problem,
            "steps": session.step, "epochs": session.epoch,
            "evaluate": reason is None, "evaluate_note": reason or "tinyprop evaluate DIR"}
    _write(out / "playground.json", json.dumps(meta, indent=2) + "\n")
    _write(out / "metrics.jsonl", "".join(json.dumps(h) + "\n" for h in session.history))
    summary = {"data": s.dataset, "model": "mlp", "engine": s.engine, "hidden": s.hidden,
               "optimizer": s.optimizer, "lr": s.lr, "batch_size": s.batch_size,
               "epochs": session.trainer.epoch, "status": "playground", **last}
    _write(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    _write(out / "train_playground.py", script(session))
    if s.dataset == "csv" and session.table is not None:
        t = session.table
        rows = "".join(f"{x1!r},{x2!r},{_label(t, y)}\n" for (x1, x2), y in
                       zip(t.X.astype(float).tolist(), t.y.tolist()))
        _write(out / "data.csv", "x1,x2,label\n" + rows)
    return out


def _label(table, y) -> str:
    return repr(float(y)) if table.problem == "regression" else str(int(y))


def run_zip(session) -> bytes:
    """The run directory as the bytes of a zip file (one folder, ``playground-run/``)."""
    with session.lock, tempfile.TemporaryDirectory(prefix="tinyprop-playground-") as tmp:
        out = write_run(session, Path(tmp))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(out.iterdir()):
                z.write(path, f"playground-run/{path.name}")
        return buf.getvalue()


# ---- the script ---------------------------------------------------------------------------

_FEATURE_CODE = {"x1": "X[:, 0]", "x2": "X[:, 1]", "x1sq": "X[:, 0] ** 2",
                 "x2sq": "X[:, 1] ** 2", "x1x2": "X[:, 0] * X[:, 1]",
                 "sinx1": "np.sin(X[:, 0])", "sinx2": "np.sin(X[:, 1])"}
_ACT_CODE = {"tanh": "nn.Tanh", "relu": "nn.ReLU", "sigmoid": "nn.Sigmoid",
             "linear": "nn.Identity"}
_OPT_CODE = {"sgd": "optim.SGD(model.parameters(), lr=LR)",
             "momentum": "optim.SGD(model.parameters(), lr=LR, momentum=0.9)",
             "adam": "optim.Adam(model.parameters(), lr=LR)",
             "rmsprop": "optim.RMSprop(model.parameters(), lr=LR)"}
_INIT_CODE = {
    "normal": "nn.init.normal_(lin.weight, 0.0, SIGMA)",
    "xavier": "nn.init.xavier_uniform_(lin.weight, gain=nn.init.calculate_gain(act))",
    "he": 'nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")',
}


def _data_code(session) -> str:
    s = session.settings
    n_train = len(session.points.y_train)
    n_test = len(session.points.y_test)
    if s.dataset in ("circles", "xor", "moons", "spiral"):
        extra = ", n_classes=2" if s.dataset == "spiral" else ""
        return (f"from tinyprop.data import make_{s.dataset}\n\n"
                f"d = make_{s.dataset}({n_train}, {n_test}, noise={s.noise!r}, seed=SEED{extra})\n"
                "X_train, y_train, X_test, y_test = d.X_train, d.y_train, d.X_test, d.y_test\n")
    if s.dataset == "csv":
        label = "np.float32" if session.points.problem == "regression" else "np.int64"
        return ("# data.csv: x1, x2 and the label (classes numbered 0 and 1), one point a row\n"
                'table = np.loadtxt("data.csv", delimiter=",", skiprows=1, ndmin=2)\n'
                "order = np.random.default_rng(SEED).permutation(len(table))\n"
                f"n_train = {n_train}\n"
                "X = table[order, :2].astype(np.float32)\n"
                f"y = table[order, 2].astype({label})"
                + (".reshape(-1, 1)\n" if label == "np.float32" else "\n")
                + "X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], "
                  "X[n_train:], y[n_train:]\n")
    # the playground's own generators (tinyprop has no blobs nor 2-D regression sets)
    import inspect

    from . import data

    source = inspect.getsource(data._generated)
    return ("from dataclasses import dataclass\n\n\n@dataclass\nclass Points:\n"
            "    X_train: np.ndarray\n    y_train: np.ndarray\n    X_test: np.ndarray\n"
            "    y_test: np.ndarray\n    bounds: tuple\n    problem: str\n    name: str\n\n\n"
            f"{source}\n\n"
            f"d = _generated({s.dataset!r}, {n_train}, {n_test}, {s.noise!r}, SEED)\n"
            "X_train, y_train, X_test, y_test = d.X_train, d.y_train, d.X_test, d.y_test\n")


def script(session) -> str:
    """A Python script that rebuilds and trains the page's network with tinyprop."""
    s = session.settings
    problem = session.points.problem
    n_out = 2 if problem == "classification" else 1
    feats = ", ".join(_FEATURE_CODE[f] for f in s.features)
    features_used = ", ".join(f for f in FEATURES if f in s.features)
    if problem == "classification":
        data_loss = "F.cross_entropy(out, y)"
    else:
        data_loss = "F.mse_loss(out, tp.tensor(y))"
    if s.reg == "none" or s.reg_rate == 0:
        penalty = "    return loss\n"
    else:
        def term(v):
            return f"{v}.abs().sum()" if s.reg == "l1" else f"({v} * {v}).sum()"

        scale = "REG_RATE" if s.reg == "l1" else "0.5 * REG_RATE"
        penalty = (f"    total = {term('weights[0]')}\n"
                   f"    for w in weights[1:]:\n        total = total + {term('w')}\n"
                   f"    return loss + total * ({scale})  # {s.reg.upper()} on the weights\n")
    if problem == "classification":
        evaluate = "    return evaluate(engine, features(X), y)[0]  # mean cross-entropy\n"
    else:
        evaluate = ("    z = engine.predict_logits(features(X)).astype(np.float64)\n"
                    "    return float(np.mean((z - y) ** 2))\n")
    epochs = max(1, session.trainer.epoch)
    return f'''"""Rebuild and train the network of the tinyprop playground with tinyprop.

Exported from `tinyprop playground` (tinyprop {__version__}): {s.dataset} data
({problem}), inputs {features_used}, hidden layers {s.hidden or "none"} with
activations {s.activations or "none"}, {s.init} init, {s.optimizer} lr {s.lr}, batch {s.batch_size},
{s.reg} regularisation (rate {s.reg_rate}), dropout {s.dropout}, seed {s.seed}.
The page trained {session.epoch:.2f} epochs; this script trains EPOCHS whole epochs with
the settings above (changes made while the page trained are not replayed).

Run it with `python train_playground.py`; it prints the final losses as JSON and
saves the weights to trained_by_script.safetensors (read them with tinyprop.load).
"""

import json

import numpy as np

import tinyprop as tp
from tinyprop import nn, optim
from tinyprop.data import DataLoader
from tinyprop.nn import functional as F
from tinyprop.train import AutogradEngine, Trainer, evaluate

SEED = {s.seed}
EPOCHS = {epochs}
SIZES = {[s.n_features, *s.hidden, n_out]}
ACTIVATIONS = {s.activations!r}
SIGMA = {s.sigma!r}
DROPOUT = {s.dropout!r}
LR = {s.lr!r}
BATCH_SIZE = {s.batch_size}
REG_RATE = {s.reg_rate!r}

{_data_code(session)}

def features(X):
    """The network's inputs: {features_used}."""
    return np.stack([{feats}], axis=1).astype(np.float32)


# The network: Linear layers, each hidden one followed by its activation and dropout.
tp.manual_seed(SEED)
dropout_rng = np.random.default_rng(SEED)  # one generator for every dropout mask
layers, weights = [], []
for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
    act = (ACTIVATIONS + ["linear"])[i]
    lin = nn.Linear(n_in, n_out)
    {_INIT_CODE[s.init]}
    nn.init.zeros_(lin.bias)
    layers.append(lin)
    weights.append(lin.weight)
    if i < len(SIZES) - 2:
        layers.append({{"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid,
                       "linear": nn.Identity}}[act]())
        layers.append(nn.Dropout(DROPOUT, generator=dropout_rng))
model = nn.Sequential(*layers)
optimizer = {_OPT_CODE[s.optimizer]}


def loss_fn(out, y):
    loss = {data_loss}
{penalty}

engine = AutogradEngine(model, optimizer, loss_fn=loss_fn)
loader = DataLoader(features(X_train), y_train, batch_size=BATCH_SIZE, shuffle=True,
                    seed=SEED)
Trainer(engine, loader, epochs=EPOCHS, evaluate=False, verbose=False).fit()


def mean_loss(X, y):
{evaluate}

tp.save(model.state_dict(), "trained_by_script.safetensors")
print(json.dumps({{"epochs": EPOCHS, "train_loss": mean_loss(X_train, y_train),
                  "test_loss": mean_loss(X_test, y_test)}}))
'''
