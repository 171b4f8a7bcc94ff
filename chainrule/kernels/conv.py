"""Convolution kernels on arrays: the channels-last copy, im2col, its adjoint (adding windows back),
the input gradient of a convolution, and the depthwise convolution (compiled loops).

These are the array pieces the convolution op calls; its formulas (rows @ Wᵀ, Col2Im(g·W)) stay in
``ops/conv.py``. A compiled direct convolution for narrow channel counts would register here.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import tunables
from ._jit import compiled, jit
from ._registry import kernel, numpy_kernel

prange = range   # replaced by numba.prange when a kernel compiles (see _jit.jit)


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


def _gradient_conv_pays(c, o, kernel, stride, padding, dilation):
    """Whether dx is cheaper as a convolution of the gradient (``_input_grad_by_gradient_conv``):
    stride 1, a kernel larger than 1×1, padding within d·(k − 1), and no more filters than input
    channels, at most ``CONV_GRADIENT_CONV_MAX_FILTERS``. The other two ways multiply the gradient by
    each offset's (o × c) filter slice — a product contracting over only o, which OpenBLAS runs at a
    fraction of its speed when o is small — and then add c-wide blocks; this one contracts over
    k·k·o but copies k·k·o values per position. Measured for 3×3 filters on the 2-core AMD EPYC VM
    (time as a convolution / time by the adds, alternating in one process): c ≥ o — 64→16 at 14²
    0.35, 32→16 at 28² 0.61, 8→4 at 16² 0.71, 32→32 at 7²–14² 0.74–0.78, 64→64 at 32² 0.82,
    16→16 at 28² 0.93, 128→128 at 16² 0.97, 256→256 at 8² 1.12; c < o — 16→32 1.16–1.47, 6→16 2.05."""
    t = tunables
    return (t.GRADIENT_CONV and all(s == 1 for s in stride) and math.prod(kernel) > 1
            and all(max(lo, hi) <= d * (k - 1) for (lo, hi), k, d in zip(padding, kernel, dilation))
            and o <= c and o <= t.CONV_GRADIENT_CONV_MAX_FILTERS)


def _input_grad_by_gradient_conv(g2, w, in_shape, outs, kernel, padding, dilation):
    """dx of a stride-1 convolution as a convolution itself: dx[n, c, y] = Σ_{o, k} g[n, o, y + p −
    k·d]·W[o, c, k] — the gradient, padded by d·(k − 1) − p on each side, correlated with the filters
    flipped and with their two channel axes swapped: one im2col of the gradient, one product."""
    n, c, o = in_shape[0], in_shape[1], w.shape[0]
    g = np.moveaxis(g2.reshape((n,) + tuple(outs) + (o,)), -1, 1)          # NCHW view, channels last
    pads = tuple((d * (k - 1) - lo, d * (k - 1) - hi) for k, d, (lo, hi) in zip(kernel, dilation, padding))
    rows = im2col(g, kernel, (1,) * len(kernel), pads, dilation)           # (n, y…, k…, o)
    flipped = np.flip(w, axis=tuple(range(2, w.ndim)))                     # (o, c, k…) reversed in k
    wt = np.moveaxis(flipped, 0, -1).reshape(c, -1)                        # (c, k…·o): rows' order
    dx = rows.reshape(-1, wt.shape[1]) @ wt.T
    return np.moveaxis(dx.reshape((n,) + tuple(in_shape[2:]) + (c,)), -1, 1)


@numpy_kernel("conv_input_grad")
def conv_input_grad(g2, w, in_shape, outs, kernel, stride, padding, dilation):
    """dx of a convolution from its output gradient g2 ((n·p, o), channels last): as a convolution
    of the gradient where that pays, else (g·W_k) added where kernel offset k read from — by shifted
    whole-array adds where they pay, else window adds."""
    o, c = w.shape[0], w.shape[1]
    if _gradient_conv_pays(c, o, kernel, stride, padding, dilation):
        return _input_grad_by_gradient_conv(g2, w, in_shape, outs, kernel, padding, dilation)
    wk = np.moveaxis(w, 1, -1).reshape(o, -1, c).transpose(1, 0, 2)   # (k, o, c)
    if _shifted_adds_pay(in_shape, o, outs, kernel, stride, padding, dilation):
        return _input_grad_by_shifted_adds(g2, wk, in_shape, outs, kernel, stride, padding, dilation)
    per_k = np.matmul(g2, wk)                                          # (k, n·p, c): a GEMM per k
    shape = (in_shape[0],) + tuple(outs) + (c,)
    index = {kk: i for i, kk in enumerate(itertools.product(*(range(v) for v in kernel)))}
    return add_windows(lambda kk: per_k[index[kk]].reshape(shape), in_shape, kernel, stride, padding,
                       dilation, outs, per_k.dtype)


# ------------------------------------------------------------------------- depthwise (2-D)
# A depthwise convolution (groups = input channels; MobileNet's) filters each channel by its own
# m kernels: y[n, c·m + j] = Σ_taps w[c·m + j, 0, tap] · x_pad[n, c, at tap]. As im2col + batched
# matrix products it is thousands of 9-long dot products; these loops run it directly.

def _dw_windows(xp, kernel, stride, dilation, outs):
    """x_pad's (n, c, oh, ow) view read by kernel tap (ki, kj)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, outs
    for ki in range(kh):
        for kj in range(kw):
            yield ki, kj, xp[:, :, ki * dh:ki * dh + sh * (oh - 1) + 1:sh, kj * dw:kj * dw + sw * (ow - 1) + 1:sw]


def _dw_pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0)) + tuple(padding)) if any(p for lh in padding for p in lh) else x


def _dw_forward_ref(x, w, stride, padding, dilation):
    n, c = x.shape[:2]
    m = w.shape[0] // c
    xp = _dw_pad(x, padding)
    outs = tuple(out_size(xp.shape[2 + i], w.shape[2 + i], stride[i], 0, 0, dilation[i]) for i in range(2))
    wr = w.reshape(c, m, *w.shape[2:])
    y = np.zeros((n, c, m) + outs, dtype=np.result_type(x, w))
    for ki, kj, win in _dw_windows(xp, w.shape[2:], stride, dilation, outs):
        y += win[:, :, None] * wr[None, :, :, ki, kj, None, None]
    return y.reshape((n, c * m) + outs)


def _dw_backward_ref(g, x, w, stride, padding, dilation):
    """(dx, dw): dw[c·m+j, tap] = Σ g·window(tap); dx adds g·w back where each tap read from."""
    n, c = x.shape[:2]
    m = w.shape[0] // c
    xp = _dw_pad(x, padding)
    outs = g.shape[2:]
    gr = g.reshape(n, c, m, *outs)
    wr = w.reshape(c, m, *w.shape[2:])
    gw = np.zeros_like(wr, dtype=np.result_type(g, x))
    gxp = np.zeros(xp.shape, dtype=np.result_type(g, w))
    (sh, sw), (dh, dw) = stride, dilation
    for ki, kj, win in _dw_windows(xp, w.shape[2:], stride, dilation, outs):
        gw[:, :, ki, kj] = np.einsum("ncjhw,nchw->cj", gr, win)
        gxp[:, :, ki * dh:ki * dh + sh * (outs[0] - 1) + 1:sh, kj * dw:kj * dw + sw * (outs[1] - 1) + 1:sw] += \
            np.einsum("ncjhw,cj->nchw", gr, wr[:, :, ki, kj])
    (pt, _), (pl, _) = padding
    gx = gxp[:, :, pt:pt + x.shape[2], pl:pl + x.shape[3]]
    return np.ascontiguousarray(gx), gw.reshape(w.shape)


def _dw_span(o, s, pad, k, d, size):
    """The outputs [lo, hi) whose tap at offset k·d reads inside [0, size) (no bounds tests inside)."""
    lo = max(0, (pad - k * d + s - 1) // s)
    hi = min(o, (size - 1 + pad - k * d) // s + 1)
    return lo, max(lo, hi)


def _dw_forward_loop(x, w, y, sh, sw, pt, pl, dh, dw):
    n, c, h, wd = x.shape
    oc, _, kh, kw = w.shape
    m = oc // c
    oh, ow = y.shape[2], y.shape[3]
    for nco in prange(n * oc):
        b, o = nco // oc, nco % oc
        ch = o // m
        out = y[b, o]
        img = x[b, ch]
        out[:, :] = 0.0
        for ki in range(kh):
            ylo, yhi = _dw_span(oh, sh, pt, ki, dh, h)
            for kj in range(kw):
                xlo, xhi = _dw_span(ow, sw, pl, kj, dw, wd)
                wv = w[o, 0, ki, kj]
                shift = kj * dw - pl
                for oy in range(ylo, yhi):
                    row, src = out[oy], img[oy * sh - pt + ki * dh]
                    for ox in range(xlo, xhi):
                        row[ox] += wv * src[ox * sw + shift]


def _dw_input_grad_loop(g, w, gx, sh, sw, pt, pl, dh, dw):
    n, c, h, wd = gx.shape
    oc, _, kh, kw = w.shape
    m = oc // c
    oh, ow = g.shape[2], g.shape[3]
    for nc in prange(n * c):
        b, ch = nc // c, nc % c
        img = gx[b, ch]
        img[:, :] = 0.0
        for j in range(m):
            o = ch * m + j
            grad = g[b, o]
            for ki in range(kh):
                ylo, yhi = _dw_span(oh, sh, pt, ki, dh, h)
                for kj in range(kw):
                    xlo, xhi = _dw_span(ow, sw, pl, kj, dw, wd)
                    wv = w[o, 0, ki, kj]
                    shift = kj * dw - pl
                    for oy in range(ylo, yhi):
                        row, dst = grad[oy], img[oy * sh - pt + ki * dh]
                        for ox in range(xlo, xhi):
                            dst[ox * sw + shift] += row[ox] * wv


def _dw_weight_grad_loop(g, x, gw, sh, sw, pt, pl, dh, dw):
    n, c, h, wd = x.shape
    oc, _, kh, kw = gw.shape
    m = oc // c
    oh, ow = g.shape[2], g.shape[3]
    for o in prange(oc):
        ch = o // m
        for ki in range(kh):
            ylo, yhi = _dw_span(oh, sh, pt, ki, dh, h)
            for kj in range(kw):
                xlo, xhi = _dw_span(ow, sw, pl, kj, dw, wd)
                shift = kj * dw - pl
                acc = 0.0
                for b in range(n):
                    grad, img = g[b, o], x[b, ch]
                    for oy in range(ylo, yhi):
                        row, src = grad[oy], img[oy * sh - pt + ki * dh]
                        for ox in range(xlo, xhi):
                            acc += row[ox] * src[ox * sw + shift]
                gw[o, 0, ki, kj] = acc


def _compile_span():
    """The loops call _dw_span: it is compiled first, in their module's globals."""
    global _dw_span
    if not hasattr(_dw_span, "py_func"):
        _dw_span = jit(_dw_span)


@kernel("depthwise_conv2d_forward", _dw_forward_ref)
def _build_dw_forward():
    _compile_span()
    loop = compiled(_dw_forward_loop)

    def run(x, w, stride, padding, dilation):
        x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
        outs = tuple(out_size(x.shape[2 + i], w.shape[2 + i], stride[i], *padding[i], dilation[i]) for i in range(2))
        y = np.empty((x.shape[0], w.shape[0]) + outs, dtype=np.result_type(x, w))
        loop(y.size * w.shape[2] * w.shape[3] >= tunables.PARALLEL_MIN_COMPILED, x, w, y, stride[0], stride[1],
             padding[0][0], padding[1][0], dilation[0], dilation[1])
        return y
    return run


@kernel("depthwise_conv2d_backward", _dw_backward_ref)
def _build_dw_backward():
    _compile_span()
    input_loop, weight_loop = compiled(_dw_input_grad_loop), compiled(_dw_weight_grad_loop)

    def run(g, x, w, stride, padding, dilation):
        g, x, w = np.ascontiguousarray(g), np.ascontiguousarray(x), np.ascontiguousarray(w)
        big = g.size * w.shape[2] * w.shape[3] >= tunables.PARALLEL_MIN_COMPILED
        args = (stride[0], stride[1], padding[0][0], padding[1][0], dilation[0], dilation[1])
        gx = np.empty(x.shape, dtype=np.result_type(g, w))
        gw = np.empty(w.shape, dtype=np.result_type(g, x))
        input_loop(big, g, w, gx, *args)
        weight_loop(big, g, x, gw, *args)
        return gx, gw
    return run
