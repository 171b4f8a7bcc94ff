"""``chainrule.nn``: modules, layers, losses, initialization — PyTorch's ``torch.nn``."""
from . import functional, init, parallel, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import *  # noqa: F401,F403

from .module import Module
from .parameter import Parameter
