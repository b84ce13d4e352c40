"""Bad-input catalog (issue 8), part 2: datasets and ``DataLoader``, IDX files,
checkpoints (``tinyprop.io``), scikit-learn style estimators and plots.

See ``test_rb_catalog.py`` for what every case asserts.
"""

from __future__ import annotations

import base64
import gzip
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinyprop as tp
from robustness.test_rb_support import (
    ROOT,
    Bad,
    Env,
    Registry,
    make_env,
    mlp,
    trained,
    truncate,
    unreadable_dir,
    write_mnist,
    write_raw_checkpoint,
)
from tinyprop import optim
from tinyprop.backend import default_generator

cases = Registry()

# ======================================================================================
# data
# ======================================================================================

X5 = np.arange(10, dtype=np.float32).reshape(5, 2)
Y5 = np.arange(5) % 2


@cases.case("data-loader-batch-size-zero")
def _(env):
    from tinyprop.data import DataLoader

    return Bad(lambda: DataLoader(X5, Y5, batch_size=0), ValueError, (">= 1",), ("got 0",))


@cases.case("data-loader-nan-in-X")
def _(env):
    from tinyprop.data import DataLoader

    X = X5.copy()
    X[1, 0] = np.nan
    return Bad(lambda: DataLoader(X, Y5), ValueError, ("finite",), ("1 NaN",), (X,))


@cases.case("data-loader-inf-in-y")
def _(env):
    from tinyprop.data import DataLoader

    y = np.array([0, 1, np.inf, 0, 1])
    return Bad(lambda: DataLoader(X5, y), ValueError, ("y must be finite",), ("1 infinite",))


@cases.case("data-loader-string-labels")
def _(env):
    from tinyprop.data import DataLoader

    y = np.array(list("abcde"))
    return Bad(lambda: DataLoader(X5, y), TypeError, ("numeric",), ("<U1",))


@cases.case("data-loader-length-mismatch")
def _(env):
    from tinyprop.data import DataLoader

    return Bad(
        lambda: DataLoader(X5, Y5[:3]), ValueError, ("same number of samples",), ("3 rows in y",)
    )


@cases.case("data-loader-empty-dataset")
def _(env):
    from tinyprop.data import DataLoader

    return Bad(
        lambda: DataLoader(np.zeros((0, 2)), np.zeros(0)),
        ValueError,
        ("at least one sample",),
        ("(0, 2)",),
    )


@cases.case("data-loader-int-dtype")
def _(env):
    from tinyprop.data import DataLoader

    return Bad(lambda: DataLoader(X5, Y5, dtype=np.int32), TypeError, ("float dtype",), ("int32",))


@cases.case("data-loader-state-of-other-batch-size")
def _(env):
    from tinyprop.data import DataLoader

    a, b = DataLoader(X5, Y5, batch_size=2, seed=0), DataLoader(X5, Y5, batch_size=3, seed=1)
    next(iter(a))
    return Bad(
        lambda: b.load_state_dict(a.state_dict()),
        ValueError,
        ("batch_size=3",),
        ("batch_size=2",),
        (b,),
    )


@cases.case("data-unknown-dataset-name")
def _(env):
    from tinyprop.data import load_dataset

    return Bad(lambda: load_dataset("imagenet"), ValueError, ("digits",), ("'imagenet'",))


@cases.case("data-circles-negative-noise")
def _(env):
    from tinyprop.data import make_circles

    return Bad(lambda: make_circles(noise=-1), ValueError, (">= 0",), ("-1",))


@cases.case("data-idx-truncated")
def _(env):
    from tinyprop.data import read_idx

    p = env.tmp / "trunc.idx"
    p.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1c\x00\x00\x00\x1c" + bytes(100))
    return Bad(lambda: read_idx(p), ValueError, ("1,584 bytes",), ("got 116",), (p,))


@cases.case("data-idx-bad-magic")
def _(env):
    from tinyprop.data import read_idx

    p = env.tmp / "magic.idx"
    p.write_bytes(b"\x12\x34\x08\x01\x00\x00\x00\x02\x00\x00")
    return Bad(lambda: read_idx(p), ValueError, ("00 00 <type> <ndim>",), ("12 34 08 01",), (p,))


@cases.case("data-idx-oversized-header")
def _(env):
    from tinyprop.data import read_idx

    p = env.tmp / "huge.idx"
    p.write_bytes(b"\x00\x00\x08\x03" + b"\xff" * 12)
    return Bad(lambda: read_idx(p), ValueError, ("limit of",), ("4294967295",), (p,))


@cases.case("data-idx-trailing-bytes")
def _(env):
    from tinyprop.data import read_idx

    p = env.tmp / "long.idx"
    p.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x02" + bytes(5))
    return Bad(lambda: read_idx(p), ValueError, ("expected 10 bytes",), ("got 13",), (p,))


@cases.case("data-idx-corrupt-gzip")
def _(env):
    from tinyprop.data import read_idx

    p = env.tmp / "bad.idx.gz"
    p.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02\x00\x00")[:-6])
    return Bad(lambda: read_idx(p), ValueError, ("IDX file",), ("corrupt or truncated",), (p,))


@cases.case("data-idx-wrong-ndim")
def _(env):
    from tinyprop.data import read_idx, write_idx

    p = write_idx(env.tmp / "labels.idx", np.zeros(4, np.uint8))
    return Bad(lambda: read_idx(p, ndim=3), ValueError, ("expected 3 dimension",), ("got 1",), (p,))


@cases.case("data-idx-missing-file")
def _(env):
    from tinyprop.data import read_idx

    p = env.tmp / "nope.idx"
    return Bad(lambda: read_idx(p), FileNotFoundError, ("No such file",), (str(p),))


@cases.case("data-idx-directory")
def _(env):
    from tinyprop.data import read_idx

    return Bad(
        lambda: read_idx(env.tmp),
        IsADirectoryError,
        ("expected an IDX file",),
        ("got a directory",),
    )


@cases.case("data-mnist-unreadable-directory")
def _(env):
    from tinyprop.data import load_mnist

    root = unreadable_dir(env)
    if ROOT:
        return Bad(
            lambda: load_mnist(root),
            FileNotFoundError,
            ("expected the four IDX files",),
            ("is a file, not a directory",),
            (root,),
        )
    return Bad(
        lambda: load_mnist(root), PermissionError, ("readable directory",), ("permission denied",)
    )


@cases.case("data-mnist-truncated-images")
def _(env):
    from tinyprop.data import load_mnist

    root = write_mnist(env.tmp / "mnist")
    truncate(root / "t10k-images-idx3-ubyte.gz", 0.6)
    return Bad(lambda: load_mnist(root), ValueError, ("IDX file",), ("truncated",), (root,))


@cases.case("data-mnist-images-labels-count")
def _(env):
    from tinyprop.data import load_mnist, write_idx

    root = write_mnist(env.tmp / "mnist")
    write_idx(root / "train-labels-idx1-ubyte.gz", np.zeros(2, np.uint8))
    return Bad(
        lambda: load_mnist(root), ValueError, ("must match",), ("3 images", "2 labels"), (root,)
    )


# ======================================================================================
# io (checkpoints)
# ======================================================================================


def saved_checkpoint(env: Env, hidden: int = 5, name: str = "ckpt.safetensors") -> Path:
    m = mlp(hidden, seed=7)
    opt = trained(m, optim.SGD, lr=0.1, momentum=0.9)
    path = env.tmp / name
    tp.io.save_checkpoint(path, model=m, optimizer=opt, epoch=3)
    return path


@cases.case("io-truncated-checkpoint")
def _(env):
    p = truncate(saved_checkpoint(env))
    return Bad(
        lambda: tp.load(p),
        tp.io.CheckpointError,
        ("safetensors file written by",),
        ("truncated",),
        (p,),
    )


@cases.case("io-pickle-file-as-checkpoint")
def _(env):
    p = env.tmp / "model.safetensors"
    p.write_bytes(pickle.dumps({"w": np.zeros(3)}))
    return Bad(
        lambda: tp.load(p), tp.io.CheckpointError, ("safetensors checkpoint",), ("a pickle",), (p,)
    )


@cases.case("io-torch-zip-as-checkpoint")
def _(env):
    p = env.tmp / "model.pt"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"w": 1}))
    return Bad(
        lambda: tp.load(p),
        tp.io.CheckpointError,
        ("safetensors checkpoint",),
        ("zip archive",),
        (p,),
    )


@cases.case("io-pickle-payload-inside-checkpoint")
def _(env):
    payload = base64.b64encode(pickle.dumps({"w": 1})).decode()
    doc = {"format": "tinyprop-checkpoint", "version": 1, "tree": {"pickle": payload}}
    p = write_raw_checkpoint(env.tmp / "evil.safetensors", {"w": np.zeros(2, np.float32)}, doc)
    return Bad(
        lambda: tp.load(p), tp.io.CheckpointError, ("one of the tags dict",), ("'pickle'",), (p,)
    )


@cases.case("io-npy-file-as-checkpoint")
def _(env):
    p = env.tmp / "w.npy"
    np.save(p, np.zeros(3))
    return Bad(
        lambda: tp.load(p),
        tp.io.CheckpointError,
        ("safetensors checkpoint",),
        ("NumPy .npy",),
        (p,),
    )


@cases.case("io-oversized-header-length")
def _(env):
    p = env.tmp / "big.safetensors"
    p.write_bytes((2**40).to_bytes(8, "little") + b"{}")
    return Bad(
        lambda: tp.load(p), tp.io.CheckpointError, ("expected 2..",), ("1099511627776",), (p,)
    )


@cases.case("io-flipped-byte-fails-checksum")
def _(env):
    p = saved_checkpoint(env)
    blob = bytearray(p.read_bytes())
    blob[-3] ^= 0xFF
    p.write_bytes(bytes(blob))
    return Bad(
        lambda: tp.load(p),
        tp.io.CheckpointError,
        ("the one saved with it",),
        ("fails its checksum",),
        (p,),
    )


@cases.case("io-newer-format-version")
def _(env):
    doc = {"format": "tinyprop-checkpoint", "version": 99, "tree": {}}
    p = write_raw_checkpoint(env.tmp / "v99.safetensors", {"w": np.zeros(2, np.float32)}, doc)
    return Bad(
        lambda: tp.load(p),
        tp.io.CheckpointError,
        ("version 1 this tinyprop reads",),
        ("version 99",),
        (p,),
    )


@cases.case("io-plain-safetensors-file")
def _(env):
    from safetensors.numpy import save_file

    p = env.tmp / "plain.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, str(p))
    return Bad(
        lambda: tp.load(p),
        tp.io.CheckpointError,
        ("'tinyprop' metadata",),
        ("tensors: ['w']",),
        (p,),
    )


@cases.case("io-missing-checkpoint")
def _(env):
    p = env.tmp / "nope.safetensors"
    return Bad(lambda: tp.load(p), FileNotFoundError, ("no checkpoint file here",), (str(p),))


@cases.case("io-load-a-directory")
def _(env):
    return Bad(
        lambda: tp.load(env.tmp),
        IsADirectoryError,
        ("expected a checkpoint file",),
        ("got a directory",),
    )


@cases.case("io-save-into-a-file-path")
def _(env):
    f = env.tmp / "a-file"
    f.write_text("keep me")
    return Bad(
        lambda: tp.save({"w": np.zeros(2)}, f / "x.safetensors"),
        NotADirectoryError,
        ("expected a directory",),
        ("this is a file",),
        (f,),
    )


@cases.case("io-save-unsupported-object")
def _(env):
    p = env.tmp / "o.safetensors"
    return Bad(
        lambda: tp.save({"f": object()}, p),
        TypeError,
        ("numpy arrays",),
        ("a object is not supported",),
        (p,),
    )


@cases.case("io-load-checkpoint-other-architecture")
def _(env):
    p = saved_checkpoint(env, hidden=5)
    m = mlp(8)
    opt = trained(m, optim.SGD, lr=0.1, momentum=0.9)
    return Bad(
        lambda: tp.io.load_checkpoint(p, model=m, optimizer=opt),
        tp.io.CheckpointError,
        ("expected (8, 4)",),
        ("got (5, 4)",),
        (m, opt, p),
    )


@cases.case("io-load-checkpoint-optimizer-of-other-model")
def _(env):
    p = saved_checkpoint(env, hidden=5)
    m = mlp(8)
    opt = trained(m, optim.SGD, lr=0.1, momentum=0.9)
    return Bad(
        lambda: tp.io.load_checkpoint(p, optimizer=opt),
        tp.io.CheckpointError,
        ("the parameter has shape (8, 4)",),
        ("has shape (5, 4)",),
        (m, opt, p),
    )


@cases.case("io-load-checkpoint-missing-part")
def _(env):
    p = env.tmp / "model-only.safetensors"
    m = mlp()
    tp.io.save_checkpoint(p, model=m)
    opt = trained(m)
    return Bad(
        lambda: tp.io.load_checkpoint(p, model=m, optimizer=opt),
        tp.io.CheckpointError,
        ("optimizer=None",),
        ("has no 'optimizer' entry",),
        (m, opt, p),
    )


@cases.case("io-set-rng-state-foreign")
def _(env):
    return Bad(
        lambda: tp.io.set_rng_state({"bit_generator": "Foo"}),
        ValueError,
        ("PCG64",),
        ("'Foo'",),
        (lambda: default_generator().bit_generator.state,),
    )


# ======================================================================================
# scikit-learn style estimators and plots
# ======================================================================================


def _fitted_classifier():
    from tinyprop.sklearn import MLPClassifier

    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    with warnings.catch_warnings():  # two epochs do not converge, on purpose
        warnings.simplefilter("ignore")
        return MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y), X, y


@cases.case("sklearn-fit-nan-in-X")
def _(env):
    from tinyprop.sklearn import MLPClassifier

    X = np.ones((6, 3))
    X[2, 1] = np.nan
    return Bad(
        lambda: MLPClassifier(max_iter=1).fit(X, [0, 1] * 3),
        ValueError,
        ("does not accept missing values",),
        ("contains NaN",),
    )


@cases.case("sklearn-predict-wrong-features")
def _(env):
    clf, _, _ = _fitted_classifier()
    return Bad(
        lambda: clf.predict(np.zeros((2, 4))),
        ValueError,
        ("expecting 3 features",),
        ("X has 4 features",),
        (clf,),
    )


@cases.case("sklearn-negative-learning-rate")
def _(env):
    from tinyprop.sklearn import MLPClassifier

    clf = MLPClassifier(max_iter=1, learning_rate_init=-1)
    return Bad(
        lambda: clf.fit(np.ones((4, 3)), [0, 1, 0, 1]),
        ValueError,
        ("(0.0, inf)",),
        ("learning_rate_init=-1",),
    )


@cases.case("sklearn-partial-fit-new-class")
def _(env):
    from tinyprop.sklearn import MLPClassifier

    X = np.random.default_rng(0).normal(size=(8, 3))
    clf = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    clf.partial_fit(X, [0, 1] * 4, classes=[0, 1])
    return Bad(
        lambda: clf.partial_fit(X, [1, 2] * 4),
        ValueError,
        ("classes_ is [0 1]",),
        ("y has [1 2]",),
        (clf,),
    )


@cases.case("viz-confusion-probabilities-as-labels")
def _(env):
    from tinyprop import viz

    out = env.tmp / "cm.png"
    return Bad(
        lambda: viz.plot_confusion_matrix([0, 1], [0.2, 0.7], n_classes=2, path=out),
        ValueError,
        ("integer class labels",),
        ("non-integer value 0.2",),
        (out,),
    )


@cases.case("viz-curves-unknown-format")
def _(env):
    from tinyprop import viz

    out = env.tmp / "c.xyz"
    return Bad(
        lambda: viz.plot_curves([{"epoch": 1, "train_loss": 1.0}], path=out),
        ValueError,
        (".png",),
        ("'.xyz'",),
        (out,),
    )


# ---- the test ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(cases.params()))
def test_bad_input(name, tmp_path, monkeypatch, capsys):
    cases.run(name, make_env(tmp_path, monkeypatch), capsys)
