"""Inverse and hyperbolic trigonometry, and the two-argument functions built on them
(atan2, hypot, logaddexp, copysign, fmod).

Each derivative is one line of calculus, written with ops so that it can be differentiated again:
(arcsin x)' = 1/√(1−x²), (arctan x)' = 1/(1+x²), (sinh x)' = cosh x, …
"""
import numpy as np

from ..autograd.function import Op
from ._util import promote, to_float
from .arithmetic import where
from .math_ops import exp, sqrt, trunc


class _Unary(Op):
    """y = f(x) for a NumPy ufunc f; ``derivative(x, y)`` gives dy/dx."""

    ufunc = None

    def forward(self, x):
        x = to_float(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            y = type(self).ufunc(x)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return gy * self.derivative(x, y)


class Asin(_Unary):
    """y = arcsin x; dy/dx = 1/√(1 − x²)."""
    ufunc = np.arcsin

    def derivative(self, x, y):
        return 1.0 / sqrt(1.0 - x * x)


class Acos(_Unary):
    """y = arccos x; dy/dx = −1/√(1 − x²)."""
    ufunc = np.arccos

    def derivative(self, x, y):
        return -1.0 / sqrt(1.0 - x * x)


class Atan(_Unary):
    """y = arctan x; dy/dx = 1/(1 + x²)."""
    ufunc = np.arctan

    def derivative(self, x, y):
        return 1.0 / (1.0 + x * x)


class Sinh(_Unary):
    """y = sinh x; dy/dx = cosh x."""
    ufunc = np.sinh

    def derivative(self, x, y):
        return cosh(x)


class Cosh(_Unary):
    """y = cosh x; dy/dx = sinh x."""
    ufunc = np.cosh

    def derivative(self, x, y):
        return sinh(x)


class Asinh(_Unary):
    """y = arsinh x; dy/dx = 1/√(x² + 1)."""
    ufunc = np.arcsinh

    def derivative(self, x, y):
        return 1.0 / sqrt(x * x + 1.0)


class Acosh(_Unary):
    """y = arcosh x; dy/dx = 1/√(x² − 1)."""
    ufunc = np.arccosh

    def derivative(self, x, y):
        return 1.0 / sqrt(x * x - 1.0)


class Atanh(_Unary):
    """y = artanh x; dy/dx = 1/(1 − x²)."""
    ufunc = np.arctanh

    def derivative(self, x, y):
        return 1.0 / (1.0 - x * x)


class _Binary(Op):
    """z = f(a, b) for a NumPy ufunc f, in PyTorch's promoted dtype (integers → float)."""

    ufunc = None

    def forward(self, a, b):
        a, b = promote(to_float(a), to_float(b))
        with np.errstate(invalid="ignore", divide="ignore"):
            z = type(self).ufunc(a, b)
        self.save_for_backward(a, b, z)
        return z

    def backward(self, gz):
        a, b, z = self.saved_tensors
        n = self.next
        with np.errstate(invalid="ignore", divide="ignore"):
            ga, gb = self.derivatives(a, b, z, gz, n[0] is not None, n[1] is not None)
        return ga, gb


class Atan2(_Binary):
    """z = atan2(a, b), the angle of the point (b, a); ∂z/∂a = b/(a²+b²), ∂z/∂b = −a/(a²+b²)."""
    ufunc = np.arctan2

    def derivatives(self, a, b, z, gz, need_a, need_b):
        r2 = a * a + b * b
        return (gz * b / r2 if need_a else None), (-gz * a / r2 if need_b else None)


class Hypot(_Binary):
    """z = √(a² + b²); ∂z/∂a = a/z, ∂z/∂b = b/z."""
    ufunc = np.hypot

    def derivatives(self, a, b, z, gz, need_a, need_b):
        return (gz * a / z if need_a else None), (gz * b / z if need_b else None)


class Logaddexp(_Binary):
    """z = ln(eᵃ + eᵇ), computed without overflow; ∂z/∂a = e^(a−z), ∂z/∂b = e^(b−z)."""
    ufunc = np.logaddexp

    def derivatives(self, a, b, z, gz, need_a, need_b):
        return (gz * exp(a - z) if need_a else None), (gz * exp(b - z) if need_b else None)


class Copysign(_Binary):
    """z = |a| with the sign of b; ∂z/∂a = z/a (±1, 0 at a = 0), ∂z/∂b = 0."""
    ufunc = np.copysign

    def derivatives(self, a, b, z, gz, need_a, need_b):
        ga = where(a == 0, 0.0, gz * z / where(a == 0, 1.0, a)) if need_a else None
        return ga, (gz * 0.0 if need_b else None)


class Fmod(Op):
    """z = a − trunc(a/b)·b, the C remainder (sign of a); ∂z/∂a = 1, ∂z/∂b = −trunc(a/b)."""

    def forward(self, a, b):
        a, b = promote(a, b)
        if np.asarray(b).dtype.kind in "iub" and np.any(np.asarray(b) == 0):
            raise RuntimeError("fmod: ZeroDivisionError (integer division by zero)")
        self.save_for_backward(a, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.fmod(a, b)

    def backward(self, gz):
        a, b = self.saved_tensors
        n = self.next
        gb = None
        if n[1] is not None:
            gb = -gz * trunc(a / b)
        return (gz if n[0] is not None else None), gb


def asin(input):
    return Asin.apply(input)


def acos(input):
    return Acos.apply(input)


def atan(input):
    return Atan.apply(input)


def sinh(input):
    return Sinh.apply(input)


def cosh(input):
    return Cosh.apply(input)


def asinh(input):
    return Asinh.apply(input)


def acosh(input):
    return Acosh.apply(input)


def atanh(input):
    return Atanh.apply(input)


def atan2(input, other):
    return Atan2.apply(input, other)


def hypot(input, other):
    return Hypot.apply(input, other)


def logaddexp(input, other):
    return Logaddexp.apply(input, other)


def copysign(input, other):
    return Copysign.apply(input, other)


def fmod(input, other):
    return Fmod.apply(input, other)


def deg2rad(input):
    return input * (np.pi / 180.0)


def rad2deg(input):
    return input * (180.0 / np.pi)


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
