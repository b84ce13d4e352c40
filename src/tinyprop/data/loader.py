"""``DataLoader``: mini-batches over in-memory arrays, reshuffled each epoch, resumable."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._validate import check_int, type_error
from ..backend import check_generator_state, get_default_dtype
from ..errors import CheckpointError, ConfigError, DataError, TinypropTypeError
from ._validate import check_generator, check_numeric, check_positive_int

_STATE_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    return value


class DataLoader:
    """Iterate over ``(X_batch, y_batch)`` mini-batches of arrays (``X_batch`` alone when
    ``y`` is None).

    - ``shuffle``: each ``iter()`` starts a new epoch with a new permutation drawn from the
      loader's own generator, deterministic given ``seed`` (int, Generator, or None for one
      drawn from tinyprop's default generator, see ``tinyprop.backend.manual_seed``).
    - ``len(loader)``: batches per epoch; ``drop_last`` drops a final short batch.
    - Batches are slices (views) without shuffling and one ``np.take`` with it.
    - ``scale`` (default True): uint8 ``X`` (images) becomes ``dtype`` (default float32)
      divided by 255, one batch at a time, so datasets stay uint8 in memory. Other dtypes
      are passed through unchanged. ``scale=False`` keeps raw uint8.
    - ``transform``: a function applied to each ``X`` batch after scaling.
    - ``order``: a function of no arguments called at the start of each epoch that returns
      the epoch's order of the rows (a permutation of ``range(n_samples)``), in place of
      the loader's own shuffle; how the estimators in ``tinyprop.sklearn`` reproduce
      scikit-learn's batches. The function owns its randomness, so a loader with
      ``order`` resumes mid-epoch only if the function gives the same order again.
    - ``position``: batches of the current epoch already handed out (0 between epochs);
      the loader is the one owner of the position inside an epoch.
    - ``state_dict()`` / ``load_state_dict()``: JSON-able state (epoch, position, generator
      state); a loader restored mid-epoch yields the remaining batches of that epoch, then
      continues exactly as the original would have. Keep one live iterator at a time:
      each ``iter()`` starts (or resumes) an epoch.

    >>> X = np.arange(10, dtype=np.float32).reshape(5, 2); y = np.arange(5)
    >>> [yb.tolist() for _, yb in DataLoader(X, y, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> len(DataLoader(X, y, batch_size=2, drop_last=True))
    2
    """

    def __init__(
        self,
        X,
        y=None,
        batch_size: int = 32,
        shuffle: bool = True,
        drop_last: bool = False,
        seed=None,
        transform: Callable[[np.ndarray], np.ndarray] | None = None,
        *,
        scale: bool = True,
        dtype=None,
        order: Callable[[], np.ndarray] | None = None,
    ) -> None:
        self.X = check_numeric(X, "X")
        self.y = None
        if y is not None:
            self.y = np.asarray(y)
            if self.y.ndim == 0 or len(self.y) != len(self.X):
                got = "a scalar" if self.y.ndim == 0 else f"{len(self.y)} rows"
                raise DataError(
                    f"X and y must have the same number of samples, got {len(self.X)} rows "
                    f"in X and {got} in y; pass matching arrays"
                )
            self.y = check_numeric(self.y, "y")  # numbers, and no NaN or infinity
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        if transform is not None and not callable(transform):
            raise type_error("transform", "callable or None", transform,
                             "pass a function of the X batch")
        self.transform = transform
        if order is not None and not callable(order):
            raise type_error("order", "callable or None", order,
                             "pass a function that returns each epoch's permutation of the rows")
        self.order = order
        self.scale = bool(scale) and self.X.dtype == np.uint8
        self.dtype = np.dtype(dtype or get_default_dtype())
        if self.dtype.kind != "f":
            raise TinypropTypeError(
                f"dtype must be a float dtype such as np.float32, got {self.dtype}"
            )
        if self.drop_last and len(self.X) < self.batch_size:
            raise ConfigError(
                f"drop_last=True with batch_size={self.batch_size} > {len(self.X)} samples "
                "gives no batches at all; lower batch_size or set drop_last=False"
            )
        parent = check_generator(seed)
        seed_seq = int(seed) if isinstance(seed, (int, np.integer)) else int(parent.integers(2**63))
        self._rng = np.random.default_rng(seed_seq)
        self._epoch = 0  # epochs started
        self._position = 0  # batches handed out in the current epoch
        self._in_epoch = False
        self._epoch_start_state: dict | None = None
        self._resume = False

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return len(self.X)

    @property
    def epoch(self) -> int:
        """Number of epochs started so far (0 before the first ``iter()``)."""
        return self._epoch

    @property
    def position(self) -> int:
        """Batches of the current epoch already handed out: 0 between epochs, and the
        batch to resume from after :meth:`load_state_dict` of a mid-epoch state.

        >>> loader = DataLoader(np.zeros((6, 1)), batch_size=2, shuffle=False)
        >>> it = iter(loader); _ = next(it); loader.position
        1
        """
        if self._resume or (self._in_epoch and self._position < len(self)):
            return self._position
        return 0

    def __len__(self) -> int:
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else math.ceil(n / b)

    def __repr__(self) -> str:
        return (
            f"DataLoader(n_samples={len(self.X)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)})"
        )

    def _batch(self, rows) -> np.ndarray:
        xb = self.X[rows] if isinstance(rows, slice) else np.take(self.X, rows, axis=0)
        if self.scale:
            xb = np.true_divide(xb, self.dtype.type(255), dtype=self.dtype)
        if self.transform is not None:
            xb = self.transform(xb)
        return xb

    def __iter__(self) -> Iterator:
        if self._resume:
            self._rng.bit_generator.state = self._epoch_start_state
            self._resume = False
            start = self._position
        else:
            self._epoch += 1
            start = 0
        self._epoch_start_state = self._rng.bit_generator.state
        perm = self._permutation()
        self._in_epoch = True
        self._position = start
        return self._run(perm, start)

    def _permutation(self) -> np.ndarray | None:
        if self.order is not None:
            perm = np.asarray(self.order())
            if perm.shape != (len(self.X),) or perm.dtype.kind not in "iu":
                raise DataError(
                    f"order() must return a permutation of the {len(self.X)} rows (integers, "
                    f"shape ({len(self.X)},)), got shape {perm.shape} and dtype {perm.dtype}"
                )
            return perm
        return self._rng.permutation(len(self.X)) if self.shuffle else None

    def _run(self, perm: np.ndarray | None, start: int) -> Iterator:
        n, b = len(self.X), self.batch_size
        for i in range(start, len(self)):
            lo, hi = i * b, min((i + 1) * b, n)
            rows = slice(lo, hi) if perm is None else perm[lo:hi]
            xb = self._batch(rows)
            self._position = i + 1
            if self.y is None:
                yield xb
            elif perm is None:
                yield xb, self.y[lo:hi]
            else:
                yield xb, np.take(self.y, rows, axis=0)
        self._in_epoch = False
        self._position = 0

    def state_dict(self) -> dict[str, Any]:
        """The loader's progress as JSON-able values: ``epoch``, ``position`` (batches of the
        current epoch already handed out) and ``rng_state``, plus the settings it must be
        restored into.

        >>> loader = DataLoader(np.zeros((4, 1)), batch_size=2, seed=0)
        >>> import json; _ = json.dumps(loader.state_dict())
        """
        epoch, position = self._epoch, 0
        state = self._rng.bit_generator.state
        if self._in_epoch and self._position < len(self):
            # Mid-epoch: save the state the epoch's permutation was drawn from.
            state, position = self._epoch_start_state, self._position
            if position == 0:  # started but nothing handed out: as if not started
                epoch -= 1
        return {
            "version": _STATE_VERSION,
            "epoch": epoch,
            "position": position,
            "rng_state": _jsonable(state),
            "n_samples": len(self.X),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore progress saved by ``state_dict()``; the next ``iter()`` resumes there.

        >>> a = DataLoader(np.arange(6), batch_size=2, seed=0)
        >>> b = DataLoader(np.arange(6), batch_size=2, seed=1)
        >>> b.load_state_dict(a.state_dict())
        >>> [x.tolist() for x in a] == [x.tolist() for x in b]
        True
        """
        if not isinstance(state, dict):
            raise type_error("state", "a dict from state_dict()", state)
        missing = {"version", "epoch", "position", "rng_state"} - set(state)
        if missing:
            raise CheckpointError(
                f"state is missing keys {sorted(missing)}; pass state_dict()'s dict"
            )
        if state["version"] != _STATE_VERSION:
            raise CheckpointError(
                f"state version {state['version']} is not supported (expected {_STATE_VERSION})"
            )
        mine = {
            "n_samples": len(self.X),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
        }
        for key, value in mine.items():
            if key in state and state[key] != value:
                raise CheckpointError(
                    f"state was saved from a loader with {key}={state[key]!r}, this one has "
                    f"{key}={value!r}; build the loader with the same data and settings"
                )
        fix = "pass the dict that state_dict() returned"
        position = check_int(state["position"], "state['position']", low=0, fix=fix)
        epoch = check_int(state["epoch"], "state['epoch']", low=0, fix=fix)
        if position >= max(len(self), 1):
            raise CheckpointError(
                f"state['position'] must be < {max(len(self), 1)}, got {position}, past the "
                f"{len(self)} batches of this loader's epoch; {fix}")
        rng_state = check_generator_state(state["rng_state"], "state['rng_state']")
        if rng_state["bit_generator"] != type(self._rng.bit_generator).__name__:
            raise CheckpointError(
                f"state['rng_state'] is for a {rng_state['bit_generator']} bit generator, this "
                f"loader's is {type(self._rng.bit_generator).__name__}; {fix}")
        # everything is checked: from here on nothing can fail
        self._rng.bit_generator.state = rng_state
        self._epoch_start_state = self._rng.bit_generator.state
        self._epoch = epoch
        self._position = position
        self._in_epoch = False
        self._resume = position > 0
