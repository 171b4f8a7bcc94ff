"""``chainrule.kernels``: the named array kernels behind the ops (see ``_registry``).

An op whose backward (or forward) needs a loop NumPy cannot run in one pass calls a kernel by
name — ``K.layer_norm_backward(g, x, mean, rstd, w)`` — and keeps its one formula; the kernel is
a NumPy reference plus a Numba compilation of the same loops. ``use_kernels("numpy")`` or
``CHAINRULE_KERNELS=numpy`` switches all of them to the references.
"""
from . import boxes, channels, conv, optim, pointwise, pool, recurrent, rows, special  # noqa: F401  (register the kernels)
from ._registry import REGISTRY, Kernel, kernels_in_use, use_kernels

globals().update(REGISTRY)

__all__ = ["REGISTRY", "Kernel", "kernels_in_use", "use_kernels", *REGISTRY]
