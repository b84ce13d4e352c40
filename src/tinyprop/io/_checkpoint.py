"""Training-loop checkpoints: model, optimizer, scheduler, extras, RNG state."""

from __future__ import annotations

import copy

import numpy as np

from ..backend import check_generator_state, default_generator, generator_state
from ..errors import CheckpointError
from ._file import load, save

PARTS = ("model", "optimizer", "scheduler")
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def save_checkpoint(path, *, model=None, optimizer=None, scheduler=None, **extra) -> None:
    """Save the state dicts of ``model``, ``optimizer`` and ``scheduler`` plus ``extra``.

    The file is a :func:`tinyprop.save` file holding ``{"model": model.state_dict(),
    "optimizer": ..., "scheduler": ..., **extra}`` (parts passed as None are left out).
    Put the epoch, the best loss, the config or ``rng=get_rng_state()`` in ``extra``.

    >>> import os, tempfile, tinyprop as tp
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> save_checkpoint(path, model=tp.nn.Linear(2, 1), epoch=3)
    >>> sorted(tp.load(path))
    ['epoch', 'model']
    """
    obj = {
        name: part.state_dict()
        for name, part in zip(PARTS, (model, optimizer, scheduler))
        if part is not None
    }
    obj.update(extra)
    save(obj, path)


def _fail(path, name: str, err: BaseException, restored: bool = True) -> CheckpointError:
    tail = (
        "model, optimizer and scheduler were left as they were"
        if restored
        else "restoring the previous state failed too, so rebuild them before going on"
    )
    return CheckpointError(
        f"{path}: the saved {name} state does not fit the {name} given "
        f"({type(err).__name__}: {err}); {tail}. Build the {name} as it was when the "
        "checkpoint was saved (same architecture and settings), or pass "
        f"{name}=None to skip it"
    )


def load_checkpoint(path, *, model=None, optimizer=None, scheduler=None) -> dict:
    """Restore ``model``, ``optimizer`` and ``scheduler`` from ``path``; return the extras.

    Everything is checked before anything changes: the state dicts are first loaded into
    deep copies of the three objects (copied together, so the copied optimizer holds the
    copied parameters), and only when all of them fit are the real objects loaded. Should
    loading the real objects still fail, their previous states are put back. Either way a
    failed call raises :class:`CheckpointError` and leaves the objects as they were.

    Returns every other entry of the checkpoint (epoch, RNG state, ...) as a dict, with
    arrays as NumPy arrays.

    >>> import os, tempfile, tinyprop as tp
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> model = tp.nn.Linear(2, 1)
    >>> save_checkpoint(path, model=model, epoch=3)
    >>> load_checkpoint(path, model=model)
    {'epoch': 3}
    """
    ckpt = load(path)
    if not isinstance(ckpt, dict):
        raise CheckpointError(
            f"{path} holds a {type(ckpt).__name__}, not a checkpoint dict; it was written by "
            "tinyprop.save, not save_checkpoint. Read it with tinyprop.load"
        )
    targets = [(n, p) for n, p in zip(PARTS, (model, optimizer, scheduler)) if p is not None]
    for name, _ in targets:
        if name not in ckpt:
            raise CheckpointError(
                f"{path} has no {name!r} entry (it has {sorted(map(str, ckpt))}); it was "
                f"saved without {name}=. Pass {name}=None to load the rest"
            )
    try:  # a dry run on copies, so that a misfit is found before anything changes
        memo: dict = {}
        copies = [(name, copy.deepcopy(part, memo)) for name, part in targets]
    except Exception:  # an object that cannot be deep-copied: rely on the rollback below
        copies = []
    for name, dup in copies:
        try:
            dup.load_state_dict(copy.deepcopy(ckpt[name]))
        except Exception as e:
            raise _fail(path, name, e) from e
    del copies
    snapshots = [(name, part, copy.deepcopy(part.state_dict())) for name, part in targets]
    for i, (name, part, _) in enumerate(snapshots):
        try:
            part.load_state_dict(ckpt[name])
        except Exception as e:
            restored = True
            for _, done, before in reversed(snapshots[: i + 1]):
                try:
                    done.load_state_dict(before)
                except Exception:
                    restored = False
            raise _fail(path, name, e, restored) from e
    return {k: v for k, v in ckpt.items() if k not in PARTS}


def get_rng_state() -> dict:
    """The state of tinyprop's default random generator (this thread), JSON-able.

    Save it in a checkpoint (``save_checkpoint(..., rng=get_rng_state())``) and give it
    to :func:`set_rng_state` on resume to continue the same random stream bit for bit.

    >>> get_rng_state()["bit_generator"]
    'PCG64'
    """
    return default_generator().bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore tinyprop's default random generator (this thread) to ``state``.

    The generator is updated in place when its bit generator is of the saved kind, so
    code holding ``tinyprop.backend.default_generator()`` sees the restored stream.

    >>> import tinyprop as tp
    >>> state = get_rng_state()
    >>> a = tp.randn(3).numpy()
    >>> set_rng_state(state)
    >>> bool((tp.randn(3).numpy() == a).all())
    True
    """
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _BIT_GENERATORS:
        raise CheckpointError(
            f"expected a random generator state from get_rng_state() (a dict whose "
            f"'bit_generator' is one of {', '.join(_BIT_GENERATORS)}), got {state!r:.100}"
        )
    check_generator_state(state, "the saved random generator state")  # before any change
    current = default_generator()
    target = current if type(current.bit_generator).__name__ == name else None
    bit_generator = target.bit_generator if target else getattr(np.random, name)()
    before = bit_generator.state
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        bit_generator.state = before
        raise CheckpointError(
            f"cannot restore the random generator: {type(e).__name__}: {e}; expected the "
            "dict that get_rng_state() returned"
        ) from e
    if target is None:
        generator_state().rng = np.random.Generator(bit_generator)
