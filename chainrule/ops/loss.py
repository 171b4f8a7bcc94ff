"""Loss functions (step 2 of the course: how good is a function?), PyTorch-exact.

Cross-entropy is one fused op from logits: with per-row target coefficients a (one-hot, smoothed,
weighted, or given probabilities) the loss is −Σ a·log softmax(z), and its gradient is
softmax(z)·Σa − a — one pass, stable for any logits. The rest are composed from differentiable ops.
"""
import math

import numpy as np

from .. import kernels as K
from ..autograd.function import Op
from ..autograd.tensor import Tensor
from ._util import promote, recording
from .activation import log_softmax, logsigmoid, softmax
from .arithmetic import abs, clamp, where
from .math_ops import exp, log, log1p, sigmoid, xlogy
from .reduction import mean, sum
from .shape import movedim, reshape, unsqueeze

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction, op):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected one "
                         f"of 'none', 'mean', 'sum'")


def _check_float(op, x, what="input"):
    """Losses are smooth functions of real numbers: integer logits or labels where probabilities
    belong are a mistake to report, not a silent cast."""
    dt = np.asarray(_data(x)).dtype
    if dt.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point {what}, got {dt}")


def _check_some_float(op, input, target):
    """Regression losses promote like arithmetic, but an all-integer pair has no float result."""
    if np.asarray(_data(input)).dtype.kind != "f" and np.asarray(_data(target)).dtype.kind != "f":
        _check_float(op, input)


def _reduce(loss, reduction):
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


def _check_same_shape(input, target, op):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{op}: target size {tuple(target.shape)} must be the same as input size "
                         f"{tuple(input.shape)}")


def _sum_scale(reduction, count):
    """The factor that turns a fused loss's sum into ``reduction``: 1 for 'sum', 1/count for
    'mean' (the mean of nothing is NaN, as in PyTorch)."""
    return 1.0 if reduction == "sum" else 1.0 / count if count else math.nan


def _data(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


class CrossEntropy(Op):
    """Per row i: Lᵢ = −Σ_c aᵢ_c log softmax(zᵢ)_c; ∂Lᵢ/∂zᵢ = softmax(zᵢ)·Σ_c aᵢ_c − aᵢ.

    The coefficients a are a dense matrix (probability targets, label smoothing) plus sparse
    entries a[rows, cols] += vals, at most one per row (the class-index target), so the common
    case never builds an (N, C) one-hot matrix. With ``scale`` the op returns scale·Σᵢ Lᵢ (the
    'mean' or 'sum' reduction) and its backward scales the same way: one node, not three.
    """

    def forward(self, z, rows, cols, vals, dense, scale):
        loss, self.rowsum, self.e, self.total = K.cross_entropy_forward(z, rows, cols, vals, dense)
        self.sparse, self.dense, self.scale = (rows, cols, vals), dense, scale
        self.save_for_backward(z)
        if scale is None:
            return loss
        return np.asarray(loss.sum() * scale, dtype=z.dtype)

    def backward(self, gy):
        z, = self.saved_tensors
        rows, cols, vals = self.sparse
        scale = (0.0 if math.isnan(self.scale) else self.scale) if self.scale is not None else None
        g = gy * scale if scale is not None else reshape(gy, (-1, 1))   # per row (or one number)
        if not recording(gy):
            return K.cross_entropy_backward(self.e, self.total, self.rowsum, g, rows, cols, vals, self.dense)
        a = np.zeros(tuple(z.shape), dtype=z._data.dtype) if self.dense is None else self.dense.copy()
        a[rows, cols] += vals
        return (softmax(z, 1) * self.rowsum[:, None] - a) * g


def _to_rows(input):
    """(N, C, d1, ...) → (N·d1·..., C) with the class dim last."""
    nd = len(input.shape)
    if nd == 1:
        return reshape(input, (1, -1))
    if nd == 2:
        return input
    c = input.shape[1]
    return reshape(movedim(input, 1, -1), (-1, c))


def _class_targets(target, n_classes, ignore_index, op):
    """The flat positions of the targets that count (not ``ignore_index``) and their classes."""
    t = _data(target).reshape(-1)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected class indices of an integer dtype (int64), got {t.dtype}")
    if t.size:  # the common case, every target a class and none ignored: two reductions
        lo, hi = int(t.min()), int(t.max())
        if 0 <= lo and hi < n_classes and not lo <= ignore_index <= hi:
            return np.arange(t.size), t
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"{op}: target {int(t[bad][0])} is out of bounds: class labels must be in "
                         f"[0, {n_classes}) (C = {n_classes}) or equal ignore_index ({ignore_index})")
    return np.flatnonzero(valid), t[valid]


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy from logits (N, C) or (N, C, d1, ...); class indices or probabilities."""
    _check_reduction(reduction, "cross_entropy")
    _check_float("cross_entropy", input, "input (logits)")
    nd = len(input.shape)
    if nd == 0:
        raise ValueError("cross_entropy: expected input of shape (C,), (N, C) or (N, C, d1, ...)")
    c = input.shape[0] if nd == 1 else input.shape[1]
    w = None if weight is None else _data(weight).astype(input._data.dtype)
    if w is not None and w.shape != (c,):
        raise RuntimeError(f"cross_entropy: weight should have {c} elements (one per class), "
                           f"got shape {w.shape}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    rows_in = _to_rows(input)
    dt = input._data.dtype
    t = _data(target)
    if t.dtype.kind == "f":
        if tuple(t.shape) != tuple(input.shape):
            raise ValueError(f"cross_entropy: class-index targets must be int64; for probabilities "
                             f"pass a float tensor of the input's shape {tuple(input.shape)} (got "
                             f"{t.dtype} of shape {tuple(t.shape)})")
        if isinstance(target, Tensor) and target.requires_grad:
            return _soft_cross_entropy(input, target, w, label_smoothing, reduction)
        dense = _data(_to_rows(Tensor(t))).astype(dt)
        if label_smoothing:
            dense = dense * (1 - label_smoothing) + label_smoothing / c
        if w is not None:
            dense = dense * w
        sparse = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, dt))
        denom = rows_in.shape[0]
    else:
        expect = (input.shape[0],) + tuple(input.shape[2:]) if nd > 1 else ()
        if tuple(t.shape) != expect:
            raise ValueError(f"cross_entropy: expected target of shape {expect} for input of shape "
                             f"{tuple(input.shape)}, got {tuple(t.shape)}")
        r, k = _class_targets(t, c, ignore_index, "cross_entropy")
        if w is None:  # every target's coefficient is the same number
            sparse, denom = (r, k, 1.0 - label_smoothing), float(k.size)
        else:
            sparse, denom = (r, k, ((1 - label_smoothing) * w[k]).astype(dt)), float(w[k].sum())
        dense = None
        if label_smoothing:
            dense = np.zeros(tuple(rows_in.shape), dtype=dt)
            dense[r] = (label_smoothing / c) * (w if w is not None else 1.0)
    if reduction != "none":
        # PyTorch: with every target ignored the mean is nan (0/0), and its gradient is zero
        return CrossEntropy.apply(rows_in, *sparse, dense, scale=_sum_scale(reduction, denom))
    loss = CrossEntropy.apply(rows_in, *sparse, dense, scale=None)
    out_shape = (input.shape[0],) + tuple(input.shape[2:]) if nd > 1 else ()
    return loss.reshape(out_shape)


def _soft_cross_entropy(input, target, w, label_smoothing, reduction):
    """L = −Σ_c w_c·q_c·log softmax(z)_c with q the (smoothed) target probabilities, composed from
    differentiable ops: the path taken when the targets themselves need a gradient (∂L/∂q_c =
    −w_c·log softmax(z)_c), e.g. distillation from a teacher that is still learning."""
    c = input.shape[0] if len(input.shape) == 1 else input.shape[1]
    dim = 0 if len(input.shape) == 1 else 1
    q = target * (1 - label_smoothing) + label_smoothing / c if label_smoothing else target
    if w is not None:
        q = q * reshape(Tensor(w), (c,) + (1,) * (len(input.shape) - dim - 1))
    loss = -sum(q * log_softmax(input, dim), dim)
    if reduction == "none":
        return loss
    total = sum(loss)
    return total / max(int(np.prod(loss.shape)), 1) if reduction == "mean" else total


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """−Σ w[y]·input[y] over log-probabilities (N, C) or (N, C, d1, ...)."""
    _check_reduction(reduction, "nll_loss")
    _check_float("nll_loss", input, "input (log-probabilities)")
    nd = len(input.shape)
    c = input.shape[0] if nd == 1 else input.shape[1]
    rows = _to_rows(input)
    r, k = _class_targets(target, c, ignore_index, "nll_loss")
    expect = (input.shape[0],) + tuple(input.shape[2:]) if nd > 1 else ()
    if tuple(_data(target).shape) != expect:
        raise ValueError(f"nll_loss: expected target of shape {expect} for input of shape "
                         f"{tuple(input.shape)}, got {tuple(_data(target).shape)}")
    wt = np.ones(c, dtype=input._data.dtype) if weight is None else _data(weight).astype(input._data.dtype)
    coef = np.zeros(tuple(rows.shape), dtype=input._data.dtype)
    coef[r, k] = wt[k]
    loss = -sum(rows * coef, dim=1)
    if reduction == "sum":
        return sum(loss)
    if reduction == "mean":
        return sum(loss) / float(coef.sum())
    return loss.reshape(expect)


class SquaredError(Op):
    """scale·Σ(x − y)², the 'mean' or 'sum' of the squared error as one node (one pass each way:
    the sum is a dot product); ∂/∂x = 2·scale·(x − y)·g and ∂/∂y = −∂/∂x."""

    def forward(self, x, y, scale):
        x, y = promote(x, y)  # PyTorch's common dtype (float32 − int64 stays float32)
        d = x - y
        self.scale = scale
        self.save_for_backward(x, y)
        flat = d.reshape(-1)
        return np.asarray(np.dot(flat, flat) * scale, dtype=d.dtype)

    def backward(self, g):
        need = self.next
        x, y = self.saved_tensors
        gx = (x - y) * (g * (2.0 * self.scale))
        return (gx if need[0] is not None else None), (-gx if need[1] is not None else None)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """(x − y)²."""
    _check_reduction(reduction, "mse_loss")
    _check_some_float("mse_loss", input, target)
    _check_same_shape(input, target, "mse_loss")
    if reduction != "none" and isinstance(input, Tensor) and isinstance(target, Tensor):
        return SquaredError.apply(input, target, scale=_sum_scale(reduction, math.prod(input.shape)))
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|x − y| (subgradient 0 at 0)."""
    _check_reduction(reduction, "l1_loss")
    _check_some_float("l1_loss", input, target)
    _check_same_shape(input, target, "l1_loss")
    return _reduce(abs(input - target), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5(x−y)²/β where |x−y| < β, else |x−y| − β/2."""
    _check_reduction(reduction, "smooth_l1_loss")
    _check_some_float("smooth_l1_loss", input, target)
    _check_same_shape(input, target, "smooth_l1_loss")
    d = abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(where(_data(d) < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5(x−y)² where |x−y| < δ, else δ(|x−y| − δ/2): square near 0, absolute far away."""
    _check_reduction(reduction, "huber_loss")
    _check_some_float("huber_loss", input, target)
    _check_same_shape(input, target, "huber_loss")
    d = abs(input - target)
    return _reduce(where(_data(d) < delta, d * d * 0.5, (d - 0.5 * delta) * delta), reduction)


class BinaryCrossEntropy(Op):
    """−w[y log p + (1−y) log(1−p)] with logs clamped at −100; ∂/∂p = w(p − y)/max(p(1−p), 1e-12)."""

    def forward(self, p, y, w):
        with np.errstate(divide="ignore"):
            lp = np.maximum(np.log(p), -100.0)
            l1p = np.maximum(np.log1p(-p), -100.0)
        self.save_for_backward(p, y, w)
        out = -(y * lp + (1 - y) * l1p)
        return out * w if w is not None else out

    def backward(self, gy):
        p, y, w = self.saved_tensors
        g = gy * (p - y) / clamp(p * (1 - p), min=1e-12)
        gp = g * w if w is not None else g
        gt = None
        if self.next[1] is not None:  # d/dy = log(1−p) − log p (clamped as in forward)
            gt = gy * (clamp(log1p(-p), min=-100.0) - clamp(log(p), min=-100.0))
            gt = gt * w if w is not None else gt
        return gp, gt, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Cross-entropy between probabilities p ∈ [0, 1] and targets y."""
    _check_reduction(reduction, "binary_cross_entropy")
    _check_same_shape(input, target, "binary_cross_entropy")
    _check_float("binary_cross_entropy", input)
    _check_float("binary_cross_entropy", target, "target (0/1 labels as floats: y.float())")
    pd = _data(input)
    if pd.size and (pd.min() < 0 or pd.max() > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 "
                           "(apply sigmoid first, or use binary_cross_entropy_with_logits)")
    w = None if weight is None else (weight if isinstance(weight, Tensor) else Tensor(weight))
    return _reduce(BinaryCrossEntropy.apply(input, target, w), reduction)


class LogisticLoss(Op):
    """scale·Σ[max(z, 0) − z·y + log(1 + e^(−|z|))] = scale·Σ −[y log σ(z) + (1−y) log σ(−z)], the
    'mean' or 'sum' of binary cross-entropy from logits as one node; ∂/∂z = σ(z) − y, ∂/∂y = −z."""

    def forward(self, z, y, scale):
        z, y = promote(z, y)
        self.scale = scale
        self.save_for_backward(z, y)
        # max(z, 0) − z·y first: for a confident right answer the two cancel exactly and the
        # tiny log term survives (adding it to max(z, 0) first would round it away)
        loss = np.maximum(z, 0, out=np.empty_like(z))
        loss -= z * y
        soft = np.negative(np.abs(z), out=np.empty_like(z))
        np.exp(soft, out=soft)
        np.log1p(soft, out=soft)
        loss += soft
        return np.asarray(loss.sum() * scale, dtype=loss.dtype)

    def backward(self, g):
        need = self.next
        z, y = self.saved_tensors
        gs = g * self.scale
        return ((sigmoid(z) - y) * gs if need[0] is not None else None,
                -z * gs if need[1] is not None else None)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """−w[pw·y·log σ(z) + (1−y)·log σ(−z)], computed stably from logits z."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    _check_float("binary_cross_entropy_with_logits", input)
    _check_float("binary_cross_entropy_with_logits", target, "target (0/1 labels as floats: y.float())")
    if (reduction != "none" and weight is None and pos_weight is None and
            isinstance(input, Tensor) and isinstance(target, Tensor)):
        return LogisticLoss.apply(input, target, scale=_sum_scale(reduction, math.prod(input.shape)))
    pos = logsigmoid(input) * target
    if pos_weight is not None:
        pos = pos * pos_weight
    loss = -(pos + logsigmoid(-input) * (1 - target))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise y·(log y − x) with x = log-probabilities; 'batchmean' divides the sum by N."""
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: {reduction!r} is not a valid value for reduction; expected one "
                         f"of 'none', 'batchmean', 'sum', 'mean'")
    _check_float("kl_div", input)
    _check_float("kl_div", target, "target")
    if log_target:
        loss = exp(target) * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        return sum(loss) / (input.shape[0] if len(input.shape) else 1)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """½(log max(σ², ε) + (x − y)²/max(σ², ε)) (+ ½ log 2π with full)."""
    _check_reduction(reduction, "gaussian_nll_loss")
    if not isinstance(var, Tensor):
        var = Tensor(np.full(tuple(input.shape), var, dtype=input._data.dtype))
    if tuple(var.shape) != tuple(input.shape):
        if len(var.shape) == len(input.shape) - 1 or (var.shape and var.shape[-1] == 1):
            var = var if var.shape and var.shape[-1] == 1 and len(var.shape) == len(input.shape) \
                else unsqueeze(var, -1)
        else:
            raise ValueError(f"gaussian_nll_loss: var of shape {tuple(var.shape)} is incompatible "
                             f"with input of shape {tuple(input.shape)}")
    if np.any(_data(var) < 0):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    # clamp without changing the gradient (PyTorch clamps under no_grad)
    v = var + Tensor(np.maximum(_data(var), eps) - _data(var))
    loss = 0.5 * (log(v) + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(x) − y·x (log_input) or x − y·log(x + ε), with Stirling's term when full."""
    _check_reduction(reduction, "poisson_nll_loss")
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        y = _data(target)
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = y * np.log(y) - y + 0.5 * np.log(2 * math.pi * y)
        loss = loss + Tensor(np.where(y > 1, stirling, 0).astype(_data(input).dtype))
    return _reduce(loss, reduction)
