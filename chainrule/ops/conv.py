"""Convolution as im2col + one matrix product (Lecture: CNN).

``Im2Col`` lays every receptive field of the (padded) input out as a row — a strided *view*,
copied once — so a convolution with O filters is the fully connected layer
``rows (positions × k·k·C) @ Wᵀ (k·k·C × O) + b`` shared by every position: one BLAS call. ``Col2Im`` is its adjoint (it adds each column back where it came from),
so the two are each other's backward, and a convolution built from them, reshapes and matmul has
gradients — and gradients of gradients — with no convolution-specific backward code at all.
Transposed convolution is the same pieces in the other order.
"""
import math

import numpy as np

from .. import kernels as K
from ..kernels.conv import out_size
from ..autograd.engine import grad
from ..autograd.function import Op
from ._util import column_sums, recording
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


class Im2Col(Op):
    """rows[n, o₁…, k₁…, c] = x_pad[n, c, o₁·s₁ + k₁·d₁, …]: one row per output position.

    Rows are receptive fields, so ``rows.reshape(positions, k·k·C)`` is the input of a fully
    connected layer shared by every position — which is what a convolution is. Channels are the
    fastest-moving axis of a row (the memory order that makes the gather fast).
    """

    def forward(self, x, kernel, stride, padding, dilation):
        self.params = (x.shape, kernel, stride, padding, dilation)
        return K.im2col(x, kernel, stride, padding, dilation)

    def backward(self, g):
        in_shape, kernel, stride, padding, dilation = self.params
        return Col2Im.apply(g, in_shape=in_shape, kernel=kernel, stride=stride, padding=padding,
                            dilation=dilation)


class Col2Im(Op):
    """The adjoint of Im2Col: every row is added back onto the positions it was read from."""

    def forward(self, cols, in_shape, kernel, stride, padding, dilation):
        nsp = len(kernel)
        self.params = (in_shape, kernel, stride, padding, dilation)
        fill = (slice(None),) * (1 + nsp)
        return K.add_windows(lambda k: cols[fill + k], in_shape, kernel, stride, padding, dilation,
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
        o = w.shape[0]
        g2 = reshape(movedim(gy, 1, -1), (-1, o))                     # (n·p, o)
        need = self.next
        rows = Im2Col.apply(x, **self.params) if recording(gy) else self.rows   # cached on arrays
        gb = column_sums(g2) if need[2] is not None else None
        gw = _w_from_rows(g2.T @ reshape(rows, (g2.shape[0], -1)), w.shape) if need[1] is not None else None
        if need[0] is None:
            return None, gw, gb
        if not recording(gy):
            return K.conv_input_grad(g2, w, x.shape, self.outs, **self.params), gw, gb
        cols = reshape(g2 @ _w_rows(w), tuple(rows.shape))
        return Col2Im.apply(cols, in_shape=tuple(x.shape), **self.params), gw, gb


def _grouped(x, weight, bias, stride, pads, dilation, groups):
    """Grouped convolution: each group of channels its own fully connected layer over the rows."""
    n, c = x.shape[:2]
    o, cg = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    cols = Im2Col.apply(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    outs = cols.shape[1:1 + len(kernel)]
    k, p = math.prod(kernel), math.prod(outs)
    rows = reshape(cols, (n * p, k, groups, cg))
    rows = reshape(permute(rows, (2, 0, 1, 3)), (groups, n * p, k * cg))      # (g, n·p, k·cg)
    w = transpose(reshape(movedim(weight, 1, -1), (groups, o // groups, k * cg)), 1, 2)
    y = reshape(transpose(matmul(rows, w), 0, 1), (n * p, o))                  # (n·p, o)
    if bias is not None:
        y = y + bias
    return movedim(reshape(y, (n,) + tuple(outs) + (o,)), -1, 1)             # NHWC → NCHW view


class DepthwiseConv2d(Op):
    """The grouped convolution with one input channel per group, run directly:
    y[n, c·m + j] = Σ_taps W[c·m + j, tap] · x_pad[n, c, tap] + b  (m filters per channel).

    Backward: dW[c·m + j, tap] = Σ g·x_pad(tap), dx = Σ_taps g·W placed back where each tap read —
    the grouped convolution's formulas (``_grouped``), which the differentiable backward runs.
    """

    def forward(self, x, w, b, stride, padding, dilation):
        self.params = dict(stride=stride, padding=padding, dilation=dilation)
        self.save_for_backward(x, w)
        y = K.depthwise_conv2d_forward(x, w, stride, padding, dilation)
        if b is not None:
            y += b[:, None, None]
        return y

    def backward(self, gy):
        x, w = self.saved_tensors
        need = self.next
        gb = (column_sums(reshape(movedim(gy, 1, -1), (-1, gy.shape[1])))
              if need[2] is not None else None)
        if recording(gy):   # create_graph: differentiate the grouped formula itself
            wanted = [t for t, e in zip((x, w), need[:2]) if e is not None]
            y = _grouped(x, w, None, self.params["stride"], self.params["padding"], self.params["dilation"],
                         x.shape[1])
            found = iter(grad(y, wanted, gy, create_graph=True)) if wanted else iter(())
            gx, gw = (next(found) if e is not None else None for e in need[:2])
            return gx, gw, gb
        gx, gw = K.depthwise_conv2d_backward(gy, x, w, **self.params)
        return (gx if need[0] is not None else None), (gw if need[1] is not None else None), gb


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
    if nsp == 2 and cg == 1 and groups == c:   # depthwise (MobileNet's): compiled direct loops
        y = DepthwiseConv2d.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation)
    else:
        y = _grouped(x, weight, bias, stride, pads, dilation, groups)
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
