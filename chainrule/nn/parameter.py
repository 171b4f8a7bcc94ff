"""Parameters: the tensors a module learns (step 1 of the course: the weights pick the function)."""
import numpy as np

from ..autograd.tensor import Tensor, as_array


class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; ``requires_grad`` defaults to True."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        arr = data.data if isinstance(data, Tensor) else as_array(data)
        self.data = arr
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._version = 0
        self._base = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (self.data, self.requires_grad))
