"""Property tests: binary ops and reductions over random broadcastable shapes agree with torch."""
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes, array_shapes

import chainrule as cr

BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5), "maximum": lambda a, b: a.maximum(b) if hasattr(a, "maximum") else None,
    "pow": lambda a, b: (a * a + 0.5) ** b, "atan_like": lambda a, b: (a * b).tanh() + a.exp() * b,
}


def _grads(lib, fn, arrays):
    ts = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    w = np.cos(np.arange(out.numel())).reshape(out.shape)
    (out * lib.tensor(w)).sum().backward()
    return out, [t.grad for t in ts]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_binary_ops_broadcast_like_torch(shapes, op, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes]
    fn = BINARY[op]
    out, grads = _grads(cr, fn, arrays)
    out_t, grads_t = _grads(torch, fn, arrays)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for g, gt in zip(grads, grads_t):
        np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-9, atol=1e-12)


REDUCE = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k), "mean": lambda x, d, k: x.mean(d, keepdim=k),
    "amax": lambda x, d, k: x.amax(d, keepdim=k), "logsumexp": lambda x, d, k: x.logsumexp(d, keepdim=k),
    "var": lambda x, d, k: x.var(d, keepdim=k), "norm": lambda x, d, k: x.norm(p=2, dim=d, keepdim=k),
    "prod": lambda x, d, k: x.prod(d[0], keepdim=k),
}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(shape=array_shapes(min_dims=1, max_dims=4, min_side=2, max_side=4), data=st.data(),
       op=st.sampled_from(sorted(REDUCE)), keep=st.booleans())
def test_reductions_over_random_dims_match_torch(shape, data, op, keep):
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                              unique_by=lambda d: d % len(shape)))
    rng = np.random.default_rng(len(shape) + len(dims))
    x = rng.standard_normal(shape)
    fn = lambda t: REDUCE[op](t, tuple(dims), keep)
    out, (g,) = _grads(cr, fn, [x])
    out_t, (gt,) = _grads(torch, fn, [x])
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-9, atol=1e-12)
