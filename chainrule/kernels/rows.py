"""Row kernels over the last dimension of an (m, k) matrix: layer norm, (log-)softmax, and
cross-entropy's rows.

Each row is independent, so a compiled kernel walks a row once per pass with the row in cache and
runs rows in parallel (``prange``); sums are accumulated in float64. The NumPy references do the
same work with whole-array passes (in row blocks on the thread pool), where every per-row
broadcast is another trip through memory — the reason the compiled ones exist. The exponentials
(softmax's forward, cross-entropy's) use ``expf.exp``, which vectorizes; with the C library's scalar
exp a compiled softmax had been no faster than NumPy's (whose float32 exp is 3.4× slower than
``expf.exp`` on the AMD EPYC VM, 2.2 ns an element against 0.65).
"""
import math

import numpy as np

from .. import tunables
from ..backend import parallel_rows
from ._jit import compiled, jit
from ._registry import kernel, numpy_kernel

prange = range   # replaced by numba.prange when a kernel compiles (see _jit.jit)
vexp = None      # expf's vectorizable exp, set when the softmax kernel compiles (expf loads Numba)


# ------------------------------------------------------------------------------------ layer norm
def _ln_forward_ref(x, w, b, eps):
    """y = (x − μ)/√(σ² + ε)·w + b per row; returns y, μ, 1/√(σ² + ε) (the last two (m,))."""
    m, k = x.shape
    y = np.empty_like(x)
    mean, rstd = np.empty(m, x.dtype), np.empty(m, x.dtype)

    def block(lo, hi):
        xs, ys = x[lo:hi], y[lo:hi]
        mu = np.einsum("ij->i", xs) / k
        np.subtract(xs, mu[:, None], out=ys)
        r = 1.0 / np.sqrt(np.einsum("ij,ij->i", ys, ys) / k + eps)
        ys *= r[:, None].astype(x.dtype, copy=False)
        if w is not None:
            ys *= w
        if b is not None:
            ys += b
        mean[lo:hi], rstd[lo:hi] = mu, r

    parallel_rows(block, m, x.size)
    return y, mean, rstd


def _ln_backward_ref(g, x, mean, rstd, w):
    """With x̂ = (x − μ)·r and ĝ = g·w: dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dw = Σ g·x̂, db = Σ g
    (the sums over rows)."""
    m, k = g.shape
    gx = np.empty(g.shape, np.result_type(g, x))
    parts = {}

    def block(lo, hi):
        gs, out = g[lo:hi], gx[lo:hi]
        xh = (x[lo:hi] - mean[lo:hi, None]) * rstd[lo:hi, None]
        parts[lo] = (np.einsum("ij,ij->j", gs, xh), np.einsum("ij->j", gs))
        gh = gs * w if w is not None else gs
        m1 = np.einsum("ij->i", gh)[:, None] / k
        m2 = np.einsum("ij,ij->i", gh, xh)[:, None] / k
        np.subtract(gh, m1, out=out)
        out -= xh * m2
        out *= rstd[lo:hi, None]

    parallel_rows(block, m, g.size)
    gw = sum(parts[lo][0] for lo in sorted(parts))
    gb = sum(parts[lo][1] for lo in sorted(parts))
    return gx, gw.astype(gx.dtype, copy=False), gb.astype(gx.dtype, copy=False)


def _ln_forward_loop(x, w, b, eps, y, mean, rstd):
    m, k = x.shape
    for i in prange(m):
        s = 0.0
        for j in range(k):
            s += x[i, j]
        mu = s / k
        v = 0.0
        for j in range(k):
            d = x[i, j] - mu
            v += d * d
        mean[i] = mu
        rstd[i] = 1.0 / np.sqrt(v / k + eps)
        mu_, r_ = mean[i], rstd[i]          # in x's dtype: the pass below stays single precision
        for j in range(k):
            y[i, j] = (x[i, j] - mu_) * r_ * w[j] + b[j]


def _ln_backward_loop(g, x, mean, rstd, w, gx, part_w, part_b, means):
    m, k = g.shape
    blocks = part_w.shape[0]
    for t in prange(blocks):
        for i in range(m * t // blocks, m * (t + 1) // blocks):
            mu, r = mean[i], rstd[i]
            s1 = 0.0
            s2 = 0.0
            for j in range(k):
                xh = (x[i, j] - mu) * r
                gh = g[i, j] * w[j]
                s1 += gh
                s2 += gh * xh
                part_w[t, j] += g[i, j] * xh
                part_b[t, j] += g[i, j]
            means[t, 0] = s1 / k             # the row means, back in the gradient's dtype
            means[t, 1] = s2 / k
            m1, m2 = means[t, 0], means[t, 1]
            for j in range(k):
                xh = (x[i, j] - mu) * r
                gx[i, j] = (g[i, j] * w[j] - m1 - xh * m2) * r


def _blocks(m, k):
    from ..backend import get_num_threads
    return 1 if m * k < tunables.PARALLEL_MIN_COMPILED else min(m, get_num_threads())


def _big(a):
    return a.size >= tunables.PARALLEL_MIN_COMPILED


def _ones_or(w, k, dtype, fill):
    return w if w is not None else np.full(k, fill, dtype)


@kernel("layer_norm_forward", _ln_forward_ref)
def _build_ln_forward():
    loop = compiled(_ln_forward_loop)

    def run(x, w, b, eps):
        m, k = x.shape
        y = np.empty_like(x)
        mean, rstd = np.empty(m, x.dtype), np.empty(m, x.dtype)
        loop(_big(x), x, _ones_or(w, k, x.dtype, 1), _ones_or(b, k, x.dtype, 0), eps, y, mean, rstd)
        return y, mean, rstd
    return run


@kernel("layer_norm_backward", _ln_backward_ref)
def _build_ln_backward():
    loop = compiled(_ln_backward_loop)

    def run(g, x, mean, rstd, w):
        m, k = g.shape
        blocks = _blocks(m, k)
        gx = np.empty(g.shape, np.result_type(g, x))
        part_w, part_b = np.zeros((blocks, k)), np.zeros((blocks, k))
        loop(blocks > 1, g, x, mean, rstd, _ones_or(w, k, x.dtype, 1), gx, part_w, part_b,
             np.empty((blocks, 2), gx.dtype))
        return gx, part_w.sum(0).astype(gx.dtype), part_b.sum(0).astype(gx.dtype)
    return run


# --------------------------------------------------------------------------------- softmax rows
def unshifted_limit(dtype):
    """The largest |row max| for which e^x may skip subtracting the row max: the shift only keeps
    exp from overflowing (and a row sum from underflowing), which cannot happen within this bound."""
    return min(tunables.UNSHIFTED_EXP_LIMIT, math.log(float(np.finfo(dtype).max)) / 2)


def _exp_rows_ref(x, out):
    """out = e^(x − c) per row of x; returns (c, Σ_row out): c an (m, 1) column, or None for 0.

    The shift c only keeps exp from overflowing and a row sum from underflowing. When the largest
    value of the whole array is within ``unshifted_limit``, exp cannot overflow, so the max of each
    row is skipped — one SIMD max over the array instead of one per short row (on (32768, 128)
    float32: 0.5 ms against 7.7 ms in NumPy 2.4) — and only rows whose sum came out below
    e^(−limit) (every value below −limit, or all −inf) are redone with their own max.
    """
    limit = unshifted_limit(x.dtype)
    top = x.max() if x.size else 0.0
    if limit > 0 and top <= limit:          # False for NaN: those take the shifted path below
        np.exp(x, out=out)
        total = np.einsum("ij->i", out)
        low = np.flatnonzero(total < math.exp(-limit))
        if not low.size:
            return None, total
        shift = np.zeros((x.shape[0], 1), dtype=x.dtype)
        shift[low] = x[low].max(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):
            out[low] = np.exp(x[low] - shift[low])
        total[low] = np.einsum("ij->i", out[low])
        return shift, total
    shift = x.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        np.subtract(x, shift, out=out)
    np.exp(out, out=out)
    return shift, np.einsum("ij->i", out)


def _softmax_rows_ref(x, log):
    """(log-)softmax of each row: e^(x − c)/Σ e^(x − c), or x − c − log Σ e^(x − c) (c the shift of
    ``exp_rows``), in row blocks on the thread pool."""
    y = np.empty_like(x)

    def block(lo, hi):
        xs, ys = x[lo:hi], y[lo:hi]
        shift, total = _exp_rows_ref(xs, ys)
        if log:   # (x − c) first: exact, where x − log Σ first would round at x's magnitude
            np.subtract(xs, shift if shift is not None else 0, out=ys)
            ys -= np.log(total)[:, None].astype(xs.dtype, copy=False)
        else:
            ys *= (1.0 / total)[:, None].astype(ys.dtype, copy=False)

    parallel_rows(block, x.shape[0], x.size)
    return y


def _exp_row(xi, yi, shifted, low, high, zero):
    """yi = e^(xi − c) for one row; returns (c, Σ yi). Unless ``shifted`` (always take the row max),
    c = 0 first, and the row is redone with c = its max only when that sum falls outside
    [low, high] = [e^−limit, e^limit] — some value above the unshifted limit (or inf, NaN), or every
    value far below 0. Decided per row, in cache: no pass over the whole array for its max (which
    ``exp_rows``' reference takes), the same result up to rounding."""
    k = xi.shape[0]
    c = zero
    s = zero
    for attempt in range(2):
        if shifted or attempt == 1:
            c = xi[0]
            for j in range(1, k):
                c = max(c, xi[j])
        s = zero
        for j in range(k):
            e = vexp(xi[j] - c)
            yi[j] = e
            s += e
        if shifted or attempt == 1 or low <= s <= high:
            break
    return c, s


def _exp_rows_loop(x, out, shifted, low, high, zero, shift, total):
    for i in prange(x.shape[0]):
        shift[i, 0], total[i] = _exp_row(x[i], out[i], shifted, low, high, zero)


def _softmax_rows_loop(x, y, log, shifted, low, high, zero):
    """The reference's passes as one loop per row: y = e^(x − c) and its sum, then the scale (or
    the log-softmax)."""
    m, k = x.shape
    for i in prange(m):
        xi, yi = x[i], y[i]
        c, s = _exp_row(xi, yi, shifted, low, high, zero)
        if log:
            ls = math.log(s)
            for j in range(k):
                yi[j] = (xi[j] - c) - ls
        else:
            r = 1 / s
            for j in range(k):
                yi[j] *= r


def _compile_exp_row():
    """The row loops call _exp_row and expf's exp: both are put in this module's globals first."""
    global vexp, _exp_row
    from .expf import exp as vexp
    if not hasattr(_exp_row, "py_func"):
        _exp_row = jit(_exp_row)


def _exp_rows_args(x):
    """(parallel?, shifted, low, high, zero) for the row loops (``_exp_row``): with the unshifted
    limit set to 0, every row is shifted."""
    limit = unshifted_limit(x.dtype)
    dt = x.dtype.type
    return x.size >= tunables.PARALLEL_MIN_HEAVY, not limit > 0, dt(math.exp(-limit)), dt(math.exp(limit)), dt(0)


@kernel("exp_rows", _exp_rows_ref)
def exp_rows():     # the kernel (called as exp_rows(x, out)); this body builds its compiled version
    _compile_exp_row()
    loop = compiled(_exp_rows_loop)

    def run(x, out):
        shift, total = np.empty((x.shape[0], 1), x.dtype), np.empty(x.shape[0], x.dtype)
        if x.size:
            big, *args = _exp_rows_args(x)
            loop(big, x, out, *args, shift, total)
        return (shift if shift.any() else None), total
    return run


@kernel("softmax_rows", _softmax_rows_ref)
def _build_softmax_rows():
    _compile_exp_row()
    from .expf import FLAGS   # no reassociation: it would turn (x − c) − log Σ into x − (c + log Σ)
    loop = compiled(_softmax_rows_loop, fastmath=FLAGS)

    def run(x, log):
        y = np.empty_like(x)
        if x.size:
            big, *args = _exp_rows_args(x)
            loop(big, x, y, log, *args)
        return y
    return run


def _softmax_backward_ref(g, y, log):
    """softmax: y ⊙ (g − Σ g ⊙ y); log-softmax: g − e^y ⊙ Σ g — per row."""
    gx = np.empty(g.shape, np.result_type(g, y))

    def block(lo, hi):
        gs, ys, out = g[lo:hi], y[lo:hi], gx[lo:hi]
        if log:
            np.exp(ys, out=out)
            out *= np.einsum("ij->i", gs)[:, None]
            np.subtract(gs, out, out=out)
        else:
            np.subtract(gs, np.einsum("ij,ij->i", gs, ys)[:, None], out=out)
            out *= ys

    parallel_rows(block, y.shape[0], y.size)
    return gx


# The backward has no exponential (softmax) or one NumPy pass of it (log-softmax): the rest, a
# row sum and an update, is one fused compiled loop per row.
def _softmax_backward_loop(g, y, gx):
    """gx = (g − Σ g·y)·y per row (the row sum accumulated in float64, used in gx's dtype)."""
    m, k = g.shape
    for i in prange(m):
        s = 0.0
        for j in range(k):
            s += g[i, j] * y[i, j]
        gx[i, 0] = s
        t = gx[i, 0]
        for j in range(k):
            gx[i, j] = (g[i, j] - t) * y[i, j]


def _log_softmax_backward_loop(g, gx):
    """gx = g − e^y·Σ g per row, with gx holding e^y on entry."""
    m, k = g.shape
    for i in prange(m):
        s = 0.0
        for j in range(k):
            s += g[i, j]
        e0 = gx[i, 0]
        gx[i, 0] = s
        t = gx[i, 0]
        gx[i, 0] = e0
        for j in range(k):
            gx[i, j] = g[i, j] - gx[i, j] * t


@kernel("softmax_rows_backward", _softmax_backward_ref)
def _build_softmax_backward():
    plain, logged = compiled(_softmax_backward_loop), compiled(_log_softmax_backward_loop)

    def run(g, y, log):
        gx = np.empty(g.shape, np.result_type(g, y))
        if log:
            np.exp(y, out=gx)
            logged(g.size >= tunables.PARALLEL_MIN_LIGHT, g, gx)
        else:
            plain(g.size >= tunables.PARALLEL_MIN_LIGHT, g, y, gx)
        return gx
    return run


# ---------------------------------------------------------------------------- cross-entropy rows
@numpy_kernel("cross_entropy_forward")   # its exponentials: the exp_rows kernel
def cross_entropy_forward(z, rows, cols, vals, dense):
    """Per row i: Lᵢ = (Σ_c aᵢc)·log Σ_c e^(zᵢc − m) − Σ_c aᵢc·(zᵢc − m), m the row max, with
    a[rows, cols] = vals (class-index targets) plus the ``dense`` coefficients. Returns L, Σa, the
    exponentials e and their row sums (an (n, 1) column) — what the backward needs.

    The exponentials come from ``exp_rows`` (no row max unless a logit exceeds the unshifted limit):
    the same result up to rounding."""
    m = z.shape[0]
    e = np.empty_like(z)
    shift, total = exp_rows(z, e)
    shifted = z if shift is None else z - shift
    rowsum = np.zeros(m, dtype=z.dtype)
    picked = np.zeros(m, dtype=z.dtype)
    rowsum[rows] = vals  # rows are distinct: assignment, no scatter-add
    picked[rows] = vals * shifted[rows, cols]
    if dense is not None:
        rowsum += dense.sum(axis=1)
        picked += np.einsum("ij,ij->i", dense, shifted)
    total = total[:, None]
    return rowsum * np.log(total)[:, 0] - picked, rowsum, e, total


@numpy_kernel("cross_entropy_backward")   # one multiply and a scatter: NumPy runs it at memory speed
def cross_entropy_backward(e, total, rowsum, g, rows, cols, vals, dense):
    """∂L/∂z = softmax(z)·(Σa)·g − a·g per row (g one number, or one per row as an (n, 1) column),
    softmax = e/total: e times one factor per row, minus the sparse coefficients (class-index
    targets) and the dense ones (probabilities, label smoothing)."""
    g_rows = np.broadcast_to(np.reshape(g, (-1,)), (e.shape[0],))
    grad = e * (rowsum * g_rows / total[:, 0])[:, None].astype(e.dtype, copy=False)
    if dense is not None:
        grad -= dense * g
    grad[rows, cols] -= (vals * g_rows[rows]).astype(grad.dtype, copy=False)
    return grad
