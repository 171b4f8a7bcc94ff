"""Convolution as im2col + one matrix product (Lecture: CNN).

``Im2Col`` lays every receptive field of the (padded) input out as a column — a strided *view*,
copied once — so a convolution with O filters is ``W (O × C·k·k) @ cols (C·k·k × positions)``,
which runs at BLAS speed. ``Col2Im`` is its adjoint (it adds each column back where it came from),
so the two are each other's backward, and a convolution built from them, reshapes and matmul has
gradients — and gradients of gradients — with no convolution-specific backward code at all.
Transposed convolution is the same pieces in the other order.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Op
from .linalg import matmul
from .shape import reshape, squeeze, transpose, unsqueeze


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


class Im2Col(Op):
    """cols[n, c, k₁…, o₁…] = x_pad[n, c, o₁·s₁ + k₁·d₁, …]: receptive fields as columns."""

    def forward(self, x, kernel, stride, padding, dilation):
        nsp = len(kernel)
        self.params = (x.shape, kernel, stride, padding, dilation)
        if any(lo or hi for lo, hi in padding):
            x = np.pad(x, [(0, 0)] * (x.ndim - nsp) + list(padding))
        lead = x.shape[:-nsp]
        outs = tuple(out_size(x.shape[-nsp + i], kernel[i], stride[i], 0, 0, dilation[i])
                     for i in range(nsp))
        sp = x.strides[-nsp:]
        view = as_strided(x, shape=lead + tuple(kernel) + outs,
                          strides=x.strides[:-nsp] + tuple(a * d for a, d in zip(sp, dilation)) +
                          tuple(a * s for a, s in zip(sp, stride)), writeable=False)
        return np.ascontiguousarray(view)

    def backward(self, g):
        in_shape, kernel, stride, padding, dilation = self.params
        return Col2Im.apply(g, in_shape=in_shape, kernel=kernel, stride=stride, padding=padding,
                            dilation=dilation)


class Col2Im(Op):
    """The adjoint of Im2Col: every column is added back onto the positions it was read from."""

    def forward(self, cols, in_shape, kernel, stride, padding, dilation):
        nsp = len(kernel)
        self.params = (in_shape, kernel, stride, padding, dilation)
        lead = tuple(in_shape[:-nsp])
        padded = tuple(in_shape[-nsp + i] + padding[i][0] + padding[i][1] for i in range(nsp))
        outs = cols.shape[-nsp:]
        xp = np.zeros(lead + padded, dtype=cols.dtype)
        before = (slice(None),) * len(lead)
        for k in itertools.product(*(range(n) for n in kernel)):
            window = tuple(slice(k[i] * dilation[i], k[i] * dilation[i] + stride[i] * (outs[i] - 1) + 1,
                                 stride[i]) for i in range(nsp))
            xp[before + window] += cols[before + k]
        crop = tuple(slice(lo, lo + in_shape[-nsp + i]) for i, (lo, _) in enumerate(padding))
        return xp[before + crop]

    def backward(self, g):
        in_shape, kernel, stride, padding, dilation = self.params
        return Im2Col.apply(g, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def _check_batched(x, nsp, op, channels=None, weight_shape=None):
    nd = len(x.shape)
    if nd not in (nsp + 1, nsp + 2):
        sp = ", ".join("HW"[i] if nsp == 2 else "L" for i in range(nsp))
        want = f"(N, C, {sp}) or (C, {sp})"
        raise RuntimeError(f"{op}: expected a {nsp + 2}-D input {want}, got shape {tuple(x.shape)}")
    return nd == nsp + 1


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
    if len(weight.shape) != nsp + 2:
        raise RuntimeError(f"{op}: weight must be {nsp + 2}-D (out_channels, in_channels/groups, "
                           f"kernel...), got shape {tuple(weight.shape)}")
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
    cols = Im2Col.apply(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    ck, p = cg * math.prod(kernel), math.prod(outs)
    if groups == 1:
        y = matmul(reshape(weight, (o, ck)), reshape(cols, (n, ck, p)))
    else:
        y = matmul(reshape(weight, (groups, o // groups, ck)), reshape(cols, (n, groups, ck, p)))
    y = reshape(y, (n, o) + tuple(outs))
    if bias is not None:
        y = y + reshape(bias, (o,) + (1,) * nsp)
    return squeeze(y, 0) if unbatched else y


def conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation,
                     nsp, op):
    """The adjoint of convolution (a 'deconvolution'): W-matrixᵀ @ x, then Col2Im."""
    unbatched = _check_batched(input, nsp, op)
    x = unsqueeze(input, 0) if unbatched else input
    if len(weight.shape) != nsp + 2:
        raise RuntimeError(f"{op}: weight must be {nsp + 2}-D (in_channels, out_channels/groups, "
                           f"kernel...), got shape {tuple(weight.shape)}")
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
    w = transpose(reshape(weight, (groups, cg, og * k)), -1, -2)     # (g, og·k, cg)
    cols = matmul(w, reshape(x, (n, groups, cg, p)))                   # (n, g, og·k, p)
    cols = reshape(cols, (n, o) + kernel + tuple(spatial))
    y = Col2Im.apply(cols, in_shape=(n, o) + outs, kernel=kernel, stride=stride,
                     padding=tuple((q, q) for q in pad), dilation=dilation)
    if bias is not None:
        y = y + reshape(bias, (o,) + (1,) * nsp)
    return squeeze(y, 0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                            dilation, 1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                            dilation, 2, "conv_transpose2d")


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
    cols = Im2Col.apply(input, kernel=k, stride=s, padding=p, dilation=d)
    return reshape(cols, (n, c * k[0] * k[1], outs[0] * outs[1]))


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
    cols = reshape(input, (n, c) + k + outs)
    return Col2Im.apply(cols, in_shape=(n, c) + size, kernel=k, stride=s, padding=p, dilation=d)
