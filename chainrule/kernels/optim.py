"""Optimizer steps as one pass over each parameter: read θ, g and the state once, write θ and the
state once — where NumPy's version makes a pass (and often a temporary) per term.

Arrays are updated in place; the references are the same updates in NumPy, term by term, in
PyTorch's order of operations (tests compare both with torch.optim in float64 to 1e-12).
"""
import math

import numpy as np

from .. import tunables
from ._jit import compiled
from ._registry import kernel

prange = range   # replaced by numba.prange when a kernel compiles (see _jit.jit)


def _sgd_ref(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    """g ← g + λθ; b ← g (first step) or μb + (1 − dampening)g; g ← g + μb (Nesterov) or b;
    θ ← θ − ηg."""
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        if first:
            buf[...] = g
        else:
            buf *= momentum
            buf += (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    p -= lr * g


def _sgd_loop(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    for i in prange(p.size):
        gi = g[i]
        if weight_decay != 0:
            gi = gi + weight_decay * p[i]
        if momentum != 0:
            b = gi if first else momentum * buf[i] + (1 - dampening) * gi
            buf[i] = b
            gi = gi + momentum * b if nesterov else b
        p[i] -= lr * gi


def _adam_ref(p, g, m, v, vmax, lr, b1, b2, eps, weight_decay, decoupled, step):
    """Adam (decoupled: AdamW): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η/(1−β₁ᵗ)·m /
    (√v̂/√(1−β₂ᵗ) + ε) with v̂ = v, or its running max when ``vmax`` is kept (AMSGrad)."""
    if weight_decay:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * p
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    denom = np.sqrt(v) / math.sqrt(1 - b2 ** step) + eps
    p -= (lr / (1 - b1 ** step)) * m / denom


def _adam_loop(p, g, m, v, vmax, amsgrad, lr, b1, b2, eps, weight_decay, decoupled, step_size, root_bc2):
    for i in prange(p.size):
        gi = g[i]
        if weight_decay != 0:
            if decoupled:
                p[i] *= 1 - lr * weight_decay
            else:
                gi = gi + weight_decay * p[i]
        mi = b1 * m[i] + (1 - b1) * gi
        vi = b2 * v[i] + (1 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(vmax[i], vi)
            vmax[i] = vi
        p[i] -= step_size * mi / (np.sqrt(vi) / root_bc2 + eps)


def _flat(*arrays):
    """The arrays as flat views when all are contiguous, else None (the reference runs)."""
    if all(a is None or a.flags.c_contiguous for a in arrays):
        return [None if a is None else a.reshape(-1) for a in arrays]
    return None


@kernel("sgd_step", _sgd_ref)
def _build_sgd():
    loop = compiled(_sgd_loop)

    def run(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first):
        flat = _flat(p, g, buf) if g.dtype == p.dtype else None
        if flat is None:
            return _sgd_ref(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first)
        fp, fg, fb = flat
        loop(p.size >= tunables.PARALLEL_MIN_LIGHT, fp, fg, fp if fb is None else fb,
             lr, momentum, dampening, weight_decay, nesterov, first)
    return run


@kernel("adam_step", _adam_ref)
def _build_adam():
    loop = compiled(_adam_loop)

    def run(p, g, m, v, vmax, lr, b1, b2, eps, weight_decay, decoupled, step):
        flat = _flat(p, g, m, v, vmax) if g.dtype == p.dtype else None
        if flat is None:
            return _adam_ref(p, g, m, v, vmax, lr, b1, b2, eps, weight_decay, decoupled, step)
        fp, fg, fm, fv, fx = flat
        loop(p.size >= tunables.PARALLEL_MIN_COMPILED, fp, fg, fm, fv, fm if fx is None else fx, fx is not None,
             lr, b1, b2, eps, weight_decay, decoupled, lr / (1 - b1 ** step), math.sqrt(1 - b2 ** step))
    return run
