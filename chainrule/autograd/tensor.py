"""The Tensor: an array, the gradient that flows into it, and the op that made it.

A tensor made by a recorded op has ``grad_fn``, the graph node that knows how to send a gradient
back to the op's inputs (the chain rule, one link at a time). A tensor the user made is a *leaf*;
when it ``requires_grad``, backpropagation accumulates into its ``.grad``.

Arithmetic, math, reductions and indexing are attached to this class by ``chainrule.ops`` in one
place, so this layer never imports the layers above it.
"""
import weakref

import numpy as np

from ..backend import device as _device
from . import dtype as _dt
from .grad_mode import mode

# A clock that ticks on every in-place change. A node remembers the time it was recorded; a tensor
# its root remembers when it was last changed in place. Backward compares the two.
CLOCK = [0]
# Hooks that run once a leaf's gradient is complete in a backward pass, by id(leaf) → (weak
# reference, hooks). Kept beside the Tensor rather than in a slot: most programs register none,
# and the engine then skips the bookkeeping entirely.
POST_ACCUMULATE_HOOKS = {}


class Tensor:
    """A multi-dimensional array that can remember how it was computed.

    ``Tensor(data)`` copies ``data`` like ``chainrule.tensor(data)``.
    """

    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_output_nr", "_version", "_base",
                 "_hooks", "__weakref__")
    # NumPy hands mixed ndarray-Tensor arithmetic to the Tensor's reflected operators.
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, requires_grad=False):
        self._setup(as_array(data, dtype, copy=True), requires_grad)

    def _setup(self, array, requires_grad):
        """Fill every slot of a new tensor around ``array`` (used by subclasses too)."""
        self._data = array
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._version = 0
        self._base = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- facts about the tensor
    @property
    def data(self):
        """The same numbers as a Tensor outside the graph (PyTorch's ``.data``): it shares this
        tensor's memory, never requires grad, and changes made through it are not seen by
        autograd's version check — ``p.data -= lr * p.grad`` or ``p.data.normal_()`` update the
        parameter in place. Use ``detach()`` when autograd should notice changes, and
        ``.numpy()`` for the NumPy array."""
        return wrap_array(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: Variable data has to be a tensor, but got {type(value).__name__}; "
                            f"wrap arrays with chainrule.from_numpy() or chainrule.tensor()")
        self._data = value._data

    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return "cpu"

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def is_cuda(self):
        return False

    def dim(self):
        return self._data.ndim

    def size(self, dim=None):
        if dim is None:
            return self._data.shape
        return self._data.shape[_normalize_dim(dim, self._data.ndim, "size")]

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return self._data.flags.c_contiguous

    # ------------------------------------------------------------------------- conversions
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self._data.size} elements cannot be "
                               f"converted to a Python number; expected exactly one element")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("numpy: can't call numpy() on a Tensor that requires grad; "
                               "use tensor.detach().numpy() instead")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Raises the same clear error as ``.to('cuda')``: chainrule has no GPU backend yet."""
        _device("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)
        return self

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __complex__(self):
        return complex(self.item())

    __hash__ = object.__hash__

    # ------------------------------------------------------------------------ autograd API
    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"requires_grad: only Tensors of floating point dtype can require "
                               f"gradients; got {self.dtype}")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_: you can only change requires_grad flags of leaf "
                               "tensors; use detach() to get a tensor that does not require grad")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """The same data, cut from the graph (changes to one are changes to the other)."""
        return wrap_array(self._data, base=self._base if self._base is not None else self)

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("detach_: cannot detach a view in place; use detach()")
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self):
        """Keep ``.grad`` of this non-leaf tensor after backward (leaves keep it anyway)."""
        if self.grad_fn is None:
            return
        ref = weakref.ref(self)

        def retain(grad):
            t = ref()
            if t is not None:
                t.grad = grad if mode.create_graph else wrap_array(grad._data.copy())
        self._node_hooks().setdefault("retain", []).append(retain)

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return fn is not None and fn.hooks is not None and "retain" in fn.hooks

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't "
                               "require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self._node_hooks().setdefault(self._output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` once per backward pass, after this leaf's ``.grad`` holds the whole
        gradient of that pass (every path summed). Data-parallel training starts averaging a
        parameter's gradient here, while backward goes on to earlier layers."""
        if self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                               "cannot be registered on non-leaf tensors")
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a "
                               "tensor that doesn't require gradient")
        key = id(self)
        entry = POST_ACCUMULATE_HOOKS.get(key)
        if entry is None:
            ref = weakref.ref(self, lambda _, key=key: POST_ACCUMULATE_HOOKS.pop(key, None))
            entry = POST_ACCUMULATE_HOOKS[key] = (ref, [])
        entry[1].append(hook)
        return RemovableHandle(entry[1], hook)

    def _node_hooks(self):
        fn = self.grad_fn
        if fn.hooks is None:
            fn.hooks = {}
        return fn.hooks

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Backpropagate from this tensor: every leaf that requires grad gets d(self)/d(leaf)."""
        from .engine import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # --------------------------------------------------------------------------- printing
    def __repr__(self):
        body = format_array(self._data)
        extras = []
        if self._data.size == 0 and self._data.ndim != 1:
            extras.append(f"size={self._data.shape}")
        if self._data.dtype not in (_dt.DEFAULT_FLOAT, _dt.DEFAULT_INT, np.dtype(np.bool_)):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        inner = ", ".join([body] + extras)
        return f"tensor({inner})"

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self._data.item(), spec)
        return repr(self)


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook out again."""

    def __init__(self, container, item):
        self._container, self._item = container, item

    def remove(self):
        c = self._container
        if isinstance(c, dict):
            c.pop(self._item, None)
        elif self._item in c:
            c.remove(self._item)


_new = object.__new__


def wrap_array(data, grad_fn=None, requires_grad=False, output_nr=0, base=None):
    """The internal constructor: a Tensor around an existing ndarray, without copying or checking.

    Library code (ops, the engine, data loading) builds every result with it: ``data`` must already
    be an ndarray of a supported dtype. ``grad_fn``/``output_nr`` attach the tensor to the node
    that made it, ``base`` marks it as a view of another tensor (for the version check). Users call
    ``chainrule.tensor`` (copies, infers dtypes) or ``chainrule.from_numpy`` (shares memory).
    """
    t = _new(Tensor)
    t._data = data
    t.grad = None
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._output_nr = output_nr
    t._version = 0
    t._base = base
    t._hooks = None
    return t


def bump_version(t):
    """Record an in-place change of ``t``'s memory, so saved copies of it are known to be stale."""
    CLOCK[0] += 1
    root = t._base if t._base is not None else t
    root._version = CLOCK[0]
    for owner in (t, root):
        fn = owner.grad_fn
        if fn is not None and fn.out is not None and any(s is fn.out for s in fn.kept_arrays()):
            fn.stamp = -1  # the node's own output, kept for its backward, was overwritten


def as_array(data, dtype=None, copy=False):
    """Turn user data (scalar, nested list, ndarray, Tensor) into an ndarray with PyTorch's dtypes.

    Python floats become float32 and Python ints int64; NumPy arrays keep their dtype.
    """
    npd = _dt.to_numpy_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data, dtype=npd, copy=True) if copy else np.asarray(data, dtype=npd)
    else:
        if isinstance(data, (list, tuple)) and _contains_tensor(data):
            data = _tensors_to_arrays(data)
        arr = np.array(data, dtype=npd)
        if npd is None:
            if arr.dtype == np.float64:
                arr = arr.astype(_dt.DEFAULT_FLOAT)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(_dt.DEFAULT_INT)
            elif arr.dtype.kind not in "fb":
                raise TypeError(f"tensor: could not infer a dtype for data of type "
                                f"{type(data).__name__} (NumPy dtype {arr.dtype})")
    if arr.dtype not in _dt._FROM_NP:
        if arr.dtype.kind == "f":
            arr = arr.astype(_dt.DEFAULT_FLOAT)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(_dt.DEFAULT_INT)
        else:
            raise TypeError(f"tensor: unsupported NumPy dtype {arr.dtype}")
    return arr


def _contains_tensor(seq):
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
               for x in seq)


def _tensors_to_arrays(seq):
    return [x._data if isinstance(x, Tensor) else
            (_tensors_to_arrays(x) if isinstance(x, (list, tuple)) else x) for x in seq]


def _normalize_dim(dim, ndim, op):
    """A dim in [-ndim, ndim) → [0, ndim), or IndexError naming the op (PyTorch's wording)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


_PRINT_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
                   "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
                   "full": dict(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)}
PRINT = dict(_PRINT_PROFILES["default"], sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """How tensors print, as ``torch.set_printoptions``: digits after the point, how many
    elements before summarizing with ``...``, the items kept at each edge, the line width, a
    profile ('default', 'short', 'full') and ``sci_mode`` (True/False forces, None decides)."""
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PRINT_PROFILES)}, "
                             f"got {profile!r}")
        PRINT.update(_PRINT_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            PRINT[name] = value
    PRINT["sci_mode"] = sci_mode


def format_array(a):
    """Numbers as PyTorch prints them: 4 decimals, integers as ``1.``, scientific when spread."""
    opts = dict(separator=", ", prefix="tensor(", threshold=PRINT["threshold"],
                edgeitems=PRINT["edgeitems"], max_line_width=PRINT["linewidth"])
    if opts["threshold"] == float("inf"):
        opts["threshold"] = np.iinfo(np.int64).max
    if a.dtype.kind != "f" or a.size == 0:
        return np.array2string(a, **opts)
    digits, sci = PRINT["precision"], PRINT["sci_mode"]
    finite = a[np.isfinite(a)]
    absf = np.abs(finite)
    spread = finite.size and (absf.max() >= 1e8 or (absf[absf > 0].size and (
        absf.max() / absf[absf > 0].min() > 1e3 or absf[absf > 0].min() < 1e-4)))
    whole = finite.size and np.all(finite == np.round(finite)) and absf.max() < 1e8
    if sci is True or (sci is None and spread and not whole):
        fmt = lambda v: f"%.{digits}e" % v if np.isfinite(v) else str(v)  # noqa: E731
    elif whole:
        fmt = lambda v: ("%.0f." % v) if np.isfinite(v) else str(v)  # noqa: E731
    else:
        fmt = lambda v: f"%.{digits}f" % v if np.isfinite(v) else str(v)  # noqa: E731
    sample = a if a.size <= 1000 else np.concatenate([a.reshape(-1)[:500], a.reshape(-1)[-500:]])
    width = max(len(fmt(v)) for v in sample.reshape(-1))  # PyTorch aligns the columns
    text = np.array2string(a, formatter={"float_kind": lambda v: fmt(v).rjust(width)}, **opts)
    return text.replace(", ...,", ",  ...,")  # PyTorch's spacing around a summarized run
