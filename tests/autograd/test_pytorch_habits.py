"""PyTorch habits that course code relies on: ``.data`` as a Tensor sharing storage, ``.cuda()``,
``autograd.gradcheck``/``gradgradcheck``, ``set_printoptions``, ``python -m chainrule``."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import chainrule as cr


def test_data_is_a_tensor_sharing_storage():
    p = cr.nn.Parameter(cr.zeros(3))
    d = p.data
    assert isinstance(d, cr.Tensor) and not d.requires_grad and d.grad_fn is None
    d.normal_()
    assert np.array_equal(p.detach().numpy(), d.numpy()) and p.requires_grad
    p.grad = cr.ones(3)
    before = p.detach().numpy().copy()
    p.data -= 0.5 * p.grad              # the classic manual SGD step
    assert np.allclose(p.detach().numpy(), before - 0.5)
    p.data.copy_(cr.tensor([1.0, 2.0, 3.0]))
    assert p.tolist() == [1.0, 2.0, 3.0]


def test_data_assignment_replaces_storage_and_rejects_non_tensors():
    p = cr.nn.Parameter(cr.zeros(3))
    p.data = cr.ones(2, 2, dtype=cr.float64)       # shape and dtype may change, as in PyTorch
    assert p.shape == (2, 2) and p.dtype == cr.float64 and p.requires_grad
    with pytest.raises(TypeError, match="data has to be a tensor, but got ndarray"):
        p.data = np.ones(3)


def test_changes_through_data_escape_the_version_check_like_pytorch():
    for lib in (cr, torch):
        w = lib.ones(3, requires_grad=True)
        x = lib.ones(3)
        y = (w * x).sum()
        x.data.mul_(2)                  # PyTorch: .data is outside autograd's bookkeeping
        y.backward()
        assert w.grad.tolist() == [2.0, 2.0, 2.0]


def test_cuda_raises_the_clear_error_and_cpu_is_identity():
    x = cr.ones(2)
    m = cr.nn.Linear(2, 2)
    assert x.cpu() is x and m.cpu() is m
    for call in (lambda: x.cuda(), lambda: x.cuda(0), lambda: m.cuda(), lambda: x.to("cuda")):
        with pytest.raises(RuntimeError, match="no CUDA backend"):
            call()


def test_autograd_gradcheck_and_gradgradcheck():
    x = cr.randn(4, dtype=cr.float64, requires_grad=True)
    y = cr.randn(4, dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradcheck(lambda a, b: (a * b).tanh(), (x, y), eps=1e-6, atol=1e-5)
    assert cr.autograd.gradgradcheck(lambda a, b: (a * b).tanh(), (x, y))

    class WrongSecond(cr.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return g * 3 * a * a.detach()   # right value, wrong second derivative

    assert cr.autograd.gradcheck(WrongSecond.apply, (x,))
    assert not cr.autograd.gradgradcheck(WrongSecond.apply, (x,), raise_exception=False)
    with pytest.raises(cr.autograd.GradcheckError):
        cr.autograd.gradgradcheck(WrongSecond.apply, (x,))


def test_set_printoptions_matches_torch():
    a = np.array([[1.23456, 2.5, 1e-5], [3.0, 4.0, 5.0]], np.float32)
    try:
        for kw in ({}, dict(precision=2), dict(sci_mode=False), dict(sci_mode=True, precision=3),
                   dict(profile="short"), dict(threshold=5, edgeitems=1)):
            for lib in (cr, torch):
                lib.set_printoptions(profile="default")
                lib.set_printoptions(**kw)
            for arr in (a, np.arange(20.0, dtype=np.float32)):
                assert repr(cr.tensor(arr)) == repr(torch.tensor(arr)), kw
    finally:
        cr.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_python_dash_m_chainrule_is_the_cli():
    out = subprocess.run([sys.executable, "-m", "chainrule", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and cr.__version__ in out.stdout + out.stderr
