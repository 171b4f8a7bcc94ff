"""Convolution as im2col + one matrix product (Lecture: CNN).

``Im2Col`` lays every receptive field of the (padded) input out as a row — a strided *view*,
copied once — so a convolution with O filters is the fully connected layer
``rows (positions × k·k·C) @ Wᵀ (k·k·C × O) + b`` shared by every position: one BLAS call. ``Col2Im`` is its adjoint (it adds each column back where it came from),
so the two are each other's backward, and a convolution built from them, reshapes and matmul has
gradients — and gradients of gradients — with no convolution-specific backward code at all.
Transposed convolution is the same pieces in the other order.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Op
from ..autograd.tensor import Tensor
from ._util import column_sums
from .linalg import matmul
from .shape import movedim, permute, reshape, squeeze, transpose, unsqueeze


def ntuple(value, n, name, op):
    """An int or a sequence → a tuple of n ints (PyTorch's _pair/_single)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value}")
    return value


def out_size(size, k, s, lo, hi, d):
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
    if c > 8 and (plane * x.itemsize) % 512 == 0:
        restrided = np.empty((n, c, plane + 4), dtype=x.dtype)[..., :plane]
        restrided[...] = x.reshape(n, c, plane)
        x = restrided.reshape((n, c) + spatial)
    interior[...] = np.moveaxis(x, 1, -1)
    return out


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


class Im2Col(Op):
    """rows[n, o₁…, k₁…, c] = x_pad[n, c, o₁·s₁ + k₁·d₁, …]: one row per output position.

    Rows are receptive fields, so ``rows.reshape(positions, k·k·C)`` is the input of a fully
    connected layer shared by every position — which is what a convolution is. Channels are the
    fastest-moving axis of a row (the memory order that makes the gather fast).
    """

    def forward(self, x, kernel, stride, padding, dilation):
        self.params = (x.shape, kernel, stride, padding, dilation)
        return im2col(x, kernel, stride, padding, dilation)

    def backward(self, g):
        in_shape, kernel, stride, padding, dilation = self.params
        return Col2Im.apply(g, in_shape=in_shape, kernel=kernel, stride=stride, padding=padding,
                            dilation=dilation)


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


class Col2Im(Op):
    """The adjoint of Im2Col: every row is added back onto the positions it was read from."""

    def forward(self, cols, in_shape, kernel, stride, padding, dilation):
        nsp = len(kernel)
        self.params = (in_shape, kernel, stride, padding, dilation)
        fill = (slice(None),) * (1 + nsp)
        return add_windows(lambda k: cols[fill + k], in_shape, kernel, stride, padding, dilation,
                           cols.shape[1:1 + nsp], cols.dtype)

    def backward(self, g):
        in_shape, kernel, stride, padding, dilation = self.params
        return Im2Col.apply(g, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


class Conv(Op):
    """y = rows(x) @ Wᵀ + b, rows = Im2Col(x): a convolution as one fully connected layer.

    Backward: dW = gᵀ·rows, db = Σ g, dx = Col2Im(g·W). On the fast path dx is built one kernel
    offset at a time, (g·W_k) added where offset k read from — contiguous blocks, no scattered
    writes; with create_graph the same formulas run on differentiable ops.
    """

    def forward(self, x, w, b, stride, padding, dilation):
        kernel = tuple(w.shape[2:])
        self.params = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        rows = Im2Col.apply(x, **self.params)                          # (n, o…, k…, c)
        nsp = len(kernel)
        self.outs = rows.shape[1:1 + nsp]
        o = w.shape[0]
        y = rows.reshape(-1, math.prod(kernel) * w.shape[1]) @ _w_rows(w).T
        if b is not None:
            y += b
        self.save_for_backward(x, w)
        self.rows = rows
        return np.moveaxis(y.reshape((x.shape[0],) + self.outs + (o,)), -1, 1)

    def backward(self, gy):
        x, w = self.saved_tensors
        o, c = w.shape[0], w.shape[1]
        g2 = movedim(gy, 1, -1).reshape(-1, o)                          # (n·p, o)
        need = self.next
        gb = column_sums(g2) if need[2] is not None else None
        gw = gx = None
        if isinstance(gy, Tensor):  # differentiable path: the same formulas on graph ops
            rows = Im2Col.apply(x, **self.params)
            if need[1] is not None:
                gw = _w_from_rows(g2.T @ rows.reshape(g2.shape[0], -1), w.shape)
            if need[0] is not None:
                cols = reshape(g2 @ _w_rows(w), tuple(rows.shape))
                gx = Col2Im.apply(cols, in_shape=tuple(x.shape), **self.params)
            return gx, gw, gb
        if need[1] is not None:
            gw = _w_from_rows(g2.T @ self.rows.reshape(g2.shape[0], -1), w.shape)
        if need[0] is not None:
            kernel = self.params["kernel"]
            wk = np.moveaxis(w, 1, -1).reshape(o, -1, c).transpose(1, 0, 2)   # (k, o, c)
            if _shifted_adds_pay(x.shape, o, self.outs, **self.params):
                gx = _input_grad_by_shifted_adds(g2, wk, x.shape, self.outs, **self.params)
            else:
                per_k = np.matmul(g2, wk)                                # (k, n·p, c): a GEMM per k
                shape = (x.shape[0],) + tuple(self.outs) + (c,)
                index = {kk: i for i, kk in enumerate(itertools.product(*(range(v) for v in kernel)))}
                gx = add_windows(lambda kk: per_k[index[kk]].reshape(shape), x.shape,
                                 outs=self.outs, dtype=per_k.dtype, **self.params)
        return gx, gw, gb


def _shifted_adds_pay(in_shape, o, outs, kernel, stride, padding, dilation):
    """Whether dx by ``_input_grad_by_shifted_adds`` is cheaper than by window adds.

    The shifted adds multiply over every position of the padded grid instead of every output
    position, but add whole contiguous arrays (~0.2 ns an element) where the window adds pay
    ~0.6 ns (short runs with gaps); a multiply-add costs ~0.014 ns in these GEMMs (measured on
    a 2-core AVX2 machine, benchmarks/README). Stride 1 only: the grid then holds every field.
    """
    if any(s != 1 for s in stride):
        return False
    grid = math.prod(s + lo + hi for s, (lo, hi) in zip(in_shape[2:], padding))
    return grid * (0.014 * o + 0.2) < math.prod(outs) * (0.014 * o + 0.6)


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


def _w_rows(w):
    """(o, c, k…) → (o, k…·c): the weight as the matrix the rows multiply."""
    return reshape(movedim(w, 1, -1), (w.shape[0], -1))


def _w_from_rows(g, shape):
    """(o, k…·c) → (o, c, k…)."""
    return movedim(reshape(g, (shape[0],) + tuple(shape[2:]) + (shape[1],)), -1, 1)


def _check_batched(x, nsp, op):
    nd = len(x.shape)
    if nd not in (nsp + 1, nsp + 2):
        sp = ", ".join("HW"[i] if nsp == 2 else "L" for i in range(nsp))
        want = f"(N, C, {sp}) or (C, {sp})"
        raise RuntimeError(f"{op}: expected a {nsp + 2}-D input {want}, got shape {tuple(x.shape)}")
    return nd == nsp + 1


def _check_weight(weight, nsp, op, layout):
    if len(weight.shape) != nsp + 2:
        raise RuntimeError(f"{op}: weight must be {nsp + 2}-D ({layout}, kernel...), got shape "
                           f"{tuple(weight.shape)}")


def conv_padding(padding, kernel, stride, dilation, nsp, op):
    """'valid', 'same', an int or a tuple → a (lo, hi) pair per spatial dim."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nsp
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
    return tuple((p, p) for p in ntuple(padding, nsp, "padding", op))


def convnd(input, weight, bias, stride, padding, dilation, groups, nsp, op):
    """y[n, o] = Σ_c W[o, c] ⋆ x[n, c] + b[o], as W-matrix @ Im2Col(x)."""
    unbatched = _check_batched(input, nsp, op)
    x = unsqueeze(input, 0) if unbatched else input
    _check_weight(weight, nsp, op, "out_channels, in_channels/groups")
    n, c = x.shape[:2]
    o, cg = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    if groups < 1 or c % groups or o % groups:
        raise RuntimeError(f"{op}: in_channels ({c}) and out_channels ({o}) must be divisible by "
                           f"groups ({groups})")
    if c != cg * groups:
        raise RuntimeError(f"{op}: expected input with {cg * groups} channels (weight of shape "
                           f"{tuple(weight.shape)}, groups={groups}), but got input of shape "
                           f"{tuple(x.shape)} with {c} channels")
    stride = ntuple(stride, nsp, "stride", op)
    dilation = ntuple(dilation, nsp, "dilation", op)
    pads = conv_padding(padding, kernel, stride, dilation, nsp, op)
    spatial = x.shape[2:]
    outs = [out_size(spatial[i], kernel[i], stride[i], *pads[i], dilation[i]) for i in range(nsp)]
    if any(v <= 0 for v in outs):
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        padded = tuple(spatial[i] + sum(pads[i]) for i in range(nsp))
        raise RuntimeError(f"{op}: the kernel {eff} is larger than the padded input {padded} "
                           f"(input {tuple(spatial)}, padding {tuple(p[0] for p in pads)})")
    if groups == 1:  # one shared fully connected layer over all n·p receptive fields
        y = Conv.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation)
        return squeeze(y, 0) if unbatched else y
    cols = Im2Col.apply(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    k, p = math.prod(kernel), math.prod(outs)
    rows = reshape(cols, (n * p, k, groups, cg))
    rows = reshape(permute(rows, (2, 0, 1, 3)), (groups, n * p, k * cg))      # (g, n·p, k·cg)
    w = transpose(reshape(movedim(weight, 1, -1), (groups, o // groups, k * cg)), 1, 2)
    y = reshape(transpose(matmul(rows, w), 0, 1), (n * p, o))                  # (n·p, o)
    if bias is not None:
        y = y + bias
    y = movedim(reshape(y, (n,) + tuple(outs) + (o,)), -1, 1)               # NHWC → NCHW view
    return squeeze(y, 0) if unbatched else y


def conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation,
                     nsp, op):
    """The adjoint of convolution (a 'deconvolution'): W-matrixᵀ @ x, then Col2Im."""
    unbatched = _check_batched(input, nsp, op)
    x = unsqueeze(input, 0) if unbatched else input
    _check_weight(weight, nsp, op, "in_channels, out_channels/groups")
    n, c = x.shape[:2]
    if c != weight.shape[0]:
        raise RuntimeError(f"{op}: expected input with {weight.shape[0]} channels (weight of shape "
                           f"{tuple(weight.shape)}), but got input of shape {tuple(x.shape)}")
    if c % groups:
        raise RuntimeError(f"{op}: in_channels ({c}) must be divisible by groups ({groups})")
    og = weight.shape[1]
    o = og * groups
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, nsp, "stride", op)
    dilation = ntuple(dilation, nsp, "dilation", op)
    pad = ntuple(padding, nsp, "padding", op)
    opad = ntuple(output_padding, nsp, "output_padding", op)
    for i in range(nsp):
        if opad[i] >= stride[i] and opad[i] >= dilation[i]:
            raise RuntimeError(f"{op}: output padding must be smaller than either stride or "
                               f"dilation, got output_padding={opad}, stride={stride}, "
                               f"dilation={dilation}")
    spatial = x.shape[2:]
    outs = tuple((spatial[i] - 1) * stride[i] - 2 * pad[i] + dilation[i] * (kernel[i] - 1) +
                 opad[i] + 1 for i in range(nsp))
    if any(v <= 0 for v in outs):
        raise RuntimeError(f"{op}: the output size {outs} is not positive (input {tuple(spatial)}, "
                           f"kernel {kernel}, stride {stride}, padding {pad})")
    cg, k, p = c // groups, math.prod(kernel), math.prod(spatial)
    rows = reshape(movedim(x, 1, -1), (n * p, groups, cg))                       # (n·p, g, cg)
    w = movedim(reshape(weight, (groups, cg, og) + kernel), 2, -1)               # (g, cg, k…, og)
    if groups == 1:
        cols = matmul(reshape(rows, (n * p, cg)), reshape(w, (cg, k * og)))
        cols = reshape(cols, (n,) + tuple(spatial) + kernel + (o,))
    else:
        cols = matmul(transpose(rows, 0, 1), reshape(w, (groups, cg, k * og)))  # (g, n·p, k·og)
        cols = reshape(cols, (groups, n * p, k, og))
        cols = reshape(permute(cols, (1, 2, 0, 3)), (n,) + tuple(spatial) + kernel + (o,))
    y = Col2Im.apply(cols, in_shape=(n, o) + outs, kernel=kernel, stride=stride,
                     padding=tuple((q, q) for q in pad), dilation=dilation)
    if bias is not None:
        y = y + reshape(bias, (o,) + (1,) * nsp)
    return squeeze(y, 0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convnd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                            dilation, 1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                            dilation, 2, "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                            dilation, 3, "conv_transpose3d")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) → (N, C·kh·kw, L), L the number of sliding positions."""
    if len(input.shape) != 4:
        raise RuntimeError(f"unfold: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
    k = ntuple(kernel_size, 2, "kernel_size", "unfold")
    d = ntuple(dilation, 2, "dilation", "unfold")
    s = ntuple(stride, 2, "stride", "unfold")
    p = tuple((q, q) for q in ntuple(padding, 2, "padding", "unfold"))
    n, c, h, w = input.shape
    outs = [out_size(h, k[0], s[0], *p[0], d[0]), out_size(w, k[1], s[1], *p[1], d[1])]
    if min(outs) <= 0:
        raise RuntimeError(f"unfold: the kernel {k} is larger than the padded input "
                           f"({h + 2 * p[0][0]}, {w + 2 * p[1][0]})")
    cols = Im2Col.apply(input, kernel=k, stride=s, padding=p, dilation=d)      # (n, oh, ow, kh, kw, c)
    cols = reshape(cols, (n, outs[0] * outs[1], k[0] * k[1], c))
    return reshape(permute(cols, (0, 3, 2, 1)), (n, c * k[0] * k[1], outs[0] * outs[1]))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im: (N, C·kh·kw, L) → (N, C, H, W), summing where sliding blocks overlap."""
    if len(input.shape) != 3:
        raise RuntimeError(f"fold: expected a 3-D input (N, C·kh·kw, L), got shape {tuple(input.shape)}")
    size = ntuple(output_size, 2, "output_size", "fold")
    k = ntuple(kernel_size, 2, "kernel_size", "fold")
    d = ntuple(dilation, 2, "dilation", "fold")
    s = ntuple(stride, 2, "stride", "fold")
    p = tuple((q, q) for q in ntuple(padding, 2, "padding", "fold"))
    n, ckk, length = input.shape
    if ckk % (k[0] * k[1]):
        raise RuntimeError(f"fold: expected size of input's dimension 1 ({ckk}) to be divisible by "
                           f"the product of kernel_size ({k[0] * k[1]})")
    outs = (out_size(size[0], k[0], s[0], *p[0], d[0]), out_size(size[1], k[1], s[1], *p[1], d[1]))
    if outs[0] * outs[1] != length:
        raise RuntimeError(f"fold: expected input's dimension 2 to match the calculated number of "
                           f"sliding blocks {outs[0]} * {outs[1]} = {outs[0] * outs[1]}, but got {length}")
    c = ckk // (k[0] * k[1])
    cols = permute(reshape(input, (n, c, k[0] * k[1], length)), (0, 3, 2, 1))  # (n, L, k, c)
    cols = reshape(cols, (n,) + outs + k + (c,))
    return Col2Im.apply(cols, in_shape=(n, c) + size, kernel=k, stride=s, padding=p, dilation=d)
