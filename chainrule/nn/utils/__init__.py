"""``chainrule.nn.utils``: gradient clipping, parameter vectors, spectral normalization."""
from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .spectral_norm import spectral_norm

clip_grad_norm = clip_grad_norm_

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
           "spectral_norm"]
