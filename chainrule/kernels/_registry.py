"""The kernels seam: every named kernel is a NumPy reference (the formula, readable, always there)
and, where it pays, a Numba compilation of the same loops, built on first use.

``CHAINRULE_KERNELS=numpy`` (or ``use_kernels("numpy")``) runs every kernel's reference instead —
the tests run the kernel tests under both settings, and a student can read the reference to see
exactly what the compiled loop computes.
"""
import os
import warnings

import numpy as np

_VALID = ("numba", "numpy")
_setting = {"name": None}
REGISTRY = {}


def kernels_in_use():
    """'numba' (compiled kernels) or 'numpy' (the references)."""
    if _setting["name"] is None:
        name = os.environ.get("CHAINRULE_KERNELS", "numba").strip().lower()
        if name not in _VALID:
            raise ValueError(f"CHAINRULE_KERNELS must be one of {', '.join(_VALID)}, got {name!r}")
        _setting["name"] = name
    return _setting["name"]


def use_kernels(name):
    """Switch every kernel to its Numba compilation ('numba') or its NumPy reference ('numpy');
    returns the previous setting."""
    if name not in _VALID:
        raise ValueError(f"use_kernels: expected one of {', '.join(_VALID)}, got {name!r}")
    previous = kernels_in_use()
    _setting["name"] = name
    return previous


class Kernel:
    """A named kernel: ``reference`` always; ``build()`` returns the compiled version (called once,
    on first use, so importing chainrule compiles nothing)."""

    __slots__ = ("name", "reference", "build", "compiled")

    def __init__(self, name, reference, build):
        self.name, self.reference, self.build, self.compiled = name, reference, build, None

    def __call__(self, *args, **kwargs):
        if self.build is None or (_setting["name"] or kernels_in_use()) == "numpy" or _half(args):
            return self.reference(*args, **kwargs)
        fn = self.compiled
        if fn is None:
            fn = self.compiled = self._build()
        return fn(*args, **kwargs)

    def _build(self):
        try:
            return self.build()
        except ImportError as e:   # Numba missing or broken: the reference still gives the numbers
            warnings.warn(f"kernel {self.name}: Numba is not available ({e}); using the NumPy "
                          f"reference", RuntimeWarning, stacklevel=3)
            self.build = None
            return self.reference

    def __repr__(self):
        return f"<kernel {self.name}{'' if self.build else ' (NumPy only)'}>"


def _half(args):
    """Numba compiles no float16 arithmetic: half-precision arrays take the NumPy reference."""
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype.char == "e":
            return True
    return False


def kernel(name, reference):
    """Register the decorated ``build()`` (returning the compiled callable) as kernel ``name``
    beside its NumPy ``reference``; ``build=None`` registers a NumPy-only kernel."""
    def register(build):
        if name in REGISTRY:
            raise ValueError(f"kernel {name!r} is registered twice")
        REGISTRY[name] = k = Kernel(name, reference, build)
        return k
    return register


def numpy_kernel(name):
    """Register the decorated NumPy function as a kernel with no compiled version (yet)."""
    def register(fn):
        return kernel(name, fn)(None)
    return register
