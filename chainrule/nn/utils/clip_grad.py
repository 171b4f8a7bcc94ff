"""Gradient clipping (Lecture: RNN's rugged error surface): g ← g·max_norm/‖g‖ when ‖g‖ > max_norm."""
import math

import numpy as np

from ...autograd.tensor import Tensor, wrap_array


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so their total norm is at most max_norm; returns the norm."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return wrap_array(np.array(0.0, dtype=np.float32))
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g._data))) if g._data.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g._data.astype(np.float64)) ** norm_type)) for g in grads) \
            ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} for gradients "
                           f"is non-finite ({total}), so it cannot be clipped; set "
                           f"error_if_nonfinite=False to skip this check")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= np.asarray(coef, dtype=g._data.dtype)
    return wrap_array(np.array(total, dtype=grads[0]._data.dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clip every gradient element into [−clip_value, clip_value]."""
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
