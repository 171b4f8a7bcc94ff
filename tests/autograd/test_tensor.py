"""Tensor basics: creation, dtypes and PyTorch's promotion, conversions, printing, factories."""
import numpy as np
import pytest
import torch

import chainrule as cr


def test_tensor_infers_pytorch_dtypes():
    assert cr.tensor(1.5).dtype == cr.float32
    assert cr.tensor([1, 2]).dtype == cr.int64
    assert cr.tensor([True, False]).dtype == cr.bool
    assert cr.tensor([[1.0, 2.0]]).shape == (1, 2)
    assert cr.tensor(np.zeros(2)).dtype == cr.float64  # NumPy arrays keep their dtype
    assert cr.tensor([1, 2], dtype=cr.float64).dtype == cr.float64
    assert cr.tensor(np.arange(3, dtype=np.int32)).dtype == cr.int32
    assert cr.float32 == np.float32 and cr.int64 != cr.float32


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3, dtype=np.float32)
    t = cr.tensor(a)
    s = cr.from_numpy(a)
    a[0] = 5
    assert t._data[0] == 0 and s._data[0] == 5


@pytest.mark.parametrize("expr", [
    lambda x: x * 2.0, lambda x: 2.0 * x, lambda x: x + 1, lambda x: x / 3, lambda x: x ** 2,
    lambda x: x - 0.5, lambda x: 1 - x, lambda x: x * np.float64(2.0), lambda x: x.exp() * 1e-3,
])
def test_python_scalars_never_widen_float32(expr):
    assert expr(cr.tensor([1.0, 2.0])).dtype == cr.float32


@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([1, 2]) * 2.5,
    lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 4]),
    lambda lib: lib.tensor([1.0, 2.0]) + lib.tensor(3.0, dtype=lib.float64),
    lambda lib: lib.tensor([1.0, 2.0]) + lib.tensor([1, 2]),
    lambda lib: lib.tensor([1, 2], dtype=lib.int32) + 5,
    lambda lib: lib.tensor([True, False]) + 1,
    lambda lib: lib.tensor([1.0], dtype=lib.float64) * lib.tensor([2.0]),
    lambda lib: lib.tensor(2, dtype=lib.int64) * lib.tensor([1, 2], dtype=lib.int32),
])
def test_type_promotion_follows_pytorch(make):
    got, want = make(cr), make(torch)
    assert got.dtype.name == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got._data, want.numpy())


def test_conversions_and_facts():
    x = cr.tensor([[1.5, -2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.size() == (2, 3)
    assert x.size(1) == 3 and x.size(-1) == 3 and x.numel() == 6 and len(x) == 2
    assert x[0, 0].item() == 1.5 and float(x[0, 0]) == 1.5
    assert x.tolist() == [[1.5, -2.0, 3.0], [4.0, 5.0, 6.0]]
    assert x.T.shape == (3, 2)
    assert x.long().dtype == cr.int64 and x.long().tolist()[0] == [1, -2, 3]
    assert x.int().dtype == cr.int32 and x.double().dtype == cr.float64
    assert x.bool().dtype == cr.bool and x.float().dtype == cr.float32
    assert x.to(cr.float64).dtype == cr.float64 and x.to("cpu") is x
    assert isinstance(x.numpy(), np.ndarray)
    assert x.is_leaf and not x.requires_grad
    assert x.clone()._data is not x._data
    assert x.T.contiguous().is_contiguous()
    with pytest.raises(RuntimeError, match="detach"):
        x.requires_grad_().numpy()
    assert np.asarray(x).shape == (2, 3)
    assert [row.shape for row in cr.ones(3, 2)] == [(2,), (2,), (2,)]


def test_cast_is_differentiable_between_floats():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    y.sum().backward()
    assert y.dtype == cr.float64 and x.grad.dtype == cr.float32
    np.testing.assert_allclose(x.grad._data, [3.0, 3.0])


def test_repr_like_pytorch():
    assert repr(cr.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(cr.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(cr.tensor([1.5, 2.25])) == "tensor([1.5000, 2.2500])"
    assert repr(cr.tensor([1.0], dtype=cr.float64)) == "tensor([1.], dtype=chainrule.float64)"
    assert repr(cr.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    x = cr.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward0>)"
    assert repr(cr.tensor(3.0)) == "tensor(3.)"
    assert repr(cr.tensor([[1.0, -2.5], [3.0, 4.0]])) == "tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])"


def test_factories():
    assert cr.zeros(2, 3).shape == (2, 3) and cr.zeros((2, 3)).dtype == cr.float32
    assert cr.ones([4])._data.sum() == 4
    assert cr.full((2, 2), 7).dtype == cr.int64 and cr.full((2,), 1.5)._data[0] == 1.5
    assert cr.empty(3).shape == (3,)
    np.testing.assert_array_equal(cr.eye(3)._data, np.eye(3))
    assert cr.arange(5).dtype == cr.int64 and cr.arange(5).tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(cr.arange(0, 1, 0.25)._data, torch.arange(0, 1, 0.25).numpy())
    np.testing.assert_allclose(cr.linspace(0, 1, 5)._data, torch.linspace(0, 1, 5).numpy())
    assert cr.rand(2, 3).shape == (2, 3) and 0 <= cr.rand(100)._data.min()
    assert cr.randn(2, 3, dtype=cr.float64).dtype == cr.float64
    r = cr.randint(0, 10, (50,))
    assert r.dtype == cr.int64 and 0 <= r._data.min() and r._data.max() < 10
    assert cr.randint(3, (4,))._data.max() < 3
    assert sorted(cr.randperm(6).tolist()) == list(range(6))
    assert cr.normal(2.0, 0.5, (3,)).shape == (3,)
    x = cr.ones(2, 3, dtype=cr.float64)
    for like in (cr.zeros_like, cr.ones_like, cr.rand_like, cr.randn_like):
        assert like(x).shape == (2, 3) and like(x).dtype == cr.float64
    assert cr.full_like(x, 4.0)._data.sum() == 24
    assert cr.zeros(2, requires_grad=True).requires_grad


def test_manual_seed_repeats_bit_for_bit():
    cr.manual_seed(123)
    a = cr.randn(5)._data.copy(), cr.rand(3)._data.copy(), cr.randperm(5)._data.copy()
    cr.manual_seed(123)
    b = cr.randn(5)._data, cr.rand(3)._data, cr.randperm(5)._data
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    g = cr.Generator().manual_seed(7)
    state = g.get_state()
    first = cr.randn(4, generator=g)._data.copy()
    g.set_state(state)
    np.testing.assert_array_equal(cr.randn(4, generator=g)._data, first)


def test_requires_grad_needs_a_float_tensor():
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        cr.arange(3).requires_grad_()
