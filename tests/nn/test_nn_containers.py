"""Sequential, ModuleList and ModuleDict."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn


def seq():
    return nn.Sequential(nn.Linear(4, 5, generator=0), nn.Tanh(), nn.Linear(5, 2, generator=1))


def test_sequential_forward_index_len_iter():
    s = seq()
    x = tp.randn(3, 4)
    np.testing.assert_array_equal(s(x).data, s[2](s[1](s[0](x))).data)
    assert len(s) == 3 and isinstance(s[-1], nn.Linear) and s[1] is list(s)[1]
    with pytest.raises(IndexError, match="out of range"):
        s[3]
    with pytest.raises(TypeError, match="integers or slices"):
        s["0"]


def test_sequential_slicing_shares_modules():
    s = seq()
    head = s[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is s[0]
    assert list(s[1:]._modules) == ["1", "2"]
    assert head(tp.randn(2, 4)).shape == (2, 5)


def test_sequential_ordered_dict_and_mutation():
    s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert list(s.state_dict()) == ["fc.weight", "fc.bias"]
    assert s.fc is s[0]
    s2 = seq()
    s2.append(nn.Sigmoid())
    assert len(s2) == 4 and list(s2._modules) == ["0", "1", "2", "3"]
    s2[1] = nn.ReLU()
    assert isinstance(s2[1], nn.ReLU)
    del s2[1]
    assert list(s2._modules) == ["0", "1", "2"] and isinstance(s2[1], nn.Linear)
    s2.insert(1, nn.GELU())
    assert isinstance(s2[1], nn.GELU) and len(s2) == 4
    s2.extend([nn.Identity()])
    assert isinstance(s2[-1], nn.Identity)
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_module_list_registers_and_behaves_like_a_list():
    layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])
    assert len(list(layers.parameters())) == 6
    layers.append(nn.Linear(3, 1))
    layers += [nn.ReLU()]
    assert len(layers) == 5 and isinstance(layers[-1], nn.ReLU)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3"]
    layers.insert(0, nn.Tanh())
    assert isinstance(layers[0], nn.Tanh)
    layers[0] = nn.Sigmoid()
    assert isinstance(layers[0], nn.Sigmoid)
    with pytest.raises(NotImplementedError, match="iterate"):
        layers(tp.ones(1))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    assert list(Net().state_dict())[:2] == ["blocks.0.weight", "blocks.0.bias"]


def test_module_dict():
    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    assert "enc" in d and len(d) == 2 and list(d) == ["enc", "act"]
    d["dec"] = nn.Linear(3, 2)
    assert list(d.keys()) == ["enc", "act", "dec"]
    assert len(list(d.parameters())) == 4
    del d["act"]
    assert [k for k, _ in d.items()] == ["enc", "dec"]
    assert all(isinstance(v, nn.Linear) for v in d.values())


def test_repr_of_container_matches_pytorch_layout():
    s = nn.Sequential(nn.Linear(64, 50), nn.Tanh(), nn.Linear(50, 10))
    assert repr(s) == (
        "Sequential(\n"
        "  (0): Linear(in_features=64, out_features=50, bias=True)\n"
        "  (1): Tanh()\n"
        "  (2): Linear(in_features=50, out_features=10, bias=True)\n"
        ")"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"
