"""Convolution layers (Lecture: CNN — receptive fields, shared parameters, feature maps)."""
import math

import numpy as np

from ...ops import conv as _conv
from ...ops.padding import pad as _pad
from .. import init
from ..module import Module
from ..parameter import Parameter
from .linear import _float


class _ConvNd(Module):
    _nsp = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", output_padding=0, device=None,
                 dtype=None):
        super().__init__()
        name, n = type(self).__name__, self._nsp
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must be divisible by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: padding_mode must be one of 'zeros', 'reflect', 'replicate' "
                             f"or 'circular', got {padding_mode!r}")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of "
                                 f"'valid', 'same'")
            if padding == "same" and any(s != 1 for s in _conv.ntuple(stride, n, "stride", name)):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _conv.ntuple(kernel_size, n, "kernel_size", name)
        self.stride = _conv.ntuple(stride, n, "stride", name)
        self.padding = padding if isinstance(padding, str) else _conv.ntuple(padding, n, "padding", name)
        self.dilation = _conv.ntuple(dilation, n, "dilation", name)
        self.output_padding = _conv.ntuple(output_padding, n, "output_padding", name)
        self.groups, self.padding_mode = groups, padding_mode
        shape = ((in_channels, out_channels // groups) if self._transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=_float(dtype)))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=_float(dtype)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input):
        n = self._nsp
        sp = "L" if n == 1 else "H, W"
        nd = len(input.shape)
        c = input.shape[-n - 1] if nd in (n + 1, n + 2) else None
        if nd not in (n + 1, n + 2) or c != self.in_channels:
            args = f"{self.in_channels}, {self.out_channels}, kernel_size={_short(self.kernel_size)}"
            raise RuntimeError(f"{type(self).__name__}({args}) expects input (N, {self.in_channels}, "
                               f"{sp}) or ({self.in_channels}, {sp}); got {tuple(input.shape)}")

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nsp:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nsp:
            s += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._nsp:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


def _short(k):
    return k[0] if len(set(k)) == 1 else k


class _Conv(_ConvNd):
    def forward(self, input):
        self._check_input(input)
        padding = self.padding
        if self.padding_mode != "zeros":
            pads = _conv.conv_padding(padding, self.kernel_size, self.stride, self.dilation,
                                      self._nsp, type(self).__name__)
            flat = [p for pair in reversed(pads) for p in pair]
            input = _pad(input, flat, mode=self.padding_mode)
            padding = 0
        return _conv.convnd(input, self.weight, self.bias, self.stride, padding, self.dilation,
                            self.groups, self._nsp, type(self).__name__.lower())


class Conv1d(_Conv):
    """1-D convolution over (N, C, L)."""
    _nsp = 1


class Conv2d(_Conv):
    """2-D convolution over (N, C, H, W)."""
    _nsp = 2


class Conv3d(_Conv):
    """3-D convolution over (N, C, D, H, W) (video, volumes)."""
    _nsp = 3


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, output_padding, device, dtype)

    def forward(self, input, output_size=None):
        self._check_input(input)
        opad = self.output_padding
        if output_size is not None:
            want = tuple(output_size)[-self._nsp:]
            base = [(input.shape[-self._nsp + i] - 1) * self.stride[i] - 2 * self.padding[i] +
                    self.dilation[i] * (self.kernel_size[i] - 1) + 1 for i in range(self._nsp)]
            opad = tuple(w - b for w, b in zip(want, base))
        return _conv.conv_transposend(input, self.weight, self.bias, self.stride, self.padding, opad,
                                      self.groups, self.dilation, self._nsp,
                                      "conv_transpose%dd" % self._nsp)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution (upsampling)."""
    _nsp = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution (upsampling, the decoder of auto-encoders and GANs)."""
    _nsp = 2


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-D convolution (upsampling volumes)."""
    _nsp = 3
