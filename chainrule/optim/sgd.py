"""Gradient descent with momentum (Lecture: momentum crosses plateaus and saddle points)."""
import numpy as np

from .. import kernels as K
from .optimizer import Optimizer, check_form, check_range, required


class SGD(Optimizer):
    """θ ← θ − η·g, with momentum, dampening, Nesterov, weight decay and maximize as in PyTorch.

    PyTorch's momentum: b ← μb + (1 − dampening)g, θ ← θ − η·b.
    The notes' momentum (``form="notes"``): m ← λm − ηg, θ ← θ + m. With a constant η the two
    walk the same path (m = −η·b); they differ when η changes during training, because the
    notes' m remembers past step sizes while PyTorch's b remembers past gradients.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False, form="pytorch"):
        if lr is not required:
            check_range("SGD", "learning rate", lr)
        check_range("SGD", "momentum value", momentum)
        check_range("SGD", "weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        check_form("SGD", form)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, form=form))

    def update(self, p, g, state, group):
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        if group["form"] == "notes":
            if wd:
                g = g + wd * p
            if mu:
                m = state.get("momentum_buffer")
                m = -lr * g if m is None else mu * m - lr * g
                state["momentum_buffer"] = m
                p += m
            else:
                p -= lr * g
            return
        buf = state.get("momentum_buffer") if mu else None
        first = bool(mu) and buf is None
        if first:
            buf = state["momentum_buffer"] = np.empty_like(p)
        K.sgd_step(p, g, buf, lr, mu, group["dampening"], wd, group["nesterov"], first)
