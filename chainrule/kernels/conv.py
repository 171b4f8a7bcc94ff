"""Convolution kernels on arrays (NumPy only so far): the channels-last copy, im2col, its adjoint
(adding windows back), and the input gradient of a convolution.

These are the array pieces the convolution op calls; its formulas (rows @ Wᵀ, Col2Im(g·W)) stay in
``ops/conv.py``. A compiled direct convolution for narrow channel counts would register here.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import tunables
from ._registry import numpy_kernel


def out_size(size, k, s, lo, hi, d):
    """Positions a kernel of size k (dilation d, stride s) takes on size + lo + hi."""
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def channels_last(x, padding=None):
    """(n, c, *spatial) → a contiguous (n, *spatial_padded, c) copy, zero-padded by ``padding``.

    When a channel plane is a multiple of 512 bytes (32×32 float32 images, say), reading one
    element from each of the c planes in turn maps every read to the same cache set, and NumPy's
    transposing copy runs ~6× slower than for a 30×30 plane. Those planes are first copied to a
    slightly longer stride, which costs one fast contiguous pass and breaks the aliasing.
    """
    n, c, spatial = x.shape[0], x.shape[1], x.shape[2:]
    padding = padding or ((0, 0),) * len(spatial)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, padding))
    make = np.zeros if any(lo or hi for lo, hi in padding) else np.empty
    out = make((n,) + padded + (c,), dtype=x.dtype)
    interior = out[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, padding))]
    plane = math.prod(spatial)
    if tunables.RESTRIDE_ALIASED_PLANES and c > tunables.RESTRIDE_MIN_CHANNELS and (plane * x.itemsize) % 512 == 0:
        restrided = np.empty((n, c, plane + 4), dtype=x.dtype)[..., :plane]
        restrided[...] = x.reshape(n, c, plane)
        x = restrided.reshape((n, c) + spatial)
    interior[...] = np.moveaxis(x, 1, -1)
    return out


@numpy_kernel("im2col")
def im2col(x, kernel, stride, padding, dilation):
    """The receptive fields of the (n, c, *spatial) array x as a contiguous (n, o…, k…, c) array."""
    nsp = len(kernel)
    # one transposing copy makes every gathered row a run of contiguous channels
    xl = channels_last(x, padding)
    n, c = xl.shape[0], xl.shape[-1]
    outs = tuple(out_size(xl.shape[1 + i], kernel[i], stride[i], 0, 0, dilation[i])
                 for i in range(nsp))
    sn, sc = xl.strides[0], xl.strides[-1]
    sp = xl.strides[1:-1]
    view = as_strided(xl, shape=(n,) + outs + tuple(kernel) + (c,),
                      strides=(sn,) + tuple(a * s for a, s in zip(sp, stride)) +
                      tuple(a * d for a, d in zip(sp, dilation)) + (sc,), writeable=False)
    return np.ascontiguousarray(view)


@numpy_kernel("add_windows")
def add_windows(blocks, in_shape, kernel, stride, padding, dilation, outs, dtype):
    """Σ over kernel offsets k of block(k) added at x_pad[n, o·s + k·d, c] (channels last).

    ``blocks(k)`` gives the (n, o…, c) gradient read through offset k; the result is the input's
    gradient as an (n, c, …) view of a channels-last array. Contiguous blocks make this fast.
    """
    nsp = len(kernel)
    n, c = in_shape[0], in_shape[1]
    padded = tuple(in_shape[2 + i] + padding[i][0] + padding[i][1] for i in range(nsp))
    xp = np.zeros((n,) + padded + (c,), dtype=dtype)
    for k in itertools.product(*(range(v) for v in kernel)):
        window = tuple(slice(k[i] * dilation[i], k[i] * dilation[i] + stride[i] * (outs[i] - 1) + 1,
                             stride[i]) for i in range(nsp))
        xp[(slice(None),) + window] += blocks(k)
    if any(lo or hi for lo, hi in padding):
        xp = xp[(slice(None),) + tuple(slice(lo, lo + in_shape[2 + i])
                                       for i, (lo, _) in enumerate(padding))]
    return np.moveaxis(xp, -1, 1)


def _shifted_adds_pay(in_shape, o, outs, kernel, stride, padding, dilation):
    """Whether dx by ``_input_grad_by_shifted_adds`` is cheaper than by window adds.

    The shifted adds multiply over every position of the padded grid instead of every output
    position, but add whole contiguous arrays (~0.2 ns an element) where the window adds pay
    ~0.6 ns (short runs with gaps); a multiply-add costs ~0.014 ns in these GEMMs (measured on
    a 2-core AVX2 machine, benchmarks/README). Stride 1 only: the grid then holds every field.
    """
    if not tunables.SHIFTED_ADDS or any(s != 1 for s in stride):
        return False
    t = tunables
    grid = math.prod(s + lo + hi for s, (lo, hi) in zip(in_shape[2:], padding))
    return grid * (t.CONV_MULADD_NS * o + t.CONV_SHIFTED_ADD_NS) < math.prod(outs) * (t.CONV_MULADD_NS * o + t.CONV_WINDOW_ADD_NS)


def _input_grad_by_shifted_adds(g2, wk, in_shape, outs, kernel, stride, padding, dilation):
    """dx of a stride-1 convolution with every add a whole contiguous array.

    The output gradient g2 ((n·p, o), channels last) is laid on the padded input's grid at the
    corner of each field (zeros elsewhere), so kernel offset k becomes one constant shift of the
    flattened grid: dx_flat[q + shift(k)] += (grid_flat @ W_k)[q]. A field never leaves its
    image, and what spills across a row or image edge, or off the end, is zero.
    """
    n, c, o = in_shape[0], in_shape[1], g2.shape[1]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(in_shape[2:], padding))
    grid = np.zeros((n,) + padded + (o,), g2.dtype)
    grid[(slice(None),) + tuple(slice(0, s) for s in outs)] = g2.reshape((n,) + tuple(outs) + (o,))
    per_k = np.matmul(grid.reshape(-1, o), wk)                  # (k, n·grid, c): a GEMM per k
    steps = np.cumprod((1,) + padded[:0:-1])[::-1]              # positions per step along each dim
    shifts = [int(sum(i * d * step for i, d, step in zip(kk, dilation, steps)))
              for kk in itertools.product(*(range(v) for v in kernel))]
    total = per_k.shape[1]
    flat = np.zeros((total, c), g2.dtype)
    for block, shift in zip(per_k, shifts):  # what a shift pushes past the end is spill: zeros
        flat[shift:] += block[:total - shift]
    xp = flat.reshape((n,) + padded + (c,))
    xp = xp[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(in_shape[2:], padding))]
    return np.moveaxis(xp, -1, 1)


@numpy_kernel("conv_input_grad")
def conv_input_grad(g2, w, in_shape, outs, kernel, stride, padding, dilation):
    """dx of a convolution from its output gradient g2 ((n·p, o), channels last): (g·W_k) added
    where kernel offset k read from — by shifted whole-array adds where they pay, else window adds."""
    o, c = w.shape[0], w.shape[1]
    wk = np.moveaxis(w, 1, -1).reshape(o, -1, c).transpose(1, 0, 2)   # (k, o, c)
    if _shifted_adds_pay(in_shape, o, outs, kernel, stride, padding, dilation):
        return _input_grad_by_shifted_adds(g2, wk, in_shape, outs, kernel, stride, padding, dilation)
    per_k = np.matmul(g2, wk)                                          # (k, n·p, c): a GEMM per k
    shape = (in_shape[0],) + tuple(outs) + (c,)
    index = {kk: i for i, kk in enumerate(itertools.product(*(range(v) for v in kernel)))}
    return add_windows(lambda kk: per_k[index[kk]].reshape(shape), in_shape, kernel, stride, padding,
                       dilation, outs, per_k.dtype)
