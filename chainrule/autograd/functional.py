"""Jacobians and Hessians of whole functions (``torch.autograd.functional``).

The Hessian is the Jacobian of the gradient: the gradient is computed with ``create_graph=True``,
so it can itself be differentiated (Lecture: critical points, H's eigenvalues decide minimum vs
saddle).
"""
from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, wrap_array

import numpy as np


def _as_tuple(x, name):
    if isinstance(x, Tensor):
        return (x,), True
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return tuple(x), False
    raise TypeError(f"{name}: expected a Tensor or a tuple of Tensors, got {type(x).__name__}")


def _prepare_inputs(inputs):
    return tuple(t.detach().requires_grad_(True) if t.is_floating_point() else t.detach()
                 for t in inputs)


def _jacobian_rows(out, inputs, create_graph, strict):
    """J[i] = d out.flatten()[i] / d inputs, one backward pass per output element."""
    flat_n = out.numel()
    rows = [[] for _ in inputs]
    for k in range(flat_n):
        seed = np.zeros(out.shape, dtype=out._data.dtype)
        seed.reshape(-1)[k] = 1
        if out.requires_grad:
            gs = grad(out, inputs, grad_outputs=wrap_array(seed), retain_graph=True,
                      create_graph=create_graph, allow_unused=True)
        else:
            gs = (None,) * len(inputs)
        for j, (g, x) in enumerate(zip(gs, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"jacobian: output {k} is independent of input {j} "
                                       f"(strict=True)")
                g = wrap_array(np.zeros_like(x._data))
            rows[j].append(g)
    from ..ops.combine import stack
    from ..ops.shape import reshape
    out_jac = []
    for j, x in enumerate(inputs):
        if flat_n:
            J = stack(rows[j], 0)
        else:
            J = wrap_array(np.zeros((0,) + x.shape, dtype=x._data.dtype))
        out_jac.append(reshape(J, tuple(out.shape) + tuple(x.shape)))
    return tuple(out_jac)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape output.shape + input.shape for each pair."""
    ins, single_in = _as_tuple(inputs, "jacobian")
    ins = _prepare_inputs(ins)
    with enable_grad():
        outs = func(*ins)
    outs_t, single_out = _as_tuple(outs, "jacobian")
    result = []
    for o in outs_t:
        with enable_grad():
            J = _jacobian_rows(o, ins, create_graph, strict)
        if not create_graph:
            J = tuple(j.detach() for j in J)
        result.append(J[0] if single_in else J)
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient."""
    ins, single_in = _as_tuple(inputs, "hessian")

    def gradient(*xs):
        with enable_grad():
            out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a Tensor "
                               "with a single element")
        gs = grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else wrap_array(np.zeros_like(x._data)) * x
                     for g, x in zip(gs, xs))

    H = jacobian(gradient, ins, create_graph=create_graph, strict=strict)
    return H[0][0] if single_in else H


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀJ)."""
    ins, single_in = _as_tuple(inputs, "vjp")
    ins = _prepare_inputs(ins)
    with enable_grad():
        out = func(*ins)
    gs = grad(out, ins, grad_outputs=v, create_graph=create_graph, allow_unused=True)
    gs = tuple(g if g is not None else wrap_array(np.zeros_like(x._data)) for g, x in zip(gs, ins))
    out = out.detach() if not create_graph else out
    return out, (gs[0] if single_in else gs)


def hvp(func, inputs, v, create_graph=False, strict=False):
    """(func(inputs), vᵀH) by differentiating the gradient once more."""
    ins, single_in = _as_tuple(inputs, "hvp")
    vs, _ = _as_tuple(v, "hvp")
    ins = _prepare_inputs(ins)
    with enable_grad():
        out = func(*ins)
        gs = grad(out, ins, create_graph=True)
        dot = sum((g * w).sum() for g, w in zip(gs, vs))
        hv = grad(dot, ins, create_graph=create_graph, allow_unused=True)
    hv = tuple(h if h is not None else wrap_array(np.zeros_like(x._data)) for h, x in zip(hv, ins))
    return out.detach(), (hv[0] if single_in else hv)
