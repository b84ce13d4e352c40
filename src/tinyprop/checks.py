"""``tinyprop gradcheck``: finite-difference checks of every op, module and manual layer."""

from __future__ import annotations

import numpy as np


def _op_checks():
    import tinyprop as tp
    from tinyprop.op_cases import CASES, C, make_inputs

    for case in CASES:
        args = [x if isinstance(s, C) else tp.tensor(x, requires_grad=True)
                for s, x in zip(case.inputs, make_inputs(case))]
        tol = {k: case.tol[k] for k in ("eps", "atol", "rtol") if k in case.tol}
        yield "op", case.id, lambda case=case, args=args, tol=tol: tp.gradcheck(
            case.fn, args, **tol)


def _module_checks():
    from tinyprop import nn

    rng = np.random.default_rng(0)
    modules = {
        "Linear": nn.Linear(4, 3), "Tanh": nn.Tanh(), "Sigmoid": nn.Sigmoid(),
        "ReLU": nn.ReLU(), "LeakyReLU": nn.LeakyReLU(0.1), "ELU": nn.ELU(), "GELU": nn.GELU(),
        "Softplus": nn.Softplus(), "Softmax": nn.Softmax(dim=1),
        "LogSoftmax": nn.LogSoftmax(dim=1), "BatchNorm1d": nn.BatchNorm1d(4),
        "LayerNorm": nn.LayerNorm(4),
    }
    for name, module in modules.items():
        module.double()
        x = rng.standard_normal((5, 4)) + 0.1
        yield "module", name, lambda module=module, x=x: check_module(module, x)


def check_module(module, x, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Central differences for a module's input and every parameter (float64, in place).

    Raises :class:`tinyprop.GradcheckError` naming the wrong gradient, like ``gradcheck``.
    """
    import tinyprop as tp
    from tinyprop.gradcheck import numerical_gradient

    u = np.random.default_rng(1).standard_normal(module(tp.tensor(x)).shape)

    def objective():
        with tp.no_grad():
            return float(np.sum(module(tp.tensor(x))._data * u))

    module.zero_grad()
    xt = tp.tensor(x, requires_grad=True)
    (module(xt) * tp.tensor(u)).sum().backward()
    targets = [("input", xt.grad._data, x)] + [
        (pname, p.grad._data if p.grad is not None else np.zeros(p.shape), p._data)
        for pname, p in module.named_parameters()
    ]
    for pname, analytic, arr in targets:
        numeric = numerical_gradient(objective, arr, eps)
        diff = np.abs(analytic - numeric)
        if not (diff <= atol + rtol * np.abs(numeric)).all():
            k = np.unravel_index(int(np.argmax(diff)), arr.shape)
            raise tp.GradcheckError(
                f"{type(module).__name__}: gradient of {pname} is wrong at {tuple(map(int, k))}: "
                f"analytic {analytic[k]:.10g}, numeric {numeric[k]:.10g}"
            )
    return True


def _manual_checks():
    from tinyprop import manual

    rng = np.random.default_rng(0)
    layers = {"Linear": manual.Linear(4, 3, generator=0), "Sigmoid": manual.Sigmoid(),
              "Tanh": manual.Tanh(), "ReLU": manual.ReLU(), "LeakyReLU": manual.LeakyReLU(),
              "SoftMax": manual.SoftMax(),
              "Network": manual.Network([manual.Linear(4, 5, generator=1), manual.Tanh(),
                                         manual.Linear(5, 2, generator=2)])}
    for name, layer in layers.items():
        x = rng.standard_normal((5, 4)) + 0.1
        yield "manual", name, lambda layer=layer, x=x: manual.check_layer(layer, x)


def run_all_checks() -> list[dict]:
    """Run every check; each result has kind, name, ok and (on failure) message."""
    results = []
    for group in (_op_checks, _module_checks, _manual_checks):
        for kind, name, check in group():
            try:
                out = check()
                ok = out is not False and getattr(out, "ok", True) is not False
                results.append({"kind": kind, "name": name, "ok": bool(ok),
                                "message": "" if ok else str(out)})
            except (ValueError, ArithmeticError) as e:
                results.append({"kind": kind, "name": name, "ok": False, "message": str(e)})
    return results
