"""User-defined autograd Functions, PyTorch style."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function
from chainrule.utils import GradcheckError, gradcheck


class GradReverse(Function):
    @staticmethod
    def forward(ctx, x): return x.view_as(x)
    @staticmethod
    def backward(ctx, g): return -g


class Cube(Function):
    """x³ with a differentiable backward, so it supports double backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 3 * x * x * g


class ScaleShift(Function):
    @staticmethod
    def forward(ctx, x, scale, shift):
        ctx.scale = scale
        return x * scale + shift, x * 0 + scale

    @staticmethod
    def backward(ctx, g1, g2):
        assert ctx.needs_input_grad == (True, False, True)
        return g1 * ctx.scale + g2, None, g1.sum()


def test_gradient_reversal_in_three_lines():
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    y = GradReverse.apply(x * 2)
    np.testing.assert_allclose(y.data, [2.0, -4.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [-2.0, -2.0])


def test_saved_tensors_and_double_backward():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    assert gradcheck(Cube.apply, (x,))
    y = Cube.apply(x).sum()
    g, = cr.autograd.grad(y, x, create_graph=True)
    gg, = cr.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, 6 * x.data)


def test_several_inputs_and_outputs():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    shift = cr.tensor(0.5, requires_grad=True)
    a, b = ScaleShift.apply(x, 3.0, shift)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 4.0])
    np.testing.assert_allclose(shift.grad.data, 2.0)


def test_gradcheck_catches_a_wrong_backward():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x  # should be 2·x·g

    x = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="analytic .* vs numerical"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_backward_returning_too_few_gradients_is_explained():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y): return x + y
        @staticmethod
        def backward(ctx, g): return g

    x = cr.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 1 gradients, but forward took 2"):
        Bad.apply(x, x).sum().backward()
