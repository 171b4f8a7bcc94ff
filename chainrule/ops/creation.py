"""Making tensors: from data, filled with constants, ranges, and random draws."""
import math

import numpy as np

from ..autograd import dtype as _dt
from ..autograd.tensor import Tensor, wrap_array, as_array
from ..random import numpy_generator
from ._util import shape_arg


def _finish(arr, requires_grad):
    t = wrap_array(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype, op):
    npd = _dt.to_numpy_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
    return npd


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (floats → float32, ints → int64, like PyTorch)."""
    return _finish(as_array(data, dtype, copy=True), requires_grad)


def FloatTensor(data):
    """Legacy constructor: a float32 tensor (``torch.FloatTensor(data)``)."""
    return tensor(data, dtype=_dt.float32)


def LongTensor(data):
    """Legacy constructor: an int64 tensor (``torch.LongTensor(data)``)."""
    return tensor(data, dtype=_dt.int64)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor) and (dtype is None or data._data.dtype == _dt.to_numpy_dtype(dtype)):
        return data
    return wrap_array(as_array(data, dtype))


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return wrap_array(ndarray)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(shape_arg(size, "zeros"), dtype=_float_dtype(dtype, "zeros")), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(shape_arg(size, "ones"), dtype=_float_dtype(dtype, "ones")), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.empty(shape_arg(size, "empty"), dtype=_float_dtype(dtype, "empty")), requires_grad)


def _fill_dtype(value, dtype):
    if dtype is not None:
        return _dt.to_numpy_dtype(dtype)
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return _dt.DEFAULT_INT
    return _dt.DEFAULT_FLOAT


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    shape = shape_arg((size,) if isinstance(size, (list, tuple)) else (size,), "full")
    return _finish(np.full(shape, fill_value, dtype=_fill_dtype(fill_value, dtype)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype, "eye")), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        npd = _dt.DEFAULT_INT if all(isinstance(v, (int, np.integer)) for v in vals) else _dt.DEFAULT_FLOAT
    else:
        npd = _dt.to_numpy_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    arr = (start + np.arange(n, dtype=np.float64) * step) if npd.kind == "f" else \
        np.arange(start, end, step)
    return _finish(arr.astype(npd), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps, dtype=np.float64).astype(_float_dtype(dtype, "linspace")),
                   requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False):
    return _finish(np.logspace(start, end, steps, base=base).astype(_float_dtype(dtype, "logspace")),
                   requires_grad)


def _random_dtype(dtype, op):
    npd = _float_dtype(dtype, op)
    if npd.kind != "f":
        raise TypeError(f"{op}: expected a floating point dtype, got {npd}")
    return npd


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    npd = _random_dtype(dtype, "rand")
    arr = numpy_generator(generator).random(shape_arg(size, "rand"), dtype=np.float64).astype(npd)
    return _finish(arr, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal N(0, 1)."""
    npd = _random_dtype(dtype, "randn")
    arr = numpy_generator(generator).standard_normal(shape_arg(size, "randn")).astype(npd)
    return _finish(arr, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        if high is None:
            raise TypeError("randint: missing the size argument")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint: missing the high argument")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    npd = _dt.to_numpy_dtype(dtype) if dtype is not None else _dt.DEFAULT_INT
    arr = numpy_generator(generator).integers(low, high, size=shape_arg((size,), "randint"))
    return _finish(arr.astype(npd), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    npd = _dt.to_numpy_dtype(dtype) if dtype is not None else _dt.DEFAULT_INT
    return _finish(numpy_generator(generator).permutation(n).astype(npd), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """N(mean, std²) draws: scalars with a size, or elementwise from mean/std tensors."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise RuntimeError("normal: expects std >= 0.0")
    if size is None:
        size = np.broadcast_shapes(np.shape(m), np.shape(s))
    else:
        size = shape_arg((size,), "normal")
    npd = _random_dtype(dtype, "normal")
    if dtype is None and isinstance(mean, Tensor):
        npd = mean._data.dtype
    z = numpy_generator(generator).standard_normal(size)
    return _finish((m + s * z).astype(npd), requires_grad)


def bernoulli(input, p=None, *, generator=None):
    probs = input._data if p is None else np.full(input.shape, p)
    draw = numpy_generator(generator).random(probs.shape) < probs
    return wrap_array(draw.astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Draw category indices with probabilities proportional to each row of ``input``."""
    probs = np.asarray(input._data, dtype=np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    g = numpy_generator(generator)
    out = []
    for row in rows:
        if np.any(row < 0) or not np.isfinite(row).all() or row.sum() <= 0:
            raise RuntimeError("multinomial: probability tensor contains either inf, nan or "
                               "element < 0, or sums to 0")
        if not replacement and num_samples > np.count_nonzero(row):
            raise RuntimeError(f"multinomial: cannot sample {num_samples} > {np.count_nonzero(row)} "
                               f"non-zero categories without replacement")
        out.append(g.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum()))
    out = np.array(out, dtype=np.int64)
    return wrap_array(out.reshape(probs.shape[:-1] + (num_samples,)))


def zeros_like(input, *, dtype=None, requires_grad=False):
    return zeros(input.shape, dtype=dtype if dtype is not None else input.dtype,
                 requires_grad=requires_grad)


def ones_like(input, *, dtype=None, requires_grad=False):
    return ones(input.shape, dtype=dtype if dtype is not None else input.dtype,
                requires_grad=requires_grad)


def empty_like(input, *, dtype=None, requires_grad=False):
    return empty(input.shape, dtype=dtype if dtype is not None else input.dtype,
                 requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, requires_grad=False):
    return full(input.shape, fill_value, dtype=dtype if dtype is not None else input.dtype,
                requires_grad=requires_grad)


def rand_like(input, *, dtype=None, generator=None, requires_grad=False):
    return rand(input.shape, dtype=dtype if dtype is not None else input.dtype,
                generator=generator, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, generator=None, requires_grad=False):
    return randn(input.shape, dtype=dtype if dtype is not None else input.dtype,
                 generator=generator, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, generator=None):
    return randint(low, high, input.shape, dtype=dtype if dtype is not None else input.dtype,
                   generator=generator)
