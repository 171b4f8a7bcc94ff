"""Indexing: ``x[key]``, gather/scatter, index_select and friends.

Reading ``y = x[key]`` copies some of x's numbers into y, so x's gradient is y's gradient put back
in the places they came from; where an index repeats, the copies' gradients add up
(``np.add.at``). Gather, index_select and take_along_dim are indexing with a computed key, so they
share that one backward.
"""
import numpy as np

from ..autograd.broadcast import sum_to_shape
from ..autograd.function import Op
from ..autograd.grad_mode import mode
from ..autograd.tensor import Tensor, wrap_array, bump_version
from ._util import data_of, norm_dim
from .arithmetic import where as elementwise_where
from .shape import expand, flatten, movedim

_new = object.__new__


_SIMPLE = (int, slice, type(None), type(Ellipsis))


def _basic(key):
    return all(k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice)) for k in key)


def _simple_key(key):
    """A key of ints, slices, None and ``...`` only: basic indexing, a view of the same memory."""
    t = type(key)
    if t is int or t is slice:
        return True
    if t is tuple:
        for k in key:
            if type(k) not in _SIMPLE:
                return False
        return True
    return False


def normalize_key(key):
    """Tensors and lists in an index become arrays; the key is always a tuple.

    Where integers and index arrays are mixed, PyTorch applies the integers first (each selects
    and removes its dim) and only then the arrays; NumPy counts an integer as one more index
    array, which moves the result's dims when a slice separates them. Such a key is split into
    ``Split(first, then)``: the integer part (a view), then the array part.
    """
    if type(key) is Split:
        return key
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            k = k._data
            if k.dtype.kind == "f":
                raise IndexError("__getitem__: tensors used as indices must be long, int, byte or "
                                 f"bool tensors, got {k.dtype}")
        elif isinstance(k, list):
            k = np.asarray(k)
            if k.dtype.kind == "f":
                raise IndexError("__getitem__: lists used as indices must hold ints or bools")
        elif isinstance(k, bool):
            k = np.asarray(k)
        elif isinstance(k, np.ndarray) and k.dtype.kind == "f":
            raise IndexError("__getitem__: arrays used as indices must hold ints or bools")
        out.append(k)
    key = tuple(out)
    if any(isinstance(k, np.ndarray) for k in key) and any(
            isinstance(k, (int, np.integer)) for k in key):
        return _split_ints(key)
    return key


class Split(tuple):
    """A key applied in two steps, ``x[first][then]`` (see ``normalize_key``)."""


def _split_ints(key):
    first, then = [], []
    for k in key:
        if isinstance(k, (int, np.integer)):
            first.append(k)
        elif k is None:
            first.append(None)
            then.append(slice(None))
        elif k is Ellipsis:
            first.append(k)
            then.append(k)
        else:
            n = k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1
            first.extend([slice(None)] * n)
            then.append(k)
    return Split((tuple(first), tuple(then)))


def read(a, key):
    """``a[key]`` for a normalized key (arrays only)."""
    if type(key) is Split:
        return a[key[0]][key[1]]
    return a[key]


def write(a, key, value):
    """``a[key] = value`` in place, for a normalized key (arrays only)."""
    if type(key) is Split:
        a[key[0]][key[1]] = value
    else:
        a[key] = value


def _index_error(e, op):
    msg = str(e).replace("axis", "dimension")
    return IndexError(f"{op}: {msg}")


def _view(a, key):
    """``a[key]`` for a basic key, always an array sharing a's memory (NumPy would hand back a
    scalar copy when every dim is picked by an integer; PyTorch gives a 0-d view)."""
    out = a[key]
    if type(out) is not np.ndarray:
        out = a[(key if type(key) is tuple else (key,)) + (Ellipsis,)]
    return out


class Index(Op):
    """y = x[key]; the gradient of x is y's gradient put back at key (summed where key repeats)."""

    def forward(self, x, key):
        self.key = key
        self.in_shape = x.shape
        try:
            return _view(x, key) if _basic(key) else read(x, key)
        except IndexError as e:
            raise _index_error(e, "__getitem__") from None

    def backward(self, gy):
        return IndexAdd.apply(gy, key=self.key, shape=self.in_shape)


def _leading_rows(key, shape):
    """An integer array picking whole rows along the first dim (x[idx], an embedding lookup)."""
    k0 = key[0] if key else None
    return (isinstance(k0, np.ndarray) and k0.dtype.kind in "iu" and len(shape) > 1 and
            all(isinstance(k, slice) and k == slice(None) for k in key[1:]))


def _add_rows(z, idx, g):
    """z[idx[j]] += g[j] for every j, repeated rows summed, as one np.add.at over flat element
    indices — NumPy's fast one-dimensional case (0.7 ms for a (64, 50) lookup of a (1000, 128)
    table, against 3.5 ms for np.add.at on the rows and 1.1 ms for sorting and np.add.reduceat).
    """
    n = z.shape[0]
    rows = idx.reshape(-1)
    rows = np.where(rows < 0, rows + n, rows)
    width = z.size // n
    flat = (rows * width)[:, None] + np.arange(width)
    np.add.at(z.reshape(-1), flat.reshape(-1), np.reshape(g, -1))


def _add_at(z, key, g):
    """z[key] += g in place, where entries that key names twice receive both additions."""
    if type(key) is Split:
        _add_at(z[key[0]], key[1], g)
    elif _basic(key):
        z[key] += g
    elif _leading_rows(key, z.shape) and z.size:
        _add_rows(z, key[0], g)
    elif len(key) == z.ndim and all(isinstance(k, np.ndarray) and k.dtype.kind in "iu"
                                    for k in key) and z.size:
        # every position named by integer arrays: add with one bincount over flat indices
        flat = np.ravel_multi_index(np.broadcast_arrays(*key), z.shape, mode="wrap")
        g = np.broadcast_to(g, flat.shape)
        z += np.bincount(flat.ravel(), weights=g.ravel(), minlength=z.size).reshape(z.shape)
    else:
        np.add.at(z, key, g)


class IndexAdd(Op):
    """z = zeros(shape) with g added at key; its gradient reads the key back out."""

    def forward(self, g, key, shape):
        self.key = key
        z = np.zeros(shape, dtype=g.dtype)
        if _basic(key):
            z[key] = g
        else:
            _add_at(z, key, g)
        return z

    def backward(self, gz):
        return getitem(gz, self.key)


def _write_checked(z, key, value):
    try:
        write(z, key, value)
    except IndexError as e:
        raise _index_error(e, "__setitem__") from None
    except ValueError:
        raise RuntimeError(f"__setitem__: shape mismatch: value of shape {np.shape(value)} "
                           f"cannot be broadcast to the indexing result of shape "
                           f"{np.shape(read(z, key))}") from None


class IndexPut(Op):
    """z = x with ``value`` written at key; x's gradient is zero there, value's is read from it.

    With ``inplace=True`` the write goes into x's own memory (``x[key] = value`` under autograd):
    the backward needs only the key, never x's old numbers, so nothing is copied.
    """

    def forward(self, x, value, key, inplace=False):
        self.key = key
        self.value_shape = np.shape(value)
        z = x if inplace else x.copy()
        _write_checked(z, key, value)
        return z

    def backward(self, gz):
        gx = gv = None
        if self.next[0] is not None:
            mask = np.zeros(np.shape(data_of(gz)), dtype=bool)
            write(mask, self.key, True)
            gx = elementwise_where(mask, 0.0, gz)
        if self.next[1] is not None:
            gv = sum_to_shape(getitem(gz, self.key), self.value_shape)
        return gx, gv


def getitem(input, key):
    """``input[key]``: a view for ints, slices, None and ``...`` (no graph work unless a gradient
    is needed); advanced keys copy, as in PyTorch."""
    if _simple_key(key) and type(input) is not np.ndarray:
        d = input._data
        if not (input.requires_grad and mode.enabled):
            try:
                out = _view(d, key)
            except IndexError as e:
                raise _index_error(e, "__getitem__") from None
            t = _new(Tensor)
            t._data = out
            t.grad = t.grad_fn = t._hooks = None
            t.requires_grad = False
            t._output_nr = t._version = 0
            t._base = input._base if input._base is not None else input
            return t
        key = key if type(key) is tuple else (key,)
    else:
        key = normalize_key(key)
    out = Index.apply(input, key=key)
    if isinstance(input, Tensor) and out._data.base is not None and _basic(key):
        out._base = input._base if input._base is not None else input
    return out


def setitem(input, key, value):
    """``input[key] = value`` written into input's memory (views included), O(size of the slice).

    The change is recorded on the version clock, so a pending backward that saved ``input``
    raises. When a gradient is needed (input or value requires grad), input becomes the output of
    an ``IndexPut`` node: the gradient flowing back to input's old value is zero where it was
    overwritten, and value's gradient is read from there.
    """
    key = normalize_key(key)
    grad_value = isinstance(value, Tensor) and value.requires_grad
    v = value._data if isinstance(value, Tensor) else value
    if not (mode.enabled and (input.requires_grad or grad_value)):
        _write_checked(input._data, key, v)
        bump_version(input)
        return
    if input.grad_fn is None and input.requires_grad:
        raise RuntimeError("__setitem__: a leaf Variable that requires grad is being used in an "
                           "in-place operation; wrap it in `with chainrule.no_grad():` or use an "
                           "out-of-place op such as index_put")
    if input._base is not None:
        raise RuntimeError("__setitem__: an in-place change of a view of a tensor that is part of "
                           "the graph is not supported; use an out-of-place op or clone() first")
    if v is not input._data and np.shares_memory(v, input._data):
        value = value.clone() if isinstance(value, Tensor) else np.array(v)
    old = wrap_array(input._data, input.grad_fn, input.requires_grad, input._output_nr)
    bump_version(input)
    out = IndexPut.apply(old, value, key=key, inplace=True)
    input.grad_fn, input._output_nr, input.requires_grad = out.grad_fn, 0, True


def index_put(input, key, value):
    """Out-of-place ``x[key] = value`` (differentiable in both x and value)."""
    return IndexPut.apply(input, value, key=normalize_key(key))


def _along_key(index, dim):
    """The advanced-index tuple that reads ``x[i₀, …, index[i₀…], …]`` along ``dim``."""
    key = []
    nd = index.ndim
    for d in range(nd):
        if d == dim:
            key.append(index)
        else:
            shape = [1] * nd
            shape[d] = index.shape[d]
            key.append(np.arange(index.shape[d]).reshape(shape))
    return tuple(key)


def _check_index(index, size, dim, op):
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected an integer (int64) index tensor, got {index.dtype}")
    if index.size:
        lo, hi = index.min(), index.max()
        if lo < -size or hi >= size:
            bad = hi if hi >= size else lo
            raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size}")


def _index_data(index):
    return index._data if isinstance(index, Tensor) else np.asarray(index)


def gather(input, dim, index):
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim = 1."""
    idx = _index_data(index)
    n = len(input.shape)
    d = norm_dim(dim, n, "gather")
    if idx.ndim != n:
        raise RuntimeError(f"gather: index tensor must have the same number of dimensions as "
                           f"input tensor ({n}), got {idx.ndim}")
    for i in range(n):
        if i != d and idx.shape[i] > input.shape[i]:
            raise RuntimeError(f"gather: size of index {idx.shape} does not match input "
                               f"{input.shape} at dimension {i} (it must not be larger)")
    _check_index(idx, input.shape[d], d, "gather")
    return Index.apply(input, key=_along_key(idx, d))


def take_along_dim(input, indices, dim=None):
    idx = _index_data(indices)
    if dim is None:
        return gather(flatten(input), 0, idx.reshape(-1))
    n = len(input.shape)
    d = norm_dim(dim, n, "take_along_dim")
    shape_x = list(input.shape)
    shape_i = list(idx.shape)
    shape_x[d] = shape_i[d] = 1
    common = np.broadcast_shapes(tuple(shape_x), tuple(shape_i))
    idx = np.broadcast_to(idx, common[:d] + (idx.shape[d],) + common[d + 1:])
    x = expand(input, common[:d] + (input.shape[d],) + common[d + 1:])
    return gather(x, d, idx)


def _scatter_args(input, dim, index, src, op):
    idx = _index_data(index)
    n = len(input.shape)
    d = norm_dim(dim, n, op)
    if idx.ndim != n:
        raise RuntimeError(f"{op}: index tensor must have the same number of dimensions as "
                           f"self tensor ({n}), got {idx.ndim}")
    _check_index(idx, input.shape[d], d, op)
    key = _along_key(idx, d)
    if isinstance(src, (Tensor, np.ndarray)) and np.ndim(src):
        if any(a > b for a, b in zip(idx.shape, src.shape)):
            raise RuntimeError(f"{op}: index {idx.shape} is larger than src {tuple(src.shape)}")
        src = getitem(src, tuple(slice(0, s) for s in idx.shape)) if src.shape != idx.shape else src
    return key, src


def index_select(input, dim, index):
    idx = _index_data(index)
    n = len(input.shape)
    d = norm_dim(dim, n, "index_select")
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be a vector (1-D), got shape {idx.shape}")
    _check_index(idx, input.shape[d] if n else 1, d, "index_select")
    return Index.apply(input, key=(slice(None),) * d + (idx.reshape(-1),))


def take(input, index):
    idx = _index_data(index)
    _check_index(idx, max(int(np.prod(input.shape)), 1), 0, "take")
    return Index.apply(flatten(input), key=(idx,))


def masked_select(input, mask):
    m = _index_data(mask)
    shape = np.broadcast_shapes(m.shape, input.shape)
    return Index.apply(expand(input, shape), key=(np.broadcast_to(m, shape),))


def nonzero(input, *, as_tuple=False):
    d = input._data if isinstance(input, Tensor) else np.asarray(input)
    if d.ndim == 0:  # a 0-d tensor has one element and no dims to index it by
        count = int(bool(d))
        if as_tuple:
            return (wrap_array(np.zeros(count, np.int64)),)
        return wrap_array(np.zeros((count, 0), np.int64))
    idx = np.nonzero(d)
    if as_tuple:
        return tuple(wrap_array(i.astype(np.int64)) for i in idx)
    return wrap_array(np.stack(idx, axis=1).astype(np.int64))


def argwhere(input):
    return nonzero(input)


def narrow(input, dim, start, length):
    n = len(input.shape)
    d = norm_dim(dim, n, "narrow")
    size = input.shape[d]
    if start < 0:
        start += size
    if not (0 <= start <= size and 0 <= length and start + length <= size):
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension size "
                         f"({size}) of dimension {dim}")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def select(input, dim, index):
    n = len(input.shape)
    d = norm_dim(dim, n, "select")
    return getitem(input, (slice(None),) * d + (index,))


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal as a new last dim (a composite of permute and indexing)."""
    n = len(input.shape)
    d1, d2 = norm_dim(dim1, n, "diagonal"), norm_dim(dim2, n, "diagonal")
    x = movedim(input, (d1, d2), (-2, -1))
    rows, cols = x.shape[-2], x.shape[-1]
    i = np.arange(max(0, -offset), min(rows, cols - offset))
    return getitem(x, (Ellipsis, i, i + offset))


def where(condition, input=None, other=None):
    """``where(cond, x, y)``; ``where(cond)`` alone gives the indices like ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return elementwise_where(condition, input, other)
