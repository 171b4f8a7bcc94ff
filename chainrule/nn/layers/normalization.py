"""Normalization layers (Lecture: batch normalization; layer norm in the Transformer)."""
import numpy as np

from ...autograd.tensor import Tensor
from ...ops import normalization as N
from ..module import Module
from ..parameter import Parameter
from .linear import _float


class _BatchNorm(Module):
    _dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        _statistics_layer(self, num_features, eps, momentum, affine, track_running_stats, bias, dtype)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            self.weight._data[...] = 1
            self.bias._data[...] = 0

    def _check_input(self, input):
        nd = len(input.shape)
        if nd not in self._dims or input.shape[1] != self.num_features:
            want = " or ".join(f"{d}-D" for d in self._dims)
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects a {want} input "
                             f"(N, {self.num_features}, ...); got {tuple(input.shape)}")

    def forward(self, input):
        self._check_input(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or not self.track_running_stats
        return N.batch_norm(input,
                            self.running_mean if not self.training or self.track_running_stats else None,
                            self.running_var if not self.training or self.track_running_stats else None,
                            self.weight, self.bias, use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


def _statistics_layer(module, n, eps, momentum, affine, track, bias, dtype):
    """The attributes, parameters and buffers batch norm and instance norm share."""
    module.num_features, module.eps, module.momentum = n, eps, momentum
    module.affine, module.track_running_stats = affine, track
    dt = _float(dtype)
    _affine_params(module, n, affine, affine and bias, dt)
    _running_stats(module, n, track, dt)


def _running_stats(module, n, track, dt):
    """Register running_mean (zeros), running_var (ones) and num_batches_tracked, or None each."""
    stats = {"running_mean": np.zeros(n, dtype=dt), "running_var": np.ones(n, dtype=dt),
             "num_batches_tracked": np.array(0, dtype=np.int64)}
    for name, value in stats.items():
        module.register_buffer(name, Tensor(value) if track else None)


def _affine_params(module, n, weight, bias, dt):
    """Register weight (ones) and bias (zeros) of a normalization layer, or None for each."""
    if weight:
        module.weight = Parameter(np.ones(n, dtype=dt))
    else:
        module.register_parameter("weight", None)
    if bias:
        module.bias = Parameter(np.zeros(n, dtype=dt))
    else:
        module.register_parameter("bias", None)


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L): running mean/var with momentum 0.1; eval uses them."""
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W), one mean/variance per channel."""
    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W), one mean/variance per channel."""
    _dims = (5,)


class LayerNorm(Module):
    """Normalize over the last dims of each sample, then scale and shift (elementwise affine)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        dt = _float(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return N.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalize groups of channels of each sample."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_params(self, num_channels, affine, affine and bias, _float(dtype))

    def forward(self, input):
        if len(input.shape) < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"{self!r} expects input (N, {self.num_channels}, *); got {tuple(input.shape)}")
        return N.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class InstanceNorm2d(Module):
    """Normalize each channel of each image over its pixels (style transfer, CycleGAN)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        _statistics_layer(self, num_features, eps, momentum, affine, track_running_stats, bias, dtype)

    def forward(self, input):
        if len(input.shape) not in (3, 4) or input.shape[-3] != self.num_features:
            raise ValueError(f"{self!r} expects input (N, {self.num_features}, H, W) or "
                             f"({self.num_features}, H, W); got {tuple(input.shape)}")
        x = input if len(input.shape) == 4 else input.unsqueeze(0)
        use_stats = self.training or not self.track_running_stats
        y = N.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_stats, self.momentum, self.eps)
        return y if len(input.shape) == 4 else y.squeeze(0)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class LocalResponseNorm(Module):
    """AlexNet's normalization across neighbouring channels."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return N.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
