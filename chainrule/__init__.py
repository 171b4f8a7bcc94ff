"""chainrule: a deep-learning system written from scratch on NumPy, with PyTorch's API.

``import chainrule as cr`` and use it as you would ``torch``: ``cr.tensor``, ``cr.randn``,
``x.backward()``, ``cr.autograd.grad``, ``cr.no_grad()``...
"""
from . import backend  # noqa: F401  (memory setup first)
from . import autograd, ops, utils
from . import data, io, nn, optim, train
from .io import load, save
from .autograd import (Function, Tensor, enable_grad, inference_mode, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .autograd.broadcast import broadcast_to
from .autograd.tensor import set_printoptions
from .backend import cuda, device, get_num_threads, set_num_threads
from .autograd.dtype import (bool_ as bool, double, dtype, float, float16, float32, float64, half,
                             int, int8, int16, int32, int64, long, short, uint8)
from .ops import *  # noqa: F401,F403 — the public op functions
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)

__version__ = "0.1.0"

autograd.engine.calibrate_steal()  # how many references mark a gradient as fresh (see engine)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def get_default_dtype():
    return float32


Size = tuple
