"""Comparisons and logic: results are bool tensors, which never carry gradients."""
import numpy as np

from ..autograd.tensor import Tensor, wrap_array
from ._util import promote


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _named(fn, name, doc):
    fn.__name__, fn.__qualname__, fn.__doc__ = name, name, doc
    return fn


def _make(np_fn, name, doc):
    def fn(input, other):
        a, b = promote(_data(input), _data(other))
        try:
            out = np_fn(a, b)
        except ValueError:
            raise RuntimeError(f"{name}: shapes {np.shape(a)} and {np.shape(b)} cannot be "
                               f"broadcast together") from None
        return wrap_array(np.asarray(out))
    return _named(fn, name, doc)


eq = _make(np.equal, "eq", "x == y elementwise.")
ne = _make(np.not_equal, "ne", "x != y elementwise.")
lt = _make(np.less, "lt", "x < y elementwise.")
le = _make(np.less_equal, "le", "x <= y elementwise.")
gt = _make(np.greater, "gt", "x > y elementwise.")
ge = _make(np.greater_equal, "ge", "x >= y elementwise.")
logical_and = _make(np.logical_and, "logical_and", "x AND y (nonzero is true).")
logical_or = _make(np.logical_or, "logical_or", "x OR y (nonzero is true).")
logical_xor = _make(np.logical_xor, "logical_xor", "x XOR y (nonzero is true).")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bitwise(np_fn, name):
    def fn(input, other):
        a, b = promote(_data(input), _data(other))
        if np.asarray(a).dtype.kind == "f" or np.asarray(b).dtype.kind == "f":
            raise TypeError(f"{name}: bitwise operations need bool or integer tensors, "
                            f"got {np.asarray(a).dtype} and {np.asarray(b).dtype}")
        return wrap_array(np.asarray(np_fn(a, b)))
    fn.__name__ = name
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(np.left_shift, "bitwise_left_shift")
bitwise_right_shift = _bitwise(np.right_shift, "bitwise_right_shift")


def bitwise_not(input):
    d = _data(input)
    if d.dtype.kind == "f":
        raise TypeError(f"bitwise_not: needs a bool or integer tensor, got {d.dtype}")
    return wrap_array(np.invert(d))


def logical_not(input):
    return wrap_array(np.logical_not(_data(input)))


def _unary(np_fn, name, doc):
    def fn(input):
        return wrap_array(np.asarray(np_fn(_data(input))))
    return _named(fn, name, doc)


isnan = _unary(np.isnan, "isnan", "True where the value is NaN.")
isinf = _unary(np.isinf, "isinf", "True where the value is ±inf.")
isfinite = _unary(np.isfinite, "isfinite", "True where the value is neither NaN nor ±inf.")
isposinf = _unary(np.isposinf, "isposinf", "True where the value is +inf.")
isneginf = _unary(np.isneginf, "isneginf", "True where the value is −inf.")
signbit = _unary(np.signbit, "signbit", "True where the sign bit is set.")


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return bool(np.shape(_data(input)) == np.shape(_data(other)) and
                np.array_equal(_data(input), _data(other)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(_data(input), _data(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap_array(np.isclose(_data(input), _data(other), rtol=rtol, atol=atol, equal_nan=equal_nan))
