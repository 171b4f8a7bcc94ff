"""Building and reading structured tensors: diagonals, traces, grids and repeated entries.

Each is indexing in disguise — writing a vector onto a diagonal, reading it back, repeating a row —
so each gradient is the matching read or write of the output's gradient.
"""
import numpy as np

from ..autograd.function import Op
from ..autograd.tensor import Tensor, wrap_array
from ._util import norm_dim
from .indexing import index_select
from .indexing import diagonal as diagonal_of
from .shape import expand, flatten, movedim, reshape


def _diag_key(n, offset, ndim):
    i = np.arange(n)
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    return (Ellipsis, rows, cols) if ndim else (rows, cols)


class DiagEmbed(Op):
    """out[..., i, i+offset] = x[..., i] (zeros elsewhere) on the last two dims; the gradient
    reads that diagonal of g back."""

    def forward(self, x, offset):
        n = x.shape[-1]
        m = n + abs(offset)
        out = np.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
        out[_diag_key(n, offset, 1)] = x
        self.offset = offset
        return out

    def backward(self, g):
        return diagonal_of(g, self.offset, -2, -1)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    out = DiagEmbed.apply(input, offset=offset)
    n = len(out.shape)
    d1, d2 = norm_dim(dim1, n, "diag_embed"), norm_dim(dim2, n, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    if (d1, d2) == (n - 2, n - 1):
        return out
    return movedim(out, (n - 2, n - 1), (d1, d2))


def diag(input, diagonal=0):
    """A vector → the square matrix with it on the ``diagonal``-th diagonal; a matrix → that
    diagonal as a vector."""
    nd = len(input.shape)
    if nd == 1:
        return DiagEmbed.apply(input, offset=diagonal)
    if nd == 2:
        return diagonal_of(input, diagonal, 0, 1)
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got {nd}-D")


def trace(input):
    """Σᵢ xᵢᵢ of a matrix."""
    if len(input.shape) != 2:
        raise RuntimeError(f"trace: expected a matrix (2-D), got shape {tuple(input.shape)}")
    return diagonal_of(input, 0, 0, 1).sum()


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids: output k varies along dim k ('ij') — 'xy' swaps the first two."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if len(t.shape) > 1:
            raise RuntimeError(f"meshgrid: expected 0-D or 1-D tensors, got shape {tuple(t.shape)}")
    sizes = [int(np.prod(t.shape)) for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0
    shape = [sizes[i] for i in order]
    out = []
    for k, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order.index(k)] = sizes[k]
        out.append(expand(reshape(t, tuple(view)), tuple(shape)))
    return tuple(out)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place:
    [a, b].repeat_interleave(2) = [a, a, b, b]. With one integer tensor,
    ``repeat_interleave(r)`` gives [0]·r₀ + [1]·r₁ + … ."""
    if repeats is None:
        r = input._data if isinstance(input, Tensor) else np.asarray(input)
        if r.ndim > 1 or r.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 0-D or 1-D integer tensor")
        return wrap_array(np.repeat(np.arange(r.size, dtype=np.int64), r.reshape(-1)))
    x = flatten(input) if dim is None else input
    d = 0 if dim is None else norm_dim(dim, max(len(x.shape), 1), "repeat_interleave")
    if len(x.shape) == 0:
        x = reshape(x, (1,))
    n = x.shape[d]
    r = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.dtype.kind not in "iu":
        raise RuntimeError(f"repeat_interleave: repeats must be integers, got {r.dtype}")
    if r.ndim > 1 or (r.ndim == 1 and r.size not in (1, n)):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim "
                           f"({n}), got {r.shape}")
    if np.any(r < 0):
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = np.repeat(np.arange(n), np.broadcast_to(r.reshape(-1), (n,)))
    if output_size is not None and idx.size != output_size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the "
                           f"repeated length {idx.size}")
    return index_select(x, d, idx)


def unfold(input, dimension, size, step):
    """``Tensor.unfold``: every window of ``size`` along ``dimension``, ``step`` apart, as a new
    last dim (a read of overlapping slices)."""
    nd = len(input.shape)
    d = norm_dim(dimension, max(nd, 1), "unfold")
    n = input.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    x = reshape(input, (1,)) if nd == 0 else input
    starts = np.arange(0, n - size + 1, step)
    idx = (starts[:, None] + np.arange(size)).reshape(-1)
    windows = index_select(x, d, idx)
    shape = tuple(x.shape[:d]) + (len(starts), size) + tuple(x.shape[d + 1:])
    out = movedim(reshape(windows, shape), d + 1, -1)
    return reshape(out, (size,)) if nd == 0 else out
