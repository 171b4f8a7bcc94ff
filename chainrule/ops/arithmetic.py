"""Elementwise arithmetic: + − × ÷ and powers, with their derivatives.

Powers, exponentials and the rest live in ``math_ops``. Broadcasting is undone by the engine (``sum_to_shape``), so each backward returns the gradient in
the broadcast shape. Subgradients at kinks follow PyTorch: d|x|/dx = sign(x) (0 at 0), and
``maximum``/``minimum`` split the gradient evenly between tied inputs.
"""
import numpy as np

from ..autograd.function import Op
from ..autograd.tensor import Tensor, wrap_array
from ._util import promote, to_float


def _broadcast_error(op, a, b):
    return RuntimeError(f"{op}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast "
                        f"together (sizes must match or be 1 in each dimension, counted from the right)")


class Add(Op):
    """z = x + αy; ∂z/∂x = 1, ∂z/∂y = α."""

    def forward(self, a, b, alpha=1):
        a, b = promote(a, b)
        self.alpha = alpha
        try:
            return a + b if alpha == 1 else a + alpha * b
        except ValueError:
            raise _broadcast_error("add", a, b) from None

    def backward(self, gy):
        return gy, (gy if self.alpha == 1 else gy * self.alpha)


class Sub(Op):
    """z = x − αy; ∂z/∂x = 1, ∂z/∂y = −α."""

    def forward(self, a, b, alpha=1):
        a, b = promote(a, b)
        if a.dtype.kind == "b" if isinstance(a, np.ndarray) else False:
            raise RuntimeError("sub: subtraction of bool tensors is not supported; use logical_xor")
        self.alpha = alpha
        try:
            return a - b if alpha == 1 else a - alpha * b
        except ValueError:
            raise _broadcast_error("sub", a, b) from None

    def backward(self, gy):
        return gy, (-gy if self.alpha == 1 else gy * -self.alpha)


class Mul(Op):
    """z = xy; ∂z/∂x = y, ∂z/∂y = x."""

    def forward(self, a, b):
        a, b = promote(a, b)
        self.save_for_backward(a, b)
        try:
            return a * b
        except ValueError:
            raise _broadcast_error("mul", a, b) from None

    def backward(self, gy):
        a, b = self.saved_tensors
        n = self.next
        return (gy * b if n[0] is not None else None), (gy * a if n[1] is not None else None)


class Div(Op):
    """z = x / y; ∂z/∂x = 1/y, ∂z/∂y = −x/y² (integers divide as floats, like PyTorch)."""

    def forward(self, a, b, rounding_mode=None):
        a, b = promote(a, b)
        if rounding_mode is None:
            a, b = to_float(a), to_float(b)
        elif np.result_type(a, b).kind in "iu" and np.any(np.asarray(b) == 0):
            raise RuntimeError("div: ZeroDivisionError (integer division by zero)")
        self.save_for_backward(a, b)
        self.rounding = rounding_mode
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                q = a / b
                if rounding_mode == "floor":
                    q = np.floor_divide(a, b)
                elif rounding_mode == "trunc":
                    q = np.trunc(q) if np.result_type(a, b).kind == "f" else (
                        np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b)))
                elif rounding_mode is not None:
                    raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', "
                                     f"got {rounding_mode!r}")
            return q
        except ValueError as e:
            if "rounding_mode" in str(e):
                raise
            raise _broadcast_error("div", a, b) from None

    def backward(self, gy):
        a, b = self.saved_tensors
        if self.rounding is not None:  # piecewise constant: zero gradient almost everywhere
            return gy * 0, gy * 0
        n = self.next
        ga = gy / b if n[0] is not None else None
        gb = -gy * a / (b * b) if n[1] is not None else None
        return ga, gb


class Neg(Op):
    """z = −x."""

    def forward(self, a):
        if a.dtype.kind == "b":
            raise RuntimeError("neg: negation of a bool tensor is not supported; use logical_not")
        return np.negative(a)

    def backward(self, gy):
        return -gy


class Abs(Op):
    """z = |x|; subgradient sign(x), 0 at x = 0."""

    def forward(self, a):
        self.save_for_backward(a)
        return np.abs(a)

    def backward(self, gy):
        a, = self.saved_tensors
        return gy * sign(a)


class Where(Op):
    """z = x where cond else y; the gradient goes to whichever was chosen."""

    def forward(self, cond, a, b):
        a, b = promote(a, b)
        self.cond = cond
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise RuntimeError(f"where: condition {np.shape(cond)}, input {np.shape(a)} and other "
                               f"{np.shape(b)} cannot be broadcast together") from None

    def backward(self, gy):
        c = self.cond
        n = self.next
        return (None,
                where(c, gy, 0.0) if n[1] is not None else None,
                where(c, 0.0, gy) if n[2] is not None else None)


class Maximum(Op):
    """z = max(x, y) elementwise; ties share the gradient equally (PyTorch's rule)."""
    pick = staticmethod(np.maximum)

    def forward(self, a, b):
        a, b = promote(a, b)
        self.save_for_backward(a, b)
        try:
            return self.pick(a, b)
        except ValueError:
            raise _broadcast_error(type(self).__name__.lower(), a, b) from None

    def backward(self, gy):
        a, b = self.saved_tensors
        a_wins = (a > b) if self.pick is np.maximum else (a < b)
        a_w = where(a == b, 0.5, where(a_wins, 1.0, 0.0))
        return gy * a_w, gy * (1.0 - a_w)


class Minimum(Maximum):
    """z = min(x, y) elementwise; ties share the gradient equally."""
    pick = staticmethod(np.minimum)


class Clamp(Op):
    """z = min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi, else goes to the bound."""

    def forward(self, a, lo, hi):
        out = a
        if lo is not None:
            a_, lo = promote(a, lo)
            out = np.maximum(a_, lo)
        if hi is not None:
            out, hi = promote(out, hi)
            out = np.minimum(out, hi)
        self.save_for_backward(a, lo, hi)
        return out

    def backward(self, gy):
        a, lo, hi = self.saved_tensors
        keep = None
        g_lo = g_hi = None
        if lo is not None:
            keep = a >= lo
            if self.next[1] is not None:
                g_lo = where(a < lo, gy, 0.0)
        if hi is not None:
            keep = (a <= hi) if keep is None else keep & (a <= hi)
            if self.next[2] is not None:
                g_hi = where(a > hi, gy, 0.0)
        ga = where(keep, gy, 0.0) if keep is not None else gy
        return ga, g_lo, g_hi


# --------------------------------------------------------------------------- public functions
def add(input, other, *, alpha=1):
    return Add.apply(input, other, alpha=alpha)


def sub(input, other, *, alpha=1):
    return Sub.apply(input, other, alpha=alpha)


def rsub(input, other, *, alpha=1):
    return Sub.apply(other, input, alpha=alpha)


def mul(input, other):
    return Mul.apply(input, other)


def div(input, other, *, rounding_mode=None):
    return Div.apply(input, other, rounding_mode=rounding_mode)


def floor_divide(input, other):
    return Div.apply(input, other, rounding_mode="floor")


def remainder(input, other):
    """x − floor(x/y)·y, with the sign of y (Python's %); gradient 1 for x, −floor(x/y) for y."""
    return input - floor_divide(input, other) * other


def neg(input):
    return Neg.apply(input)


negative = neg


def reciprocal(input):
    return Div.apply(1.0, input)


def abs(input):
    return Abs.apply(input)


absolute = abs


def sign(input):
    """−1, 0 or +1; its gradient is 0 everywhere (PyTorch's choice)."""
    d = input._data if isinstance(input, Tensor) else input
    s = np.sign(d)
    return wrap_array(np.asarray(s)) if isinstance(input, Tensor) else s


def where(condition, input, other):
    """``where(cond, x, y)``: x where the condition holds, else y (``indexing.where`` adds the
    one-argument form)."""
    c = condition._data if isinstance(condition, Tensor) else condition
    if isinstance(c, np.ndarray) and c.dtype != np.bool_:
        c = c.astype(bool)
    return Where.apply(c, input, other)


def maximum(input, other):
    return Maximum.apply(input, other)


def minimum(input, other):
    return Minimum.apply(input, other)


def fmax(input, other):
    return maximum(input, other)


def fmin(input, other):
    return minimum(input, other)


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def lerp(input, end, weight):
    """start + weight·(end − start): composed from differentiable ops."""
    return input + weight * (end - input)
