"""nn.init and the layers' default initializations follow PyTorch's formulas."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.nn import init


@pytest.mark.parametrize("name,param", [("linear", None), ("relu", None), ("tanh", None), ("sigmoid", None),
                                        ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)])
def test_calculate_gain(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


def _bound_and_std(t, bound):
    d = t.data
    assert d.min() >= -bound and d.max() <= bound
    assert abs(d.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_default_linear_and_conv_init():
    lin = nn.Linear(400, 300)
    _bound_and_std(lin.weight, 1 / math.sqrt(400))
    assert np.abs(lin.bias.data).max() <= 1 / math.sqrt(400)
    conv = nn.Conv2d(16, 32, 3)
    _bound_and_std(conv.weight, 1 / math.sqrt(16 * 9))
    convt = nn.ConvTranspose2d(16, 32, 3)
    _bound_and_std(convt.weight, 1 / math.sqrt(32 * 9))
    emb = nn.Embedding(1000, 64, padding_idx=3)
    assert abs(emb.weight.data.std() - 1) < 0.02 and not emb.weight.data[3].any()
    bn = nn.BatchNorm2d(4)
    assert (bn.weight.data == 1).all() and (bn.bias.data == 0).all()
    assert (bn.running_var.data == 1).all() and bn.num_batches_tracked.item() == 0


def test_xavier_and_kaiming():
    w = cr.empty(300, 200)
    init.xavier_uniform_(w)
    _bound_and_std(w, math.sqrt(6 / 500))
    init.xavier_normal_(w, gain=2.0)
    assert abs(w.data.std() - 2 * math.sqrt(2 / 500)) < 0.003
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.data.std() - math.sqrt(2 / 300)) < 0.003
    init.kaiming_uniform_(w, nonlinearity="relu")
    _bound_and_std(w, math.sqrt(2) * math.sqrt(3 / 200))


def test_other_initializers():
    w = cr.empty(6, 4)
    init.orthogonal_(w)
    np.testing.assert_allclose(w.data.T @ w.data, np.eye(4), atol=1e-5)
    init.eye_(w)
    np.testing.assert_array_equal(w.data, np.eye(6, 4))
    init.constant_(w, 0.3)
    assert np.allclose(w.data, 0.3)
    init.trunc_normal_(w, std=2.0, a=-1.0, b=1.5)
    assert w.data.min() >= -1.0 and w.data.max() <= 1.5
    init.uniform_(w, -2, -1)
    assert w.data.max() <= -1
    init.zeros_(w)
    assert not w.data.any()
    k = cr.empty(3, 3, 3, 3)
    init.dirac_(k)
    x = cr.randn(1, 3, 5, 5)
    np.testing.assert_allclose(cr.nn.functional.conv2d(x, k, padding=1).data, x.data, atol=1e-6)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(cr.empty(3))
