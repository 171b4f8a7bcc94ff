"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norms, cumulative sums and products.

The backward of a reduction stretches the output gradient back over the reduced dimensions
(``_stretch``); ties in max/min follow PyTorch: ``amax``/``amin`` and the whole-tensor ``max()``
share the gradient evenly among tied elements, while ``max(dim)`` sends it to the returned index.
"""
import builtins
import collections
import math

import numpy as np

from ..autograd.broadcast import broadcast_to
from ..autograd.dtype import to_numpy_dtype
from ..autograd.function import Op
from ..autograd.tensor import Tensor, wrap_array
from ._util import data_of, norm_dim, norm_dims, recording
from .arithmetic import abs, maximum, minimum, sign, where
from .combine import cat
from .indexing import narrow
from .math_ops import exp, sqrt
from .shape import flatten, flip, movedim, reshape, unsqueeze

values_indices = collections.namedtuple("values_indices", ["values", "indices"])


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _stretch(g, shape, dims, keepdim):
    """The gradient of a reduction over ``dims`` stretched back to the input's ``shape``."""
    if not keepdim:
        g = reshape(g, _kept_shape(shape, dims))
    return broadcast_to(g, shape)


def _dims(x, dim, op):
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    dims = norm_dims(dim, x.ndim, op)   # checks dim: a 0-d tensor takes dim 0 or -1, as in PyTorch
    return () if x.ndim == 0 else dims


class Sum(Op):
    """y = Σᵢ xᵢ over dims; ∂y/∂xᵢ = 1, so the gradient is stretched back unchanged."""

    def forward(self, x, dim=None, keepdim=False):
        self.shape = x.shape
        self.dims = _dims(x, dim, "sum")
        self.keepdim = keepdim
        return np.sum(x, axis=self.dims, keepdims=keepdim)

    def backward(self, gy):
        return _stretch(gy, self.shape, self.dims, self.keepdim)


class Mean(Op):
    """y = (1/n)Σᵢ xᵢ; ∂y/∂xᵢ = 1/n."""

    def forward(self, x, dim=None, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be a "
                               f"floating point dtype, but got {x.dtype}; call .float() first")
        self.shape = x.shape
        self.dims = _dims(x, dim, "mean")
        self.keepdim = keepdim
        self.n = math.prod(x.shape[d] for d in self.dims)
        return np.mean(x, axis=self.dims, keepdims=keepdim)

    def backward(self, gy):
        return _stretch(gy, self.shape, self.dims, self.keepdim) / self.n


class Var(Op):
    """s² = Σ(xᵢ − x̄)²/(n − correction); ∂s²/∂xᵢ = 2(xᵢ − x̄)/(n − correction)."""

    def forward(self, x, dim=None, correction=1, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(f"var(): input dtype must be floating point, got {x.dtype}")
        self.shape = x.shape
        self.dims = _dims(x, dim, "var")
        self.keepdim = keepdim
        n = math.prod(x.shape[d] for d in self.dims)
        self.denom = builtins.max(n - correction, 0)
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.var(x, axis=self.dims, ddof=correction, keepdims=keepdim)

    def backward(self, gy):
        x, = self.saved_tensors
        centered = x - mean(x, dim=self.dims, keepdim=True)
        return _stretch(gy, self.shape, self.dims, self.keepdim) * centered * (2.0 / self.denom)


class Prod(Op):
    """y = Πᵢ xᵢ; ∂y/∂xᵢ = Π_{j≠i} xⱼ, computed from prefix and suffix products (safe at zeros)."""

    def forward(self, x, dim=None, keepdim=False):
        self.shape = x.shape
        self.dim = None if dim is None else norm_dim(dim, x.ndim, "prod")
        if x.ndim == 0:  # dim 0 of a single number: the product over everything
            self.dim = None
        self.keepdim = keepdim
        self.save_for_backward(x)
        if self.dim is None:
            return np.prod(x)
        return np.prod(x, axis=self.dim, keepdims=keepdim)

    def backward(self, gy):
        x, = self.saved_tensors
        if self.dim is None:
            others = _prod_of_others(flatten(x), 0)
            return reshape(others, self.shape) * gy
        g = _stretch(gy, self.shape, (self.dim,), self.keepdim)
        return g * _prod_of_others(x, self.dim)


def _prod_of_others(x, dim):
    """Π_{j≠i} xⱼ along ``dim`` as exclusive prefix product × exclusive suffix product."""
    n = x.shape[dim]
    if n == 1:
        return x * 0.0 + 1.0
    one = narrow(x, dim, 0, 1) * 0.0 + 1.0
    before = cumprod(cat([one, narrow(x, dim, 0, n - 1)], dim), dim)
    rev = flip(x, (dim,))
    after = flip(cumprod(cat([one, narrow(rev, dim, 0, n - 1)], dim), dim), (dim,))
    return before * after


class Cumsum(Op):
    """yₖ = Σ_{i≤k} xᵢ; ∂L/∂xᵢ = Σ_{k≥i} ∂L/∂yₖ (a cumulative sum run backwards)."""

    def forward(self, x, dim):
        self.dim = norm_dim(dim, x.ndim, "cumsum")
        if x.dtype.kind in "bi" and x.dtype != np.int64:
            x = x.astype(np.int64)
        if x.ndim == 0:      # a single number: its running sum is itself
            self.dim = None
            return x.copy()
        return np.cumsum(x, axis=self.dim)

    def backward(self, gy):
        if self.dim is None:
            return gy
        return flip(cumsum(flip(gy, (self.dim,)), self.dim), (self.dim,))


class Cumprod(Op):
    """yₖ = Π_{i≤k} xᵢ; ∂L/∂xᵢ = Σ_{k≥i} ∂L/∂yₖ·Π_{j≤k, j≠i} xⱼ."""

    def forward(self, x, dim):
        self.dim = norm_dim(dim, x.ndim, "cumprod")
        self.save_for_backward(x)
        if x.ndim == 0:
            self.dim = None
            return x.copy()
        return np.cumprod(x, axis=self.dim)

    def backward(self, gy):
        if self.dim is None:
            return gy
        x, = self.saved_tensors
        xd = data_of(x)
        d = self.dim
        if not np.any(xd == 0):
            out = cumprod(x, d)
            return flip(cumsum(flip(gy * out, (d,)), d), (d,)) / x
        # With zeros the division fails: build Π_{j≤k, j≠i} xⱼ for every (i, k) explicitly.
        xm = movedim(x, d, -1)
        gm = movedim(gy, d, -1)
        n = xm.shape[-1]
        eye = np.eye(n, dtype=bool)
        rows = where(eye, 1.0, unsqueeze(xm, -2))        # row i: x with xᵢ replaced by 1
        partial = cumprod(rows, -1)                       # [..., i, k] = Π_{j≤k, j≠i} xⱼ
        mask = np.triu(np.ones((n, n), dtype=bool))       # only k ≥ i contribute
        grad = sum(where(mask, partial, 0.0) * unsqueeze(gm, -2), dim=-1)
        return movedim(grad, -1, d)


class Amax(Op):
    """y = max over dims; the gradient is shared evenly by the elements equal to the max."""
    reduce = staticmethod(np.amax)

    def forward(self, x, dim=None, keepdim=False):
        self.shape = x.shape
        self.dims = _dims(x, dim, type(self).__name__.lower())
        self.keepdim = keepdim
        if x.size == 0:
            raise RuntimeError(f"{type(self).__name__.lower()}: expected a non-empty tensor")
        y = self.reduce(x, axis=self.dims, keepdims=True)
        self.save_for_backward(x)
        self.y_kept = y
        return y if keepdim else np.squeeze(y, axis=self.dims)

    def backward(self, gy):
        x, = self.saved_tensors
        hit = data_of(x) == self.y_kept
        share = hit / np.sum(hit, axis=self.dims, keepdims=True, dtype=self.y_kept.dtype)
        return _stretch(gy, self.shape, self.dims, self.keepdim) * share


class Amin(Amax):
    """y = min over dims; the gradient is shared evenly by the elements equal to the min."""
    reduce = staticmethod(np.amin)


class MaxDim(Op):
    """(values, indices) of the max along one dim; the gradient goes to the returned index."""
    arg = staticmethod(np.argmax)

    def forward(self, x, dim, keepdim=False):
        name = "max" if self.arg is np.argmax else "min"
        self.dim = norm_dim(dim, x.ndim, name)
        if x.ndim and x.shape[self.dim] == 0:
            raise IndexError(f"{name}(): expected a non-empty dimension {dim}, got shape {x.shape}")
        self.shape = x.shape
        self.keepdim = keepdim
        if x.ndim == 0:
            self.idx = None
            return x.copy(), np.zeros((), dtype=np.int64)
        idx = self.idx = np.expand_dims(self.arg(x, axis=self.dim), self.dim)
        values = np.take_along_axis(x, idx, axis=self.dim)
        if not keepdim:
            values, idx = np.squeeze(values, self.dim), np.squeeze(idx, self.dim)
        return values, idx.astype(np.int64)

    def backward(self, gy, gi=None):
        if self.idx is None:
            return gy
        shape = [1] * len(self.shape)
        shape[self.dim] = self.shape[self.dim]
        onehot = np.arange(self.shape[self.dim]).reshape(shape) == self.idx
        return _stretch(gy, self.shape, (self.dim,), self.keepdim) * onehot


class MinDim(MaxDim):
    arg = staticmethod(np.argmin)


class Logsumexp(Op):
    """y = log Σ exp(xᵢ), computed as m + log Σ exp(xᵢ − m); ∂y/∂xᵢ = softmax(x)ᵢ."""

    def forward(self, x, dim=None, keepdim=False):
        if x.dtype.kind != "f":
            x = x.astype(np.float32)
        self.shape = x.shape
        self.dims = _dims(x, dim, "logsumexp")
        self.keepdim = keepdim
        m = np.amax(x, axis=self.dims, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            y = np.log(np.sum(np.exp(x - m), axis=self.dims, keepdims=True)) + m
        self.save_for_backward(x)
        self.y_kept = y
        return y if keepdim else np.squeeze(y, axis=self.dims)

    def backward(self, gy):
        x, = self.saved_tensors
        y = logsumexp(x, dim=self.dims, keepdim=True) if recording(x) else self.y_kept
        return _stretch(gy, self.shape, self.dims, self.keepdim) * exp(x - y)


class Norm(Op):
    """‖x‖ₚ = (Σ|xᵢ|ᵖ)^(1/p); ∂/∂xᵢ = xᵢ|xᵢ|^(p−2)/‖x‖ₚ^(p−1) (0 where the norm is 0)."""

    def forward(self, x, p=2, dim=None, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(f"norm(): input dtype must be floating point, got {x.dtype}")
        if p == "fro":
            p = 2
        if not isinstance(p, (int, float)):
            raise ValueError(f"norm: p must be a number, 'fro', inf or -inf; got {p!r}")
        self.p = float(p)
        self.shape = x.shape
        self.dims = _dims(x, dim, "norm")
        self.keepdim = keepdim
        a = np.abs(x)
        if self.p == math.inf:
            y = np.amax(a, axis=self.dims, keepdims=True)
        elif self.p == -math.inf:
            y = np.amin(a, axis=self.dims, keepdims=True)
        elif self.p == 0:
            y = np.sum(a != 0, axis=self.dims, keepdims=True).astype(x.dtype)
        elif self.p == 1:
            y = np.sum(a, axis=self.dims, keepdims=True)
        elif self.p == 2:
            y = np.sqrt(np.sum(x * x, axis=self.dims, keepdims=True))
        else:
            y = np.sum(a ** self.p, axis=self.dims, keepdims=True) ** (1.0 / self.p)
        self.save_for_backward(x)
        self.y_kept = y
        return y if keepdim else np.squeeze(y, axis=self.dims)

    def backward(self, gy):
        x, = self.saved_tensors
        p = self.p
        g = _stretch(gy, self.shape, self.dims, self.keepdim)
        if p == 0:
            return g * 0.0
        if p == 1:
            return g * sign(x)
        y = norm(x, p, self.dims, keepdim=True) if recording(x) else self.y_kept
        yd = data_of(y)
        if math.isinf(p):
            hit = np.abs(data_of(x)) == yd
            share = hit / np.sum(hit, axis=self.dims, keepdims=True, dtype=yd.dtype)
            return g * sign(x) * share
        zero = yd == 0
        safe_y = where(zero, 1.0, y)
        if p == 2:
            return where(zero, 0.0, g * x / safe_y)
        return where(zero, 0.0, g * x * abs(x) ** (p - 2) / safe_y ** (p - 1))


# --------------------------------------------------------------------------- public functions
def _cast_dtype(input, dtype):
    if dtype is None:
        return input
    return input.to(dtype) if isinstance(input, Tensor) else input.astype(to_numpy_dtype(dtype))


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    dim = axis if axis is not None else dim
    keepdim = keepdims if keepdims is not None else keepdim
    return Sum.apply(_cast_dtype(input, dtype), dim=dim, keepdim=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    dim = axis if axis is not None else dim
    keepdim = keepdims if keepdims is not None else keepdim
    return Mean.apply(_cast_dtype(input, dtype), dim=dim, keepdim=keepdim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(x, False): the old positional 'unbiased'
        dim, unbiased = None, dim
    return Var.apply(input, dim=dim, correction=_correction(unbiased, correction), keepdim=keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    return Prod.apply(_cast_dtype(input, dtype), dim=dim, keepdim=keepdim)


def cumsum(input, dim, *, dtype=None):
    return Cumsum.apply(_cast_dtype(input, dtype), dim=dim)


def cumprod(input, dim, *, dtype=None):
    return Cumprod.apply(_cast_dtype(input, dtype), dim=dim)


def amax(input, dim=(), keepdim=False):
    return Amax.apply(input, dim=dim, keepdim=keepdim)


def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, dim=dim, keepdim=keepdim)


def max(input, dim=None, keepdim=False, *, other=None):
    """``max(x)`` → the largest value; ``max(x, dim)`` → (values, indices); ``max(x, y)`` → maximum."""
    if isinstance(dim, Tensor) or other is not None:
        return maximum(input, dim if other is None else other)
    if dim is None:
        return Amax.apply(input, dim=None, keepdim=False)
    return values_indices(*MaxDim.apply(input, dim=dim, keepdim=keepdim))


def min(input, dim=None, keepdim=False, *, other=None):
    """``min(x)`` → the smallest value; ``min(x, dim)`` → (values, indices); ``min(x, y)`` → minimum."""
    if isinstance(dim, Tensor) or other is not None:
        return minimum(input, dim if other is None else other)
    if dim is None:
        return Amin.apply(input, dim=None, keepdim=False)
    return values_indices(*MinDim.apply(input, dim=dim, keepdim=keepdim))


def _arg(np_fn, name):
    def fn(input, dim=None, keepdim=False):
        d = input._data if isinstance(input, Tensor) else input
        if d.size == 0:
            raise RuntimeError(f"{name}(): expected a non-empty tensor")
        if dim is None:
            out = np.asarray(np_fn(d))
            if keepdim:
                out = out.reshape((1,) * d.ndim)
        else:
            ax = norm_dim(dim, d.ndim, name)
            out = np_fn(d, axis=ax, keepdims=keepdim) if d.ndim else np.asarray(0)
        return wrap_array(np.asarray(out, dtype=np.int64))
    fn.__name__ = name
    fn.__doc__ = f"Index of the {'largest' if 'max' in name else 'smallest'} value (flat if dim is None)."
    return fn


argmax = _arg(np.argmax, "argmax")
argmin = _arg(np.argmin, "argmin")


def logsumexp(input, dim=None, keepdim=False):
    return Logsumexp.apply(input, dim=dim, keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p is None:
        p = 2
    return Norm.apply(_cast_dtype(input, dtype), p=p, dim=dim, keepdim=keepdim)


def _logical_reduce(np_fn, name):
    def fn(input, dim=None, keepdim=False):
        d = input._data if isinstance(input, Tensor) else input
        dims = None if dim is None else norm_dims(dim, d.ndim, name)
        return wrap_array(np.asarray(np_fn(d, axis=dims, keepdims=keepdim)))
    fn.__name__ = name
    return fn


all = _logical_reduce(np.all, "all")
any = _logical_reduce(np.any, "any")


def count_nonzero(input, dim=None):
    d = input._data if isinstance(input, Tensor) else input
    dims = None if dim is None else norm_dims(dim, d.ndim, "count_nonzero")
    return wrap_array(np.asarray(np.count_nonzero(d, axis=dims), dtype=np.int64))
