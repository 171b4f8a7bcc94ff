"""Elementwise kernels: the derivative arrays of the activations, computed in place with as few
passes and temporaries as NumPy allows (NumPy only: their exponentials need NumPy's SIMD exp —
Numba's scalar exp measured 7× slower — except σ's derivative, pure arithmetic, compiled).

Each is the array form of a derivative whose formula is written in its op's backward.
"""
import math

import numpy as np

from .. import tunables
from ._jit import compiled
from ._registry import kernel, numpy_kernel

prange = range   # replaced by numba.prange when a kernel compiles (see _jit.jit)


def sigmoid_of_negative(t):
    """σ(−t) = 1/(1 + eᵗ) as a new array, computed in place (three passes, no branches). For
    t ≫ 0, eᵗ overflowing to inf gives exactly the limit 0."""
    with np.errstate(over="ignore"):
        y = np.exp(t, out=np.empty_like(t))
    y += 1.0
    np.reciprocal(y, out=y)
    return y


def all_finite(a):
    """Whether a holds no inf or NaN, by one BLAS dot: a·a is inf or NaN when any element is. (A
    huge finite a can overflow it too; that only sends the caller down its exact path.)"""
    flat = a.ravel(order="K")
    with np.errstate(over="ignore", invalid="ignore"):
        return math.isfinite(np.dot(flat, flat))


def one_or(mask, value, dt):
    """An array of dtype dt: 1 where mask, else ``value`` — as mask·(1 − v) + v, which is exactly 1
    or v for 0 ≤ v ≤ 2 (1 − v is exact for v ≥ ½, and fl(v + fl(1 − v)) = 1 below), without
    np.where's branches (27× slower on a random mask); other values take np.where."""
    if not 0.0 <= value <= 2.0:
        return np.where(mask, dt.type(1), dt.type(value))
    v = dt.type(value)
    out = np.asarray(mask).astype(dt)
    out *= dt.type(1) - v
    out += v
    return out


@numpy_kernel("pass_where")
def pass_where(mask, gy):
    """gy where mask, else 0 (a NaN or inf gradient is blocked too, as in PyTorch): a multiply by
    the mask (np.where on a random mask is branchy, 15× slower), the exact np.where only when the
    product is not finite (0·inf would spread)."""
    with np.errstate(invalid="ignore"):
        out = np.multiply(gy, mask, out=np.empty_like(gy))
    return out if all_finite(out) else np.where(mask, gy, 0).astype(gy.dtype, copy=False)


@numpy_kernel("elu_backward")
def elu_backward(gy, x, alpha):
    """gy·(1 for x > 0, else α·eˣ) as e^min(x, 0)·(1 or α) — a NaN x passes its gradient."""
    factor = one_or(~(x <= 0), alpha, np.result_type(gy, x))
    factor *= np.exp(np.fmin(x, 0))
    factor *= gy
    return factor


@numpy_kernel("gelu_backward")
def gelu_backward(gy, x, cdf):
    """gy·(Φ(x) + x·φ(x)), Φ kept from the forward."""
    gx = np.exp(x * x * -0.5)
    gx *= 1.0 / math.sqrt(2.0 * math.pi)
    gx *= x
    gx += cdf
    gx *= gy
    return gx


@numpy_kernel("softplus_backward")
def softplus_backward(gy, x, beta, threshold):
    """gy·σ(βx), and gy itself past the threshold (the linear regime)."""
    bx = np.multiply(x, beta, out=np.empty_like(x))
    over = bx > threshold
    g = sigmoid_of_negative(np.negative(bx, out=bx))
    g *= gy
    return np.where(over, gy, g) if over.any() else g


@numpy_kernel("log_sigmoid_backward")
def log_sigmoid_backward(gy, x):
    """gy·σ(−x)."""
    g = sigmoid_of_negative(x)
    g *= gy
    return g


def _sigmoid_backward_ref(gy, y):
    """gy·y·(1 − y)."""
    gx = np.subtract(1.0, y)
    gx *= y
    gx *= gy
    return gx


def _sigmoid_backward_loop(gy, y, gx):
    for i in prange(gx.size):
        gx[i] = gy[i] * y[i] * (1 - y[i])


@kernel("sigmoid_backward", _sigmoid_backward_ref)
def _build_sigmoid_backward():
    loop = compiled(_sigmoid_backward_loop)

    def run(gy, y):
        if gy.shape != y.shape:
            return _sigmoid_backward_ref(gy, y)
        gx = np.empty(y.shape, np.result_type(gy, y))
        loop(y.size >= tunables.PARALLEL_MIN_LIGHT, np.ascontiguousarray(gy).reshape(-1), np.ascontiguousarray(y).reshape(-1),
             gx.reshape(-1))
        return gx
    return run
