"""Round trips through tp.save / tp.load, the file layout, and other safetensors tools."""

from __future__ import annotations

import doctest
import json
import math
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from safetensors import safe_open
from safetensors.numpy import load_file

import tinyprop as tp
from tinyprop.io import CheckpointError, load, save
from tinyprop.io._tree import ST_DTYPES, escape

DTYPES = list(ST_DTYPES)


def test_public_face(assert_same, sample, ckpt):
    tp.save(sample, ckpt)
    assert_same(sample, tp.load(str(ckpt)))
    assert issubclass(CheckpointError, ValueError)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3)])
def test_every_dtype_and_shape(assert_same, ckpt, dtype, shape):
    rng = np.random.default_rng(1)
    arr = np.asarray(rng.standard_normal(shape) * 100).astype(dtype)
    obj = {"a": arr, "s": np.asarray(arr.reshape(-1)[:1].reshape(()) if arr.size else 0, dtype)}
    obj["scalar"] = obj["s"][()]  # a NumPy scalar comes back as a NumPy scalar
    save(obj, ckpt)
    back = load(ckpt)
    assert_same(obj, back)
    assert back["a"].flags.writeable and back["a"].flags.c_contiguous


def test_float_specials_and_scalars(assert_same, ckpt):
    obj = {
        "f": [math.nan, math.inf, -math.inf, -0.0, 0.0, 1e-310, 1.7976931348623157e308, 0.1],
        "a": np.array([np.nan, np.inf, -np.inf, -0.0], dtype=np.float32),
        "i": [0, -1, 2**64 + 1, -(2**100), True, False, None],
        "s": ["", "0", "~", "/", "a/b~c", "ünï©ødé", "null"],
    }
    save(obj, ckpt)
    assert_same(obj, load(ckpt))


def test_key_types_and_containers(assert_same, ckpt):
    obj = {
        0: "int zero",
        "0": "str zero",
        -3: np.arange(2),
        "-3": np.arange(3),
        "": np.ones(1),
        "~s0": np.zeros(1),
        "__metadata__": np.ones(2),
        "a/b": {"c": np.ones(1)},
        "a": {"b/c": np.zeros(1)},
        "tuple": (1, (2, [3, {"x": ()}])),
        "list": [[], {}, [np.int8(4)]],
        "ordered": OrderedDict(b=1, a=2),
    }
    save(obj, ckpt)
    back = load(ckpt)
    obj["ordered"] = dict(obj["ordered"])  # documented: dict subclasses come back as dict
    assert_same(obj, back)
    assert set(load_file(ckpt)) == {
        "-3",
        "~s-3",
        "~e",
        "~0s0",
        "~s__metadata__",
        "a~1b/c",
        "a/b~1c",
        "list/2/0",
    }


def test_escape_is_one_to_one():
    keys = ["0", 0, "-1", -1, "", "~", "~0", "/", "~1", "~e", "~s0", "\ud800", "~ud800", "x"]
    assert len({escape(k) for k in keys}) == len(keys)
    assert escape("fc1.weight") == "fc1.weight" and escape(7) == "7"
    assert escape("\ud800").encode("utf-8")  # lone surrogates are escaped to valid UTF-8


def test_lone_surrogate_key_and_value(assert_same, ckpt):
    obj = {"\ud800x": np.ones(2), "v": "\udfff"}
    save(obj, ckpt)
    assert_same(obj, load(ckpt))


def test_root_may_be_an_array_or_scalar(assert_same, ckpt):
    for obj in (np.arange(4.0), 3, None, [np.ones(2), "x"], "text", math.nan):
        save(obj, ckpt)
        assert_same(obj, load(ckpt))


def test_noncontiguous_and_big_endian_arrays(ckpt):
    base = np.arange(12.0).reshape(3, 4)
    obj = {"t": base.T, "s": base[::2, 1::2], "be": np.arange(5, dtype=">i4")}
    save(obj, ckpt)
    back = load(ckpt)
    for k in obj:
        np.testing.assert_array_equal(back[k], obj[k])
    assert back["be"].dtype == np.dtype("<i4")


def test_rng_state_big_ints_survive(ckpt):
    g = np.random.default_rng(2**100 + 12345)
    g.random(3)
    state = g.bit_generator.state
    assert state["state"]["state"] > 2**64  # the 128-bit ints that JSON must carry
    save({"rng": state}, ckpt)
    back = load(ckpt)["rng"]
    assert back == state
    h = np.random.Generator(np.random.PCG64())
    h.bit_generator.state = back
    np.testing.assert_array_equal(h.random(5), g.random(5))


@pytest.mark.parametrize(
    "obj, match",
    [
        ({"a": np.array(["x"])}, "dtype <U1 is not supported"),
        ({"a": np.array([1 + 2j])}, "complex128 is not supported"),
        ({"a": np.zeros(2, dtype=[("x", "f4")])}, "is not supported"),
        ({"a": np.array([None], dtype=object)}, "dtype object is not supported"),
        ({"a": {1, 2}}, "a set is not supported"),
        ({"a": object()}, "never pickles"),
        ({(1, 2): 3}, "dict keys must be str or int"),
        ({True: 3}, "dict keys must be str or int"),
        ({1.5: 3}, "dict keys must be str or int"),
    ],
)
def test_unsupported_values_raise_type_error(ckpt, obj, match):
    with pytest.raises(TypeError, match=match):
        save(obj, ckpt)
    assert not ckpt.exists() and list(ckpt.parent.iterdir()) == []


def test_cycles_and_depth_are_refused(assert_same, ckpt):
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="contains itself"):
        save(loop, ckpt)
    deep: list = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(ValueError, match="nested deeper"):
        save(deep, ckpt)
    nested: object = np.ones(1)
    for _ in range(100):  # MAX_DEPTH levels still round-trip
        nested = {"k": nested}
    save(nested, ckpt)
    assert_same(nested, load(ckpt))
    shared = np.ones(2)  # the same object twice is not a cycle
    save({"a": shared, "b": [shared, shared]}, ckpt)
    assert_same({"a": shared, "b": [shared, shared]}, load(ckpt))


def test_numpy_integer_keys_become_int(ckpt):
    save({np.int64(3): "x"}, ckpt)
    assert load(ckpt) == {3: "x"}


def test_metadata_layout(ckpt, sample):
    save(sample, ckpt)
    with safe_open(ckpt, framework="np") as f:
        meta = f.metadata()
        keys = set(f.keys())
    assert set(meta) == {"tinyprop", "tinyprop.sha256"}
    doc = json.loads(meta["tinyprop"])
    assert doc["format"] == "tinyprop-checkpoint" and doc["version"] == 1
    assert "NaN" not in meta["tinyprop"] and "Infinity" not in meta["tinyprop"]
    assert {
        "model/fc1.weight",
        "model/fc1.bias",
        "optimizer/state/0/exp_avg",
        "optimizer/state/1/step",
        "empty",
    } == keys - {"model/bn.num_batches_tracked"}


def test_other_safetensors_tools_read_the_tensors(ckpt, sample):
    save(sample, ckpt)
    arrays = load_file(ckpt)
    np.testing.assert_array_equal(arrays["model/fc1.weight"], sample["model"]["fc1.weight"])
    np.testing.assert_array_equal(arrays["model/fc1.bias"], sample["model"]["fc1.bias"].data)
    assert arrays["empty"].shape == (0, 3)


@pytest.mark.oracle
def test_torch_reads_the_tensors(ckpt, sample):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file as torch_load_file

    obj = {**sample, "all": {d: np.arange(3).astype(d) for d in DTYPES}}
    save(obj, ckpt)
    tensors = torch_load_file(ckpt)
    assert torch.equal(tensors["model/fc1.weight"], torch.from_numpy(sample["model"]["fc1.weight"]))
    assert tensors["model/bn.num_batches_tracked"].shape == ()
    for d in DTYPES:
        assert tensors[f"all/{d}"].numpy().tolist() == np.arange(3).astype(d).tolist()
    with safe_open(ckpt, framework="pt") as f:
        assert f.metadata()["tinyprop"].startswith('{"format":"tinyprop-checkpoint"')
        assert f.get_tensor("optimizer/state/0/exp_avg").dtype == torch.float64


def test_docstring_examples():
    import tinyprop.io._checkpoint
    import tinyprop.io._file

    for module in (tinyprop.io._file, tinyprop.io._checkpoint, tinyprop.io):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0


# ------------------------------------------------------------------ property: any tree

keys = st.one_of(st.text(max_size=6), st.integers(-(10**6), 10**6))
arrays = st.sampled_from(DTYPES).flatmap(
    lambda d: hnp.arrays(d, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=10),
    arrays,
    arrays.map(lambda a: a.reshape(-1)[0] if a.size else a),  # NumPy scalars too
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=trees)
def test_any_tree_round_trips(assert_same, scratch, obj):
    path = scratch / "prop.safetensors"
    save(obj, path)
    assert_same(obj, load(path))
