"""Bad input gets a clear error at the boundary, of PyTorch's exception type, naming the op."""
import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize("op,expr", [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("maximum", lambda a, b: cr.maximum(a, b)),
    ("pow", lambda a, b: a ** b),
])
def test_shapes_that_do_not_broadcast(op, expr):
    a, b = cr.ones(3, 4), cr.ones(5)
    with pytest.raises(RuntimeError, match=rf"{op}: shapes \(3, 4\) and \(5,\) cannot be broadcast"):
        expr(a, b)


def test_matmul_names_both_shapes_and_the_mismatch():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(32, 784\) and \(512, 10\) cannot be "
                                           r"multiplied \(784 != 512\)"):
        cr.zeros(32, 784) @ cr.zeros(512, 10)
    with pytest.raises(RuntimeError, match=r"mm: shapes \(2, 3\) and \(4, 5\)"):
        cr.mm(cr.zeros(2, 3), cr.zeros(4, 5))
    with pytest.raises(RuntimeError, match="dot: 1D tensors expected"):
        cr.dot(cr.zeros(2, 2), cr.zeros(2))
    with pytest.raises(RuntimeError, match="bmm: expected 3-D"):
        cr.bmm(cr.zeros(2, 3), cr.zeros(3, 2))


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_backward_twice_through_a_freed_graph():
    x = cr.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_backward_on_a_tensor_outside_the_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.ones(2).sum().backward()


def test_requires_grad_on_an_integer_tensor():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require"):
        cr.tensor([1, 2, 3], requires_grad=True)


@pytest.mark.parametrize("expr,msg", [
    (lambda x: x[5], r"index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[0, 7], r"index 7 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[[0, 3]], r"index 3 is out of bounds for dimension 0 with size 3"),
    (lambda x: x.gather(1, cr.tensor([[9], [0], [0]])), r"gather: index 9 is out of bounds for dimension 1 with size 4"),
    (lambda x: x.index_select(0, cr.tensor([4])), r"index_select: index 4 is out of bounds"),
    (lambda x: x.sum(dim=2), r"sum: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda x: x.transpose(0, 3), r"transpose: dimension out of range"),
])
def test_index_out_of_range(expr, msg):
    x = cr.zeros(3, 4)
    with pytest.raises(IndexError, match=msg):
        expr(x)


def test_setitem_out_of_range():
    x = cr.zeros(3)
    with pytest.raises(IndexError, match=r"__setitem__: index 3 is out of bounds for dimension 0 with size 3"):
        x[3] = 1.0


def test_in_place_change_of_a_saved_tensor_raises_at_backward_not_silently():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()  # Mul saved h
    with cr.no_grad():
        h.mul_(10)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: \[tensor of shape \(2,\)\]"):
        y.backward()


@pytest.mark.parametrize("expr,err,msg", [
    (lambda: cr.ones(6).reshape(4, -1), RuntimeError, r"reshape: shape '\[4, -1\]' is invalid for input of size 6"),
    (lambda: cr.ones(2, 3).T.view(6), RuntimeError, r"view: .*Use .reshape\(...\) instead"),
    (lambda: cr.cat([cr.ones(2, 3), cr.ones(3, 2)], 0), RuntimeError, r"cat: sizes of tensors must match except in dimension 0"),
    (lambda: cr.stack([cr.ones(2), cr.ones(3)]), RuntimeError, r"stack: expects each tensor to be equal size"),
    (lambda: cr.ones(2, 3).expand(4, 4), RuntimeError, r"expand: the expanded size of the tensor \(4\) must match the existing size \(2\)"),
    (lambda: cr.ones(2, 3).permute(0, 1, 2), RuntimeError, r"permute: number of dims don't match"),
    (lambda: cr.ones(3).mean(dim=0) if False else cr.arange(3).mean(), RuntimeError, r"mean\(\): .*floating point"),
    (lambda: cr.tensor([1.0]) @ cr.tensor(2.0), RuntimeError, r"matmul: both arguments need at least 1 dimension"),
    (lambda: cr.ones(2).split([1, 2]), RuntimeError, r"split: split_with_sizes expects split_sizes to sum exactly to 2"),
    (lambda: cr.tensor([1.0]).item() + cr.ones(2).item(), RuntimeError, r"item: a Tensor with 2 elements"),
    (lambda: bool(cr.ones(2)), RuntimeError, r"Boolean value of Tensor with 2 values is ambiguous"),
    (lambda: cr.tensor(["a"]), TypeError, r"tensor: could not infer a dtype"),
    (lambda: cr.ones(2, dtype="complex64"), TypeError, r"dtype: .* is not supported"),
    (lambda: cr.einsum("ij,jk->ik", cr.ones(2, 3)), ValueError, r"einsum: the equation names 2 operands but 1"),
])
def test_shape_and_type_errors(expr, err, msg):
    with pytest.raises(err, match=msg):
        expr()


def test_in_place_result_that_cannot_be_cast():
    x = cr.tensor([1, 2])
    with pytest.raises(RuntimeError, match="add_: result type float32 can't be cast"):
        x.add_(1.5)


def test_gradcheck_rejects_float32_inputs():
    with pytest.raises(ValueError, match="float64"):
        cr.utils.gradcheck(lambda t: t * 2, (cr.ones(2, requires_grad=True),))


def test_errors_name_the_file_of_nothing_and_numpy_is_never_bare():
    # a NumPy error must never escape without the op's name
    with pytest.raises(RuntimeError) as info:
        cr.ones(2, 3) + cr.ones(2)
    assert info.value.args[0].startswith("add:")
    assert not np.isnan(cr.tensor(0.0).sigmoid().item())


# --------------------------------------------------- mistakes a new user makes (issue: real course code)
def test_integer_logits_and_labels_get_named_errors():
    F = cr.nn.functional
    with pytest.raises(RuntimeError, match=r"cross_entropy: expected a floating-point input \(logits\), got int64"):
        F.cross_entropy(cr.tensor([[1, 2], [3, 4]]), cr.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"class-index targets must be int64; for probabilities pass a "
                                         r"float tensor of the input's shape \(2, 3\)"):
        F.cross_entropy(cr.randn(2, 3), cr.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="nll_loss: expected a floating-point input"):
        F.nll_loss(cr.tensor([[1, 2]]), cr.tensor([0]))
    with pytest.raises(RuntimeError, match="mse_loss: expected a floating-point input, got int64"):
        F.mse_loss(cr.tensor([1, 2]), cr.tensor([1, 2]))
    assert F.mse_loss(cr.tensor([1.0, 2.0]), cr.tensor([1, 3])).item() == 0.5   # mixed promotes
    for fn in (F.binary_cross_entropy, F.binary_cross_entropy_with_logits):
        with pytest.raises(RuntimeError, match="expected a floating-point target"):
            fn(cr.rand(3), cr.tensor([0, 1, 1]))
    with pytest.raises(RuntimeError, match="kl_div: expected a floating-point"):
        F.kl_div(cr.tensor([1, 2]), cr.tensor([0.5, 0.5]))


def test_optimizer_given_a_module():
    with pytest.raises(TypeError, match=r"did you mean model.parameters\(\)\?"):
        cr.optim.Adam(cr.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="params must be an iterable of Tensors or dicts, got int"):
        cr.optim.SGD(3, lr=0.1)


def test_loading_a_pytorch_pickle_names_the_file_and_the_way_out(tmp_path):
    import torch
    for name, kw in (("new.pt", {}), ("legacy.pt", {"_use_new_zipfile_serialization": False})):
        path = tmp_path / name
        torch.save(torch.nn.Linear(2, 2).state_dict(), path, **kw)
        with pytest.raises(ValueError, match=rf"{name} is a PyTorch pickle file .*safetensors"):
            cr.load(path)
