"""Jacobians and Hessians against torch.autograd.functional; the Hessian of a small MLP."""
import numpy as np
import torch

import chainrule as cr
from chainrule.autograd.functional import hessian, hvp, jacobian, vjp


def test_jacobian_matches_torch():
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    f_cr = lambda x, y: (x * y).exp() + x.sum()
    f_t = lambda x, y: (x * y).exp() + x.sum()
    x, y = np.array([0.3, -0.2]), np.array([1.0, 2.0])
    J = jacobian(f_cr, (cr.tensor(x), cr.tensor(y)))
    Jt = torch.autograd.functional.jacobian(f_t, (torch.tensor(x), torch.tensor(y)))
    for j, jt in zip(J, Jt):
        np.testing.assert_allclose(j._data, jt.numpy(), rtol=1e-10)
    J1 = jacobian(lambda x: x @ cr.tensor(a), cr.tensor(x))
    np.testing.assert_allclose(J1._data, a.T)


def _mlp(lib, params, x, y):
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).tanh()
    out = h @ w2 + b2
    return ((out - y) ** 2).mean()


def test_hessian_of_a_small_mlp_loss_matches_torch():
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    params = [rng.standard_normal(s) * 0.5 for s in shapes]
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    H = hessian(lambda *p: _mlp(cr, p, cr.tensor(x), cr.tensor(y)),
                tuple(cr.tensor(p) for p in params))
    Ht = torch.autograd.functional.hessian(lambda *p: _mlp(torch, p, torch.tensor(x), torch.tensor(y)),
                                           tuple(torch.tensor(p) for p in params))
    for i in range(4):
        for j in range(4):
            np.testing.assert_allclose(H[i][j]._data, Ht[i][j].numpy(), rtol=1e-8, atol=1e-10)
    flat = np.block([[H[i][j]._data.reshape(np.prod(shapes[i]), np.prod(shapes[j]))
                      for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(flat, flat.T, atol=1e-10)  # a Hessian is symmetric


def test_hessian_of_a_single_tensor_is_a_tensor():
    x = np.array([0.3, -1.2])
    f = lambda t: (t ** 3).sum() + t[0] * t[1]
    H = hessian(f, cr.tensor(x))
    Ht = torch.autograd.functional.hessian(f, torch.tensor(x))
    np.testing.assert_allclose(H._data, Ht.numpy())


def test_vjp_and_hvp():
    x = np.array([0.5, -1.0, 2.0])
    f = lambda t: (t ** 3).sum()
    _, g = vjp(f, cr.tensor(x))
    np.testing.assert_allclose(g._data, 3 * x ** 2)
    v = np.array([1.0, 0.0, 2.0])
    _, hv = hvp(f, cr.tensor(x), cr.tensor(v))
    np.testing.assert_allclose(hv._data, 6 * x * v)
