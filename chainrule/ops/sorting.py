"""Sorting and searching: sort, topk, kthvalue, median, mode, running max/min, unique, counting.

Every value these return was read from the input at a computed index, so each is a ``gather``
along the dim: the gradient goes back to the place each value came from (summed where one place
was read twice). The indices themselves are integers and carry no gradient.
"""
import numpy as np

from ..autograd.tensor import Tensor, wrap_array
from ._util import norm_dim
from .indexing import gather
from .reduction import values_indices


def _data(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _order(d, dim, descending, stable=True):
    """Indices sorting ``d`` along ``dim``: ties keep their order (NaN counts as the largest)."""
    if not descending:
        return np.argsort(d, axis=dim, kind="stable")
    n = d.shape[dim]
    rev = np.argsort(np.flip(d, dim), axis=dim, kind="stable")
    return np.flip(n - 1 - rev, dim)    # stable on the reversed input, reversed back


def _take(input, dim, idx, keepdim=True):
    d = norm_dim(dim, max(input.ndim, 1), "take")
    values = gather(input, d, idx)
    indices = wrap_array(idx.astype(np.int64, copy=False))
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return values_indices(values, indices)


def _as_1d(input):
    return input.reshape(1) if input.ndim == 0 else input


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) along ``dim``; ``values = input.gather(dim, indices)``."""
    if input.ndim == 0:
        return values_indices(input * 1, wrap_array(np.zeros((), np.int64)))
    d = norm_dim(dim, input.ndim, "sort")
    return _take(input, d, _order(_data(input), d, descending))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along ``dim`` and their indices."""
    x = _as_1d(input)
    d = norm_dim(dim, x.ndim, "topk")
    n = x.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {n}")
    idx = np.take(_order(_data(x), d, largest), np.arange(k), axis=d)
    out = _take(x, d, idx)
    if input.ndim == 0:
        return values_indices(out.values.reshape(()), out.indices.reshape(()))
    return out


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest value (k counts from 1) along ``dim``, and its index."""
    x = _as_1d(input)
    d = norm_dim(dim, x.ndim, "kthvalue")
    n = x.shape[d]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: k ({k}) is out of range for dimension {dim} of size {n}; "
                           f"expected 1 <= k <= {n}")
    idx = np.take(_order(_data(x), d, False), [k - 1], axis=d)
    out = _take(x, d, idx, keepdim or input.ndim == 0)
    if input.ndim == 0:
        return values_indices(out.values.reshape(()), out.indices.reshape(()))
    return out


def _median(input, dim, keepdim, ignore_nan, op):
    if dim is None:
        flat = input.reshape(-1)
        d = _data(flat)
        if d.size == 0:
            return flat.sum() * np.nan
        n = int(np.count_nonzero(~np.isnan(d))) if ignore_nan and d.dtype.kind == "f" else d.size
        if not ignore_nan and d.dtype.kind == "f" and np.isnan(d).any():
            pos = int(np.flatnonzero(np.isnan(d))[0])
            return gather(flat, 0, np.array([pos])).reshape(())
        k = max((n - 1) // 2, 0)
        return gather(flat, 0, _order(d, 0, False)[k:k + 1]).reshape(())
    x = _as_1d(input)
    ax = norm_dim(dim, x.ndim, op)
    d = _data(x)
    order = _order(d, ax, False)
    if d.dtype.kind == "f":
        nans = np.isnan(d).sum(axis=ax, keepdims=True)
        valid = d.shape[ax] - nans
        if ignore_nan:
            k = np.maximum((valid - 1) // 2, 0)
        else:  # a NaN anywhere makes the median NaN; sorted order puts NaNs last
            k = np.where(nans > 0, d.shape[ax] - nans, (d.shape[ax] - 1) // 2)
    else:
        k = np.full(tuple(1 if i == ax else s for i, s in enumerate(d.shape)), (d.shape[ax] - 1) // 2)
    idx = np.take_along_axis(order, k.astype(np.int64), axis=ax)
    out = _take(x, ax, idx, keepdim or input.ndim == 0)
    if input.ndim == 0:
        return values_indices(out.values.reshape(()), out.indices.reshape(()))
    return out


def median(input, dim=None, keepdim=False):
    """The lower median (no averaging of the two middle values, as PyTorch); NaN if any is NaN."""
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input, dim=None, keepdim=False):
    """The lower median of the values that are not NaN."""
    return _median(input, dim, keepdim, True, "nanmedian")


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and the
    index of its last occurrence."""
    x = _as_1d(input)
    ax = norm_dim(dim, x.ndim, "mode")
    d = np.moveaxis(_data(x), ax, -1)
    rows = d.reshape(-1, d.shape[-1])
    best = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        vals, counts = np.unique(row, return_counts=True)
        v = vals[np.argmax(counts)]
        best[r] = np.flatnonzero(row == v)[-1]
    idx = np.expand_dims(best.reshape(d.shape[:-1]), ax)
    out = _take(x, ax, idx, keepdim or input.ndim == 0)
    if input.ndim == 0:
        return values_indices(out.values.reshape(()), out.indices.reshape(()))
    return out


def _running(input, dim, better, op):
    """Running best along ``dim``, as PyTorch scans: an element takes over when it is NaN, or
    when it is ``better``-or-equal to a best that is not NaN (so ties move to the latest one)."""
    x = _as_1d(input)
    ax = norm_dim(dim, x.ndim, op)
    d = _data(x)
    n = d.shape[ax]
    acc = np.maximum if better is np.greater_equal else np.minimum
    best = acc.accumulate(d, axis=ax)            # NumPy's maximum propagates NaN as PyTorch does
    prev = np.concatenate([np.take(best, [0], axis=ax), np.take(best, np.arange(n - 1), axis=ax)],
                          axis=ax)
    shape = [1] * d.ndim
    shape[ax] = n
    pos = np.arange(n).reshape(shape)
    with np.errstate(invalid="ignore"):
        takes = better(d, prev) | (pos == 0)
        if d.dtype.kind == "f":
            takes = np.isnan(d) | (takes & ~np.isnan(prev))
    idx = np.maximum.accumulate(np.where(takes, pos, 0), axis=ax)
    out = _take(x, ax, idx)
    if input.ndim == 0:
        return values_indices(out.values.reshape(()), out.indices.reshape(()))
    return out


def cummax(input, dim):
    """Running maximum along ``dim`` and where it was reached (the latest place among ties)."""
    return _running(input, dim, np.greater_equal, "cummax")


def cummin(input, dim):
    """Running minimum along ``dim`` and where it was reached (the latest place among ties)."""
    return _running(input, dim, np.less_equal, "cummin")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), optionally with each element's position among them and the
    counts."""
    d = _data(input)
    if dim is None:
        vals, inv, counts = np.unique(d, return_inverse=True, return_counts=True)
        inv = inv.reshape(d.shape)
    else:
        ax = norm_dim(dim, d.ndim, "unique")
        vals, inv, counts = np.unique(d, return_inverse=True, return_counts=True, axis=ax)
        inv = inv.reshape(-1)
    out = [wrap_array(vals)]
    if return_inverse:
        out.append(wrap_array(inv.astype(np.int64)))
    if return_counts:
        out.append(wrap_array(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """How often each non-negative integer occurs (or the sum of its weights)."""
    d = _data(input)
    if d.ndim != 1 or d.dtype.kind not in "iu":
        raise RuntimeError(f"bincount: expected a 1-D tensor of non-negative integers, got "
                           f"{d.dtype} of shape {d.shape}")
    if d.size and d.min() < 0:
        raise RuntimeError("bincount: input must contain only non-negative integers")
    if weights is None:
        return wrap_array(np.bincount(d, minlength=minlength).astype(np.int64))
    w = _data(weights)
    out = np.bincount(d, weights=w, minlength=minlength)
    return wrap_array(out.astype(w.dtype if w.dtype.kind == "f" else np.float64))


def histc(input, bins=100, min=0, max=0):
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0);
    values outside are ignored."""
    d = _data(input)
    if d.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating-point input, got {d.dtype}")
    lo, hi = float(min), float(max)
    if lo == hi and d.size:
        lo, hi = float(d.min()), float(d.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min={min}, max={max}")
    counts, _ = np.histogram(d, bins=bins, range=(lo, hi))
    return wrap_array(counts.astype(d.dtype))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value would be inserted to keep ``sorted_sequence`` sorted (row by row when it
    has several dims); ``right``/``side='right'`` puts a value after equal entries."""
    seq = _data(sorted_sequence)
    vals = np.asarray(_data(input))
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted: side='left' and right=True contradict each other")
        right = side == "right"
    how = "right" if right else "left"
    if sorter is not None:
        seq = np.take_along_axis(seq, _data(sorter), axis=-1)
    if seq.ndim <= 1:
        out = np.searchsorted(seq, vals, side=how)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError(f"searchsorted: boundaries {seq.shape} and input {vals.shape} must "
                               f"have the same leading dims")
        s2, v2 = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(s2, v2)]).reshape(vals.shape)
    out = np.asarray(out, dtype=np.int32 if out_int32 else np.int64)
    return wrap_array(out)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value: i with boundaries[i−1] < x ≤ boundaries[i] (``right=True``:
    boundaries[i−1] ≤ x < boundaries[i])."""
    b = _data(boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right)
