"""Channel kernels: batch normalization of an (N, C, S) array over N and S, per channel.

Forward: μ_c and σ²_c over the n·s values of channel c, y = (x − μ)·r·w + b with r = 1/√(σ² + ε).
Backward: with x̂ = (x − μ)·r, Σg and Σg·x̂ per channel give the bias and weight gradients and —
since the parameters sit on the statistics — dx = r·w·(g − Σg/n − x̂·Σg·x̂/n) with no further pass.
Channels run in parallel; each walks its n contiguous runs of s values.
"""
import numpy as np

from .. import tunables
from ._jit import compiled
from ._registry import kernel

prange = range   # replaced by numba.prange when a kernel compiles (see _jit.jit)


def _bn_forward_ref(x, w, b, eps):
    """Returns y, μ (C,), biased σ² (C,), r (C,)."""
    count = x.shape[0] * x.shape[2]
    mean = np.einsum("ncs->c", x) / count
    d = x - mean[:, None]
    var = np.einsum("ncs,ncs->c", d, d) / count
    rstd = 1.0 / np.sqrt(var + eps)
    scale = rstd * (w if w is not None else 1.0)
    y = d * scale[:, None].astype(x.dtype, copy=False)
    if b is not None:
        y += b[:, None]
    t = x.dtype
    return y.astype(t, copy=False), mean.astype(t), var.astype(t), rstd.astype(t)


def _bn_backward_ref(g, x, mean, rstd, w):
    """Returns dx, dw, db."""
    count = x.shape[0] * x.shape[2]
    xhat = (x - mean[:, None]) * rstd[:, None]
    sum_g = np.einsum("ncs->c", g)
    sum_gx = np.einsum("ncs,ncs->c", g, xhat)
    wr = rstd * (w if w is not None else 1.0)
    gx = (g - (sum_g / count)[:, None] - xhat * (sum_gx / count)[:, None]) * wr[:, None]
    t = np.result_type(g, x)
    return gx.astype(t, copy=False), sum_gx.astype(t), sum_g.astype(t)


def _bn_forward_loop(x, w, b, eps, y, mean, var, rstd):
    n, c, s = x.shape
    count = n * s
    for ch in prange(c):
        acc = 0.0
        for i in range(n):
            for j in range(s):
                acc += x[i, ch, j]
        mu = acc / count
        acc = 0.0
        for i in range(n):
            for j in range(s):
                d = x[i, ch, j] - mu
                acc += d * d
        v = acc / count
        r = 1.0 / np.sqrt(v + eps)
        mean[ch], var[ch], rstd[ch] = mu, v, r
        mu_ = mean[ch]                       # in x's dtype: the pass below stays single precision
        scale, shift = rstd[ch] * w[ch], b[ch]
        for i in range(n):
            for j in range(s):
                y[i, ch, j] = (x[i, ch, j] - mu_) * scale + shift


def _bn_backward_loop(g, x, mean, rstd, w, gx, gw, gb):
    n, c, s = x.shape
    count = n * s
    for ch in prange(c):
        mu, r = mean[ch], rstd[ch]
        sg = 0.0
        sgx = 0.0
        for i in range(n):
            for j in range(s):
                sg += g[i, ch, j]
                sgx += g[i, ch, j] * (x[i, ch, j] - mu)
        sgx *= r
        gw[ch], gb[ch] = sgx, sg
        m1, m2, wr = gb[ch] / count, gw[ch] / count, r * w[ch]   # in the gradient's dtype
        for i in range(n):
            for j in range(s):
                gx[i, ch, j] = (g[i, ch, j] - m1 - (x[i, ch, j] - mu) * r * m2) * wr


@kernel("batch_norm_forward", _bn_forward_ref)
def _build_bn_forward():
    loop = compiled(_bn_forward_loop)

    def run(x, w, b, eps):
        c = x.shape[1]
        y = np.empty_like(x)
        mean, var, rstd = (np.empty(c, x.dtype) for _ in range(3))
        loop(x.size >= tunables.PARALLEL_MIN_COMPILED and c > 1, x, w if w is not None else np.ones(c, x.dtype), b if b is not None else np.zeros(c, x.dtype),
             eps, y, mean, var, rstd)
        return y, mean, var, rstd
    return run


@kernel("batch_norm_backward", _bn_backward_ref)
def _build_bn_backward():
    loop = compiled(_bn_backward_loop)

    def run(g, x, mean, rstd, w):
        c = x.shape[1]
        t = np.result_type(g, x)
        gx, gw, gb = np.empty(g.shape, t), np.empty(c, t), np.empty(c, t)
        loop(x.size >= tunables.PARALLEL_MIN_COMPILED and c > 1, g, x, mean, rstd, w if w is not None else np.ones(c, x.dtype), gx, gw, gb)
        return gx, gw, gb
    return run
