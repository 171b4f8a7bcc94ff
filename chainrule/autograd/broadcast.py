"""Broadcasting and its adjoint, in one place.

When ``x`` of shape (3, 1) meets ``y`` of shape (4,), both are stretched to (3, 4). Each stretched
copy used x's value again, so by the chain rule x's gradient is the *sum* over the copies:
``sum_to_shape(grad, x.shape)``. The engine applies this to every gradient whose shape differs from
its input's, so no op has to undo broadcasting itself.
"""
import numpy as np

from .function import Op
from .tensor import Tensor


def _sum_axes(shape_from, shape_to):
    lead = len(shape_from) - len(shape_to)
    axes = list(range(lead))
    for i, s in enumerate(shape_to):
        if s == 1 and shape_from[i + lead] != 1:
            axes.append(i + lead)
    return tuple(axes), lead


def _sum_to(a, shape):
    shape = tuple(shape)
    if a.shape == shape:
        return a
    axes, lead = _sum_axes(a.shape, shape)
    if len(a.shape) < len(shape):
        raise RuntimeError(f"sum_to_shape: cannot sum shape {a.shape} to {shape}")
    out = np.sum(a, axis=axes, keepdims=True) if axes else a
    if lead:
        out = out.reshape(shape)
    return np.asarray(out)


class SumTo(Op):
    """Sum the broadcast copies back: y = Σ over stretched dims of x; dy → broadcast to x.shape."""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return _sum_to(x, shape)

    def backward(self, gy):
        return broadcast_to(gy, self.in_shape)


class BroadcastTo(Op):
    """Stretch x to ``shape`` (a read-only view); its gradient sums the copies back."""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, gy):
        return sum_to_shape(gy, self.in_shape)


def sum_to_shape(g, shape):
    """Sum ``g`` (array or Tensor) over its broadcast dimensions so it has ``shape``."""
    if isinstance(g, Tensor):
        return g if g.shape == tuple(shape) else SumTo.apply(g, shape=tuple(shape))
    return _sum_to(g, shape)


def broadcast_to(x, shape):
    """``x`` stretched to ``shape`` without copying; differentiable."""
    shape = tuple(shape)
    if not isinstance(x, Tensor):
        return np.broadcast_to(x, shape)
    if x.shape == shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise RuntimeError(f"broadcast_to: the shape {x.shape} cannot be expanded to {shape}") from None
    if len(shape) < x.ndim or np.broadcast_shapes(x.shape, shape) != shape:
        raise RuntimeError(f"broadcast_to: the shape {x.shape} cannot be expanded to {shape}")
    return BroadcastTo.apply(x, shape=shape)
