"""Pooling (Lecture: CNN — subsampling keeps the pattern, shrinks the image).

Max pooling picks one input per window, so it is a gather at the winners' positions, and its
backward sends each gradient back to its winner (adding up where overlapping windows share one).
Average pooling sums each window (``Im2Col`` then a sum) and divides by the window's count; the
adaptive versions average (or take the max over) windows that tile the input as evenly as possible.
"""
import math

import numpy as np

from .. import kernels as K
from ..autograd.function import Op
from ..autograd.tensor import Tensor, wrap_array
from ._util import recording
from .conv import Im2Col, ntuple
from .indexing import IndexAdd, getitem
from .linalg import matmul
from .reduction import mean, sum as _sum
from .shape import movedim, reshape, squeeze, unsqueeze


def _pool_geometry(spatial, kernel, stride, padding, dilation, ceil_mode, op):
    """Output sizes and the extra right padding that ceil_mode needs, PyTorch's way."""
    outs, extra = [], []
    for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but "
                               f"got pad={p}, kernel_size={k} and dilation={d}")
        span = n + 2 * p - d * (k - 1) - 1
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        if o <= 0:
            raise RuntimeError(f"{op}: output size is too small: input {tuple(spatial)}, kernel "
                               f"{tuple(kernel)}, padding {tuple(padding)} give {o}")
        outs.append(o)
        extra.append(max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p)))
    return tuple(outs), tuple(extra)


def _batched(x, nsp, op):
    nd = len(x.shape)
    if nd not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"{op}: expected a {nsp + 1}-D or {nsp + 2}-D input (batch optional), "
                           f"got shape {tuple(x.shape)}")
    return nd == nsp + 1


def _pool_args(kernel_size, stride, padding, dilation, nsp, op):
    kernel = ntuple(kernel_size, nsp, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        ntuple(stride, nsp, "stride", op)
    return kernel, stride, ntuple(padding, nsp, "padding", op), ntuple(dilation, nsp, "dilation", op)


def _gather_flat(x, flat_idx):
    """x (N, C, *S) read at flat spatial indices (N, C, *O): a differentiable gather."""
    n, c = x.shape[:2]
    xf = reshape(x, (n, c, -1))
    key = (np.arange(n).reshape(n, 1, 1), np.arange(c).reshape(1, c, 1), flat_idx.reshape(n, c, -1))
    return reshape(getitem(xf, key), flat_idx.shape)


def _winner_index(x, kernel, stride, pad, dil, extra, outs):
    """Flat index (into each (n, c) plane of x) of every window's first maximum."""
    win = K.pool_windows(x, kernel, stride, pad, dil, extra)
    best = np.argmax(win.reshape(win.shape[:2 + len(kernel)] + (-1,)), axis=-1)
    ks = np.unravel_index(best, kernel)
    flat = np.zeros(best.shape, dtype=np.int64)
    for i in range(len(kernel)):                      # window position → input coordinate
        shape = [1] * (2 + len(kernel))
        shape[2 + i] = outs[i]
        coord = np.arange(outs[i]).reshape(shape) * stride[i] - pad[i] + ks[i] * dil[i]
        flat = flat * x.shape[2 + i] + coord
    return flat


class MaxPool(Op):
    """y = max over each window; the gradient goes to the window's (first) maximum.

    Both directions walk the k·k kernel offsets: each offset is one strided view of the input,
    so the work is k·k elementwise passes with no gather or scatter.
    """

    def forward(self, x, kernel, stride, pad, dil, extra):
        self.geometry = (kernel, stride, pad, dil, extra)
        win = K.pool_windows(x, kernel, stride, pad, dil, extra)
        self.outs = win.shape[2:2 + len(kernel)]
        self.offsets = list(np.ndindex(*kernel))
        y = win[(Ellipsis,) + self.offsets[0]].copy()
        for k in self.offsets[1:]:
            np.maximum(y, win[(Ellipsis,) + k], out=y)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        if not recording(gy):
            return K.max_pool_backward(gy, x, y, *self.geometry, self.outs)
        xd = x._data           # a scatter to the winners, whose backward is a gather
        flat = _winner_index(xd, *self.geometry, self.outs)
        n, c = xd.shape[:2]
        key = (np.arange(n).reshape(n, 1, 1), np.arange(c).reshape(1, c, 1), flat.reshape(n, c, -1))
        g = IndexAdd.apply(reshape(gy, (n, c, -1)), key=key, shape=(n, c, int(np.prod(xd.shape[2:]))))
        return reshape(g, tuple(xd.shape))


def max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nsp, op):
    unbatched = _batched(input, nsp, op)
    x = unsqueeze(input, 0) if unbatched else input
    kernel, stride, pad, dil = _pool_args(kernel_size, stride, padding, dilation, nsp, op)
    outs, extra = _pool_geometry(x.shape[2:], kernel, stride, pad, dil, ceil_mode, op)
    y = MaxPool.apply(x, kernel=kernel, stride=stride, pad=pad, dil=dil, extra=extra)
    if return_indices:
        idx = wrap_array(_winner_index(x._data, kernel, stride, pad, dil, extra, outs))
        return (squeeze(y, 0), squeeze(idx, 0)) if unbatched else (y, idx)
    return squeeze(y, 0) if unbatched else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                      1, "max_pool1d")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                      2, "max_pool2d")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                      3, "max_pool3d")


def _window_counts(n, k, s, p, o, include_pad):
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if not include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, n)
    return (end - start).astype(np.float64)


def avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
               nsp, op):
    unbatched = _batched(input, nsp, op)
    x = unsqueeze(input, 0) if unbatched else input
    kernel, stride, pad, _ = _pool_args(kernel_size, stride, padding, 1, nsp, op)
    spatial = x.shape[2:]
    outs, extra = _pool_geometry(spatial, kernel, stride, pad, (1,) * nsp, ceil_mode, op)
    cols = Im2Col.apply(x, kernel=kernel, stride=stride, dilation=(1,) * nsp,
                        padding=tuple((p, p + e) for p, e in zip(pad, extra)))
    sums = movedim(_sum(cols, dim=tuple(range(1 + nsp, 1 + 2 * nsp))), -1, 1)  # (n, c, o…)
    if divisor_override:
        y = sums / float(divisor_override)
    else:
        div = np.ones((), dtype=np.float64)
        for i in range(nsp):
            c = _window_counts(spatial[i], kernel[i], stride[i], pad[i], outs[i], count_include_pad)
            div = np.multiply.outer(div, c)
        y = sums / div.astype(x._data.dtype)
    return squeeze(y, 0) if unbatched else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1,
                      "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                      divisor_override, 2, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                      divisor_override, 3, "avg_pool3d")


def _adaptive_bounds(n, o):
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _averaging_matrix(n, o, dtype):
    start, end = _adaptive_bounds(n, o)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive_sizes(output_size, spatial, nsp, op):
    size = ntuple(output_size, nsp, "output_size", op) if not (
        isinstance(output_size, (tuple, list)) and None in output_size) else tuple(
        s if o is None else o for o, s in zip(output_size, spatial))
    if any(v <= 0 for v in size):
        raise RuntimeError(f"{op}: output_size must be positive, got {size}")
    return size


def adaptive_avg_poolnd(input, output_size, nsp, op):
    """Separable: average along each spatial dim with a (out × in) averaging matrix."""
    unbatched = _batched(input, nsp, op)
    x = unsqueeze(input, 0) if unbatched else input
    spatial = x.shape[2:]
    size = _adaptive_sizes(output_size, spatial, nsp, op)
    dt = x._data.dtype
    if all(o == 1 for o in size):  # global average pooling: one mean, not a batch of tiny GEMMs
        y = mean(x, dim=tuple(range(2, 2 + nsp)), keepdim=True)
        return squeeze(y, 0) if unbatched else y
    y = matmul(x, wrap_array(_averaging_matrix(spatial[-1], size[-1], dt).T))
    if nsp == 2:
        y = matmul(wrap_array(_averaging_matrix(spatial[0], size[0], dt)), y)
    return squeeze(y, 0) if unbatched else y


def adaptive_avg_pool1d(input, output_size):
    return adaptive_avg_poolnd(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    return adaptive_avg_poolnd(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_max_poolnd(input, output_size, return_indices, nsp, op):
    unbatched = _batched(input, nsp, op)
    x = unsqueeze(input, 0) if unbatched else input
    spatial = x.shape[2:]
    size = _adaptive_sizes(output_size, spatial, nsp, op)
    xd = x._data
    bounds = [_adaptive_bounds(n, o) for n, o in zip(spatial, size)]
    flat = np.zeros(xd.shape[:2] + size, dtype=np.int64)
    for pos in np.ndindex(*size):  # windows differ in size, so one vectorized argmax per window
        sl = tuple(slice(b[0][p], b[1][p]) for b, p in zip(bounds, pos))
        win = xd[(slice(None), slice(None)) + sl]
        k = np.unravel_index(np.argmax(win.reshape(win.shape[:2] + (-1,)), axis=-1), win.shape[2:])
        f = np.zeros(xd.shape[:2], dtype=np.int64)
        for i in range(nsp):
            f = f * spatial[i] + (bounds[i][0][pos[i]] + k[i])
        flat[(slice(None), slice(None)) + pos] = f
    y = _gather_flat(x, flat)
    idx = wrap_array(flat)
    if unbatched:
        y, idx = squeeze(y, 0), squeeze(idx, 0)
    return (y, idx) if return_indices else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return adaptive_max_poolnd(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return adaptive_max_poolnd(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Put each value back at the position max_pool2d took it from; zeros elsewhere."""
    unbatched = _batched(input, 2, "max_unpool2d")
    x = unsqueeze(input, 0) if unbatched else input
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if unbatched:
        idx = idx[None]
    if idx.shape != tuple(x.shape):
        raise RuntimeError(f"max_unpool2d: indices of shape {idx.shape} must match the input "
                           f"shape {tuple(x.shape)}")
    kernel, stride, pad, _ = _pool_args(kernel_size, stride, padding, 1, 2, "max_unpool2d")
    if output_size is None:
        size = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * pad[i] + kernel[i] for i in range(2))
    else:
        size = tuple(output_size)[-2:]
    n, c = x.shape[:2]
    total = math.prod(size)
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        raise RuntimeError(f"max_unpool2d: found an invalid max index {idx.max()} for an output "
                           f"of size {size}")
    key = (np.arange(n).reshape(n, 1, 1), np.arange(c).reshape(1, c, 1), idx.reshape(n, c, -1))
    y = IndexAdd.apply(reshape(x, (n, c, -1)), key=key, shape=(n, c, total))
    y = reshape(y, (n, c) + size)
    return squeeze(y, 0) if unbatched else y
