"""Changing a tensor's dtype: ``x.to(float64)``, ``x.float()``, ``x.long()``...

A cast between float types is differentiable (the gradient is cast back); a cast to an integer or
bool type gives a tensor outside the graph, since integers carry no gradient.
"""
import numpy as np

from ..autograd import dtype as _dt
from ..autograd.function import Op
from ..autograd.tensor import Tensor, wrap_array
from ..backend import device


class Cast(Op):
    """y = x as another float dtype; the gradient is cast back to x's dtype."""

    def forward(self, x, npd):
        self.in_dtype = x.dtype
        return x.astype(npd)

    def backward(self, gy):
        return to(gy, self.in_dtype)


def to(input, *args, dtype=None, copy=False, **kwargs):
    """``x.to(dtype)``; a device of 'cpu' is accepted and changes nothing."""
    target = dtype
    for a in args:
        if isinstance(a, Tensor):
            target = a.dtype
        elif isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda"):
            _device(a)
            continue
        elif type(a).__name__ == "device":
            continue
        elif a is not None:
            target = a
    if target is None:
        return input.clone() if copy else input
    npd = _dt.to_numpy_dtype(target)
    if not isinstance(input, Tensor):
        return input.astype(npd)
    if input._data.dtype == npd:
        return input.clone() if copy else input
    if npd.kind != "f":
        return wrap_array(input._data.astype(npd))
    return Cast.apply(input, npd=npd)


def _device(name):
    return device(name)


def type_as(input, other):
    return to(input, other.dtype)


def _caster(npd):
    def cast(input):
        return to(input, npd)
    return cast


float_ = _caster(np.float32)
double = _caster(np.float64)
half = _caster(np.float16)
long = _caster(np.int64)
int_ = _caster(np.int32)
bool_ = _caster(np.bool_)
