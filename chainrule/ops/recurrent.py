"""Recurrent networks over a whole sequence (Lecture: RNN, LSTM, GRU).

One step of each cell (PyTorch's gate order):

- Elman RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)   (or ReLU)
- LSTM:       i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh), four slices;
              c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')   (with a projection: h' = W_hr (o ⊙ tanh c'))
- GRU:        r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z});
              n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));   h' = (1 − z) ⊙ n + z ⊙ h

``cell_step`` is that formula written with ops. ``recurrence`` runs a whole layer and direction as
ONE graph node (``Recurrence``): the input projections of all steps are one matrix product, the
step loop runs on arrays, and the backward — back-propagation through time — walks the steps in
reverse once and then forms every weight gradient as one matrix product over all steps. A
differentiable backward (``create_graph=True``) runs the same formula step by step as ops.

``lengths`` (one per batch row) make a row stop early: after its end its state is carried
unchanged and its outputs are 0 — how packed sequences run. A reverse direction starts at each
row's own last step.
"""
import numpy as np

from .. import kernels as K
from ..autograd.engine import grad
from ..autograd.function import Op
from ..autograd.grad_mode import enable_grad
from ._util import recording
from .activation import relu
from .arithmetic import where
from .combine import stack
from .linear import linear
from .math_ops import sigmoid, tanh

MODES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def cell_step(mode, xp, h, c, w_hh, b_hh, w_hr=None):
    """One step from the projected input ``xp`` = W_ih x + b_ih and the state (h, c) → (h', c')."""
    gh = linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return tanh(xp + gh), None
    if mode == "RNN_RELU":
        return relu(xp + gh), None
    if mode == "LSTM":
        i, f, g, o = (xp + gh).chunk(4, -1)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h = sigmoid(o) * tanh(c)
        return (h if w_hr is None else linear(h, w_hr)), c
    xr, xz, xn = xp.chunk(3, -1)
    hr, hz, hn = gh.chunk(3, -1)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    return (1 - z) * n + z * h, None


def _steps(L, reverse):
    return range(L - 1, -1, -1) if reverse else range(L)


def recurrence_formula(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse=False, lengths=None):
    """The layer as ops, one ``cell_step`` per time step: (outputs (L, N, H), h_n, c_n)."""
    xp = linear(x, w_ih, b_ih)
    h, c = h0, c0
    outs = [None] * x.shape[0]
    for t in _steps(x.shape[0], reverse):
        h_new, c_new = cell_step(mode, xp[t], h, c, w_hh, b_hh, w_hr)
        if lengths is None:
            h, c, outs[t] = h_new, c_new, h_new
        else:
            active = (t < lengths)[:, None]
            h = where(active, h_new, h)
            c = None if c is None else where(active, c_new, c)
            outs[t] = where(active, h_new, 0.0)
    return stack(outs, 0), h, c


def _sigmoid(a):
    out = np.negative(a)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


class Recurrence(Op):
    """A whole recurrent layer in one direction: inputs x (L, N, I), h0, c0 (LSTM), W_ih, W_hh,
    b_ih, b_hh, W_hr (projection); outputs (L, N, H) and h_n, and c_n for an LSTM."""

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, reverse, lengths):
        L, N, _ = x.shape
        self.mode, self.reverse, self.lengths = mode, reverse, lengths
        self.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
        dt = x.dtype
        xp = np.matmul(x.reshape(L * N, -1), w_ih.T).reshape(L, N, -1)
        if b_ih is not None:
            xp += b_ih
        if mode == "LSTM":
            return self._forward_lstm(xp, h0, c0, w_hh, b_hh, w_hr)
        Hh = w_hh.shape[1]
        out = np.zeros((L, N, Hh), dt)
        h_prev = np.empty((L, N, Hh), dt)            # the state each step started from
        acts = np.empty_like(xp)                     # gate activations after their nonlinearity
        extra = {}
        h = h0
        if mode == "GRU":
            extra["hn"] = np.empty((L, N, Hh), dt)    # W_hn h + b_hn, before r multiplies it
        for t in _steps(L, reverse):
            h_prev[t] = h
            gh = h @ w_hh.T
            if b_hh is not None:
                gh += b_hh
            a = acts[t]
            if mode in ("RNN_TANH", "RNN_RELU"):
                np.add(xp[t], gh, out=a)
                np.tanh(a, out=a) if mode == "RNN_TANH" else np.maximum(a, 0, out=a)
                h_new = a
            else:
                H = Hh
                extra["hn"][t] = gh[:, 2 * H:]
                a[:, :2 * H] = _sigmoid(xp[t, :, :2 * H] + gh[:, :2 * H])
                np.tanh(xp[t, :, 2 * H:] + a[:, :H] * gh[:, 2 * H:], out=a[:, 2 * H:])
                z, n = a[:, H:2 * H], a[:, 2 * H:]
                h_new = n + z * (h - n)
            if lengths is None:
                h = h_new
                out[t] = h_new
            else:
                active = (t < lengths)[:, None]
                h = np.where(active, h_new, h)
                out[t] = np.where(active, h_new, 0)
        self.h_prev, self.acts, self.extra = h_prev, acts, extra
        return out, np.array(h, copy=True)

    def backward(self, g_out, g_h, g_c=None):
        if recording(g_out):                         # differentiable: the per-step formula
            return self._formula_grads(g_out, g_h, g_c)
        return self._bptt(g_out, g_h, g_c)

    def _formula_grads(self, g_out, g_h, g_c):
        saved = self.saved_tensors
        wrt = [t for t, e in zip(saved, self.next) if e is not None]
        with enable_grad():
            outs = recurrence_formula(self.mode, *saved[:3], *saved[3:], self.reverse, self.lengths)
            pairs = [(o, g) for o, g in zip(outs, (g_out, g_h, g_c)) if o is not None and g is not None]
            gs = grad([o for o, _ in pairs], wrt, [g for _, g in pairs], create_graph=True, allow_unused=True)
        it = iter(gs)
        return tuple(next(it) if e is not None else None for e in self.next)

    def _forward_lstm(self, xp, h0, c0, w_hh, b_hh, w_hr):
        """The LSTM steps: per step one matrix product h·W_hhᵀ and one kernel call for the gates and
        the cell (``kernels/recurrent.py``), writing into arrays kept for the backward; b_hh is
        added to every step's input projection at once."""
        L, N, G = xp.shape
        Hc = G // 4
        lengths, dt = self.lengths, xp.dtype
        if b_hh is not None:
            xp += b_hh
        w_t = np.ascontiguousarray(w_hh.T)      # (H, 4H): the product reads it row by row
        acts = np.empty_like(xp)                 # i, f, g, o after their nonlinearities
        C = np.empty((L, N, Hc), dt)             # the cell state after each step
        TC = np.empty((L, N, Hc), dt)            # tanh of it
        M = np.empty((L, N, Hc), dt) if w_hr is not None else None   # o ⊙ tanh c before projecting
        out = np.empty((L, N, w_hh.shape[1]), dt)
        h_prev = np.empty_like(out) if lengths is not None else None
        c_prev = np.empty_like(C) if lengths is not None else None
        h, c = h0, c0
        for t in _steps(L, self.reverse):
            m = M[t] if M is not None else out[t]
            np.matmul(h, w_t, out=acts[t])
            K.lstm_cell_forward(acts[t], xp[t], c, C[t], TC[t], m)
            if M is not None:
                np.matmul(m, w_hr.T, out=out[t])
            if lengths is not None:
                h_prev[t], c_prev[t] = h, c
                active = (t < lengths)[:, None]
                h = np.where(active, out[t], h)
                c = np.where(active, C[t], c)
                out[t] *= active
            else:
                h, c = out[t], C[t]
        if lengths is None:                      # the states each step started from
            first, rest = (0, slice(1, None)) if not self.reverse else (L - 1, slice(None, -1))
            h_prev = np.empty_like(out)
            c_prev = np.empty_like(C)
            h_prev[first], c_prev[first] = h0, c0
            h_prev[rest] = out[:-1] if not self.reverse else out[1:]
            c_prev[rest] = C[:-1] if not self.reverse else C[1:]
        self.h_prev, self.acts, self.extra = h_prev, acts, {"c_prev": c_prev, "tanh_c": TC, "m": M}
        return out, np.array(h, copy=True), np.array(c, copy=True)

    def _bptt_lstm(self, g_out, g_h, g_c):
        """The LSTM's steps backwards: per step one kernel call for the gates' gradients
        (``kernels/recurrent.py`` has the formulas) and one matrix product back to h₋₁."""
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = self.saved_tensors
        lengths, acts, extra = self.lengths, self.acts, self.extra
        L, N, G = acts.shape
        TC, c_prev = extra["tanh_c"], extra["c_prev"]
        Gx = np.empty_like(acts)
        dH = np.empty((L, N, w_hr.shape[0]), x.dtype) if w_hr is not None else None
        dh = np.array(g_h, copy=True)
        dc = np.array(g_c, copy=True)
        spare = np.empty_like(dc)                # ∂L/∂c₋₁ goes here, then the buffers swap
        for t in _steps(L, not self.reverse):
            d_new = dh + g_out[t]
            if lengths is not None:
                active = (t < lengths)[:, None]
                d_new *= active
            if dH is not None:
                dH[t] = d_new
                d_new = d_new @ w_hr
            dc_prev = spare if lengths is None else np.empty_like(dc)
            K.lstm_cell_backward(d_new, dc if lengths is None else dc * active, acts[t], c_prev[t], TC[t],
                                 Gx[t], dc_prev)
            dh_prev = Gx[t] @ w_hh
            if lengths is None:
                dh, dc, spare = dh_prev, dc_prev, dc
            else:
                dh = dh_prev + dh * ~active
                dc = dc_prev + dc * ~active
        g_w_hr = None
        if dH is not None and self.next[7] is not None:
            g_w_hr = dH.reshape(L * N, -1).T @ extra["m"].reshape(L * N, G // 4)
        return self._weight_grads(Gx, Gx, dh, dc, g_w_hr)

    def _weight_grads(self, Gx, Gh, dh, dc, g_w_hr):
        """From the pre-activation gradients of every step: the input gradient and every weight
        gradient as one matrix product over all steps."""
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = self.saved_tensors
        L, N, I = x.shape
        n = self.next
        gx = (Gx.reshape(L * N, -1) @ w_ih).reshape(L, N, I) if n[0] is not None else None
        g_w_ih = Gx.reshape(L * N, -1).T @ x.reshape(L * N, I) if n[3] is not None else None
        g_w_hh = Gh.reshape(L * N, -1).T @ self.h_prev.reshape(L * N, -1) if n[4] is not None else None
        g_b_ih = Gx.sum((0, 1)) if b_ih is not None and n[5] is not None else None
        g_b_hh = Gh.sum((0, 1)) if b_hh is not None and n[6] is not None else None
        return gx, dh, dc, g_w_ih, g_w_hh, g_b_ih, g_b_hh, g_w_hr

    def _bptt(self, g_out, g_h, g_c):
        if self.mode == "LSTM":
            return self._bptt_lstm(g_out, g_h, g_c)
        x, h0, _, _, w_hh, _, _, _ = self.saved_tensors
        mode, lengths = self.mode, self.lengths
        h_prev, acts, extra = self.h_prev, self.acts, self.extra
        L, N, _ = x.shape
        Gx = np.zeros_like(acts)                     # ∂L/∂(W_ih x + b_ih) at every step
        Gh = Gx if mode != "GRU" else np.zeros_like(acts)   # ∂L/∂(W_hh h + b_hh)
        dh = np.array(g_h, copy=True)
        for t in _steps(L, not self.reverse):       # the steps, last processed first
            d_new = dh + g_out[t]
            if lengths is not None:
                active = (t < lengths)[:, None]
                d_new = np.where(active, d_new, 0)
                carry = np.where(active, 0, dh)
            a = acts[t]
            if mode == "RNN_TANH":
                np.multiply(d_new, 1 - a * a, out=Gx[t])
                dh_prev = Gx[t] @ w_hh
            elif mode == "RNN_RELU":
                np.multiply(d_new, a > 0, out=Gx[t])
                dh_prev = Gx[t] @ w_hh
            else:
                H = h0.shape[1]
                r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
                dn = d_new * (1 - z) * (1 - n * n)
                Gx[t, :, :H] = dn * extra["hn"][t] * r * (1 - r)
                Gx[t, :, H:2 * H] = d_new * (h_prev[t] - n) * z * (1 - z)
                Gx[t, :, 2 * H:] = dn
                Gh[t, :, :2 * H] = Gx[t, :, :2 * H]
                Gh[t, :, 2 * H:] = dn * r
                dh_prev = d_new * z + Gh[t] @ w_hh
            dh = dh_prev if lengths is None else dh_prev + carry
        return self._weight_grads(Gx, Gh, dh, None, None)


def recurrence(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr=None, reverse=False, lengths=None):
    """Run one recurrent layer in one direction over (L, N, I) inputs: (outputs, h_n, c_n), c_n
    None unless the mode is LSTM."""
    if mode not in MODES:
        raise ValueError(f"recurrence: unknown mode {mode!r}; expected one of {sorted(MODES)}")
    lens = None if lengths is None else np.asarray(lengths)
    out = Recurrence.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode=mode, reverse=reverse, lengths=lens)
    return out if len(out) == 3 else (out[0], out[1], None)
