"""The LSTM cell's pointwise work for one time step, forward and backward, as one pass each.

The recurrence op (``ops/recurrent.py``) runs the matrix products; between them, each step's
gates are a dozen elementwise passes over (N, 4H) arrays in NumPy — more time than the matrix
product itself at W3's sizes. These kernels make them one compiled loop, with the vectorizable
exp of ``expf``. The NumPy references are the formulas (the notes' LSTM):

    i, f, o = σ(zᵢ), σ(z_f), σ(z_o),  g = tanh(z_g),  c = f ⊙ c₋₁ + i ⊙ g,  h = o ⊙ tanh c

and backward, with d = ∂L/∂h and dc = ∂L/∂c arriving from the step after:

    ∂c = d ⊙ o ⊙ (1 − tanh²c) + dc
    ∂zᵢ = ∂c ⊙ g ⊙ i(1 − i),  ∂z_f = ∂c ⊙ c₋₁ ⊙ f(1 − f),  ∂z_g = ∂c ⊙ i ⊙ (1 − g²),
    ∂z_o = d ⊙ tanh c ⊙ o(1 − o),  ∂c₋₁ = ∂c ⊙ f.
"""
import numpy as np

from ._jit import jit
from ._registry import kernel

sigmoid = tanh = None   # expf's vectorizable σ and tanh, set when a kernel compiles (expf loads Numba)


def _sigmoid_inplace(a):
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1.0
    np.reciprocal(a, out=a)


def _lstm_forward_ref(gates, xpt, c, ct, tct, m):
    """``gates`` (N, 4H) holds h₋₁·W_hhᵀ on entry and i, f, g, o on return (zᵗ = gates + xpt);
    writes c (ct), tanh c (tct) and o ⊙ tanh c (m)."""
    H = gates.shape[1] // 4
    gates += xpt
    _sigmoid_inplace(gates[:, :2 * H])
    np.tanh(gates[:, 2 * H:3 * H], out=gates[:, 2 * H:3 * H])
    _sigmoid_inplace(gates[:, 3 * H:])
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    np.multiply(f, c, out=ct)
    ct += i * g
    np.tanh(ct, out=tct)
    np.multiply(o, tct, out=m)


def _lstm_backward_ref(d, dc, gates, c_prev, tct, gz, dc_prev):
    """From d = ∂L/∂h and dc = ∂L/∂c: the gates' pre-activation gradients into gz (N, 4H) and
    ∂L/∂c₋₁ into dc_prev."""
    H = gates.shape[1] // 4
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    dct = d * o * (1 - tct * tct) + dc
    gz[:, :H] = dct * g * i * (1 - i)
    gz[:, H:2 * H] = dct * c_prev * f * (1 - f)
    gz[:, 2 * H:3 * H] = dct * i * (1 - g * g)
    gz[:, 3 * H:] = d * tct * o * (1 - o)
    np.multiply(dct, f, out=dc_prev)


def _lstm_forward_loop(gates, xpt, c, ct, tct, m):
    # Each transcendental runs in a loop nest of its own: in one nest with
    # several of them LLVM left one loop unvectorized (measured 3× slower). tanh z_g is taken as
    # 2σ(2z_g) − 1, so one σ loop covers every gate.
    N, H = c.shape
    for n in range(N):
        z, x = gates[n], xpt[n]
        for j in range(4 * H):
            z[j] += x[j]
        for j in range(2 * H, 3 * H):
            z[j] *= 2
    for n in range(N):
        z = gates[n]
        for j in range(4 * H):
            z[j] = sigmoid(z[j])
    for n in range(N):
        z, cn, ctn = gates[n], c[n], ct[n]
        for j in range(2 * H, 3 * H):
            z[j] = 2 * z[j] - 1
        for j in range(H):
            ctn[j] = z[H + j] * cn[j] + z[j] * z[2 * H + j]
    for n in range(N):
        ctn, tn = ct[n], tct[n]
        for j in range(H):
            tn[j] = tanh(ctn[j])
    for n in range(N):
        z, tn, mn = gates[n], tct[n], m[n]
        for j in range(H):
            mn[j] = z[3 * H + j] * tn[j]


def _lstm_backward_loop(d, dc, gates, c_prev, tct, gz, dc_prev):
    N, H = d.shape
    for n in range(N):
        z, out = gates[n], gz[n]
        for j in range(H):
            i, f, g, o = z[j], z[H + j], z[2 * H + j], z[3 * H + j]
            t, dn = tct[n, j], d[n, j]
            dct = dn * o * (1 - t * t) + dc[n, j]
            out[j] = dct * g * i * (1 - i)
            out[H + j] = dct * c_prev[n, j] * f * (1 - f)
            out[2 * H + j] = dct * i * (1 - g * g)
            out[3 * H + j] = dn * t * o * (1 - o)
            dc_prev[n, j] = dct * f


def _with_expf(loop):
    """``loop`` compiled with the vectorizable σ and tanh of ``expf`` in its globals."""
    global sigmoid, tanh
    from . import expf
    sigmoid, tanh = expf.sigmoid, expf.tanh
    return jit(loop, fastmath=expf.FLAGS)


@kernel("lstm_cell_forward", _lstm_forward_ref)
def _build_lstm_forward():
    return _with_expf(_lstm_forward_loop)


@kernel("lstm_cell_backward", _lstm_backward_ref)
def _build_lstm_backward():
    return jit(_lstm_backward_loop)
