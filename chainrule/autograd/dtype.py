"""Data types: the names PyTorch users know (``chainrule.float32``), each backed by a NumPy dtype.

Type promotion follows PyTorch, not NumPy: the category (bool < integer < floating) decides first,
a Python number never widens a tensor of its own category (``float32_tensor * 2.0`` stays float32),
and an integer tensor meeting a Python float becomes the default float dtype (float32).
"""
import numpy as np

_builtin_float, _builtin_int, _builtin_bool = float, int, bool


class dtype:
    """A tensor element type, e.g. ``chainrule.float32``; compares equal to its NumPy twin."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"chainrule.{self.name}"

    def __eq__(self, other):
        if isinstance(other, dtype):
            return self.np == other.np
        try:
            return self.np == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.np)


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool_ = dtype("bool", np.bool_)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

_ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool_)
_FROM_NP = {d.np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_INT = np.dtype(np.int64)


def from_numpy_dtype(np_dtype):
    """The chainrule dtype of a NumPy dtype."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(f"chainrule has no dtype for NumPy dtype {np_dtype}; "
                        f"supported: {', '.join(d.name for d in _ALL)}") from None


def to_numpy_dtype(d):
    """Accept a chainrule dtype, a NumPy dtype or type, a name, or Python's float/int/bool."""
    if isinstance(d, dtype):
        return d.np
    if d is None:
        return None
    if d is _builtin_float:
        return DEFAULT_FLOAT
    if d is _builtin_int:
        return DEFAULT_INT
    if d is _builtin_bool:
        return np.dtype(np.bool_)
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d].np
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(f"dtype: {d!r} is not a dtype; expected one of "
                        f"{', '.join('chainrule.' + x.name for x in _ALL)}") from None
    if npd not in _FROM_NP:
        raise TypeError(f"dtype: {d!r} is not supported; expected one of "
                        f"{', '.join('chainrule.' + x.name for x in _ALL)}")
    return npd


def _category(np_dtype):
    k = np_dtype.kind
    return 2 if k == "f" else (0 if k == "b" else 1)


def result_type(a, b):
    """PyTorch's promotion of two operands (arrays of tensors, or Python scalars) → NumPy dtype.

    Dimensioned tensors outrank 0-d tensors, which outrank Python scalars, within one category;
    a higher category always wins, and a Python scalar of a higher category gives its default dtype.
    """
    ka, kb = _operand_kind(a), _operand_kind(b)
    (pa, da), (pb, db) = ka, kb
    ca, cb = _category(da), _category(db)
    if ca != cb:
        hi_p, hi_d, hi_c = (pa, da, ca) if ca > cb else (pb, db, cb)
        if hi_p == 0:  # a Python scalar of the higher category: its default dtype
            return DEFAULT_FLOAT if hi_c == 2 else (DEFAULT_INT if hi_c == 1 else hi_d)
        return hi_d
    if pa != pb:
        return da if pa > pb else db
    return np.promote_types(da, db)


def _operand_kind(x):
    """(priority, dtype): 2 = dimensioned array, 1 = 0-d array, 0 = Python scalar."""
    if isinstance(x, np.ndarray):
        return (2 if x.ndim else 1), x.dtype
    if isinstance(x, np.generic):
        return 1, x.dtype
    if isinstance(x, _builtin_bool):
        return 0, np.dtype(np.bool_)
    if isinstance(x, _builtin_int):
        return 0, DEFAULT_INT
    if isinstance(x, _builtin_float):
        return 0, DEFAULT_FLOAT
    raise TypeError(f"expected a tensor or a number, got {type(x).__name__}")
