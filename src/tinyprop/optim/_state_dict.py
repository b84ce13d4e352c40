"""``state_dict()`` / ``load_state_dict()`` for optimizers, in PyTorch's layout (see
:mod:`.optimizer`): saving copies the state out, loading checks everything first and
changes nothing when a check fails."""

from __future__ import annotations

import math
from collections import defaultdict
from numbers import Integral

import numpy as np

from .._validate import describe, lossless_cast
from ..errors import CheckpointError
from ..tensor import Tensor


def _plain(value):
    """A JSON-friendly copy of a hyperparameter (tuples become lists, NumPy scalars
    Python numbers)."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _state_index(key) -> int:
    """A parameter index from a ``state`` key (an int, or its string after JSON)."""
    if isinstance(key, str) and key.strip().lstrip("-").isdigit():
        key = int(key)
    if isinstance(key, (bool, np.bool_)) or not isinstance(key, Integral):
        raise CheckpointError(
            f"state_dict['state'] keys must be parameter indices (ints), got {key!r}")
    return int(key)


#: buffers of running squares or sums of squares: never negative
_NON_NEGATIVE = ("exp_avg_sq", "max_exp_avg_sq", "square_avg", "sum")


def _load_step(idx: int, v) -> int:
    """A saved step count: an integer >= 0 (a float with an integral value, as PyTorch
    saves it, is accepted)."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    if ok and isinstance(v, float):
        ok = math.isfinite(v) and v.is_integer()
    if not ok or v < 0:
        raise CheckpointError(
            f"state 'step' of parameter {idx} must be a step count (an integer >= 0), got "
            f"{describe(v)} ({type(v).__name__}); load a state_dict() of this optimizer"
        )
    return int(v)


def _load_array(idx: int, name: str, arr: np.ndarray, param: np.ndarray) -> np.ndarray:
    """A copy of the saved buffer ``arr`` for ``param``: same shape, numbers, finite,
    cast to the parameter's dtype without overflow; second moments never negative."""
    where = f"state '{name}' of parameter {idx}"
    if arr.shape != param.shape:
        raise CheckpointError(
            f"{where} has shape {tuple(arr.shape)}, the parameter has shape "
            f"{tuple(param.shape)}; the model must match the one that was saved"
        )
    if arr.dtype.kind not in "biuf":
        raise CheckpointError(f"{where} must hold numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        n = int(arr.size - np.isfinite(arr).sum())
        raise CheckpointError(
            f"{where} must be finite, got {n} NaN or infinite value(s); the saved "
            "optimizer state is damaged (start the optimizer afresh instead)"
        )
    if name in _NON_NEGATIVE and arr.size and arr.min() < 0:
        raise CheckpointError(
            f"{where} must be >= 0 (a running mean of squares), got a minimum of "
            f"{arr.min().item()!r}; the saved optimizer state is damaged"
        )
    cast, why = lossless_cast(arr, param.dtype if arr.dtype.kind == "f" else arr.dtype)
    if why:
        raise CheckpointError(f"{where}: {why}")
    return np.array(cast, copy=True)


class StateDictMixin:
    """The saving and loading half of :class:`~tinyprop.optim.Optimizer`."""

    def state_dict(self) -> dict:
        """The optimizer's state in PyTorch's layout, as arrays and plain values.

        Arrays are copies, so the returned dict does not change as training goes on.
        """
        groups = []
        state = {}
        index = 0
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                s = self.state.get(p)
                if s:
                    state[index] = {
                        k: (v.copy() if isinstance(v, np.ndarray) else _plain(v))
                        for k, v in s.items()
                    }
                ids.append(index)
                index += 1
            packed["params"] = ids
            groups.append(packed)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a ``state_dict()``; on any mismatch raise a ``CheckpointError`` (a
        ValueError) and change nothing. Each buffer must have its parameter's shape, hold
        finite numbers that fit the parameter's dtype (second moments >= 0), and ``step``
        must be an integer >= 0.

        The hyperparameters of each group are taken from ``state_dict``; the arrays are
        copied (cast to the parameter's dtype), never shared with the given dict.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise CheckpointError(
                "state_dict must be a dict with 'state' and 'param_groups' entries, as made "
                "by Optimizer.state_dict()"
            )
        saved_groups = state_dict["param_groups"]
        saved_state = state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, dict):
            raise CheckpointError(
                "state_dict['param_groups'] must be a list and state_dict['state'] a dict"
            )
        if len(saved_groups) != len(self.param_groups):
            raise CheckpointError(
                f"loaded state_dict has {len(saved_groups)} parameter group(s), this optimizer "
                f"has {len(self.param_groups)}; build the optimizer with the same groups"
            )
        index_to_param: dict = {}
        new_groups = [
            self._loaded_group(gi, group, saved, saved_state, index_to_param)
            for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups))
        ]
        new_state = self._loaded_state(saved_state, index_to_param, new_groups)
        for group, new in zip(self.param_groups, new_groups):
            group.clear()
            group.update(new)
        self.state = new_state

    def _loaded_group(self, gi: int, group: dict, saved, saved_state: dict, index_to_param):
        """Group ``gi`` as loaded from ``saved``, validated; maps the saved parameter
        indices to this group's parameters in ``index_to_param``."""
        if not isinstance(saved, dict) or "params" not in saved:
            raise CheckpointError(f"state_dict['param_groups'][{gi}] must be a dict with 'params'")
        if not isinstance(saved["params"], (list, tuple)):
            raise CheckpointError(f"state_dict['param_groups'][{gi}]['params'] must be a list "
                                  f"of parameter indices, got {describe(saved['params'])}")
        saved_ids = list(saved["params"])
        if len(saved_ids) != len(group["params"]):
            raise CheckpointError(
                f"parameter group {gi} of the loaded state_dict has {len(saved_ids)} "
                f"parameters, this optimizer's has {len(group['params'])}; the model "
                "must match the one that was saved"
            )
        for sid, p in zip(saved_ids, group["params"]):
            sid = _state_index(sid)
            if sid in index_to_param:
                raise CheckpointError(
                    f"parameter index {sid} appears twice in the loaded param_groups")
            index_to_param[sid] = p
        new = {k: v for k, v in group.items() if k not in ("params", "param_names")}
        foreign = sorted(set(saved) - set(new) - {"params", "param_names"})
        if foreign:
            state_keys = sorted({k for e in saved_state.values() if isinstance(e, dict) for k in e})
            raise CheckpointError(
                f"the loaded state_dict comes from a different optimizer: parameter group "
                f"{gi} has settings {foreign} and the state holds {state_keys}, which "
                f"{type(self).__name__} does not have (its settings: {sorted(new)}); load "
                f"a state saved from a {type(self).__name__}"
            )
        for k, v in saved.items():
            if k in ("params", "param_names"):
                continue
            if isinstance(group.get(k), tuple) and isinstance(v, (list, tuple)):
                v = tuple(v)
            new[k] = v
        try:
            new = self._validate_group(new)
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"parameter group {gi} of the loaded state_dict: {e}") from None
        new["params"] = group["params"]
        if "param_names" in group:
            new["param_names"] = group["param_names"]
        return new

    def _loaded_state(self, saved_state: dict, index_to_param: dict, new_groups: list):
        """The per-parameter state from ``saved_state``, checked against the groups."""
        group_of = {id(p): g for g in new_groups for p in g["params"]}
        new_state = defaultdict(dict)
        for key, entries in saved_state.items():
            idx = _state_index(key)
            if idx not in index_to_param:
                raise CheckpointError(
                    f"state_dict['state'] has an entry for parameter {idx}, which no "
                    "parameter group lists"
                )
            if not isinstance(entries, dict):
                raise CheckpointError(f"state_dict['state'][{key!r}] must be a dict of buffers")
            p = index_to_param[idx]
            new_state[p] = self._load_entry(idx, p, entries, group_of[id(p)])
        return new_state

    def _load_entry(self, idx: int, p, entries: dict, group: dict) -> dict:
        out = {}
        for name, v in entries.items():
            if isinstance(v, Tensor):
                v = v._data
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, np.ndarray):
                if v.ndim == 0 and name not in self._state_arrays:
                    v = v.item()
                else:
                    out[name] = _load_array(idx, name, v, p._data)
                    continue
            if name == "step":
                out[name] = _load_step(idx, v)
            elif v is None or isinstance(v, (bool, int, float)):
                out[name] = v
            else:
                raise CheckpointError(
                    f"state '{name}' of parameter {idx} is a {type(v).__name__}; expected an "
                    "array or a plain number (load a state_dict() of this optimizer)"
                )
        required = self._required_state(group)
        missing = [k for k in required if k not in out]
        if missing:
            raise CheckpointError(
                f"state of parameter {idx} lacks {missing}; was the state_dict saved by a "
                f"different optimizer than {type(self).__name__}?"
            )
        for k in self._state_arrays:
            v = out.get(k)
            if k in out and not (isinstance(v, np.ndarray) or (v is None and k not in required)):
                raise CheckpointError(
                    f"state '{k}' of parameter {idx} is {type(v).__name__} {v!r:.40}; expected "
                    "an array (load a state_dict() of this optimizer)"
                )
        return out

    def _required_state(self, group: dict) -> tuple:
        """Names a parameter's loaded state must contain (for this group's options)."""
        return ()

    # ---- display ------------------------------------------------------------------
