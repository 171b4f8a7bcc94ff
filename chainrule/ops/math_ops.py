"""Elementwise math: powers, exponentials, logarithms, trigonometry, tanh, sigmoid and erf.

Each op keeps what its derivative needs; where the derivative is a function of the output
(eˣ, tanh, σ, √x) it saves the output instead of recomputing it.
"""
import math

import numpy as np

from .. import kernels as K
from ..autograd.function import Op
from ..autograd.tensor import Tensor, wrap_array
from ..kernels.special import erf_array
from ._util import promote, recording, to_float
from .arithmetic import _broadcast_error, where

class Pow(Op):
    """z = xʸ; ∂z/∂x = y·xʸ⁻¹, ∂z/∂y = xʸ·ln x (taken as 0 where x = 0 and y ≥ 0)."""

    def forward(self, a, b):
        a, b = promote(a, b)
        if isinstance(a, np.ndarray) and a.dtype.kind in "iu" and np.any(np.asarray(b) < 0):
            raise RuntimeError("pow: integers to negative integer powers are not allowed")
        self.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                return np.power(a, b)
            except ValueError:
                raise _broadcast_error("pow", a, b) from None

    def backward(self, gy):
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._grads(gy)

    def _grads(self, gy):
        a, b = self.saved_tensors
        n = self.next
        ga = gb = None
        if n[0] is not None:
            if isinstance(b, (int, float)) and b == 2:
                ga = a * gy * 2.0              # 2·a·g: x ** 2 is common, no a ** 1 temporary
            elif isinstance(b, (int, float)):
                ga = gy * 0 if b == 0 else gy * b * a ** (b - 1)
            else:
                ga = where(b == 0, 0.0, gy * b * a ** (b - 1))
        if n[1] is not None:
            out = a ** b
            ga_log = gy * out * log(where(a == 0, 1.0, a))
            gb = where((a == 0) & (b >= 0), 0.0, ga_log)
        return ga, gb


class Exp(Op):
    """y = eˣ; dy/dx = y."""

    def forward(self, x):
        y = K.exp(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        return gy * y


class Exp2(Op):
    """y = 2ˣ; dy/dx = y·ln 2."""

    def forward(self, x):
        y = np.exp2(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        return gy * y * math.log(2.0)


class Expm1(Op):
    """y = eˣ − 1 (accurate near 0); dy/dx = y + 1."""

    def forward(self, x):
        y = np.expm1(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        return gy * (y + 1.0)


class Log(Op):
    """y = ln x; dy/dx = 1/x."""

    def forward(self, x):
        x = to_float(x)
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return gy / x


class Log2(Op):
    """y = log₂ x; dy/dx = 1/(x ln 2)."""

    def forward(self, x):
        x = to_float(x)
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return gy / (x * math.log(2.0))


class Log10(Op):
    """y = log₁₀ x; dy/dx = 1/(x ln 10)."""

    def forward(self, x):
        x = to_float(x)
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return gy / (x * math.log(10.0))


class Log1p(Op):
    """y = ln(1 + x) (accurate near 0); dy/dx = 1/(1 + x)."""

    def forward(self, x):
        x = to_float(x)
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return gy / (x + 1.0)


class Sqrt(Op):
    """y = √x; dy/dx = 1/(2y)."""

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            y = np.sqrt(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        return gy / (y * 2.0)


class Rsqrt(Op):
    """y = 1/√x; dy/dx = −y³/2."""

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = 1.0 / np.sqrt(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        return gy * y * y * y * -0.5


class Square(Op):
    """y = x²; dy/dx = 2x."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.square(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return gy * x * 2.0


class Sin(Op):
    """y = sin x; dy/dx = cos x."""

    def forward(self, x):
        x = to_float(x)
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return gy * cos(x)


class Cos(Op):
    """y = cos x; dy/dx = −sin x."""

    def forward(self, x):
        x = to_float(x)
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return -gy * sin(x)


class Tan(Op):
    """y = tan x; dy/dx = 1 + y²."""

    def forward(self, x):
        y = np.tan(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        return gy * (y * y + 1.0)


class Tanh(Op):
    """y = tanh x; dy/dx = 1 − y²."""

    def forward(self, x):
        y = K.tanh_forward(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        return gy * (1.0 - y * y)


class Sigmoid(Op):
    """y = σ(x) = 1/(1 + e⁻ˣ), computed without overflow; dy/dx = y(1 − y)."""

    def forward(self, x):
        y = K.sigmoid_forward(to_float(x))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        y, = self.saved_tensors
        if not recording(gy):
            return K.sigmoid_backward(gy, y)
        return gy * y * (1.0 - y)


class Erf(Op):
    """y = erf x = (2/√π)∫₀ˣ e^(−t²) dt; dy/dx = (2/√π)·e^(−x²)."""

    def forward(self, x):
        x = to_float(x)
        self.save_for_backward(x)
        return erf_array(x)

    def backward(self, gy):
        x, = self.saved_tensors
        return gy * exp(-(x * x)) * (2.0 / math.sqrt(math.pi))


def _rounding(np_fn, name):
    def fn(input):
        d = input._data if isinstance(input, Tensor) else input
        out = np_fn(d)
        return wrap_array(np.asarray(out)) if isinstance(input, Tensor) else out
    fn.__name__ = name
    fn.__doc__ = f"{name}: piecewise constant, so it passes no gradient (the result is detached)."
    return fn


floor = _rounding(np.floor, "floor")
ceil = _rounding(np.ceil, "ceil")
trunc = _rounding(np.trunc, "trunc")
round = _rounding(np.round, "round")


def frac(input):
    """x − trunc(x); gradient 1."""
    return input - trunc(input)


def pow(input, exponent):
    return Pow.apply(input, exponent)


def float_power(input, exponent):
    return Pow.apply(input.double() if isinstance(input, Tensor) else np.float64(input), exponent)


def exp(input):
    return Exp.apply(input)


def exp2(input):
    return Exp2.apply(input)


def expm1(input):
    return Expm1.apply(input)


def log(input):
    return Log.apply(input)


def log2(input):
    return Log2.apply(input)


def log10(input):
    return Log10.apply(input)


def log1p(input):
    return Log1p.apply(input)


def sqrt(input):
    return Sqrt.apply(input)


def rsqrt(input):
    return Rsqrt.apply(input)


def square(input):
    return Square.apply(input)


def sin(input):
    return Sin.apply(input)


def cos(input):
    return Cos.apply(input)


def tan(input):
    return Tan.apply(input)


def tanh(input):
    return Tanh.apply(input)


def sigmoid(input):
    return Sigmoid.apply(input)


def erf(input):
    return Erf.apply(input)


def xlogy(input, other):
    """x·ln y, defined as 0 where x = 0 (entropy terms)."""
    safe = where(input == 0, 1.0, other)
    return where(input == 0, 0.0, input * log(safe))
