"""Every differentiable primitive, and the one place where they become Tensor methods.

``install()`` attaches operators (``x + y``), methods (``x.exp()``), in-place methods
(``x.add_(y)``) and properties (``x.T``) to ``Tensor`` — DeZero's ``setup_variable`` idea — so the
autograd layer below never imports this one.
"""
import numpy as np

from ..autograd.broadcast import broadcast_to
from ..autograd.tensor import Tensor
from ..random import numpy_generator
from . import activation, arithmetic, combine, compare, convert, creation, indexing, linalg, math_ops
from . import reduction, shape
from .activation import (celu, elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu,
                         log_softmax, logsigmoid, mish, relu, relu6, selu, silu, softmax, softmin,
                         softplus)
from .arithmetic import (abs, absolute, add, clamp, clamp_max, clamp_min, clip, div, floor_divide,
                         fmax, fmin, lerp, maximum, minimum, mul, neg, negative, reciprocal,
                         remainder, rsub, sign, sub)
from .compare import (allclose, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                      bitwise_right_shift, bitwise_xor, eq, equal, ge,
                      greater, greater_equal, gt, isclose, isfinite, isinf, isnan, isneginf,
                      isposinf, le, less, less_equal, logical_and, logical_not, logical_or,
                      logical_xor, lt, ne, not_equal, signbit)
from .convert import to, type_as
from .creation import (FloatTensor, LongTensor, arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,
                       full_like, linspace, logspace, multinomial, normal, ones, ones_like, rand,
                       rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros,
                       zeros_like)
from .indexing import (argwhere, diagonal, gather, getitem, index_put, index_select, masked_select,
                       narrow, nonzero, select, take, take_along_dim, where)
from .scatter import scatter, scatter_add, scatter_reduce
from .matrix import diag, diag_embed, meshgrid, repeat_interleave, trace, unfold
from .scan import logcumsumexp
from .sorting import (argsort, bincount, bucketize, cummax, cummin, histc, kthvalue, median, mode,
                      msort, nanmedian, searchsorted, sort, topk, unique)
from .trig import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin,
                   asinh, atan, atan2, atanh, copysign, cosh, deg2rad, fmod, hypot, logaddexp,
                   rad2deg, sinh)
from .inplace import apply_inplace
from .linalg import bmm, dot, einsum, ger, inner, matmul, mm, outer, vdot
from .math_ops import (ceil, cos, erf, exp, exp2, expm1, float_power, floor, frac, log, log1p,
                       log2, log10, pow, round, rsqrt, sigmoid, sin, sqrt, square, tan, tanh,
                       trunc, xlogy)
from .reduction import (all, amax, amin, any, argmax, argmin, count_nonzero, cumprod, cumsum,
                        logsumexp, max, mean, min, norm, prod, std, std_mean, sum, var, var_mean)
from .combine import (cat, chunk, concat, concatenate, hstack, split, stack, tensor_split, unbind,
                      vstack)
from .shape import (broadcast_tensors, clone, contiguous, expand, expand_as, flatten, flip,
                    fliplr, flipud, masked_fill, movedim, moveaxis, permute, repeat, reshape,
                    reshape_as, roll, squeeze, swapaxes, swapdims, t, tile, transpose, tril,
                    triu, unflatten, unsqueeze, view, view_as)


def _reflected(fn):
    def r(self, other):
        return fn(other, self)
    return r


def _filled(s, value):
    return where(True, value, s)


def _fill_(self, value):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_: only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions")
    else:
        value = self._data.dtype.type(value)
    return apply_inplace(self, _filled, value, op="fill_")


def _zero_(self):
    return _fill_(self, 0)


def _copy_(self, src, non_blocking=False):
    src_shape = src.shape if isinstance(src, Tensor) else np.shape(src)
    try:
        ok = np.broadcast_shapes(src_shape, self.shape) == self.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"copy_: the source of shape {tuple(src_shape)} cannot be broadcast to "
                           f"the destination's shape {self.shape}")
    if not isinstance(src, Tensor):
        src = np.asarray(src)
    return apply_inplace(self, lambda s, v: where(True, v, s), src, op="copy_")


def _uniform_(self, a=0.0, b=1.0, generator=None):
    draw = numpy_generator(generator).random(self.shape) * (b - a) + a
    return _copy_(self, draw.astype(self._data.dtype))


def _normal_(self, mean=0.0, std=1.0, generator=None):
    draw = numpy_generator(generator).standard_normal(self.shape) * std + mean
    return _copy_(self, draw.astype(self._data.dtype))


def _inplace_method(fn, name):
    def method(self, *args, **kwargs):
        return apply_inplace(self, lambda s, *a: fn(s, *a, **kwargs), *args, op=name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: ``x.{name}(...)`` makes x hold ``{fn.__name__}(x, ...)``."
    return method


def _tensor_where(self, condition, other):
    return where(condition, self, other)


def _new_factory(fn):
    def method(self, *size, dtype=None, requires_grad=False):
        return fn(*size, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)
    return method


def _new_tensor(self, data, dtype=None, requires_grad=False):
    return tensor(data, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(unbind(self, 0))


def install():
    """Attach the ops to Tensor (runs once, when chainrule is imported)."""
    T = Tensor
    binary = {"add": add, "sub": sub, "mul": mul, "truediv": div, "floordiv": floor_divide,
              "mod": remainder, "pow": pow, "matmul": matmul, "and": bitwise_and,
              "or": bitwise_or, "xor": bitwise_xor, "lshift": bitwise_left_shift,
              "rshift": bitwise_right_shift}
    for name, fn in binary.items():
        setattr(T, f"__{name}__", fn)
        setattr(T, f"__r{name}__", _reflected(fn))
    for name, fn in {"eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge}.items():
        setattr(T, f"__{name}__", fn)
    T.__neg__ = neg
    T.__pos__ = lambda self: self
    T.__abs__ = abs
    T.__invert__ = bitwise_not
    T.__getitem__ = getitem
    T.__setitem__ = indexing.setitem
    T.__iter__ = _iter
    for name, fn in {"add": add, "sub": sub, "mul": mul, "truediv": div, "pow": pow,
                     "and": bitwise_and, "or": bitwise_or, "xor": bitwise_xor,
                     "floordiv": floor_divide, "mod": remainder, "lshift": bitwise_left_shift,
                     "rshift": bitwise_right_shift}.items():
        setattr(T, f"__i{name}__", _inplace_method(fn, f"__i{name}__"))

    methods = """
        add sub mul div pow neg negative reciprocal abs absolute sign maximum minimum clamp clip
        clamp_min clamp_max lerp floor_divide remainder fmax fmin
        eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or
        logical_xor logical_not isnan isinf isfinite isposinf isneginf signbit equal allclose
        isclose bitwise_and bitwise_or bitwise_xor bitwise_not
        exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square sin cos tan tanh sigmoid erf floor
        ceil trunc round frac float_power xlogy
        relu relu6 leaky_relu elu selu celu gelu silu mish softplus hardtanh hardsigmoid hardswish
        logsigmoid softmax log_softmax softmin
        sum mean prod var std var_mean std_mean max min amax amin argmax argmin logsumexp norm
        cumsum cumprod all any count_nonzero
        reshape view view_as reshape_as flatten unflatten squeeze unsqueeze transpose swapaxes
        swapdims t permute movedim moveaxis expand expand_as repeat tile split chunk tensor_split
        unbind flip fliplr flipud roll narrow select tril triu masked_fill diagonal clone contiguous
        gather scatter scatter_add index_select take_along_dim take masked_select nonzero argwhere
        matmul mm bmm dot outer inner to type_as
        asin acos atan atan2 sinh cosh asinh acosh atanh arcsin arccos arctan arctan2 arcsinh
        arccosh arctanh hypot logaddexp copysign fmod deg2rad rad2deg
        sort argsort msort topk kthvalue median nanmedian mode cummax cummin logcumsumexp unique
        bincount histc scatter_reduce diag diag_embed trace repeat_interleave unfold
        bitwise_left_shift bitwise_right_shift
    """.split()
    namespace = globals()
    for name in methods:
        setattr(T, name, namespace[name])
    T.div = T.divide = T.true_divide = div
    T.multiply = mul
    T.subtract = sub
    T.float = convert.float_
    T.double = convert.double
    T.half = convert.half
    T.long = convert.long
    T.int = convert.int_
    T.bool = convert.bool_
    T.where = _tensor_where
    T.new_zeros = _new_factory(zeros)
    T.new_ones = _new_factory(ones)
    T.new_empty = _new_factory(empty)
    T.new_tensor = _new_tensor
    T.new_full = lambda self, size, fill_value, dtype=None, requires_grad=False: full(
        size, fill_value, dtype=dtype if dtype is not None else self.dtype,
        requires_grad=requires_grad)
    T.T = property(shape.T)
    T.mT = property(shape.mT)

    for fn in [add, sub, mul, div, pow, neg, abs, clamp, clamp_min, clamp_max, exp, log, sqrt,
               sigmoid, tanh, relu, masked_fill, scatter, scatter_add, floor_divide, remainder,
               reciprocal, square, sin, cos, lerp, clip, asin, acos, atan, sinh, cosh, atan2, fmod,
               copysign, hypot, scatter_reduce]:
        setattr(T, fn.__name__ + "_", _inplace_method(fn, fn.__name__ + "_"))
    T.div_ = T.divide_ = T.true_divide_ = _inplace_method(div, "div_")
    T.mul_ = T.multiply_ = _inplace_method(mul, "mul_")
    T.sub_ = T.subtract_ = _inplace_method(sub, "sub_")
    T.zero_ = _zero_
    T.fill_ = _fill_
    T.copy_ = _copy_
    T.uniform_ = _uniform_
    T.normal_ = _normal_


install()

__all__ = sorted(n for n, v in list(globals().items())
                 if callable(v) and not n.startswith("_") and not isinstance(v, type)
                 and getattr(v, "__module__", "").startswith("chainrule.ops.")
                 and n not in ("install", "apply_inplace"))
