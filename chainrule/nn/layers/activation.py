"""Activation layers: the nonlinearities as modules (Lecture: sigmoid vs ReLU, and friends)."""
import numpy as np

from ...ops import activation as A
from ...ops import math_ops
from .. import functional as F
from ..module import Module
from ..parameter import Parameter


class _Simple(Module):
    fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self).fn(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


def _simple(name, fn, doc):
    return type(name, (_Simple,), {"__doc__": doc, "fn": staticmethod(fn)})


ReLU = _simple("ReLU", A.relu, "max(0, x).")
ReLU6 = _simple("ReLU6", A.relu6, "min(max(0, x), 6).")
SELU = _simple("SELU", A.selu, "Self-normalizing ELU.")
SiLU = _simple("SiLU", A.silu, "x·σ(x).")
Mish = _simple("Mish", A.mish, "x·tanh(softplus(x)).")
Hardsigmoid = _simple("Hardsigmoid", A.hardsigmoid, "clip(x/6 + 1/2, 0, 1).")
Hardswish = _simple("Hardswish", A.hardswish, "x·hardsigmoid(x).")
Sigmoid = _simple("Sigmoid", math_ops.sigmoid, "σ(x) = 1/(1 + e⁻ˣ).")
Tanh = _simple("Tanh", math_ops.tanh, "tanh(x).")
LogSigmoid = _simple("LogSigmoid", A.logsigmoid, "log σ(x).")
Softsign = _simple("Softsign", F.softsign, "x / (1 + |x|).")
Tanhshrink = _simple("Tanhshrink", F.tanhshrink, "x − tanh x.")


class _Shrink(Module):
    fn = None

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self).fn(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(_Shrink):
    """x ∓ λ outside [−λ, λ], 0 inside."""
    fn = staticmethod(F.softshrink)


class Hardshrink(_Shrink):
    """x outside [−λ, λ], 0 inside."""
    fn = staticmethod(F.hardshrink)


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class LeakyReLU(Module):
    """x for x > 0, slope·x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return A.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, α(eˣ − 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return A.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class CELU(ELU):
    def forward(self, input):
        return A.celu(input, self.alpha)


class GELU(Module):
    """x·Φ(x) (approximate='tanh' for the tanh formula)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return A.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """(1/β) log(1 + e^(βx))."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return A.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clip(x, min_val, max_val)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return A.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class PReLU(Module):
    """max(0, x) + a·min(0, x) with a learned (one per channel, or shared), initialized to 0.25."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, dtype=np.float32))

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class _DimModule(Module):
    fn = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self).fn(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimModule):
    """e^(xᵢ)/Σⱼ e^(xⱼ) along dim."""
    fn = staticmethod(A.softmax)


class LogSoftmax(_DimModule):
    """log softmax along dim (pair with NLLLoss)."""
    fn = staticmethod(A.log_softmax)


class Softmin(_DimModule):
    fn = staticmethod(A.softmin)


class GLU(_DimModule):
    fn = staticmethod(F.glu)

    def __init__(self, dim=-1):
        super().__init__(dim)
