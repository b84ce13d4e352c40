"""The benchmark workloads, one function per library and workload; each returns seconds.

Every tinyprop workload goes through the public API (engines, DataLoader, ops) the way
a user's training loop would; the others are written the way each library is normally
used. The NumPy lower bounds do only the arithmetic that cannot be avoided.
"""

from __future__ import annotations

import random
import time

import numpy as np


def best_of(fn, repeat: int, number: int) -> float:
    """Best mean time per call over ``repeat`` runs of ``number`` calls (after a warm-up)."""
    for _ in range(max(1, number // 10)):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def best_of_interleaved(fns: dict, repeat: int, number: int) -> dict:
    """Like ``best_of`` for several functions at once, taken in turns: each round times
    ``number`` calls of every function, in a new order each round, so a slow spell of a
    shared machine hits all of them alike instead of whichever happened to be running.
    Best mean per call, by name."""
    for fn in fns.values():
        for _ in range(max(1, number // 10)):
            fn()
    best = dict.fromkeys(fns, float("inf"))
    order = list(fns.items())
    shuffle = random.Random(0).shuffle
    for _ in range(repeat):
        shuffle(order)
        for name, fn in order:
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / number)
    return best


# ---- (a) the seeds' MLP on digits: one SGD step, 64-50-10 tanh, batch 32 --------------

def digits_batch(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((32, 64), dtype=np.float32), rng.integers(0, 10, 32)


def _tinyprop_step(engine_name: str, X, y, sizes, activation: str, lr: float):
    """One SGD step of a one-hidden-layer MLP on (X, y) with either tinyprop engine."""
    from tinyprop import manual, nn, optim
    from tinyprop.train import AutogradEngine, ManualEngine, to_manual_network

    act = nn.Tanh() if activation == "tanh" else nn.ReLU()
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), act, nn.Linear(sizes[1], sizes[2]))
    if engine_name == "autograd":
        engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=lr))
    else:
        engine = ManualEngine(to_manual_network(model), manual.SoftmaxCrossEntropy(),
                              lambda p: optim.SGD(p, lr=lr))
    return lambda: engine.train_step(X, y)


def _torch_step(X, y, sizes, activation: str, lr: float):
    import torch

    act = torch.nn.Tanh() if activation == "tanh" else torch.nn.ReLU()
    model = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), act,
                                torch.nn.Linear(sizes[1], sizes[2]))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(Xt), yt).backward()
        opt.step()

    return step


def _jax_step(X, y, sizes, activation: str):
    import jax

    params, jstep = _jax_mlp(sizes, activation)
    Xj, yj = jax.device_put(X), jax.device_put(y.astype(np.int32))
    state = {"p": params}

    def step():
        state["p"] = jstep(state["p"], Xj, yj)
        jax.block_until_ready(state["p"])

    return step


def step_tinyprop(engine_name: str, X, y):
    return _tinyprop_step(engine_name, X, y, [64, 50, 10], "tanh", 0.1)


def step_numpy(X, y):
    rng = np.random.default_rng(0)
    W1 = (rng.standard_normal((50, 64)) * 0.1).astype(np.float32)
    b1 = np.zeros(50, np.float32)
    W2 = (rng.standard_normal((10, 50)) * 0.1).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    rows = np.arange(len(y))

    def step():
        h = X @ W1.T
        h += b1
        np.tanh(h, out=h)
        z = h @ W2.T
        z += b2
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        z[rows, y] -= 1
        z *= 0.1 / len(y)  # the learning rate folded into the output gradient
        dh = z @ W2
        dh *= 1 - h * h
        np.subtract(W2, z.T @ h, out=W2)
        np.subtract(b2, z.sum(axis=0), out=b2)
        np.subtract(W1, dh.T @ X, out=W1)
        np.subtract(b1, dh.sum(axis=0), out=b1)

    return step


def step_torch(X, y):
    return _torch_step(X, y, [64, 50, 10], "tanh", 0.1)


def _jax_mlp(sizes, activation):
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(0)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, k = jax.random.split(key)
        params.append((jax.random.normal(k, (n_in, n_out), jnp.float32) * 0.05,
                       jnp.zeros(n_out, jnp.float32)))
    act = jnp.tanh if activation == "tanh" else jax.nn.relu

    def loss(params, X, y):
        h = X
        for W, b in params[:-1]:
            h = act(h @ W + b)
        W, b = params[-1]
        logp = jax.nn.log_softmax(h @ W + b)
        return -jnp.take_along_axis(logp, y[:, None], axis=1).mean()

    @jax.jit
    def step(params, X, y):
        grads = jax.grad(loss)(params, X, y)
        return jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)

    return params, step


def step_jax(X, y):
    return _jax_step(X, y, [64, 50, 10], "tanh")


# ---- (b) Fashion-MNIST 784-256-128-10 ReLU, one SGD epoch including batching -----------

SIZES = [784, 256, 128, 10]


def epoch_tinyprop(engine_name: str, X, y, batch: int):
    from tinyprop import manual, nn, optim
    from tinyprop.data import DataLoader
    from tinyprop.train import AutogradEngine, ManualEngine, to_manual_network

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    if engine_name == "autograd":
        engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.05))
    else:
        engine = ManualEngine(to_manual_network(model), manual.SoftmaxCrossEntropy(),
                              lambda p: optim.SGD(p, lr=0.05))
    loader = DataLoader(X, y, batch_size=batch, shuffle=True, seed=0)

    def epoch():
        for xb, yb in loader:
            engine.train_step(xb, yb)

    return epoch


def epoch_torch(X, y, batch: int):
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)

    def epoch():
        perm = torch.randperm(len(Xt), generator=gen)
        for i in range(0, len(Xt), batch):
            idx = perm[i:i + batch]
            xb = Xt[idx].float().div_(255)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xb), yt[idx]).backward()
            opt.step()

    return epoch


def epoch_jax(X, y, batch: int):
    import jax

    params, jstep = _jax_mlp(SIZES, "relu")
    state = {"p": params}
    rng = np.random.default_rng(0)
    y32 = y.astype(np.int32)

    def epoch():
        perm = rng.permutation(len(X))
        p = state["p"]
        for i in range(0, len(X), batch):
            idx = perm[i:i + batch]
            if len(idx) < batch:  # keep one compiled shape, as jit users do
                break
            xb = np.true_divide(X[idx], 255, dtype=np.float32)
            p = jstep(p, xb, y32[idx])
        jax.block_until_ready(p)
        state["p"] = p

    return epoch


def epoch_sklearn(X, y, batch: int):
    import warnings

    from sklearn.neural_network import MLPClassifier

    Xf = X.astype(np.float32) / 255

    def epoch():
        clf = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="sgd",
                            momentum=0.0, learning_rate_init=0.05, batch_size=batch,
                            max_iter=1, shuffle=True, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(Xf, y)

    return epoch


def epoch_numpy(X, y, batch: int):
    """Hand-fused NumPy SGD epoch (softmax gradient written in place, ReLU masks, no
    framework): what a NumPy engine could reach with no overhead at all."""
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((o, i)) * 0.05).astype(np.float32)
          for i, o in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.zeros(o, np.float32) for o in SIZES[1:]]
    lr = np.float32(0.05)
    scale = np.float32(1 / 255)

    def epoch():
        perm = rng.permutation(len(X))
        for i in range(0, len(X), batch):
            idx = perm[i:i + batch]
            a0 = np.multiply(X.take(idx, axis=0), scale, dtype=np.float32)
            yb = y[idx]
            a1 = a0 @ Ws[0].T
            a1 += bs[0]
            np.maximum(a1, 0, out=a1)
            a2 = a1 @ Ws[1].T
            a2 += bs[1]
            np.maximum(a2, 0, out=a2)
            z = a2 @ Ws[2].T
            z += bs[2]
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            z[np.arange(len(yb)), yb] -= 1
            z *= lr / len(yb)  # the learning rate folded into the output gradient
            g2 = z @ Ws[2]
            g2 *= a2 > 0
            Ws[2] -= z.T @ a2
            bs[2] -= z.sum(axis=0)
            g1 = g2 @ Ws[1]
            g1 *= a1 > 0
            Ws[1] -= g2.T @ a1
            bs[1] -= g2.sum(axis=0)
            Ws[0] -= g1.T @ a0
            bs[0] -= g1.sum(axis=0)

    return epoch


def epoch_matmul_bound(X, y, batch: int):
    """Only the matrix products of an epoch (3 forward, 5 backward), on float32 batches."""
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((o, i)) * 0.05).astype(np.float32)
          for i, o in zip(SIZES[:-1], SIZES[1:])]
    batches = [np.true_divide(X[i:i + batch], 255, dtype=np.float32)
               for i in range(0, len(X), batch)]

    def epoch():
        for xb in batches:
            a0 = xb
            a1 = a0 @ Ws[0].T
            a2 = a1 @ Ws[1].T
            a3 = a2 @ Ws[2].T
            g2 = a3 @ Ws[2]
            _ = a3.T @ a2
            g1 = g2 @ Ws[1]
            _ = g2.T @ a1
            _ = g1.T @ a0

    return epoch


# ---- (c) per-op overhead on 32x50 arrays ---------------------------------------------

OPS = {
    "add": (lambda a, b: a + b),
    "matmul": (lambda a, b: a @ b),
    "tanh": (lambda a, b: a.tanh() if hasattr(a, "tanh") else np.tanh(a)),
    "sum": (lambda a, b: a.sum()),
}


def op_inputs(lib: str, name: str):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((32, 50)).astype(np.float32)
    b = rng.standard_normal((50, 50) if name == "matmul" else (32, 50)).astype(np.float32)
    if lib == "numpy":
        return a, b
    if lib == "tinyprop":
        import tinyprop as tp

        return tp.tensor(a, requires_grad=True), tp.tensor(b, requires_grad=True)
    import torch

    return (torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True))


def op_forward(lib: str, name: str):
    a, b = op_inputs(lib, name)
    f = OPS[name]
    if lib == "numpy":
        return lambda: f(a, b)
    if lib == "tinyprop":
        import tinyprop as tp

        def fwd():
            with tp.no_grad():
                f(a, b)
        return fwd
    import torch

    def tfwd():
        with torch.no_grad():
            f(a, b)
    return tfwd


def op_forward_backward(lib: str, name: str):
    a, b = op_inputs(lib, name)
    f = OPS[name]

    def fb():
        out = f(a, b)
        (out if name == "sum" else out.sum()).backward()
        a.grad = None
        b.grad = None

    return fb


# ---- scaling: one SGD step of a 784-H-10 ReLU MLP, against width H and batch size ------

def scale_batch(batch: int, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((batch, 784), dtype=np.float32), rng.integers(0, 10, batch)


def scale_tinyprop(engine_name: str, width: int, batch: int):
    X, y = scale_batch(batch)
    return _tinyprop_step(engine_name, X, y, [784, width, 10], "relu", 0.01)


def scale_torch(width: int, batch: int):
    X, y = scale_batch(batch)
    return _torch_step(X, y, [784, width, 10], "relu", 0.01)


def scale_jax(width: int, batch: int):
    X, y = scale_batch(batch)
    return _jax_step(X, y, [784, width, 10], "relu")


# ---- one registry: what a benchmark process (or a worker of one library) can build -----

LIBRARY = {"tinyprop-autograd": "numpy", "tinyprop-manual": "numpy",
           "numpy-hand-fused": "numpy", "matmul-lower-bound": "numpy", "numpy": "numpy",
           "tinyprop": "numpy", "pytorch": "torch", "torch": "torch", "jax-jit": "jax",
           "sklearn-MLPClassifier": "sklearn"}
"""The library (and so the worker process) each contender belongs to: NumPy's OpenBLAS
for tinyprop and the NumPy bounds, PyTorch's and JAX's own thread pools for the others."""

_DATA: dict = {}


def _fashion(quick: bool):
    if quick not in _DATA:
        import run  # the data loader lives with the script

        _DATA[quick] = run.fashion(quick)
    return _DATA[quick]


def make(workload: str, name: str, quick: bool = False, **p):
    """The timed function of contender ``name`` on ``workload`` (``step``, ``epoch``,
    ``op-forward``, ``op-forward-backward`` or ``scale``), built in this process."""
    if workload == "step":
        X, y = digits_batch()
        if name.startswith("tinyprop-"):
            return step_tinyprop(name.split("-", 1)[1], X, y)
        return {"numpy-hand-fused": step_numpy, "pytorch": step_torch,
                "jax-jit": step_jax}[name](X, y)
    if workload == "epoch":
        X, y, _ = _fashion(quick)
        b = p["batch"]
        if name.startswith("tinyprop-"):
            return epoch_tinyprop(name.split("-", 1)[1], X, y, b)
        return {"numpy-hand-fused": epoch_numpy, "matmul-lower-bound": epoch_matmul_bound,
                "pytorch": epoch_torch, "jax-jit": epoch_jax,
                "sklearn-MLPClassifier": epoch_sklearn}[name](X, y, b)
    if workload == "op-forward":
        return op_forward(name, p["op"])
    if workload == "op-forward-backward":
        return op_forward_backward(name, p["op"])
    if workload == "scale":
        if name.startswith("tinyprop-"):
            return scale_tinyprop(name.split("-", 1)[1], p["width"], p["batch"])
        return {"pytorch": scale_torch, "jax-jit": scale_jax}[name](p["width"], p["batch"])
    raise ValueError(f"unknown workload {workload!r}")


def threadpools() -> list:
    """The BLAS and OpenMP pools loaded in this process (threadpoolctl): library, kernel
    (OpenBLAS's core type), version and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl not installed"}]
    keys = ("user_api", "internal_api", "prefix", "version", "architecture", "num_threads",
            "threading_layer")
    return [{k: info.get(k) for k in keys if info.get(k) is not None}
            for info in threadpool_info()]
