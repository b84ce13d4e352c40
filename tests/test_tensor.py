"""Tensor construction, attributes, dtype policy, randomness and conversions."""

from __future__ import annotations

import numpy as np
import pytest

import tinyprop as tp


def test_issue_example():
    x = tp.tensor([1.0, 4.0, 2.0], requires_grad=True)
    (x**2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 8.0, 4.0])
    y = x**2
    y.backward(tp.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 16.0, 8.0])  # accumulated


def test_attributes():
    x = tp.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dtype == np.float32
    assert x.size == 6 and x.size() == (2, 3) and x.size(1) == 3 and x.numel() == 6
    assert len(x) == 2 and x.is_leaf and x.grad is None and x.grad_fn is None
    assert x.T.shape == (3, 2)
    y = x * 2
    assert not y.is_leaf and y.requires_grad and repr(y.grad_fn) == "<MulBackward>"
    assert "grad_fn=<MulBackward>" in repr(y)
    assert "requires_grad=True" in repr(x)
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.numpy() is y.numpy()
    assert tp.tensor(3.5).item() == 3.5
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x.data.numpy()
    assert isinstance(x.data, tp.Tensor) and not x.data.requires_grad  # PyTorch's .data
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    z = tp.tensor([1.0, 2.0])
    assert z.requires_grad_() is z and z.requires_grad


def test_dtype_policy():
    assert tp.tensor([1.0, 2.0]).dtype == np.float32
    assert tp.tensor(1.5).dtype == np.float32
    assert tp.tensor(np.array([1.0], dtype=np.float64)).dtype == np.float64
    assert tp.tensor([1.0], dtype=tp.float64).dtype == np.float64
    assert tp.tensor([1, 2]).dtype == np.int64
    assert tp.tensor(np.array([1, 2], dtype=np.uint8)).dtype == np.uint8
    assert tp.tensor([True]).dtype == np.bool_
    x = tp.tensor([1.0, 2.0])
    # Python and NumPy scalars do not up-cast float32
    for other in (2.0, 3, np.float64(2.0), np.int64(3)):
        assert (x * other).dtype == np.float32
        assert (other - x).dtype == np.float32
    assert (x**2.0).dtype == np.float32 and (2.0**x).dtype == np.float32
    # an integer tensor meeting a float becomes the float dtype
    assert (tp.tensor([1, 2]) * 0.5).dtype == np.float32
    assert tp.arange(3).dtype == np.int64 and tp.arange(0.0, 1.0, 0.5).dtype == np.float32
    d = tp.tensor([1.0], dtype=tp.float64, requires_grad=True)
    (d * 2.0).sum().backward()
    assert d.grad.dtype == np.float64


def test_integer_tensors_never_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        tp.tensor([1, 2], requires_grad=True)
    labels = tp.tensor([0, 1])
    assert not labels.requires_grad
    w = tp.ones(2, requires_grad=True)
    assert not (w.argmax()).requires_grad


def test_bad_data_type():
    with pytest.raises(TypeError, match="numeric"):
        tp.tensor(["a", "b"])


def test_creation_functions():
    assert tp.zeros(2, 3).shape == (2, 3) and tp.zeros((2, 3)).data.sum() == 0
    assert tp.ones(4).data.sum() == 4
    assert tp.full((2, 2), 7.0).data.tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tp.full((2,), 3).dtype == np.int64
    assert tp.eye(3).numpy().trace() == 3
    assert tp.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert tp.linspace(0, 1, 5).shape == (5,)
    x = tp.ones(2, 3, dtype=tp.float64)
    for fn in (tp.zeros_like, tp.ones_like, tp.randn_like, tp.rand_like, tp.empty_like):
        y = fn(x)
        assert y.shape == x.shape and y.dtype == np.float64
    assert tp.full_like(x, 2.0).data.sum() == 12
    with pytest.raises(ValueError, match=">= 0"):
        tp.zeros(-1)
    arr = np.arange(3.0)
    assert tp.from_numpy(arr).numpy() is arr
    assert tp.as_tensor(arr, dtype=np.float64).numpy() is arr


def test_seeding_and_generators():
    tp.manual_seed(123)
    a = tp.randn(5)
    tp.manual_seed(123)
    b = tp.randn(5)
    np.testing.assert_array_equal(a.data, b.data)
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(tp.rand(3, generator=g1).data, tp.rand(3, generator=g2).data)
    np.testing.assert_array_equal(tp.randn(2, generator=5).data, tp.randn(2, generator=5).data)
    assert tp.randint(0, 3, 100).data.max() < 3
    assert sorted(tp.randperm(6).tolist()) == list(range(6))
    with pytest.raises(ValueError, match="non-negative"):
        tp.manual_seed(-1)
    with pytest.raises(TypeError, match="Generator"):
        tp.randn(2, generator="seed")
    assert tp.randn(3).dtype == np.float32


def test_item_and_bool_errors():
    with pytest.raises(ValueError, match="one element"):
        tp.ones(3).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tp.ones(3))
    with pytest.raises(TypeError, match="0-d"):
        len(tp.tensor(1.0))


def test_comparisons_and_helpers():
    x = tp.tensor([1.0, 2.0, 3.0])
    assert (x > 1.5).tolist() == [False, True, True]
    assert (x == 2.0).dtype == np.bool_
    assert (x <= x).all().item()
    assert tp.tensor([[1.0, 5.0], [7.0, 0.0]]).argmax(axis=1).tolist() == [1, 0]
    assert tp.one_hot(tp.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="out of range"):
        tp.one_hot(tp.tensor([3]), 3)
    values, indices = tp.tensor([[1.0, 5.0], [7.0, 0.0]]).max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert [t.item() for t in tp.tensor([1.0, 2.0])] == [1.0, 2.0]
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.long().dtype == np.int64


def test_inplace_rules():
    w = tp.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.zero_()
    with tp.no_grad():
        w.mul_(2.0).add_(1.0)
        w[0] = 0.0
    assert w.tolist() == [0.0, 3.0, 3.0]
    w.data[...] = 1.0  # updating .data is always allowed (seed 002)
    (w * w).sum().backward()
    w.grad.zero_()
    assert w.grad.tolist() == [0.0, 0.0, 0.0]


def test_shape_errors_are_clear():
    with pytest.raises(ValueError, match="cannot reshape"):
        tp.ones(6).reshape(4, 2)
    with pytest.raises(ValueError, match="do not line up"):
        tp.ones(2, 3) @ tp.ones(2, 3)
    with pytest.raises(ValueError, match="out of range"):
        tp.ones(2, 3).sum(axis=2)
    with pytest.raises(ValueError, match="broadcast"):
        tp.broadcast_to(tp.ones(3), (2, 4))
    with pytest.raises(ValueError, match="equal shapes"):
        tp.cat([tp.ones(2, 3), tp.ones(3, 2)], axis=0)
    with pytest.raises(IndexError, match="shape"):
        tp.ones(3)[5]


def test_integer_true_division_gives_default_float():
    assert (tp.tensor([1, 2]) / 2).dtype == np.float32
    assert (tp.tensor([1, 2]) / tp.tensor([2, 4])).tolist() == [0.5, 0.5]
    assert (3 / tp.tensor([1, 2])).dtype == np.float32
    assert (tp.tensor([1, 2]) + 1).dtype == np.int64


def test_inplace_operators_follow_pytorch():
    p = tp.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    with tp.no_grad():
        p -= 0.5 * p.grad
    assert p.requires_grad and p.tolist() == [0.0, 0.0]
    arr = p.numpy()
    p.data -= p.grad  # PyTorch's idiom: in place on the shared values, not recorded
    assert p.numpy() is arr and p.tolist() == [-2.0, -4.0] and p.grad_fn is None
    with pytest.raises(RuntimeError, match="no_grad"):
        p += 1
    h = p * 2
    h += 1  # a non-leaf: recorded out of place
    h.sum().backward()
    assert p.grad.tolist() == [4.0, 6.0]
    p.grad.data.zero_()  # seed 002's idiom: zero the gradient through .data
    assert p.grad.tolist() == [0.0, 0.0]
    labels = tp.tensor([1, 2])
    labels += 1
    assert labels.tolist() == [2, 3]
    with pytest.raises(TypeError, match="cannot be stored"):
        labels += 0.5
