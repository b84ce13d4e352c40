"""Where the time of a tinyprop training step goes: GEMM, element-wise, batching,
optimizer and Python overhead, per workload.

    python benchmarks/breakdown.py              # digits step, Fashion-MNIST batch 32/128/1024
    python benchmarks/breakdown.py --rounds 9   # more rounds on a busy machine

Each part is timed on its own, on the shapes of the real step, in interleaved rounds
(best of): the matrix products alone (GEMM), the step's other arithmetic written as
plain NumPy calls of the same ``tinyprop.kernels`` routines (element-wise: bias adds,
activations and their derivatives, softmax cross-entropy, bias gradients), the
``DataLoader`` handing out a batch (batching: gather, uint8 -> float32), and
``optimizer.step()`` after a backward pass (optimizer). Python overhead is the rest: the
whole ``train_step`` plus batching, minus those parts. It uses only APIs older
tinyprop versions have too, so the same script measures a checkout before a change
(``PYTHONPATH=old/src python benchmarks/breakdown.py``).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blasenv import jit_as_in_a_long_run, restart_without_handicap  # noqa: E402

if __name__ == "__main__":
    restart_without_handicap(__file__)  # before NumPy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pool as P  # noqa: E402


def _model(sizes, act):
    from tinyprop import nn

    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh() if act == "tanh" else nn.ReLU())
    return nn.Sequential(*layers)


def parts(sizes, act, X, y, batch: int, lr: float) -> dict:
    """The timed functions of one workload, each one step (or one batch)."""
    from tinyprop import kernels, optim
    from tinyprop.data import DataLoader
    from tinyprop.train import AutogradEngine

    model = _model(sizes, act)
    opt = optim.SGD(model.parameters(), lr=lr)
    engine = AutogradEngine(model, opt)
    loader = DataLoader(X, y, batch_size=batch, shuffle=True, seed=0)
    state = {"it": iter(loader)}

    def next_batch():
        try:
            return next(state["it"])
        except StopIteration:
            state["it"] = iter(loader)
            return next(state["it"])

    def full():
        xb, yb = next_batch()
        engine.train_step(xb, yb)

    def batching():
        next_batch()

    xb0, yb0 = next_batch()
    # the optimizer part steps a model of its own (stepping the timed one again and again
    # with the same gradients would drive its weights, and so its arithmetic, astray)
    model2 = _model(sizes, act)
    opt2 = optim.SGD(model2.parameters(), lr=lr)
    AutogradEngine(model2, opt2).train_step(xb0, yb0)  # leaves gradients for opt2.step()
    for p in model2.parameters():
        p.grad = p.grad * 0  # same shapes, zero values: the weights stay where they are

    def optimizer():
        opt2.step()

    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((b, a)).astype(np.float32) * 0.05
          for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    xb = xb0.astype(np.float32)
    hs = [xb]
    for W in Ws[:-1]:
        hs.append(np.tanh(hs[-1] @ W.T))
    z = hs[-1] @ Ws[-1].T
    gs = [np.ones((len(xb), b), np.float32) * 0.01 for b in sizes[1:]]
    pre = [g.copy() for g in gs]  # pre-activations: the bias is added to them in place
    # the routes tinyprop takes, numba's where it runs (the same names on older code,
    # which had them inline)
    add_rows_ = getattr(kernels, "add_rows_", lambda out, b: np.add(out, b, out=out))
    tanh_backward = getattr(kernels, "tanh_backward", lambda o, g: g * (1 - o * o))
    relu_backward = getattr(kernels, "relu_backward",
                            lambda o, g: np.where(o <= 0, np.zeros((), o.dtype), g))

    def gemm():  # forward products, then dx (not for the input) and dW per layer
        h = xb
        for W in Ws:
            h = h @ W.T
        for i in range(len(Ws) - 1, -1, -1):
            if i:
                gs[i] @ Ws[i]
            gs[i].T @ hs[i]

    def elementwise():  # what the step computes besides the products, as tinyprop does
        for i in range(len(Ws) - 1):
            a = add_rows_(pre[i], bs[i])
            if act == "tanh":
                o = np.tanh(a)
                tanh_backward(o, gs[i])
            else:
                o = kernels.relu(a)
                relu_backward(o, gs[i])
            kernels.col_sum(gs[i])
        zz = add_rows_(z, bs[-1])
        total, p = kernels.softmax_cross_entropy(zz, yb0)
        d = kernels.softmax_xent_grad(p, yb0)
        d *= 1 / len(yb0)
        kernels.col_sum(d)

    return {"total": full, "batching": batching, "optimizer": optimizer, "gemm": gemm,
            "element-wise": elementwise}


WORKLOADS = {
    "digits step (64-50-10 tanh, batch 32)": ([64, 50, 10], "tanh", 32, 0.1),
    "Fashion-MNIST, batch 32": ([784, 256, 128, 10], "relu", 32, 0.05),
    "Fashion-MNIST, batch 128": ([784, 256, 128, 10], "relu", 128, 0.05),
    "Fashion-MNIST, batch 1024": ([784, 256, 128, 10], "relu", 1024, 0.05),
}


def measure(rounds: int, quick: bool) -> dict:
    import run

    out = {}
    for name, (sizes, act, batch, lr) in WORKLOADS.items():
        if sizes[0] == 64:
            rng = np.random.default_rng(0)
            X = (rng.random((1797, 64)) * 16).astype(np.float32)
            y = rng.integers(0, 10, 1797)
        else:
            X, y, _ = run.fashion(quick)
        fns = parts(sizes, act, X, y, batch, lr)
        number = max(5, int(20000 / batch)) if not quick else 5
        for fn in fns.values():
            for _ in range(max(2, number // 10)):
                fn()
        best = P.interleaved(P_Local(fns), list(fns), rounds, number)
        parts_us = {k: v * 1e6 for k, v in best.items()}
        known = sum(parts_us[k] for k in ("batching", "optimizer", "gemm", "element-wise"))
        parts_us["python overhead"] = max(0.0, parts_us["total"] - known)
        out[name] = parts_us
        print(f"{name}: " + ", ".join(f"{k} {v:.1f} us" for k, v in parts_us.items()),
              flush=True)
    return out


class P_Local:
    """A pool over ready functions (this process: the parts share tinyprop's NumPy)."""

    def __init__(self, fns):
        self.fns = fns

    def time(self, key, number):
        fn = self.fns[key]
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - t0) / number


def table(res: dict) -> str:
    cols = ["total", "gemm", "element-wise", "batching", "optimizer", "python overhead"]
    lines = ["| workload (us per step) | " + " | ".join(cols) + " |",
             "|---|" + "---|" * len(cols)]
    for name, row in res.items():
        cells = [f"{row['total']:.0f}"] + [
            f"{row[c]:.0f} ({100 * row[c] / row['total']:.0f} %)" for c in cols[1:]]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", default=None, help="also write the numbers to this file")
    p.add_argument("--keep-blas-env", action="store_true")
    args = p.parse_args(argv)
    jit_as_in_a_long_run()  # TINYPROP_JIT=0 in the environment measures NumPy alone
    res = measure(1 if args.quick else args.rounds, args.quick)
    print()
    print(table(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
