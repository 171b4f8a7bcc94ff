"""Parameters: the tensors a module learns (step 1 of the course: the weights pick the function)."""
import numpy as np

from ..autograd.tensor import Tensor, as_array


class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; ``requires_grad`` defaults to True."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        self._setup(data._data if isinstance(data, Tensor) else as_array(data), requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (self._data, self.requires_grad))
