"""Checkpoints: safetensors files of arrays plus JSON structure. Never pickle.

``save(obj, path)`` writes a state dict (or a nested dict of them: model, optimizer,
scheduler, epoch, RNG state, config) to a `safetensors <https://huggingface.co/docs/
safetensors>`_ file; ``load(path)`` reads it back. Any safetensors tool can read the
arrays.

File layout
-----------
Each NumPy array (or Tensor, saved as its array) is a safetensors tensor named by its
key path, components joined by ``/``: ``model/fc1.weight``, ``optimizer/state/0/exp_avg``.
Components are escaped one-to-one (``~`` -> ``~0``, ``/`` -> ``~1``, a string key that
reads as an integer gets the prefix ``~s``: ``"0"`` -> ``~s0`` while int ``0`` -> ``0``;
see :mod:`tinyprop.io._tree`). The safetensors metadata holds two strings:

- ``"tinyprop"``: JSON ``{"format": "tinyprop-checkpoint", "version": 1, "tree": ...}``,
  the structure with its scalars, dict key types (str or int), container types and the
  name, dtype and shape of each array; NaN and infinities are encoded as
  ``{"float": "nan"}``, ``{"float": "inf"}``, ``{"float": "-inf"}``;
- ``"tinyprop.sha256"``: a SHA-256 of that JSON text and every tensor's bytes, so a
  damaged file is refused instead of loaded wrong.

Writes are atomic (temporary file in the same directory, fsync, ``os.replace``, fsync of
the directory). Loads check everything before trusting it and end in
:class:`CheckpointError` (a ``ValueError``, one of :mod:`tinyprop.errors`) for any file
that is not an intact tinyprop checkpoint. Arrays come back as NumPy arrays,
``OrderedDict`` as ``dict``.

Reading files
-------------
Every file tinyprop reads (checkpoints, TOML configs, IDX files, ``predict``'s ``.npy``
and image inputs) is opened through :mod:`tinyprop.io._read`: regular files only (a FIFO
or a device is refused without blocking), size checked before reading against a limit
(half the physical memory, at most 64 GiB, or ``TINYPROP_MAX_FILE_BYTES``; 1 MiB for
configs).
"""

from __future__ import annotations

from ..errors import CheckpointError
from ._checkpoint import get_rng_state, load_checkpoint, save_checkpoint, set_rng_state
from ._file import FORMAT, VERSION, load, save

__all__ = [
    "CheckpointError",
    "FORMAT",
    "VERSION",
    "get_rng_state",
    "load",
    "load_checkpoint",
    "save",
    "save_checkpoint",
    "set_rng_state",
]
