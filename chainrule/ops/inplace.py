"""In-place ops: ``x.add_(y)``, ``x[key] = v``, ``x.zero_()``...

Under ``no_grad`` (optimizer steps, initialization) they simply write into the tensor's memory.
When autograd is watching, the new value is computed out of place from a snapshot of the old one
and written back, and the tensor takes the new graph node, so gradients stay right. Either way the
change is recorded (the version clock), so a backward that saved the old value raises instead of
computing a wrong gradient.
"""
import numpy as np

from ..autograd.grad_mode import mode, no_grad
from ..autograd.tensor import Tensor, wrap_array, bump_version


def apply_inplace(x, compute, *args, op):
    """Make ``x`` hold ``compute(x, *args)`` (an out-of-place, differentiable computation)."""
    recording = mode.enabled and (x.requires_grad or any(
        isinstance(a, Tensor) and a.requires_grad for a in args))
    if recording:
        if x.grad_fn is None and x.requires_grad:
            raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an "
                               f"in-place operation; wrap it in `with chainrule.no_grad():` or use "
                               f"an out-of-place op")
        if x._base is not None:
            raise RuntimeError(f"{op}: an in-place change of a view of a tensor that is part of "
                               f"the graph is not supported; use an out-of-place op or clone() first")
        snapshot = wrap_array(x._data.copy(), x.grad_fn, x.requires_grad, x._output_nr)
        out = compute(snapshot, *args)
    else:
        with no_grad():
            out = compute(x, *args)
    _check_cast(out._data.dtype, x._data.dtype, op)
    bump_version(x)
    np.copyto(x._data, out._data, casting="unsafe")
    if recording:
        fn = out.grad_fn
        if fn is not None:
            if fn.saved is not None:  # the node now refers to x's memory as its output
                fn.saved = tuple(x._data if s is fn.out else s for s in fn.saved)
            fn.out = x._data
        x.grad_fn, x._output_nr, x.requires_grad = fn, out._output_nr, fn is not None
    return x


def _check_cast(src, dst, op):
    if src != dst and not np.can_cast(src, dst, casting="same_kind"):
        raise RuntimeError(f"{op}: result type {src} can't be cast to the desired output type "
                           f"{dst} of the tensor being changed in place")
