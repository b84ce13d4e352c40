"""The playground's two engines: tinyprop's ``AutogradEngine`` and ``ManualEngine`` with
the playground's penalty, live settings, hidden outputs over the plane and a traced step.

With ``record = True`` the next ``train_step`` also keeps, in ``last_trace``, every number
of that step (a :class:`~tinyprop.playground.model.Trace`), which the backprop view shows.
"""

from __future__ import annotations

import numpy as np

from .. import manual
from ..train.engines import AutogradEngine, ManualEngine
from .model import Dropout, Penalty, Trace, build_optimizer, initial_model, manual_network
from .settings import Settings


def build_engine(s: Settings, problem: str):
    """The engine ``s.engine`` names, for ``problem`` (2 logits for classification, one
    output for regression), from the initial weights of :func:`initial_model`."""
    n_out = 2 if problem == "classification" else 1
    model = initial_model(s, n_out)
    penalty = Penalty(s.reg, s.reg_rate)
    if s.engine == "autograd":
        return AutogradNet(model, build_optimizer(s, model.parameters()), problem, penalty)
    cost = manual.SoftmaxCrossEntropy() if problem == "classification" else \
        manual.MeanSquareError()
    return ManualNet(manual_network(model, s), cost, lambda ps: build_optimizer(s, ps),
                     problem, penalty)


# ---- the two engines -----------------------------------------------------------------------


class _Common:
    """What both playground engines add to tinyprop's: the layer list, live settings,
    hidden outputs over the plane and a traced step."""

    record = False
    last_trace: Trace | None = None

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def set_dropout(self, p: float) -> None:
        for layer in self.layers():
            if type(layer).__name__ == "Dropout":
                layer.p = float(p)

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each ``Linear``'s ``(weight (out, in), bias (out,))`` arrays (live, no copy)."""
        raise NotImplementedError

    def weight_grads(self) -> list[np.ndarray]:
        raise NotImplementedError


class AutogradNet(_Common, AutogradEngine):
    """``AutogradEngine`` with the playground's loss (data loss + penalty)."""

    def __init__(self, model, optimizer, problem: str, penalty: Penalty) -> None:
        from tinyprop import nn

        self.problem = problem
        self.penalty = penalty
        self.linears = [m for m in model if isinstance(m, nn.Linear)]
        super().__init__(model, optimizer, loss_fn=self._loss)

    def layers(self):
        return list(self.model)

    def _data_loss(self, out, y):
        from ..ops.loss import cross_entropy
        from ..ops.regression import mse_loss
        from ..tensor import Tensor

        if self.problem == "classification":
            return cross_entropy(out, y)
        return mse_loss(out, Tensor._wrap(y))

    def _loss(self, out, y):
        loss = self._data_loss(out, y)
        extra = self.penalty.tensor([lin.weight for lin in self.linears])
        return loss if extra is None else loss + extra

    def weights(self):
        return [(lin.weight._data, lin.bias._data) for lin in self.linears]

    def weight_grads(self):
        return [None if lin.weight.grad is None else lin.weight.grad._data
                for lin in self.linears]

    def train_step(self, X, y):
        if not self.record:
            return super().train_step(X, y)
        return self._traced_step(X, y)

    def _traced_step(self, X, y):
        """``train_step``, module by module, keeping every layer's input and output."""
        from tinyprop import nn

        from ..tensor import Tensor

        self.record = False
        if not self.model.training:
            self.model.train()
        self.optimizer.zero_grad()
        x = Tensor._wrap(X)
        inputs, zs, hidden = [], [], []
        for m in self.model:
            if isinstance(m, nn.Linear):
                if inputs:
                    x.retain_grad()
                inputs.append(x)
                x = m(x)
                x.retain_grad()
                zs.append(x)
            else:
                x = m(x)
                if not isinstance(m, nn.Dropout):
                    hidden.append(x._data.copy())
        before = [(w.copy(), b.copy()) for w, b in self.weights()]
        loss = self._loss(x, y)
        data_loss = float(self._data_loss(x, y)._data)
        trace = Trace(X=X, y=y, loss=data_loss, penalty=float(loss._data) - data_loss,
                      output=x._data.copy(), hidden=hidden)
        result = self._finish(loss, x, y)  # backward and the optimizer step
        for k, lin in enumerate(self.linears):
            trace.inputs.append(inputs[k]._data.copy())
            trace.z.append(zs[k]._data.copy())
            trace.delta.append(zs[k].grad._data.copy())
            trace.input_grad.append(None if k == 0 else inputs[k].grad._data.copy())
            trace.weight.append(before[k][0])
            trace.bias.append(before[k][1])
            trace.weight_grad.append(lin.weight.grad._data.copy())
            trace.bias_grad.append(lin.bias.grad._data.copy())
            trace.weight_after.append(lin.weight._data.copy())
            trace.bias_after.append(lin.bias._data.copy())
        self.last_trace = trace
        return result

    def hidden_outputs(self, X) -> list[np.ndarray]:
        """Each hidden layer's activation output and the network's output, for points
        ``X``, in evaluation mode (no dropout, nothing recorded)."""
        from tinyprop import nn

        from ..grad_mode import no_grad
        from ..tensor import Tensor

        was = self.model.training
        self.model.eval()
        out = []
        try:
            with no_grad():
                x = Tensor._wrap(X)
                for m in self.model:
                    x = m(x)
                    if not isinstance(m, (nn.Linear, nn.Dropout)):
                        out.append(x._data)
                out.append(x._data)
        finally:
            if was:
                self.model.train()
        return out


class ManualNet(_Common, ManualEngine):
    """``ManualEngine`` with the playground's penalty, dropout and a traced step."""

    def __init__(self, network, cost, optimizer_factory, problem: str, penalty: Penalty) -> None:
        self.problem = problem
        self.penalty = penalty
        self.linears = [m for m in network.layers if isinstance(m, manual.Linear)]
        super().__init__(network, cost, optimizer_factory)

    def layers(self):
        return list(self.model.layers)

    def weights(self):
        return [(lin.w, lin.b.reshape(-1)) for lin in self.linears]

    def weight_grads(self):
        return [lin.dw for lin in self.linears]

    def _dropout(self, training: bool) -> None:
        for layer in self.model.layers:
            if isinstance(layer, Dropout):
                layer.training = training

    def forward(self, X):
        self._dropout(False)
        try:
            return super().forward(X)
        finally:
            self._dropout(True)

    def hidden_outputs(self, X) -> list[np.ndarray]:
        """As :meth:`AutogradNet.hidden_outputs`, through the manual layers."""
        out = []
        self._dropout(False)
        try:
            x = X
            for layer in self.model.layers:
                x = layer.forward(x)
                if not isinstance(layer, (manual.Linear, Dropout)):
                    out.append(x)
            out.append(x)
        finally:
            self._dropout(True)
        return out

    def train_step(self, X, y):
        # ManualEngine.train_step's chain, with the penalty's gradient added to dw
        record, self.record = self.record, False
        layers = self.model.layers
        self.model.overwrite_gradients()
        before = [(w.copy(), b.copy()) for w, b in self.weights()] if record else None
        x = X
        seen = []  # (layer, its input, its output)
        for layer in layers:
            x_out = layer.forward(x)
            seen.append((layer, x, x_out))
            x = x_out
        loss = self.cost.estimate(y, x)
        penalty = self.penalty.value([lin.w for lin in self.linears])
        d = self.cost.gradient()
        grads_in = {}
        for layer in reversed(layers):
            d_in = layer.backward(d)
            grads_in[id(layer)] = (d, d_in)
            d = d_in
        if self.penalty.active:
            for lin in self.linears:
                lin.dw += self.penalty.gradient(lin.w)
        if record:
            self.last_trace = self._trace(X, y, x, loss, penalty, seen, grads_in, before)
        self.optimizer.step()
        if record:
            for w, b in self.weights():
                self.last_trace.weight_after.append(w.copy())
                self.last_trace.bias_after.append(b.copy())
        # the loss totals include the penalty, as the autograd engine's loss does
        from ..train.engines import _n_correct

        return (float(loss) + penalty) * len(y), _n_correct(x, y)

    def _trace(self, X, y, out, loss, penalty, seen, grads_in, before) -> Trace:
        trace = Trace(X=X, y=y, loss=float(loss), penalty=penalty, output=out.copy())
        k = 0
        for layer, x_in, x_out in seen:
            if isinstance(layer, manual.Linear):
                d_out, d_in = grads_in[id(layer)]
                trace.inputs.append(np.array(x_in, copy=True))
                trace.z.append(x_out.copy())
                trace.delta.append(np.array(d_out, copy=True))
                trace.weight.append(before[k][0])
                trace.bias.append(before[k][1])
                trace.weight_grad.append(layer.dw.copy())
                trace.bias_grad.append(layer.db.reshape(-1).copy())
                k += 1
            elif not isinstance(layer, Dropout):
                trace.hidden.append(x_out.copy())
        # dL/da of layer k's input: what layer k's backward returned (None for the data)
        trace.input_grad = [None] + [np.array(grads_in[id(lin)][1], copy=True)
                                     for lin in self.linears[1:]]
        return trace
