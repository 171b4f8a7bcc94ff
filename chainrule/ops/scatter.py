"""scatter_reduce: many source values combined into one place (sum, prod, mean, amax, amin).

out = input, then for every j: out[…index[…j…]…] ⊕= src[…j…] along ``dim`` (``include_self=False``
leaves input's own value out of the places that receive something). The gradient of each place
is shared among the values that made it: all of it to each for a sum, 1/count for a mean, the
product of the others for a product, split evenly among the ties that reached a max or min.
"""
import numpy as np

from ..autograd.function import Op
from ._util import data_of, promote
from .indexing import IndexAdd, IndexPut, _scatter_args, getitem

_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
          "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


class ScatterReduce(Op):
    def forward(self, x, src, key, reduce, include_self):
        x, src = promote(x, src)
        src = np.broadcast_to(src, key[0].shape) if np.ndim(src) == 0 else src
        received = np.zeros(x.shape, dtype=np.int64)
        np.add.at(received, key, 1)
        hit = received > 0
        out = x.copy()
        if not include_self:
            out[hit] = _identity(reduce, x.dtype)
        _UFUNC[reduce].at(out, key, src)
        count = received + (1 if include_self else 0)
        if reduce == "mean":
            safe = np.maximum(count, 1)
            out = np.where(hit, out / safe if x.dtype.kind == "f" else out // safe, out).astype(x.dtype)
        self.key, self.reduce, self.include_self = key, reduce, include_self
        self.hit, self.count = hit, count
        self.save_for_backward(x, src, out)
        return out

    def backward(self, g):
        x, src, out = [data_of(s) for s in self.saved_tensors]
        key, reduce, hit = self.key, self.reduce, self.hit
        own = np.ones(x.shape, dtype=x.dtype) if self.include_self else (~hit).astype(x.dtype)
        if reduce == "sum":
            coef_self, coef_src, at = own, 1.0, 1.0
        elif reduce == "mean":
            share = (1.0 / np.maximum(self.count, 1)).astype(x.dtype)
            coef_self, coef_src, at = own * np.where(hit, share, 1.0), 1.0, share
        elif reduce == "prod":
            coef_self, coef_src, at = self._prod_coefficients(x, src, own)
        else:
            tied_self = np.where(hit, (x == out) & (own > 0), True)
            tied_src = src == out[key]
            ties = tied_self.astype(x.dtype)
            np.add.at(ties, key, tied_src.astype(x.dtype))
            share = 1.0 / np.maximum(ties, 1)
            coef_self, coef_src, at = (tied_self * share).astype(x.dtype), tied_src.astype(x.dtype), share
        n = self.next
        gx = g * coef_self if n[0] is not None else None
        gs = getitem(g * at, key) * coef_src if n[1] is not None else None
        return gx, gs

    def _prod_coefficients(self, x, src, own):
        """∂out/∂x = Π src at that place; ∂out/∂srcⱼ = (x if included) · Π of the other srcs
        there — computed from nonzero products and zero counts, so zeros are exact."""
        key = self.key
        nonzero_src = np.where(src == 0, 1, src)
        prod_nz = np.ones(x.shape, dtype=x.dtype)
        np.multiply.at(prod_nz, key, nonzero_src)
        zeros = np.zeros(x.shape, dtype=np.int64)
        np.add.at(zeros, key, (src == 0).astype(np.int64))
        all_src = np.where(zeros > 0, 0, prod_nz)
        coef_self = np.where(self.hit, all_src, 1).astype(x.dtype) * own
        base = x if self.include_self else np.ones(x.shape, dtype=x.dtype)
        z_here, p_here, b_here = zeros[key], prod_nz[key], base[key]
        others = np.where(src == 0, np.where(z_here == 1, p_here, 0),
                          np.where(z_here == 0, p_here / nonzero_src, 0))
        return coef_self, (others * b_here).astype(x.dtype), 1.0


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """out = input; out[index along dim] ⊕= src with ⊕ one of 'sum', 'prod', 'mean', 'amax',
    'amin' (``include_self=False``: places that receive values forget input's own)."""
    if reduce not in _UFUNC:
        raise RuntimeError(f"scatter_reduce: reduce argument must be one of sum, prod, mean, amax, "
                           f"amin, got {reduce!r}")
    key, src = _scatter_args(input, dim, index, src, "scatter_reduce")
    return ScatterReduce.apply(input, src, key=key, reduce=reduce, include_self=include_self)


def scatter_with_reduce(input, dim, index, src, reduce):
    """``scatter(..., reduce='add' | 'multiply')``: PyTorch's older spelling of scatter_reduce
    with include_self."""
    if reduce == "add":
        return scatter_add(input, dim, index, src)
    if reduce == "multiply":
        return scatter_reduce(input, dim, index, src, "prod")
    raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """out = input, then out[i][index[i][j]] = src[i][j] (dim = 1)."""
    if reduce is not None:
        return scatter_with_reduce(input, dim, index, src if src is not None else value, reduce)
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: expected a src tensor or a value")
    key, src = _scatter_args(input, dim, index, src, "scatter")
    return IndexPut.apply(input, src, key=key)


def scatter_add(input, dim, index, src):
    """out = input, then out[i][index[i][j]] += src[i][j] (dim = 1): repeated indices add up."""
    key, src = _scatter_args(input, dim, index, src, "scatter_add")
    return input + IndexAdd.apply(src, key=key, shape=tuple(input.shape))
