"""``Network``: a chain of manual layers that is itself a layer (seed 003, task 3a)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ._validation import as_float_array, check_learning_rate
from .layers import Array, Layer, _not_run


class Network(Layer):
    """Layers in sequence: ``forward`` chains them, ``backward`` runs them in reverse.

    The input of ``forward`` is checked once (numeric, finite); consecutive ``Linear``
    layers whose sizes cannot connect are rejected when the network is built, and a
    shape error inside ``forward`` names the failing layer's index and class. Arrays follow
    NumPy's type promotion: float32 parameters (the default) fed float32 data compute in
    float32; float64 data or ``net.to(np.float64)`` compute in float64.

    >>> from tinyprop.manual import Linear, Tanh
    >>> net = Network([Linear(4, 3, generator=0), Tanh(), Linear(3, 2, generator=1)])
    >>> net.forward(np.ones((5, 4))).shape
    (5, 2)
    """

    def __init__(self, layers: Sequence[Layer]) -> None:
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(
                    f"Network layer {i} must be a Layer (with forward and backward), got "
                    f"{type(layer).__name__}; wrap the computation in a Layer subclass"
                )
        _check_connections(layers)
        self.layers = layers
        self._ran = False

    @property
    def in_features(self) -> int | None:
        """Input features of the first layer that declares them (None if unknown)."""
        for layer in self.layers:
            n = getattr(layer, "in_features", None)
            if n is not None or not getattr(layer, "preserves_shape", False):
                return n
        return None

    @property
    def out_features(self) -> int | None:
        """Output features of the last layer that declares them (None if unknown)."""
        for layer in reversed(self.layers):
            n = getattr(layer, "out_features", None)
            if n is not None or not getattr(layer, "preserves_shape", False):
                return n
        return None

    @property
    def preserves_shape(self) -> bool:  # type: ignore[override]
        return all(getattr(layer, "preserves_shape", False) for layer in self.layers)

    def forward(self, x_in: Array) -> Array:
        x = as_float_array(x_in, "Network input")
        for i, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except ValueError as err:
                raise ValueError(
                    f"Network layer {i} ({type(layer).__name__}) failed on an input of shape "
                    f"{tuple(getattr(x, 'shape', ()))}: {err}"
                ) from err
        self._ran = True
        return x

    def backward(self, d_out: Array) -> Array:
        if not self._ran:
            raise _not_run(self)
        for i in range(len(self.layers) - 1, -1, -1):
            try:
                d_out = self.layers[i].backward(d_out)
            except ValueError as err:
                raise ValueError(
                    f"Network layer {i} ({type(self.layers[i]).__name__}) backward: {err}"
                ) from err
        return d_out

    def zero_gradients(self) -> None:
        for layer in self.layers:
            layer.zero_gradients()

    def overwrite_gradients(self) -> None:
        """``zero_gradients`` for a ``backward`` that follows at once (see
        ``Layer.overwrite_gradients``): the training step's cheaper form."""
        for layer in self.layers:  # duck-typed layers may only know zero_gradients
            getattr(layer, "overwrite_gradients", layer.zero_gradients)()

    def update_parameters(self, learning_rate: float) -> None:
        lr = check_learning_rate(learning_rate)  # checked before any layer moves
        for layer in self.layers:
            layer.update_parameters(lr)

    def parameters(self) -> dict[str, Array]:
        """Every layer's parameters, named ``"<index>.<name>"`` (e.g. ``"0.w"``)."""
        return {
            f"{i}.{name}": p
            for i, layer in enumerate(self.layers)
            for name, p in _call(layer, "parameters").items()
        }

    def gradients(self) -> dict[str, Array]:
        """Every layer's gradient buffers, named like ``parameters()``."""
        return {
            f"{i}.{name}": g
            for i, layer in enumerate(self.layers)
            for name, g in _call(layer, "gradients").items()
        }

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Network([\n{inner}\n])"


def _call(layer, method: str) -> dict:
    fn = getattr(layer, method, None)
    return fn() if fn is not None else {}


def _check_connections(layers: list) -> None:
    """Reject consecutive layers whose declared feature sizes do not match."""
    prev: tuple[int, object, int] | None = None  # (index, layer, out_features)
    for i, layer in enumerate(layers):
        n_in = getattr(layer, "in_features", None)
        if n_in is not None and prev is not None and n_in != prev[2]:
            j, before, n_out = prev
            raise ValueError(
                f"Network layer {i} ({type(layer).__name__}) expects inputs of shape "
                f"(batch, {n_in}) but layer {j} ({type(before).__name__}) outputs shape "
                f"(batch, {n_out}); make layer {i} take {n_out} inputs "
                f"(e.g. Linear({n_out}, ...)) or layer {j} produce {n_in} outputs"
            )
        n_out = getattr(layer, "out_features", None)
        if n_out is not None:
            prev = (i, layer, n_out)
        elif not getattr(layer, "preserves_shape", False):
            prev = None  # unknown output size: nothing to compare the next layer to
