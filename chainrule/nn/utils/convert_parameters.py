"""Parameters ↔ one flat vector (handy for second-order methods and meta-learning)."""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...ops.combine import cat
from ...ops.shape import reshape


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated (differentiable)."""
    return cat([reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of vec into the parameters, in place."""
    if len(vec.shape) != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D vector, got shape {tuple(vec.shape)}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: the vector has {vec.numel()} elements but the "
                           f"parameters need {total}")
    i = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p._data = np.array(vec._data[i:i + n].reshape(p.shape), dtype=p._data.dtype)
            i += n
