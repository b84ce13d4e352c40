"""The checkpoint tree: Python structure <-> (JSON tree, named arrays).

``encode`` walks a nested structure of dicts, lists, tuples, arrays, Tensors and
scalars and returns a JSON-able tree plus a flat ``{name: array}`` dict; ``decode``
does the reverse and checks every node, since its input comes from a file.

Tree nodes (JSON):

- ``null``, ``true``/``false``, integers, strings and finite floats stand for themselves;
- ``{"float": "nan" | "inf" | "-inf"}`` is a non-finite float (JSON has none);
- ``{"dict": [[key, node], ...]}`` is a dict; each key is a JSON string or integer, so
  ``0`` and ``"0"`` stay apart and int keys come back as ints;
- ``{"list": [node, ...]}`` and ``{"tuple": [node, ...]}``;
- ``{"array": name, "dtype": "float32", "shape": [2, 3]}`` is an array (or a Tensor,
  which is saved as its array) stored as the safetensors tensor ``name``; with
  ``"scalar": true`` it is a NumPy scalar such as ``np.float32(0.5)``.

Tensor names are the key path joined by ``/``. A component is escaped so that the
mapping from paths to names is one-to-one: ``~`` -> ``~0``, ``/`` -> ``~1``, a lone
surrogate -> ``~uXXXX``, the empty string -> ``~e``, and a string key that reads as an
integer (or is ``__metadata__``, which safetensors reserves) gets the prefix ``~s``;
int keys and list indices are written in decimal. An array at the root is ``~root``.
"""

from __future__ import annotations

import hashlib
import math
import re

import numpy as np

from ..errors import CheckpointError, TinypropTypeError

MAX_DEPTH = 100
"""Deepest nesting of containers that save accepts and load reads."""

# NumPy dtype name -> safetensors dtype code. Every dtype here loads in
# safetensors.numpy and safetensors.torch alike.
ST_DTYPES = {
    "bool": "BOOL",
    "int8": "I8",
    "int16": "I16",
    "int32": "I32",
    "int64": "I64",
    "uint8": "U8",
    "uint16": "U16",
    "uint32": "U32",
    "uint64": "U64",
    "float16": "F16",
    "float32": "F32",
    "float64": "F64",
    "complex64": "C64",
}
SUPPORTED = ", ".join(ST_DTYPES)

_INTLIKE = re.compile(r"-?[0-9]+\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_ROOT = "~root"


def escape(key) -> str:
    """One component of a tensor name for a dict key (str or int) or a list index."""
    if isinstance(key, int):
        return str(key)
    if key == "":
        return "~e"
    s = key.replace("~", "~0").replace("/", "~1")
    s = _SURROGATE.sub(lambda m: f"~u{ord(m.group()):04x}", s)
    if _INTLIKE.match(s) or s == "__metadata__":
        s = "~s" + s
    return s


def where(path) -> str:
    """A readable location such as ``obj['optimizer']['state'][0]``."""
    return "obj" + "".join(f"[{k!r}]" for k in path)


def digest(meta: str, tensors: dict) -> str:
    """SHA-256 over the metadata text and every tensor's bytes, in name order."""
    h = hashlib.sha256(meta.encode("utf-8"))
    for name in sorted(tensors):
        raw = np.ascontiguousarray(tensors[name]).reshape(-1).view(np.uint8)
        h.update(len(raw).to_bytes(8, "little"))
        h.update(raw)
    return h.hexdigest()


def _array_node(arr: np.ndarray, path, tensors: dict, scalar: bool) -> dict:
    name = "/".join(escape(k) for k in path) if path else _ROOT
    dtype = arr.dtype
    if dtype.name not in ST_DTYPES or dtype.fields is not None:
        raise TinypropTypeError(
            f"cannot save the array at {where(path)}: dtype {dtype} is not supported; "
            f"expected one of {SUPPORTED}. Convert it first, e.g. arr.astype(np.float32)"
        )
    arr = np.asarray(arr, dtype=dtype.newbyteorder("<"), order="C")  # keeps 0-d arrays 0-d
    tensors[name] = arr
    node = {"array": name, "dtype": dtype.name, "shape": list(arr.shape)}
    if scalar:
        node["scalar"] = True
    return node


def encode(obj):
    """Split ``obj`` into a JSON-able tree and ``{tensor name: contiguous array}``."""
    from ..tensor import Tensor

    tensors: dict[str, np.ndarray] = {}
    active: set[int] = set()

    def enc(x, path):
        if len(path) > MAX_DEPTH:
            raise CheckpointError(
                f"cannot save {where(path[:3])}...: nested deeper than {MAX_DEPTH} levels; "
                "flatten the structure"
            )
        if x is None or isinstance(x, (bool, str)):
            return str(x) if isinstance(x, str) else x
        if isinstance(x, np.generic):
            return _array_node(np.asarray(x), path, tensors, scalar=True)
        if isinstance(x, int):
            return int(x)
        if isinstance(x, float):
            x = float(x)
            if math.isfinite(x):
                return x
            return {"float": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}
        if isinstance(x, Tensor):
            return _array_node(np.asarray(x._data), path, tensors, scalar=False)
        if isinstance(x, np.ndarray):
            return _array_node(x, path, tensors, scalar=False)
        if isinstance(x, (dict, list, tuple)):
            if id(x) in active:
                raise CheckpointError(f"cannot save {where(path)}: it contains itself")
            active.add(id(x))
            try:
                if isinstance(x, dict):
                    items = []
                    for k, v in x.items():
                        if isinstance(k, np.integer):
                            k = int(k)
                        if isinstance(k, bool) or not isinstance(k, (str, int)):
                            raise TinypropTypeError(
                                f"cannot save {where(path)}: key {k!r} is a "
                                f"{type(k).__name__}; dict keys must be str or int"
                            )
                        k = str(k) if isinstance(k, str) else int(k)
                        items.append([k, enc(v, (*path, k))])
                    return {"dict": items}
                tag = "list" if isinstance(x, list) else "tuple"
                return {tag: [enc(v, (*path, i)) for i, v in enumerate(x)]}
            finally:
                active.discard(id(x))
        raise TinypropTypeError(
            f"cannot save {where(path)}: a {type(x).__name__} is not supported; expected "
            "dicts, lists, tuples, numpy arrays, Tensors, or int/float/bool/str/None. "
            "Convert it first (tinyprop never pickles arbitrary objects)"
        )

    return enc(obj, ()), tensors


def _bad(path, expected: str, got) -> CheckpointError:
    text = repr(got)
    if len(text) > 80:
        text = text[:77] + "..."
    return CheckpointError(
        f"the checkpoint tree is malformed at {where(path)}: expected {expected}, found {text}; "
        "the file is damaged or was not written by tinyprop.save. Save it again"
    )


def _decode_array(node: dict, path, tensors: dict, used: set):
    keys = set(node)
    if not ({"array", "dtype", "shape"} <= keys <= {"array", "dtype", "shape", "scalar"}):
        raise _bad(path, "an array node with keys array, dtype, shape", node)
    name, dtype, shape = node["array"], node["dtype"], node["shape"]
    scalar = node.get("scalar", False)
    if not isinstance(name, str) or dtype not in ST_DTYPES or scalar not in (True, False):
        raise _bad(path, "an array node with a tensor name and a supported dtype", node)
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise _bad(path, "a shape made of non-negative integers", shape)
    if name not in tensors:
        raise CheckpointError(
            f"the checkpoint tree refers to tensor {name!r} at {where(path)}, but the file "
            "holds no such tensor; the file is inconsistent (damaged or edited). Save it again"
        )
    if name in used:
        raise CheckpointError(
            f"the checkpoint tree refers to tensor {name!r} twice; the file is inconsistent "
            "(damaged or edited). Save it again"
        )
    used.add(name)
    arr = tensors[name]
    if arr.dtype.name != dtype or list(arr.shape) != shape or (scalar and shape):
        raise CheckpointError(
            f"tensor {name!r} at {where(path)}: the tree expects dtype {dtype} shape "
            f"{tuple(shape)}, the file holds dtype {arr.dtype} shape {tuple(arr.shape)}; the file "
            "is inconsistent (damaged or edited). Save it again"
        )
    return arr[()] if scalar else arr


def decode(tree, tensors: dict):
    """Rebuild the saved structure from ``tree`` and the loaded ``tensors``."""
    used: set[str] = set()

    def dec(node, path):
        if len(path) > MAX_DEPTH + 1:
            raise _bad(path[:3], f"at most {MAX_DEPTH} levels of nesting", "deeper nesting")
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, float):
            if not math.isfinite(node):
                raise _bad(path, "a finite float", node)
            return node
        if not isinstance(node, dict) or not node:
            raise _bad(path, "a value or a tagged node", node)
        if "array" in node:
            return _decode_array(node, path, tensors, used)
        if len(node) != 1:
            raise _bad(path, "a node with a single tag", node)
        tag, body = next(iter(node.items()))
        if tag == "float":
            if body not in _NONFINITE:
                raise _bad(path, '"nan", "inf" or "-inf"', body)
            return _NONFINITE[body]
        if tag in ("list", "tuple"):
            if not isinstance(body, list):
                raise _bad(path, f"a JSON list for {tag}", body)
            seq = [dec(v, (*path, i)) for i, v in enumerate(body)]
            return seq if tag == "list" else tuple(seq)
        if tag == "dict":
            if not isinstance(body, list):
                raise _bad(path, "a JSON list of [key, value] pairs", body)
            out = {}
            for item in body:
                if not (isinstance(item, list) and len(item) == 2):
                    raise _bad(path, "a [key, value] pair", item)
                k, v = item
                if isinstance(k, bool) or not isinstance(k, (str, int)) or k in out:
                    raise _bad(path, "a unique str or int key", k)
                out[k] = dec(v, (*path, k))
            return out
        raise _bad(path, "one of the tags dict, list, tuple, float, array", tag)

    obj = dec(tree, ())
    unused = sorted(set(tensors) - used)
    if unused:
        raise CheckpointError(
            f"the file holds tensors the checkpoint tree does not mention: {unused[:5]}; the "
            "file is inconsistent (damaged or edited). Save it again"
        )
    return obj
