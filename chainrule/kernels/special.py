"""Special functions on arrays: erf (and the GELU built on it), each a NumPy reference — the
formula, readable — with a compiled loop behind the kernels seam where it pays."""
import math

import numpy as np

from .. import tunables
from ._jit import compiled
from ._registry import kernel

prange = range   # replaced by numba.prange when a kernel compiles (see _jit.jit)

# Abramowitz & Stegun 7.1.26: erf a = 1 − (a₁t + a₂t² + … + a₅t⁵)·e^(−a²), t = 1/(1 + p·a),
# |error| ≤ 1.5e-7 for a ≥ 0; and the Maclaurin series' coefficients (2/√π)(−1)ⁿ/(n!(2n+1)).
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_ERF_SERIES = tuple(2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1))
                    for n in range(8))


def erf_array(x):
    """erf on an array: to float32 accuracy for float32 and narrower, else to double precision."""
    x = np.asarray(x)
    if x.dtype.kind == "f" and x.dtype.itemsize <= 4:
        y = _erf_single(x.astype(np.float32, copy=False))
        return y.reshape(x.shape).astype(x.dtype, copy=False)
    return _erf_double(x)


def _erf_single(x):
    """erf to float32 accuracy (≤ 4e-7 absolute, ≤ 7e-7 relative) in ~30 vectorized passes —
    the double-precision series below is ~20× slower. |x| < 0.5: the Maclaurin series to x¹⁵
    (keeps the relative accuracy near 0); else A&S 7.1.26 with erf's sign."""
    x = np.atleast_1d(x)  # in-place steps below need arrays, also for a 0-d x
    a = np.abs(x)
    t = 1.0 / (1.0 + _AS_P * a)
    poly = _AS_A[4] * t
    for c in _AS_A[3::-1]:
        poly += c
        poly *= t
    poly *= np.exp(-(a * a))
    y = np.subtract(1.0, poly, out=poly)
    np.copysign(y, x, out=y)
    x2 = x * x
    s = _ERF_SERIES[7] * x2
    for c in _ERF_SERIES[6:0:-1]:
        s += c
        s *= x2
    s += _ERF_SERIES[0]
    s *= x
    return np.where(a < 0.5, s, y)


def _erf_double(x):
    """erf on an array to double precision, with NumPy alone.

    |x| < 3: erf x = (2/√π) e^(−x²) Σₙ 2ⁿx^(2n+1)/(1·3···(2n+1)) (all terms positive: no
    cancellation). |x| ≥ 3: erfc by its continued fraction, erf = 1 − erfc.
    """
    xd = np.asarray(x, dtype=np.float64)
    ax = np.abs(xd)
    out = np.empty_like(xd)
    small = ax < 3.0
    if np.any(small):
        s = xd[small]
        s2 = s * s
        term = s.copy()
        total = s.copy()
        for n in range(1, 120):
            term = term * (2.0 * s2) / (2 * n + 1)
            total += term
            if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
                break
        out[small] = (2.0 / math.sqrt(math.pi)) * np.exp(-s2) * total
    big = ~small
    if np.any(big):
        b = ax[big]
        frac = b  # erfc(b) = e^(−b²)/√π · 1/(b + (1/2)/(b + 1/(b + (3/2)/(b + ...))))
        k = np.zeros_like(b)
        for n in range(60, 0, -1):
            k = (n / 2.0) / (b + k)
        frac = b + k
        erfc = np.exp(-b * b) / (math.sqrt(math.pi) * frac)
        out[big] = np.sign(xd[big]) * (1.0 - erfc)
    return out.astype(np.asarray(x).dtype, copy=False)


_SQRT1_2 = 1.0 / math.sqrt(2.0)


def _gelu_ref(x):
    """GELU(x) = x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2; returns (y, Φ(x)) — Φ is kept for backward."""
    cdf = np.asarray(erf_array(x * x.dtype.type(_SQRT1_2)))
    cdf += 1.0
    cdf *= 0.5
    return (x * cdf).astype(x.dtype, copy=False), cdf


def _gelu_loop(x, y, cdf):
    for i in prange(x.size):
        c = 0.5 * (1.0 + math.erf(x[i] * 0.7071067811865476))
        cdf[i] = c
        y[i] = x[i] * c


_F32_AS_A = tuple(np.float32(a) for a in _AS_A)
_F32_SERIES = tuple(np.float32(c) for c in _ERF_SERIES)
_F32_AS_P, _F32_SQRT1_2 = np.float32(_AS_P), np.float32(_SQRT1_2)
_F32_1, _F32_HALF = np.float32(1), np.float32(0.5)
vexp = None   # expf's vectorizable exp, set when the float32 loop compiles (expf loads Numba)


def _gelu_single_loop(x, y, cdf):
    """float32: erf by _erf_single's two formulas, branch-free and in float32 (every constant a
    float32) so the loop vectorizes, e^(−u²) by expf's exp."""
    a1, a2, a3, a4, a5 = _F32_AS_A
    s0, s1, s2, s3, s4, s5, s6, s7 = _F32_SERIES
    for i in prange(x.size):
        u = x[i] * _F32_SQRT1_2
        a = abs(u)
        u2 = u * u
        series = u * (s0 + u2 * (s1 + u2 * (s2 + u2 * (s3 + u2 * (s4 + u2 * (s5 + u2 * (s6 + u2 * s7)))))))
        t = _F32_1 / (_F32_1 + _F32_AS_P * a)
        e = math.copysign(_F32_1 - t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5)))) * vexp(-u2), u)
        c = _F32_HALF * (_F32_1 + (series if a < _F32_HALF else e))
        cdf[i] = c
        y[i] = x[i] * c


@kernel("gelu_forward", _gelu_ref)
def _build_gelu():
    global vexp
    from .expf import FLAGS, exp as vexp
    double, single = compiled(_gelu_loop), compiled(_gelu_single_loop, fastmath=FLAGS)

    def run(x):
        if x.dtype not in (np.float32, np.float64):
            return _gelu_ref(x)
        xc = np.ascontiguousarray(x)
        y, cdf = np.empty_like(xc), np.empty_like(xc)
        loop = single if xc.dtype == np.float32 else double
        loop(xc.size >= tunables.PARALLEL_MIN_HEAVY, xc.reshape(-1), y.reshape(-1), cdf.reshape(-1))
        return y, cdf
    return run
