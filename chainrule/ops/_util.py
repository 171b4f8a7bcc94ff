"""Small helpers the ops share: PyTorch's type promotion, dim handling, and input checks."""
import numpy as np

from ..autograd.dtype import DEFAULT_FLOAT, result_type
from ..autograd.tensor import Tensor, _normalize_dim

_nd = np.ndarray
_float = float


def promote(a, b):
    """Cast two operands to PyTorch's common dtype (NumPy's rules differ for mixed kinds)."""
    ta, tb = type(a), type(b)
    if ta is _nd:
        if tb is _nd:
            if a.dtype is b.dtype:
                return a, b
        elif tb is _float or tb is int:
            if a.dtype.kind == "f" or (tb is int and a.dtype.kind in "iu"):
                return a, b
    elif tb is _nd and (ta is _float or ta is int):
        if b.dtype.kind == "f" or (ta is int and b.dtype.kind in "iu"):
            return a, b
    dt = result_type(a, b)
    return _cast(a, dt), _cast(b, dt)


def _cast(x, dt):
    if isinstance(x, (_nd, np.generic)):
        return x if x.dtype == dt else x.astype(dt)
    if isinstance(x, bool) and dt.kind != "b":
        return dt.type(x)
    if isinstance(x, _float) and dt.kind != "f":
        return dt.type(x)
    return x  # a Python number of the target's kind stays weak


def to_float(a):
    """Integer/bool arrays become the default float dtype (for true division, exp, ...)."""
    if isinstance(a, (_nd, np.generic)):
        return a if a.dtype.kind == "f" else a.astype(DEFAULT_FLOAT)
    return _float(a)


def norm_dim(dim, ndim, op):
    return _normalize_dim(dim, ndim, op)


def norm_dims(dim, ndim, op):
    """None → all dims; int or sequence → sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(sorted({_normalize_dim(d, ndim, op) for d in dim}))
        return dims if dims or ndim else ()
    return (_normalize_dim(dim, ndim, op),)


def shape_arg(size, op):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) or f(torch.Size)."""
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}: size must be a sequence of ints, got {type(s).__name__} in {size}")
        out.append(int(s))
    return tuple(out)


def check_tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def data_of(x):
    return x._data if isinstance(x, Tensor) else x


def shape_of(x):
    return x.shape if isinstance(x, (Tensor, _nd, np.generic)) else ()


def broadcast_shapes_or_raise(op, *shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {' and '.join(str(tuple(s)) for s in shapes)} cannot be "
                           f"broadcast together") from None


def is_tensor(x):
    return isinstance(x, Tensor)


def recording(value):
    """Whether a backward runs on Tensors (``create_graph=True``: it is itself recorded) rather
    than on arrays (the fast path, where an op may call a named kernel instead of its formula)."""
    return isinstance(value, Tensor)


def column_sums(g2):
    """Σ over the rows of a 2-D gradient (a bias gradient). On arrays with many rows a BLAS
    matrix-vector product with ones runs several times faster than ``sum(0)`` (measured 0.05 vs
    0.35 ms on (21632, 32)); a Tensor (the differentiable path) sums as an op."""
    if type(g2) is _nd and g2.shape[0] >= 4096 and g2.dtype.kind == "f":
        return np.ones(g2.shape[0], g2.dtype) @ g2
    return g2.sum(0)
