"""Joining and splitting: cat, stack, split, chunk, unbind.

Joining copies the pieces side by side, so its backward cuts the gradient back into the pieces;
splitting returns views, so its backward joins the gradients back (zeros for unused pieces).
"""
import numpy as np

from ..autograd.function import Op
from ..autograd.tensor import Tensor
from ._util import norm_dim
from .indexing import narrow
from .shape import _as_view, clone, unsqueeze


class Cat(Op):
    """Join along dim; the gradient is cut back into the pieces."""

    def forward(self, *xs, dim=0):
        ref = xs[0]
        d = norm_dim(dim, ref.ndim, "cat")
        self.dim = d
        for x in xs:
            if x.ndim != ref.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, ref.shape))
                                         if i != d):
                raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}; "
                                   f"got shapes {ref.shape} and {x.shape}")
        self.sizes = [x.shape[d] for x in xs]
        return np.concatenate(xs, axis=d)

    def backward(self, gy):
        out, start = [], 0
        for n, e in zip(self.sizes, self.next):
            out.append(narrow(gy, self.dim, start, n) if e is not None else None)
            start += n
        return tuple(out)


class Stack(Op):
    """Stack along a new dim; the gradient is taken apart along it."""

    def forward(self, *xs, dim=0):
        self.dim = norm_dim(dim, xs[0].ndim + 1, "stack")
        for x in xs:
            if x.shape != xs[0].shape:
                raise RuntimeError(f"stack: expects each tensor to be equal size, but got "
                                   f"{xs[0].shape} and {x.shape}")
        return np.stack(xs, axis=self.dim)

    def backward(self, gy):
        return tuple(unbind(gy, self.dim))


class Split(Op):
    """Cut along dim into pieces (views); the gradients are joined back (zeros for unused pieces)."""

    def forward(self, x, sizes, dim):
        self.dim = dim
        self.in_shape = x.shape
        bounds = np.cumsum(sizes)[:-1]
        return tuple(np.split(x, bounds, axis=dim))

    def backward(self, *grads):
        return cat(list(grads), self.dim)


class Unbind(Op):
    """Take apart along dim (each piece loses the dim); the gradients are stacked back."""

    def forward(self, x, dim):
        self.dim = dim
        return tuple(np.take(x, i, axis=dim) for i in range(x.shape[dim])) if dim else tuple(x)

    def backward(self, *grads):
        return stack(list(grads), self.dim)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of Tensors")
    tensors = [t for t in tensors if not (len(t.shape) == 1 and t.shape[0] == 0)] or tensors[:1]
    if len(tensors) == 1:
        return clone(tensors[0])
    return Cat.apply(*tensors, dim=dim)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack: expects a non-empty list of Tensors")
    return Stack.apply(*tensors, dim=dim)


def hstack(tensors):
    return cat(tensors, 0 if len(tensors[0].shape) == 1 else 1)


def vstack(tensors):
    return cat([t if len(t.shape) > 1 else unsqueeze(t, 0) for t in tensors], 0)


def split(tensor, split_size_or_sections, dim=0):
    n = len(tensor.shape)
    d = norm_dim(dim, n, "split")
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - i) for i in range(0, size, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly to "
                               f"{size} (input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    if len(sizes) == 1:
        return (tensor,)
    out = Split.apply(tensor, sizes=sizes, dim=d)
    return tuple(_as_view(o, tensor) for o in out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk: number of chunks must be greater than 0, got {chunks}")
    size = input.shape[norm_dim(dim, len(input.shape), "chunk")]
    step = max(1, -(-size // chunks))
    return split(input, step, dim)


def tensor_split(input, indices_or_sections, dim=0):
    size = input.shape[norm_dim(dim, len(input.shape), "tensor_split")]
    if isinstance(indices_or_sections, int):
        q, r = divmod(size, indices_or_sections)
        sizes = [q + 1] * r + [q] * (indices_or_sections - r)
    else:
        bounds = [0] + list(indices_or_sections) + [size]
        sizes = [b - a for a, b in zip(bounds, bounds[1:])]
    return split(input, sizes, dim)


def unbind(input, dim=0):
    d = norm_dim(dim, len(input.shape), "unbind")
    out = Unbind.apply(input, dim=d)
    return tuple(_as_view(o, input) for o in out) if isinstance(input, Tensor) else out
