"""logcumsumexp: a running log-sum-exp, yₖ = ln Σ_{j≤k} e^{xⱼ}, without overflow.

∂yₖ/∂xⱼ = e^{xⱼ − yₖ} for j ≤ k, so xⱼ's gradient is Σ_{k≥j} gₖ e^{xⱼ − yₖ}: a reversed running
sum. It is computed in log space too — positive and negative parts of g separately, each a
reversed logcumsumexp — so neither e^{x} nor e^{−y} is ever formed.
"""
import numpy as np

from ..autograd.function import Op
from ._util import norm_dim, to_float
from .arithmetic import clamp_min
from .math_ops import exp, log
from .shape import flip


class Logcumsumexp(Op):
    def forward(self, x, dim):
        x = to_float(x)
        self.dim = dim
        y = np.logaddexp.accumulate(x, axis=dim) if x.ndim else x.copy()
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        if len(y.shape) == 0:
            return gy
        d = self.dim
        with np.errstate(divide="ignore"):
            log_pos = log(clamp_min(gy, 0.0)) - y
            log_neg = log(clamp_min(-gy, 0.0)) - y
        back = lambda t: flip(logcumsumexp(flip(t, d), d), d)  # noqa: E731  Σ over k ≥ j
        return exp(x + back(log_pos)) - exp(x + back(log_neg))


def logcumsumexp(input, dim):
    d = norm_dim(dim, max(len(input.shape), 1), "logcumsumexp")
    return Logcumsumexp.apply(input, dim=d)
