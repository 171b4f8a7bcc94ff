"""nn.utils: gradient clipping, parameter vectors, spectral norm."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.nn.utils import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                                spectral_norm, vector_to_parameters)


def _params(lib, grads):
    ps = []
    for g in grads:
        p = lib.zeros(g.shape, requires_grad=True) if lib is cr else torch.zeros(g.shape, requires_grad=True)
        p.grad = lib.tensor(g)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    pc, pt = _params(cr, grads), _params(torch, grads)
    nc = clip_grad_norm_(pc, 1.5, norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, 1.5, norm_type)
    assert nc.item() == pytest.approx(nt.item(), rel=1e-5)
    for a, b in zip(pc, pt):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-5)


def test_clip_grad_norm_nonfinite_and_value():
    p = _params(cr, [np.array([np.inf, 1.0], dtype=np.float32)])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    q = _params(cr, [np.array([-3.0, 0.5, 2.0], dtype=np.float32)])
    clip_grad_value_(q, 1.0)
    np.testing.assert_array_equal(q[0].grad.data, [-1.0, 0.5, 1.0])


def test_parameter_vector_round_trip():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = parameters_to_vector(net.parameters())
    assert v.shape == (3 * 2 + 2 + 2 + 1,)
    vector_to_parameters(v * 0 + 1, net.parameters())
    assert all((p.data == 1).all() for p in net.parameters())


def test_spectral_norm_makes_the_largest_singular_value_one():
    lin = spectral_norm(nn.Linear(6, 5))
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight_orig"]
    assert sorted(dict(lin.named_buffers())) == ["weight_u", "weight_v"]
    tl = torch.nn.utils.spectral_norm(torch.nn.Linear(6, 5))
    assert sorted(lin.state_dict()) == sorted(tl.state_dict())
    x = cr.randn(2, 6)
    for _ in range(30):
        lin(x)
    sigma = np.linalg.svd(lin.weight.data, compute_uv=False)[0]
    assert sigma == pytest.approx(1.0, rel=1e-4)
    lin(x).sum().backward()
    assert lin.weight_orig.grad is not None
    conv = spectral_norm(nn.Conv2d(2, 3, 3))
    for _ in range(30):
        conv(cr.randn(1, 2, 5, 5))
    assert np.linalg.svd(conv.weight.data.reshape(3, -1), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-4)
