"""Numerical gradient check: does backprop agree with finite differences?

For each input element xᵢ, (f(x + εeᵢ) − f(x − εeᵢ))/2ε approximates ∂f/∂xᵢ with error O(ε²). In
float64 that agrees with the analytic (backprop) gradient to many digits, so a wrong backward
formula shows up immediately.
"""
import numpy as np

from .engine import grad
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor, wrap_array


class GradcheckError(RuntimeError):
    """The analytic gradient disagreed with the numerical one."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **torch_options):
    """True if backprop's gradient of ``fn`` matches central differences for every input.

    Inputs should be float64 tensors; those with ``requires_grad`` are checked. On a mismatch it
    raises ``GradcheckError`` naming the output, the input, the worst element and both values.
    PyTorch's other keyword options (``nondet_tol``, ``check_undefined_grad``, …) are accepted
    and do not change this check.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and t._data.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs that require grad must be float64 for a "
                             f"meaningful check, got {t.dtype}")
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: at least one input must be a Tensor with requires_grad=True")
    outs = _outputs(fn, inputs)
    for k, out in enumerate(outs):
        if not out.requires_grad:
            continue
        n_out = out.numel()
        analytic = {i: np.zeros((n_out, inputs[i].numel())) for i in wrt}
        for r in range(n_out):  # one backward pass per output element
            seed = np.zeros(out.shape, dtype=out._data.dtype)
            seed.reshape(-1)[r] = 1.0
            out_k = _outputs(fn, inputs)[k]
            gs = grad(out_k, [inputs[i] for i in wrt], grad_outputs=wrap_array(seed), allow_unused=True)
            for i, g in zip(wrt, gs):
                if g is not None:
                    analytic[i][r] = g._data.reshape(-1)
        for i in wrt:
            numeric = _numerical_jacobian(fn, inputs, i, k, eps)
            err = np.abs(analytic[i] - numeric)
            tol = atol + rtol * np.abs(numeric)
            if np.any(err > tol) or not np.all(np.isfinite(analytic[i]) == np.isfinite(numeric)):
                r, c = np.unravel_index(np.argmax(err - tol), err.shape)
                msg = (f"gradcheck: Jacobian mismatch for output {k} with respect to input {i}: "
                       f"worst at output element {r}, input element {c}: analytic "
                       f"{analytic[i][r, c]:.8g} vs numerical {numeric[r, c]:.8g} "
                       f"(|diff| {err[r, c]:.3g} > atol {atol} + rtol {rtol}·|numerical|)")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def _numerical_jacobian(fn, inputs, i, k, eps):
    data = inputs[i]._data
    cols = []
    with no_grad():
        for j in np.ndindex(data.shape):  # element by element, whatever the strides
            old = data[j]
            data[j] = old + eps
            plus = np.array(_outputs(fn, inputs)[k]._data, dtype=np.float64).reshape(-1)
            data[j] = old - eps
            minus = np.array(_outputs(fn, inputs)[k]._data, dtype=np.float64).reshape(-1)
            data[j] = old
            cols.append((plus - minus) / (2 * eps))
    if not cols:
        return np.zeros((_outputs(fn, inputs)[k].numel(), 0))
    return np.stack(cols, axis=1)


def gradgradcheck(fn, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **torch_options):
    """Check second derivatives: gradcheck of x ↦ ∂(Σ v·fn(x))/∂x, the backward pass recorded with
    ``create_graph=True`` (``v`` = ``grad_outputs``, random float64 by default — fixed for the
    whole check, and differentiated too when it requires grad, as in PyTorch)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [wrap_array(rng.standard_normal(o.shape)) for o in outs if o.requires_grad]
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    n_in = len(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_derivatives(*args):
        xs, vs = args[:n_in], args[n_in:]
        with enable_grad():  # the finite differences run under no_grad; this needs a graph
            ys = [o for o in _outputs(fn, xs) if o.requires_grad]
            gs = grad(ys, [xs[i] for i in wrt], grad_outputs=list(vs), create_graph=True,
                      allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
