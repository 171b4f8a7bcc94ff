"""Shape ops: reshape, transpose, permute, expand, repeat, cat/stack/split, flip, roll, tril/triu.

They move numbers around without changing them, so each backward moves the gradient back the same
way (reshape back, permute by the inverse permutation, sum the repeated copies, cut the
concatenated gradient into pieces). Ops that return a view of their input mark it as one, so an
in-place change through either is seen by the autograd version check.
"""
import math

import numpy as np

from ..autograd.broadcast import broadcast_to, sum_to_shape
from ..autograd.function import Op
from ..autograd.tensor import Tensor
from ._util import norm_dim, shape_arg
from .arithmetic import where


def _as_view(out, x):
    """Mark ``out`` as a view of ``x`` when it shares x's memory (for in-place version checks)."""
    if isinstance(out, Tensor) and isinstance(x, Tensor) and out._data.base is not None:
        out._base = x._base if x._base is not None else x
    return out


def _infer_shape(shape, size, op):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (-1), got shape {tuple(shape)}")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension in {tuple(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or size % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size}")
        shape[neg[0]] = size // known
    elif known != size:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size}")
    return tuple(shape)


class Reshape(Op):
    """Same numbers, new shape; the gradient is reshaped back."""

    def forward(self, x, shape, view=False):
        self.in_shape = x.shape
        if x.shape == shape:
            return x.view()
        shape = _infer_shape(shape, x.size, "view" if view else "reshape")
        if view:
            out = x.view()
            try:
                out.shape = shape
            except AttributeError:
                raise RuntimeError(f"view: size {shape} is not compatible with input tensor's size "
                                   f"{x.shape} and stride (at least one dimension spans across "
                                   f"two contiguous subspaces). Use .reshape(...) instead.") from None
            return out
        return np.reshape(x, shape)

    def backward(self, gy):
        return reshape(gy, self.in_shape)


class Permute(Op):
    """Reorder dims; the gradient is reordered by the inverse permutation."""

    def forward(self, x, dims):
        self.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    def backward(self, gy):
        return permute(gy, self.inverse)


class Repeat(Op):
    """Tile x; each copy's gradient is summed back into x."""

    def forward(self, x, reps):
        if len(reps) < x.ndim:
            raise RuntimeError(f"repeat: number of repeat dims ({len(reps)}) can not be smaller "
                               f"than number of dimensions of tensor ({x.ndim})")
        self.in_shape = (1,) * (len(reps) - x.ndim) + x.shape
        self.reps = reps
        return np.tile(x.reshape(self.in_shape), reps)

    def backward(self, gy):
        split = []
        for r, s in zip(self.reps, self.in_shape):
            split += [r, s]
        g = sum_to_shape(reshape(gy, tuple(split)), tuple(1 if i % 2 == 0 else s for i, s in enumerate(split)))
        return reshape(g, self.in_shape)


class Flip(Op):
    """Reverse the order along dims; the gradient is reversed back."""

    def forward(self, x, dims):
        self.dims = dims
        return np.flip(x, dims)

    def backward(self, gy):
        return flip(gy, self.dims)


class Roll(Op):
    """Shift cyclically; the gradient is shifted back."""

    def forward(self, x, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return np.roll(x, shifts, dims)

    def backward(self, gy):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return roll(gy, neg, self.dims)


class Tri(Op):
    """Keep the lower (tril) or upper (triu) triangle; the gradient is masked the same way."""

    def forward(self, x, diagonal=0, upper=False):
        if x.ndim < 2:
            raise RuntimeError(f"{'triu' if upper else 'tril'}: input tensor must have at least "
                               f"2 dimensions, got shape {x.shape}")
        self.diagonal, self.upper = diagonal, upper
        return np.triu(x, diagonal) if upper else np.tril(x, diagonal)

    def backward(self, gy):
        return Tri.apply(gy, diagonal=self.diagonal, upper=self.upper)


class Clone(Op):
    """A copy with its own memory; the gradient passes unchanged."""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


# --------------------------------------------------------------------------- public functions
def reshape(input, *shape):
    shape = shape_arg(shape, "reshape")
    return _as_view(Reshape.apply(input, shape=shape), input)


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        return input.to(shape[0])  # view(dtype)
    shape = shape_arg(shape, "view")
    return _as_view(Reshape.apply(input, shape=shape, view=True), input)


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    shape = input.shape
    if len(shape) == 0:
        return reshape(input, (1,))
    s = norm_dim(start_dim, len(shape), "flatten")
    e = norm_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(input, dim, sizes):
    shape = input.shape
    d = norm_dim(dim, len(shape), "unflatten")
    sizes = tuple(sizes)
    if -1 not in sizes and math.prod(sizes) != shape[d]:
        raise RuntimeError(f"unflatten: provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({shape[d]}) in the input tensor")
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input, dim=None):
    shape = input.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {norm_dim(d, len(shape), "squeeze") for d in dims} if shape else set()
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return reshape(input, new) if new != shape else input


def unsqueeze(input, dim):
    shape = input.shape
    d = norm_dim(dim, len(shape) + 1, "unsqueeze")
    return reshape(input, shape[:d] + (1,) + shape[d:])


def permute(input, *dims):
    dims = shape_arg(dims, "permute")
    n = len(input.shape)
    if len(dims) != n:
        raise RuntimeError(f"permute: number of dims don't match: the input has {n} dims but "
                           f"{len(dims)} were given ({dims})")
    dims = tuple(norm_dim(d, n, "permute") for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return _as_view(Permute.apply(input, dims=dims), input)


def transpose(input, dim0, dim1):
    n = len(input.shape)
    if n == 0:
        return input
    d0, d1 = norm_dim(dim0, n, "transpose"), norm_dim(dim1, n, "transpose")
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _as_view(Permute.apply(input, dims=tuple(dims)), input)


swapaxes = swapdims = transpose


def t(input):
    if len(input.shape) > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but got {len(input.shape)}")
    return transpose(input, 0, 1) if len(input.shape) == 2 else input


def T(input):
    n = len(input.shape)
    return permute(input, tuple(range(n - 1, -1, -1))) if n > 1 else input


def mT(input):
    return transpose(input, -2, -1)


def movedim(input, source, destination):
    n = len(input.shape)
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {source} and destination {destination} must have "
                           f"the same number of dims")
    src = [norm_dim(d, n, "movedim") for d in src]
    dst = [norm_dim(d, n, "movedim") for d in dst]
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


moveaxis = movedim


def expand(input, *sizes):
    sizes = shape_arg(sizes, "expand")
    shape = input.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
    for i, s in enumerate(target):
        if s < 0:
            raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension "
                               f"(sizes {sizes}, tensor shape {shape})")
        if i >= lead and shape[i - lead] != 1 and shape[i - lead] != s:
            raise RuntimeError(f"expand: the expanded size of the tensor ({s}) must match the "
                               f"existing size ({shape[i - lead]}) at non-singleton dimension {i}. "
                               f"Target sizes: {list(sizes)}. Tensor sizes: {list(shape)}")
    return _as_view(broadcast_to(input, target), input)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def repeat(input, *sizes):
    return Repeat.apply(input, reps=shape_arg(sizes, "repeat"))


def tile(input, dims):
    dims = tuple(dims)
    n = len(input.shape)
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return Repeat.apply(input, reps=dims)


def flip(input, dims):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    n = len(input.shape)
    dims = tuple(norm_dim(d, n, "flip") for d in dims)
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"flip: dim {d} appears multiple times in the list of dims {dims}")
    return Flip.apply(input, dims=dims)


def fliplr(input):
    return flip(input, (1,))


def flipud(input):
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    if dims is None:
        flat = flatten(input)
        return reshape(Roll.apply(flat, shifts=shifts, dims=0), input.shape)
    if isinstance(shifts, (list, tuple)):
        shifts, dims = tuple(shifts), tuple(dims)
    return Roll.apply(input, shifts=shifts, dims=dims)


def tril(input, diagonal=0):
    return Tri.apply(input, diagonal=diagonal, upper=False)


def triu(input, diagonal=0):
    return Tri.apply(input, diagonal=diagonal, upper=True)


def clone(input):
    return Clone.apply(input)


def contiguous(input):
    return input if input._data.flags.c_contiguous else Clone.apply(input)


def masked_fill(input, mask, value):
    """x with ``value`` where ``mask`` is True; no gradient flows to the filled places."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got {m.dtype}")
    try:
        np.broadcast_shapes(m.shape, input.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: mask of shape {m.shape} cannot be broadcast to the "
                           f"input's shape {input.shape}") from None
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, but got "
                           f"a tensor with {value._data.ndim} dimensions")
    if isinstance(value, float) and input._data.dtype.kind != "f":
        value = int(value)
    out = where(m, value, input)
    if isinstance(value, Tensor) and out.dtype != input.dtype:
        out = out.to(input.dtype)
    return out
