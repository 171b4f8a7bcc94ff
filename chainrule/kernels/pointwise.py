"""Elementwise kernels: the activations (ELU, softplus, log σ, SiLU) and the derivative arrays of
activations. Each NumPy reference computes in place with as few passes and temporaries as NumPy
allows; the compiled versions are one pass, with the vectorizable exp and log1p of ``expf`` (with
the C library's scalar exp a compiled loop had measured 7× slower than NumPy).

Each derivative is the array form of one whose formula is written in its op's backward.
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


def _elu_forward_ref(x, alpha):
    """x for x > 0, else α(eˣ − 1) — without np.where (branchy on a random mask, 7× PyTorch's
    time): max(x, 0) + α·expm1(min(x, 0)) adds an exact 0 to one side or the other."""
    neg = np.expm1(np.minimum(x, 0))
    neg *= alpha
    y = np.maximum(x, 0)
    y += neg
    return y.astype(x.dtype, copy=False)


def _elu_backward_ref(gy, x, alpha):
    """gy·(1 for x > 0, else α·eˣ) as e^min(x, 0)·(1 or α) — a NaN x passes its gradient."""
    factor = one_or(~(x <= 0), alpha, np.result_type(gy, x))
    factor *= np.exp(np.fmin(x, 0))
    factor *= gy
    return factor


def _gelu_backward_ref(gy, x, cdf):
    """gy·(Φ(x) + x·φ(x)), Φ kept from the forward."""
    gx = np.exp(x * x * -0.5)
    gx *= 1.0 / math.sqrt(2.0 * math.pi)
    gx *= x
    gx += cdf
    gx *= gy
    return gx


def _softplus_forward_ref(x, beta, threshold):
    """(1/β)·log(1 + e^(βx)) as max(βx, 0) + log(1 + e^(−|βx|)) over β, and x itself past the
    threshold (PyTorch's linear regime)."""
    bx = x * beta if beta != 1 else x
    soft = np.negative(np.abs(bx), out=np.empty_like(x))
    np.exp(soft, out=soft)
    np.log1p(soft, out=soft)
    soft += np.maximum(bx, 0)
    if beta != 1:
        soft /= beta
    over = bx > threshold
    if over.any():
        soft = np.where(over, x, soft)
    return soft.astype(x.dtype, copy=False)


def _softplus_backward_ref(gy, x, beta, threshold):
    """gy·σ(βx), and gy itself past the threshold (the linear regime)."""
    bx = np.multiply(x, beta, out=np.empty_like(x))
    over = bx > threshold
    g = sigmoid_of_negative(np.negative(bx, out=bx))
    g *= gy
    return np.where(over, gy, g) if over.any() else g


def _log_sigmoid_forward_ref(x):
    """log σ(x) = min(x, 0) − log(1 + e^(−|x|)), stable at both ends."""
    y = np.negative(np.abs(x), out=np.empty_like(x))
    np.exp(y, out=y)
    np.log1p(y, out=y)
    np.subtract(np.minimum(x, 0), y, out=y)
    return y.astype(x.dtype, copy=False)


def _log_sigmoid_backward_ref(gy, x):
    """gy·σ(−x)."""
    g = sigmoid_of_negative(x)
    g *= gy
    return g


def _exp_ref(x):
    """eˣ."""
    return np.exp(x)


def _sigmoid_forward_ref(x):
    """σ(x) = 1/(1 + e⁻ˣ)."""
    return sigmoid_of_negative(np.negative(x, out=np.empty_like(x)))


def _tanh_forward_ref(x):
    """tanh x."""
    return np.tanh(x)


def _silu_forward_ref(x):
    """x·σ(x)."""
    y = _sigmoid_forward_ref(x)
    y *= x
    return y


def _silu_backward_ref(gy, x):
    """gy·σ(x)·(1 + x·(1 − σ(x)))."""
    s = _sigmoid_forward_ref(x)
    g = np.subtract(1.0, s)
    g *= x
    g += 1.0
    g *= s
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


# ------------------------------------------------------------------ compiled, with expf's functions
# float32 only (float64 — the oracle tests' precision — takes the references): one loop per kernel
# over flat arrays, every constant a float32 (a bare 1 or 0.5 would make the arithmetic float64,
# and expf's float64 functions are the C library's scalar ones). expf's exp/expm1/log1p/σ
# vectorize, so the loops are compiled with expf.FLAGS (no reassociation; none of them sums).
_0, _1, _HALF = np.float32(0), np.float32(1), np.float32(0.5)
_INV_SQRT_2PI = np.float32(1 / math.sqrt(2 * math.pi))


def _exp_loop(x, y):
    for i in prange(x.size):
        y[i] = exp(x[i])


def _sigmoid_forward_loop(x, y):
    for i in prange(x.size):
        y[i] = sigmoid(x[i])


def _tanh_forward_loop(x, y):
    for i in prange(x.size):
        y[i] = tanh(x[i])


def _elu_forward_loop(x, y, alpha):
    for i in prange(x.size):
        v = x[i]
        y[i] = v if v > 0 else alpha * expm1(v)


def _elu_backward_loop(gy, x, gx, alpha):
    for i in prange(x.size):     # like PyTorch, a NaN x passes its gradient: the test is x ≤ 0
        gx[i] = gy[i] * alpha * exp(x[i]) if x[i] <= 0 else gy[i]


def _gelu_backward_loop(gy, x, cdf, gx):
    for i in prange(x.size):
        v = x[i]
        gx[i] = gy[i] * (cdf[i] + v * exp(-_HALF * v * v) * _INV_SQRT_2PI)


def _softplus_forward_loop(x, y, beta, threshold):
    for i in prange(x.size):
        b = x[i] * beta
        soft = (max(b, _0) + log1p(exp(-abs(b)))) / beta
        y[i] = x[i] if b > threshold else soft


def _softplus_backward_loop(gy, x, gx, beta, threshold):
    for i in prange(x.size):
        b = x[i] * beta
        gx[i] = gy[i] if b > threshold else gy[i] * sigmoid(b)


def _log_sigmoid_forward_loop(x, y):
    for i in prange(x.size):
        v = x[i]
        y[i] = min(v, _0) - log1p(exp(-abs(v)))


def _log_sigmoid_backward_loop(gy, x, gx):
    for i in prange(x.size):
        gx[i] = gy[i] * sigmoid(-x[i])


def _silu_forward_loop(x, y):
    for i in prange(x.size):
        y[i] = x[i] * sigmoid(x[i])


def _silu_backward_loop(gy, x, gx):
    for i in prange(x.size):
        s = sigmoid(x[i])
        gx[i] = gy[i] * s * (_1 + x[i] * (_1 - s))


exp = expm1 = log1p = sigmoid = tanh = None   # expf's functions, set when a loop compiles (expf loads Numba)
_FLOAT32 = np.dtype(np.float32)


def elementwise(loop, reference, arrays):
    """``run(*args)``: the first ``arrays`` args are float32 arrays of one shape, the rest numbers;
    ``loop(*flat arrays, out, *numbers as float32)`` writes a new array. Anything else (float64,
    float16, a broadcast gradient) and arrays under ``tunables.COMPILED_MIN_ELEMENTS`` (where the
    call costs more than the loop saves) take the NumPy ``reference``."""
    global exp, expm1, log1p, sigmoid, tanh
    from . import expf
    exp, expm1, log1p, sigmoid, tanh = expf.exp, expf.expm1, expf.log1p, expf.sigmoid, expf.tanh
    run_loop = compiled(loop, fastmath=expf.FLAGS)

    def run(*args):
        ins, numbers = args[:arrays], args[arrays:]
        shape = ins[0].shape
        if ins[0].size < tunables.COMPILED_MIN_ELEMENTS or any(a.dtype != _FLOAT32 or a.shape != shape for a in ins):
            return reference(*args)
        out = np.empty(shape, _FLOAT32)
        run_loop(out.size >= tunables.PARALLEL_MIN_HEAVY, *(np.ascontiguousarray(a).reshape(-1) for a in ins),
                 out.reshape(-1), *(np.float32(v) for v in numbers))
        return out
    return run


for _name, _ref, _loop, _arrays in [
        ("exp", _exp_ref, _exp_loop, 1),
        ("sigmoid_forward", _sigmoid_forward_ref, _sigmoid_forward_loop, 1),
        ("tanh_forward", _tanh_forward_ref, _tanh_forward_loop, 1),
        ("elu_forward", _elu_forward_ref, _elu_forward_loop, 1),
        ("elu_backward", _elu_backward_ref, _elu_backward_loop, 2),
        ("gelu_backward", _gelu_backward_ref, _gelu_backward_loop, 3),
        ("softplus_forward", _softplus_forward_ref, _softplus_forward_loop, 1),
        ("softplus_backward", _softplus_backward_ref, _softplus_backward_loop, 2),
        ("log_sigmoid_forward", _log_sigmoid_forward_ref, _log_sigmoid_forward_loop, 1),
        ("log_sigmoid_backward", _log_sigmoid_backward_ref, _log_sigmoid_backward_loop, 2),
        ("silu_forward", _silu_forward_ref, _silu_forward_loop, 1),
        ("silu_backward", _silu_backward_ref, _silu_backward_loop, 2)]:
    kernel(_name, _ref)(lambda loop=_loop, ref=_ref, n=_arrays: elementwise(loop, ref, n))
