"""Automatic differentiation: Tensor, the graph it records, and the backward engine."""
from . import functional
from .engine import backward, grad, queue_callback
from .function import Function, FunctionCtx, Node, Op
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Tensor

__all__ = ["Tensor", "Function", "FunctionCtx", "Node", "Op", "backward", "grad", "queue_callback", "functional",
           "gradcheck", "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]
