"""Normalization (Lecture: batch normalization; layer normalization in the Transformer).

All of them standardize over some dims, x̂ = (x − μ)/√(σ² + ε), then scale and shift. The
standardization and the affine step are one fused op with the classic backward
dx = (1/σ̂)(g − mean(g) − x̂·mean(g·x̂)); batch norm additionally keeps running statistics
(μ̄ ← (1−p)μ̄ + pμ with p = momentum, the unbiased variance likewise) that evaluation uses.
"""
import math

import numpy as np

from ..autograd.broadcast import sum_to_shape
from ..autograd.function import Op
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .arithmetic import clamp
from .math_ops import rsqrt
from .reduction import mean, norm, var
from .shape import reshape


class Normalize(Op):
    """y = x̂·w + b, x̂ = (x − mean)/√(var + ε) over ``dims`` (biased variance), fused.

    With g = ∂L/∂y: ∂L/∂b = Σ g, ∂L/∂w = Σ g·x̂ (over the dims w is shared across), and with
    ĝ = g·w: ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/σ̂.
    """

    def forward(self, x, w, b, dims, eps, param_shape):
        self.dims, self.eps, self.param_shape = dims, eps, param_shape
        # Over trailing dims (layer and group norm) the data is a (rows, k) matrix and the row
        # sums run as BLAS matrix-vector products, several times faster than np.mean.
        self.k = k = math.prod(x.shape[i] for i in dims) if _trailing(dims, x.ndim) else None
        stat_shape = tuple(1 if i in dims else n for i, n in enumerate(x.shape))
        if k:
            x2 = x.reshape(-1, k)
            mu = _row_mean(x2)
            xhat = x2 - mu
            v = _row_mean_of_product(xhat, xhat)
        else:
            mu = np.mean(x, axis=dims, keepdims=True)
            xhat = x - mu
            v = np.mean(xhat * xhat, axis=dims, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(v + eps)
        xhat *= self.inv_std
        self.batch_mean, self.batch_var = mu.reshape(stat_shape), v.reshape(stat_shape)
        self.xhat = xhat = xhat.reshape(x.shape)
        self.save_for_backward(x, w)
        if w is None and b is None:
            return xhat.copy()
        y = xhat * w.reshape(param_shape) if w is not None else xhat.copy()
        if b is not None:
            y += b.reshape(param_shape)
        return y

    def backward(self, g):
        x, w = self.saved_tensors
        d = self.dims
        need = self.next
        ps = self.param_shape
        if isinstance(g, Tensor):  # differentiable: x̂ and σ̂ as functions of x
            inv_std = rsqrt(var(x, dim=d, correction=0, keepdim=True) + self.eps)
            xhat = (x - mean(x, dim=d, keepdim=True)) * inv_std
            gw = sum_to_shape(g * xhat, ps).reshape(w.shape) if need[1] is not None else None
            gb = sum_to_shape(g, ps).reshape(tuple(self.inputs[2].shape)) if need[2] is not None else None
            gx = None
            if need[0] is not None:
                gh = g * w.reshape(ps) if w is not None else g
                gx = (gh - mean(gh, dim=d, keepdim=True) -
                      xhat * mean(gh * xhat, dim=d, keepdim=True)) * inv_std
            return gx, gw, gb
        xhat = self.xhat
        gw = _sum_of_product(g, xhat, ps).reshape(w.shape) if need[1] is not None else None
        gb = _sum_to_params(g, ps).reshape(self.inputs[2].shape) if need[2] is not None else None
        gx = None
        if need[0] is not None:  # in place on a fresh array: few passes over the data
            gx = g * w.reshape(ps) if w is not None else g.copy()
            if self.k:
                gx2, xh2 = gx.reshape(-1, self.k), xhat.reshape(-1, self.k)
                m1, m2 = _row_mean(gx2), _row_mean_of_product(gx2, xh2)
            else:
                gx2, xh2 = gx, xhat
                m1, m2 = np.mean(gx, axis=d, keepdims=True), np.mean(gx * xhat, axis=d, keepdims=True)
            gx2 -= m1
            gx2 -= xh2 * m2
            gx2 *= self.inv_std
        return gx, gw, gb


def _trailing(dims, ndim):
    return tuple(dims) == tuple(range(ndim - len(dims), ndim))


def _row_mean(a):
    """Mean of each row of a 2-D array as a column, by a matrix-vector product (BLAS)."""
    return (a @ np.ones(a.shape[1], a.dtype))[:, None] / a.dtype.type(a.shape[1])


def _row_mean_of_product(a, b):
    """Mean of a·b along each row of 2-D arrays as a column, without materializing a·b."""
    return (np.einsum("ij,ij->i", a, b) / a.dtype.type(a.shape[1]))[:, None]


def _sum_to_params(g, shape):
    """Σ g summed down to the parameters' shape (the bias gradient)."""
    k = math.prod(shape)
    if g.shape[g.ndim - len(shape):] == tuple(shape):  # parameters along the trailing dims
        g2 = g.reshape(-1, k)
        return (np.ones(g2.shape[0], g.dtype) @ g2).reshape(shape)
    return sum_to_shape(g, shape)


def _sum_of_product(g, xhat, shape):
    """Σ g·x̂ summed down to the parameters' shape (the weight gradient)."""
    k = math.prod(shape)
    if g.shape[g.ndim - len(shape):] == tuple(shape):  # parameters along the trailing dims
        return np.einsum("ij,ij->j", g.reshape(-1, k), xhat.reshape(-1, k))
    return sum_to_shape(g * xhat, shape)


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * (reshape(weight, shape) if shape else weight)
    if bias is not None:
        y = y + (reshape(bias, shape) if shape else bias)
    return y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize each channel (dim 1) over the batch and spatial dims."""
    nd = len(input.shape)
    if nd < 2:
        raise ValueError(f"batch_norm: expected at least a 2-D input (N, C, ...), got {tuple(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements (one per channel "
                               f"of an input of shape {tuple(input.shape)}), not {t.shape[0] if t.shape else 0}")
    shape = (1, c) + (1,) * (nd - 2)
    dims = (0,) + tuple(range(2, nd))
    if training:
        count = math.prod(input.shape[d] for d in dims)
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input size {tuple(input.shape)}")
        y = Normalize.apply(input, weight, bias, dims=dims, eps=eps, param_shape=shape)
        if running_mean is not None or running_var is not None:
            op = y.grad_fn if y.grad_fn is not None else None
            mu, v = _batch_stats(input, dims, op)
            with no_grad():
                m = momentum
                if running_mean is not None:
                    running_mean.data[...] = (1 - m) * running_mean.data + m * mu.reshape(c)
                if running_var is not None:
                    unbiased = v.reshape(c) * (count / (count - 1))
                    running_var.data[...] = (1 - m) * running_var.data + m * unbiased
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var are needed in eval mode "
                               "(or pass training=True)")
        inv = 1.0 / np.sqrt(running_var.data + eps)
        y = (input - reshape(running_mean.detach(), shape)) * Tensor(inv.reshape(shape), dtype=input.dtype)
        y = _affine(y, weight, bias, shape)
    return y


def _batch_stats(x, dims, op):
    if op is not None and hasattr(op, "batch_mean"):
        return op.batch_mean, op.batch_var
    xd = x.data
    mu = np.mean(xd, axis=dims, keepdims=True)
    return mu, np.var(xd, axis=dims, keepdims=True)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the last len(normalized_shape) dims of each sample."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    nd = len(input.shape)
    if tuple(input.shape[nd - len(shape):]) != shape:
        raise RuntimeError(f"layer_norm: given normalized_shape={list(shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, shape))}], but got input of size "
                           f"{list(input.shape)}")
    return Normalize.apply(input, weight, bias, dims=tuple(range(nd - len(shape), nd)), eps=eps,
                           param_shape=shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize each group of channels of each sample (N, C, *) → groups of C/G channels."""
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"group_norm: expected number of channels in input ({c}) to be "
                           f"divisible by num_groups ({num_groups})")
    rest = input.shape[2:]
    g = reshape(input, (n, num_groups, -1))
    y = reshape(Normalize.apply(g, None, None, dims=(2,), eps=eps, param_shape=None),
                (n, c) + tuple(rest))
    return _affine(y, weight, bias, (1, c) + (1,) * len(rest))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample over its spatial dims."""
    nd = len(input.shape)
    if nd < 3:
        raise ValueError(f"instance_norm: expected a (N, C, *spatial) input, got {tuple(input.shape)}")
    c = input.shape[1]
    shape = (1, c) + (1,) * (nd - 2)
    if use_input_stats:
        dims = tuple(range(2, nd))
        y = Normalize.apply(input, weight, bias, dims=dims, eps=eps, param_shape=shape)
        if running_mean is not None or running_var is not None:
            xd = input.data
            count = math.prod(input.shape[2:])
            mu = np.mean(xd, axis=dims).mean(axis=0)
            v = (np.var(xd, axis=dims) * count / max(count - 1, 1)).mean(axis=0)
            with no_grad():
                if running_mean is not None:
                    running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mu
                if running_var is not None:
                    running_var.data[...] = (1 - momentum) * running_var.data + momentum * v
    else:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    return y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """b_c = a_c / (k + α/n · Σ_{c' near c} a_{c'}²)^β over a window of n channels (AlexNet)."""
    from .padding import pad
    from .shape import narrow
    nd = len(input.shape)
    if nd < 3:
        raise ValueError(f"local_response_norm: expected 3-D or higher input, got {tuple(input.shape)}")
    sq = input * input
    pads = [0, 0] * (nd - 2) + [size // 2, (size - 1) // 2]
    padded = pad(sq, pads)
    c = input.shape[1]
    window = narrow(padded, 1, 0, c)
    for i in range(1, size):
        window = window + narrow(padded, 1, i, c)
    div = (window * (alpha / size) + k) ** beta
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(‖x‖_p, ε) along dim."""
    return input / clamp(norm(input, p, dim, keepdim=True), min=eps)
