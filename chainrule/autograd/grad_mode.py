"""Grad modes: whether ops record the graph (per thread, as in PyTorch).

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and decorators.
"""
import functools
import threading


class _Mode(threading.local):
    enabled = True        # ops record the graph
    create_graph = False  # the engine is running backward formulas on Tensors (double backward)


mode = _Mode()


def is_grad_enabled():
    """True when new ops are recorded for backpropagation."""
    return mode.enabled


class _GradModeContext:
    _target = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if callable(fn):  # used bare as a decorator: @no_grad
            return self(fn)
        return self

    def __init__(self, fn=None):
        pass

    def __enter__(self):
        self._prev = mode.enabled
        mode.enabled = self._target

    def __exit__(self, *exc):
        mode.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Do not record ops: for evaluation and for updating parameters in place."""
    _target = False


class enable_grad(_GradModeContext):
    """Record ops again inside a ``no_grad`` block."""
    _target = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off now; as a context it restores on exit."""

    def __new__(cls, mode_on):
        return object.__new__(cls)

    def __init__(self, mode_on):
        self._prev = mode.enabled
        self._target = bool(mode_on)
        mode.enabled = self._target

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        mode.enabled = self._prev
        return False

    def __call__(self, fn):
        mode.enabled = self._prev  # used as a decorator: do not change the mode now
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(target):
                return fn(*args, **kwargs)
        return wrapper


inference_mode = no_grad
