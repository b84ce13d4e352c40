"""Loading hostile or damaged files: every case is a CheckpointError, never anything else."""

from __future__ import annotations

import json
import pathlib
import pickle
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import save as st_save
from safetensors.numpy import save_file

from tinyprop.io import CheckpointError, load, save
from tinyprop.io._tree import digest

SMALL = {
    "w": np.arange(6, dtype=np.float32).reshape(2, 3),
    "state": {0: {"m": np.ones(2)}, "step": 3},
    "best": float("inf"),
    "name": "run",
    "z": np.zeros(0, dtype=np.int8),
}


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@pytest.fixture(scope="module")
def valid(scratch) -> bytes:
    path = scratch / "valid.safetensors"
    save(SMALL, path)
    return path.read_bytes()


def outcome(path: Path, blob: bytes):
    """Load ``blob`` written at ``path``: the result, or the CheckpointError raised."""
    path.write_bytes(blob)
    try:
        return load(path)
    except CheckpointError as e:
        assert str(e), "an empty message helps nobody"
        return e


def write_raw(path: Path, tensors: dict, doc, *, digest_of=None, extra=None) -> None:
    """A safetensors file with hand-made tinyprop metadata (and a correct checksum)."""
    meta = doc if isinstance(doc, str) else json.dumps(doc)
    metadata = {"tinyprop": meta, "tinyprop.sha256": digest(meta, digest_of or tensors)}
    metadata.update(extra or {})
    path.write_bytes(st_save(tensors, metadata=metadata))


def doc_of(tree, version=1):
    return {"format": "tinyprop-checkpoint", "version": version, "tree": tree}


def node(name, dtype="float64", shape=(2,), **kw):
    return {"array": name, "dtype": dtype, "shape": list(shape), **kw}


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope" / "ckpt.safetensors"
    with pytest.raises(FileNotFoundError, match="ckpt.safetensors") as info:
        load(path)
    assert info.value.filename == str(path)


def test_every_truncation_is_refused(scratch, valid):
    path = scratch / "cut.safetensors"
    for n in range(len(valid)):
        result = outcome(path, valid[:n])
        assert isinstance(result, CheckpointError), f"a prefix of {n} bytes loaded"


def test_every_single_byte_flip_is_refused_or_harmless(scratch, valid):
    path = scratch / "flip.safetensors"
    header_end = 8 + int.from_bytes(valid[:8], "little")
    harmless = 0
    for i in range(len(valid)):
        damaged = bytearray(valid)
        damaged[i] ^= 0xFF
        result = outcome(path, bytes(damaged))
        if not isinstance(result, CheckpointError):
            # only a change in the header's padding can be harmless
            assert valid[i : i + 1] == b" " and i < header_end, f"flip at {i} loaded"
            harmless += 1
    assert harmless == 0  # 0x20 ^ 0xFF is not JSON whitespace


def test_data_damage_fails_the_checksum(tmp_path, valid):
    damaged = bytearray(valid)
    damaged[-3] ^= 0x01  # inside the tensor data: the header is still valid
    result = outcome(tmp_path / "c.safetensors", bytes(damaged))
    assert isinstance(result, CheckpointError) and "checksum" in str(result)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_damage_never_escapes(scratch, valid, data):
    kind = data.draw(st.sampled_from(["bytes", "flips", "splice", "header_len"]))
    if kind == "bytes":
        blob = data.draw(st.binary(max_size=600))
    elif kind == "flips":
        blob = bytearray(valid)
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] ^= data.draw(st.integers(1, 255))
        blob = bytes(blob)
    elif kind == "splice":
        i = data.draw(st.integers(0, len(valid)))
        blob = valid[:i] + data.draw(st.binary(max_size=40)) + valid[i:]
    else:
        n = data.draw(st.integers(0, 2**64 - 1))
        blob = n.to_bytes(8, "little") + valid[8:]
    result = outcome(scratch / "fuzz.safetensors", blob)
    if not isinstance(result, CheckpointError):
        assert result.keys() == SMALL.keys()  # only a harmless change may load


@pytest.mark.parametrize("declared", [2**63, 2**64 - 1, 10**12, 200_000_000])
def test_huge_declared_header_allocates_nothing(tmp_path, declared):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(declared.to_bytes(8, "little") + b'{"__metadata__":{}}')
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=f"header length field of {declared}"):
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_header_bigger_than_the_file_but_plausible(tmp_path, valid):
    path = tmp_path / "c.safetensors"
    n = int.from_bytes(valid[:8], "little")
    path.write_bytes((n + 1000).to_bytes(8, "little") + valid[8:])
    with pytest.raises(CheckpointError, match="truncated"):
        load(path)


@pytest.mark.parametrize(
    "blob, match",
    [
        (b"", "0 bytes"),
        (b"\x00" * 8 + b"{}", "header length field of 0"),
        (b"\x02" + b"\x00" * 7 + b"[]", "no JSON header"),
        (b"\x02" + b"\x00" * 7 + b"{]", "not valid JSON"),
        (b"\x04" + b"\x00" * 7 + b"{\xff\xfe}", "not UTF-8"),
        (b"hello world, not safetensors", "header length field"),
        (b"\x93NUMPY\x01\x00v\x00{'descr'", "NumPy .npy"),
    ],
)
def test_garbage_files(tmp_path, blob, match):
    result = outcome(tmp_path / "g.safetensors", blob)
    assert isinstance(result, CheckpointError)
    assert match in str(result)


def test_deeply_nested_header_json(tmp_path):
    header = b'{"__metadata__":{"tinyprop":"' + b"[" * 50_000 + b'"}}'
    result = outcome(tmp_path / "deep2.safetensors", len(header).to_bytes(8, "little") + header)
    assert isinstance(result, CheckpointError) and "not valid JSON" in str(result)
    header = b"{" + b'"a":{' * 50_000 + b"}" * 50_001
    result = outcome(tmp_path / "deep3.safetensors", len(header).to_bytes(8, "little") + header)
    assert isinstance(result, CheckpointError)


@pytest.mark.parametrize("depth, match", [(150, "at most 100 levels"), (5000, "not valid JSON")])
def test_deeply_nested_tree(tmp_path, depth, match):
    path = tmp_path / "deep.safetensors"
    tree = '{"list":[' * depth + "1" + "]}" * depth
    write_raw(path, {}, json.dumps(doc_of(0)).replace('"tree": 0', f'"tree": {tree}'))
    with pytest.raises(CheckpointError, match=match):
        load(path)


def test_other_safetensors_files_are_not_checkpoints(tmp_path):
    path = tmp_path / "model.safetensors"
    save_file({"weight": np.ones(3, np.float32)}, path)
    with pytest.raises(CheckpointError, match="not a tinyprop checkpoint.*'weight'"):
        load(path)
    save_file({"weight": np.ones(3, np.float32)}, path, metadata={"format": "pt"})
    with pytest.raises(CheckpointError, match="safetensors.numpy.load_file"):
        load(path)


def test_newer_format_version_says_upgrade(tmp_path):
    path = tmp_path / "new.safetensors"
    write_raw(path, {"a": np.ones(2)}, doc_of({"dict": [["a", node("a")]]}, version=2))
    with pytest.raises(CheckpointError, match="version 2, newer than the version 1.*upgrade"):
        load(path)


@pytest.mark.parametrize(
    "doc, match",
    [
        ({"format": "other", "version": 1, "tree": 1}, "format 'other'"),
        ({"format": "tinyprop-checkpoint", "version": "1", "tree": 1}, "format version '1'"),
        ({"format": "tinyprop-checkpoint", "version": 0, "tree": 1}, "format version 0"),
        ({"format": "tinyprop-checkpoint", "version": True, "tree": 1}, "format version True"),
        ({"format": "tinyprop-checkpoint", "version": 1}, "without a 'tree'"),
        ([1, 2], "format \\[1, 2\\]"),
        ('{"format": "tinyprop-checkpoint", "version": 1, "tree": NaN}', "not valid JSON"),
    ],
)
def test_bad_tinyprop_metadata(tmp_path, doc, match):
    path = tmp_path / "bad.safetensors"
    write_raw(path, {}, doc if isinstance(doc, str) else doc)
    with pytest.raises(CheckpointError, match=match):
        load(path)


@pytest.mark.parametrize(
    "tensors, tree, match",
    [
        ({}, node("a"), "holds no such tensor"),
        ({"a": np.ones(2), "b": np.ones(2)}, node("a"), "does not mention: \\['b'\\]"),
        ({"a": np.ones(2)}, node("a", dtype="float32"), "expects dtype float32"),
        ({"a": np.ones(2)}, node("a", shape=(3,)), "shape \\(3,\\)"),
        ({"a": np.ones(2)}, node("a", shape=(2,), scalar=True), "expects dtype float64"),
        ({"a": np.ones(2)}, {"list": [node("a"), node("a")]}, "twice"),
        ({"a": np.ones(2)}, node("a", dtype="object"), "supported dtype"),
        ({"a": np.ones(2)}, node("a", shape=(-2,)), "non-negative"),
        ({"a": np.ones(2)}, {**node("a"), "x": 1}, "array node"),
        ({}, {"float": "NaN"}, '"nan", "inf" or "-inf"'),
        ({}, {"dict": [[1.5, 2]]}, "unique str or int key"),
        ({}, {"dict": [["a", 1], ["a", 2]]}, "unique str or int key"),
        ({}, {"dict": [["a"]]}, "\\[key, value\\] pair"),
        ({}, {"dict": {"a": 1}}, "list of \\[key, value\\] pairs"),
        ({}, {"list": 3}, "JSON list for list"),
        ({}, {"set": []}, "one of the tags"),
        ({}, {"list": [], "tuple": []}, "single tag"),
        ({}, {}, "a value or a tagged node"),
        ({}, 1.5e400, "finite float"),
    ],
)
def test_inconsistent_tree_and_tensors(tmp_path, tensors, tree, match):
    path = tmp_path / "bad.safetensors"
    doc = (
        json.dumps(doc_of(tree))
        if tree != 1.5e400
        else json.dumps(doc_of(0)).replace('"tree": 0', '"tree": 1e400')
    )
    write_raw(path, tensors, doc)
    with pytest.raises(CheckpointError, match=match):
        load(path)


def test_missing_or_wrong_checksum(tmp_path):
    path = tmp_path / "c.safetensors"
    tensors = {"a": np.ones(2)}
    write_raw(path, tensors, doc_of(node("a")), digest_of={"a": np.zeros(2)})
    with pytest.raises(CheckpointError, match="checksum"):
        load(path)
    meta = json.dumps(doc_of(node("a")))
    path.write_bytes(st_save(tensors, metadata={"tinyprop": meta}))
    with pytest.raises(CheckpointError, match="checksum"):
        load(path)


def test_bad_header_entries(tmp_path, valid):
    path = tmp_path / "e.safetensors"
    n = int.from_bytes(valid[:8], "little")
    header = json.loads(valid[8 : 8 + n])
    for change in (
        {"dtype": "BF16"},
        {"shape": [2, "3"]},
        {"data_offsets": [0]},
        {"data_offsets": [0, 10**9]},
        {"shape": [3, 3]},
        {"extra": 1},
    ):
        bad = json.loads(json.dumps(header))
        bad["w"].update(change)
        text = json.dumps(bad).encode()
        result = outcome(path, len(text).to_bytes(8, "little") + text + valid[8 + n :])
        assert isinstance(result, CheckpointError), change
        assert "'w'" in str(result)


class _Marker:
    """Unpickling this creates the marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pickles_are_never_unpickled(tmp_path, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"model": _Marker(marker)}, protocol=protocol)
    # the payload is live: unpickling it in a scratch place does create a marker
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Marker(probe), protocol=protocol))
    assert probe.exists()
    path = tmp_path / "evil.safetensors"
    path.write_bytes(payload)
    with pytest.raises(CheckpointError) as info:
        load(path)
    assert not marker.exists()
    if protocol >= 2:
        assert "never unpickles" in str(info.value)


@pytest.mark.oracle
def test_torch_save_files_are_refused_without_unpickling(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2), "evil": _Marker(marker)}, path)
    with pytest.raises(CheckpointError, match="zip archive.*never unpickles"):
        load(path)
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="pickle.*never unpickles"):
        load(path)
    assert not marker.exists()


def test_directory_is_not_a_checkpoint(tmp_path):
    with pytest.raises(IsADirectoryError):
        load(tmp_path)
