"""Connectionist temporal classification (Lecture: RNN — many-to-many, the output shorter).

T frames, each a distribution over C symbols (one of them ``blank``), are to spell a shorter label
sequence l. An alignment π gives one symbol per frame; merging repeats and dropping blanks turns it
into a labeling. p(l | x) sums Π_t y_t(π_t) over every alignment that becomes l, computed by the
forward–backward recursion over the extended label l′ = (blank, l₁, blank, l₂, …, blank):

    α_t(s) = (α_{t−1}(s) + α_{t−1}(s−1) + [l′_s ≠ blank, l′_s ≠ l′_{s−2}] α_{t−1}(s−2)) · y_t(l′_s)

and β the same backwards; loss = −log p(l | x) = −log(α_{T−1}(|l′|−1) + α_{T−1}(|l′|−2)). The
gradient with respect to the log-probabilities is −γ_t(c), the probability that frame t is
aligned to symbol c: γ_t(c) = Σ_{s: l′_s = c} α_t(s) β_t(s) / (y_t(c) p(l | x)). All in log space.
"""
import numpy as np

from ..autograd.engine import grad
from ..autograd.function import Op
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ._util import recording
from .arithmetic import where
from .combine import cat, stack
from .creation import tensor

_NEG = -np.inf


def _extended(targets, target_lengths, blank):
    """Per sample: l′ padded to 2·S_max + 1, the number of valid states, and where the skip from
    s − 2 is allowed (a label different from the one two states back)."""
    n = len(target_lengths)
    width = 2 * (max(target_lengths) if n else 0) + 1
    ext = np.full((n, width), blank, np.int64)
    for i, labels in enumerate(targets):
        ext[i, 1:2 * len(labels) + 1:2] = labels
    skip = np.zeros((n, width), bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    states = 2 * np.asarray(target_lengths) + 1
    return ext, skip, states


def _logaddexp3(a, b, c):
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.maximum(np.maximum(a, b), c)
        safe = np.where(np.isneginf(m), 0.0, m)
        return safe + np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe))


def _shift(a, k):
    out = np.full_like(a, _NEG)
    out[:, k:] = a[:, :-k] if k else a
    return out


def _forward_backward(lp, ext, skip, states, input_lengths):
    """log α and log β (T, N, W) on the extended labels, and the per-sample −log p."""
    T, N, _ = lp.shape
    W = ext.shape[1]
    rows = np.arange(N)[:, None]
    y = lp[:, rows, ext]                                  # (T, N, W): log y_t(l′_s)
    valid = np.arange(W)[None, :] < states[:, None]
    la = np.full((T, N, W), _NEG, lp.dtype)
    lb = np.full((T, N, W), _NEG, lp.dtype)
    start = np.full((N, W), _NEG, lp.dtype)
    start[:, 0] = 0.0
    start[:, 1] = np.where(states > 1, 0.0, _NEG)
    prev = start
    for t in range(T):
        if t == 0:
            cur = np.where(valid, prev + y[0], _NEG)
        else:
            cur = _logaddexp3(prev, _shift(prev, 1), np.where(skip, _shift(prev, 2), _NEG)) + y[t]
            cur = np.where(valid, cur, _NEG)
        live = (t < input_lengths)[:, None]
        la[t] = np.where(live, cur, _NEG)
        prev = np.where(live, cur, prev)
    last = input_lengths - 1
    n = np.arange(N)
    final = np.full((N, W), _NEG, lp.dtype)               # a path ends in the last label or the blank after it
    final[n, states - 1] = 0.0
    final[n, np.maximum(states - 2, 0)] = 0.0
    fin = _logsumexp_rows(la[last, n] + final)
    rev_skip = np.zeros_like(skip)
    rev_skip[:, :-2] = skip[:, 2:]                         # the move from s to s + 2 is allowed
    nxt = np.full((N, W), _NEG, lp.dtype)
    for t in range(T - 1, -1, -1):                         # β: from each sample's last frame back
        at_end = (t == last)[:, None]
        later = _logaddexp3(nxt, _shift_left(nxt, 1), np.where(rev_skip, _shift_left(nxt, 2), _NEG))
        cur = np.where(at_end, final, later) + y[t]
        cur = np.where(valid & (t <= last)[:, None], cur, _NEG)
        lb[t] = cur
        nxt = cur
    return la, lb, y, -fin


def _logsumexp_rows(a):
    m = a.max(1)
    safe = np.where(np.isneginf(m), 0.0, m)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.exp(a - safe[:, None]).sum(1))


def _shift_left(a, k):
    out = np.full_like(a, _NEG)
    out[:, :-k] = a[:, k:]
    return out


class CTC(Op):
    """Per-sample −log p(l | x) from (T, N, C) log-probabilities; backward −γ · ∂L/∂loss."""

    def forward(self, lp, targets, input_lengths, target_lengths, blank, zero_infinity):
        lp = np.asarray(lp)
        ext, skip, states = _extended(targets, target_lengths, blank)
        la, lb, y, nll = _forward_backward(lp, ext, skip, states, input_lengths)
        self.args = (targets, input_lengths, target_lengths, blank)
        with np.errstate(invalid="ignore", over="ignore"):
            log_gamma = la + lb - y + nll[None, :, None]    # log of the state occupation probability
            occ = np.exp(log_gamma)
        gamma = np.zeros_like(lp)
        T, N, _ = lp.shape
        t_idx = np.arange(T)[:, None, None]
        n_idx = np.arange(N)[None, :, None]
        np.add.at(gamma, (t_idx, n_idx, ext[None]), np.where(np.isneginf(la + lb), 0.0, occ))
        gamma[:, np.isinf(nll)] = 0.0 if zero_infinity else np.nan   # as PyTorch: NaN, or 0 when zeroed
        self.gamma = gamma
        self.save_for_backward(lp)
        return nll.astype(lp.dtype)

    def backward(self, g):
        lp, = self.saved_tensors
        if recording(g):                                   # differentiable: the recursion as ops
            with enable_grad():
                nll = ctc_formula(lp, *self.args)
                return grad(nll, lp, g, create_graph=True)[0], None, None, None, None
        return -self.gamma * g[None, :, None], None, None, None, None


def ctc_formula(lp, targets, input_lengths, target_lengths, blank):
    """−log p(l | x) per sample written with ops (the α recursion), for gradients of gradients.
    Unreachable states hold −10³⁰ instead of −∞ so that their (zero) gradients stay finite."""
    ext, skip, states = _extended(targets, target_lengths, blank)
    dt = lp._data.dtype
    out = []
    for n in range(lp.shape[1]):
        Tn, Wn = int(input_lengths[n]), int(states[n])
        y = lp[:Tn, n][:, tensor(ext[n, :Wn])]                  # (Tn, Wn)
        far = np.full(Wn, -1e30, dt)
        start = far.copy()
        start[:min(2, Wn)] = 0.0
        no_skip = tensor(np.where(skip[n, :Wn], 0.0, -1e30).astype(dt))
        alpha = y[0] + tensor(start)
        for t in range(1, Tn):
            terms = [alpha, _later(alpha, 1, far), _later(alpha, 2, far) + no_skip]
            alpha = stack(terms, 0).logsumexp(0) + y[t]
        out.append(-(alpha[-2:] if Wn > 1 else alpha).logsumexp(0))
    return stack(out, 0)


def _later(alpha, k, far):
    """α moved k states on: state s receives α(s − k); the first k states receive "unreachable"."""
    if alpha.shape[0] <= k:
        return tensor(far[:alpha.shape[0]])
    return cat([tensor(far[:k]), alpha[:-k]], 0)


def _as_list(x, what):
    if isinstance(x, Tensor):
        x = x.numpy()
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss: {what} must be a 1-D sequence of integers, got {arr!r}")
    return arr.astype(np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """PyTorch's ``F.ctc_loss``: log_probs (T, N, C) (or (T, C)), targets (N, S) padded or 1-D
    concatenated; reduction 'mean' divides each loss by its target length, then averages."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"ctc_loss: {reduction} is not a valid value for reduction")
    unbatched = len(log_probs.shape) == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if isinstance(targets, Tensor) and len(targets.shape) == 1:
            targets = targets.unsqueeze(0)
        input_lengths = [int(np.asarray(input_lengths.numpy() if isinstance(input_lengths, Tensor) else input_lengths))]
        target_lengths = [int(np.asarray(target_lengths.numpy() if isinstance(target_lengths, Tensor) else target_lengths))]
    if len(log_probs.shape) != 3:
        raise RuntimeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}")
    T, N, C = log_probs.shape
    il, tl = _as_list(input_lengths, "input_lengths"), _as_list(target_lengths, "target_lengths")
    if len(il) != N or len(tl) != N:
        raise RuntimeError(f"ctc_loss: expected input_lengths and target_lengths of length {N} (the batch), "
                           f"got {len(il)} and {len(tl)}")
    if il.max(initial=0) > T or il.min(initial=1) < 1:
        raise RuntimeError(f"ctc_loss: input_lengths must be in [1, {T}], got {il.tolist()}")
    if not 0 <= blank < C:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {C}), got {blank}")
    tg = np.asarray(targets.numpy() if isinstance(targets, Tensor) else targets)
    if tg.ndim == 1:
        if tg.size != tl.sum():
            raise RuntimeError(f"ctc_loss: concatenated targets hold {tg.size} labels but target_lengths "
                               f"sum to {tl.sum()}")
        offsets = np.concatenate([[0], np.cumsum(tl)])
        seqs = [tg[offsets[i]:offsets[i + 1]] for i in range(N)]
    else:
        if tg.shape[0] != N or (tl.size and tl.max() > tg.shape[1]):
            raise RuntimeError(f"ctc_loss: padded targets of shape {tg.shape} cannot hold target_lengths "
                               f"{tl.tolist()} for a batch of {N}")
        seqs = [tg[i, :tl[i]] for i in range(N)]
    if any(((s < 0) | (s >= C) | (s == blank)).any() for s in seqs):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {C}) and not the blank ({blank})")
    losses = CTC.apply(log_probs, seqs, il, tl, blank=blank, zero_infinity=zero_infinity)
    if zero_infinity:
        losses = where(np.isinf(losses.detach().numpy()), 0.0, losses)
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return (losses / tensor(np.maximum(tl, 1).astype(losses.detach().numpy().dtype))).mean()
