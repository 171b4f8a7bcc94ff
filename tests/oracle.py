"""The one oracle helper: the same lambda runs on torch tensors and chainrule tensors.

A ``Case`` names an op, a function ``fn(lib, *tensors)`` (``lib`` is ``torch`` or ``chainrule``)
and one or more input sets. ``op_tests(CASES)`` turns a list of cases into three parametrized tests:

* ``test_oracle``: forward values and the gradient of every input equal PyTorch's, in float64
  (tight) and float32 (loose);
* ``test_gradcheck``: backprop equals central differences in float64;
* ``test_double_backward``: gradients of gradients equal PyTorch's.

Input specs: a shape tuple (standard normal), ``Pos(shape)`` (positive), ``Unit(shape)`` (in
(-1, 1)), ``NC(shape)`` (a non-contiguous leaf), ``Int(shape, low, high)``, ``Bool(shape)``,
``Fixed(array)``; anything else (Python numbers, strings) is passed through unchanged.
"""
import dataclasses

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.utils import gradcheck


def F(m):
    """``torch.nn.functional`` or ``chainrule.nn.functional``, for the module given."""
    return torch.nn.functional if m is torch else cr.nn.functional


@dataclasses.dataclass
class Pos:
    shape: tuple


@dataclasses.dataclass
class Unit:
    shape: tuple


@dataclasses.dataclass
class NC:
    shape: tuple


@dataclasses.dataclass
class Int:
    shape: tuple
    low: int = 0
    high: int = 5


@dataclasses.dataclass
class Bool:
    shape: tuple


@dataclasses.dataclass
class Fixed:
    array: object
    grad: bool = True


@dataclasses.dataclass
class Case:
    name: str
    fn: object
    inputs: list                       # one input set, or a list of input sets
    atol32: float = 1e-5
    rtol32: float = 1e-4
    atol64: float = 1e-10
    rtol64: float = 1e-8
    grad: bool = True
    double: bool = True
    gradcheck: bool = True
    float32: bool = True

    def input_sets(self):
        if self.inputs and isinstance(self.inputs[0], list):
            return self.inputs
        return [self.inputs]


def _make_array(spec, rng):
    if isinstance(spec, tuple):
        return rng.standard_normal(spec), True
    if isinstance(spec, Pos):
        return rng.uniform(0.5, 2.0, spec.shape), True
    if isinstance(spec, Unit):
        return rng.uniform(-0.9, 0.9, spec.shape), True
    if isinstance(spec, NC):
        return rng.standard_normal(spec.shape[::-1]).T, True
    if isinstance(spec, Int):
        return rng.integers(spec.low, spec.high, spec.shape).astype(np.int64), False
    if isinstance(spec, Bool):
        return rng.random(spec.shape) > 0.5, False
    if isinstance(spec, Fixed):
        a = np.asarray(spec.array)
        return a, spec.grad and a.dtype.kind == "f"
    return spec, None


def build_inputs(specs, dtype, seed=0):
    """Matching (chainrule, torch) inputs; float ones require grad."""
    rng = np.random.default_rng(seed)
    crs, ts = [], []
    for spec in specs:
        arr, is_float = _make_array(spec, rng)
        if is_float is None:
            crs.append(arr)
            ts.append(arr)
            continue
        if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
            arr = arr.astype(dtype)
        if isinstance(spec, NC):  # keep the strides: both sides get a transposed view
            base = np.ascontiguousarray(arr.T)
            c = cr.from_numpy(base.copy().T)
            t = torch.from_numpy(base.copy()).T
        else:
            c = cr.tensor(arr)
            t = torch.tensor(arr)
        if is_float:
            c.requires_grad_(True)
            t.requires_grad_(True)
        crs.append(c)
        ts.append(t)
    return crs, ts


def _flat_outputs(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat_outputs(o))
        return res
    return [out]


def _to_np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy(force=True)
    if isinstance(x, cr.Tensor):
        return x.data
    return np.asarray(x)


def assert_close(got, want, atol, rtol, what):
    got, want = _to_np(got), _to_np(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != torch's {want.shape}"
    if want.dtype == np.bool_ or want.dtype.kind in "iu":
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=what, equal_nan=True)


def _tols(case, dtype):
    return (case.atol64, case.rtol64) if dtype == np.float64 else (case.atol32, case.rtol32)


def _float_outputs(outs):
    return [o for o in outs if o.dtype in (torch.float32, torch.float64, cr.float32, cr.float64)
            and o.requires_grad]


def run_oracle(case, specs, dtype, create_graph=False):
    atol, rtol = _tols(case, dtype)
    c_in, t_in = build_inputs(specs, dtype)
    c_out = _flat_outputs(case.fn(cr, *c_in))
    t_out = _flat_outputs(case.fn(torch, *t_in))
    assert len(c_out) == len(t_out), f"{case.name}: {len(c_out)} outputs, torch has {len(t_out)}"
    for k, (c, t) in enumerate(zip(c_out, t_out)):
        assert_close(c, t, atol, rtol, f"{case.name} forward output {k}")
        if isinstance(t, torch.Tensor):
            assert c.dtype.name == str(t.dtype).replace("torch.", ""), \
                f"{case.name} output {k}: dtype {c.dtype} vs torch's {t.dtype}"
    if not case.grad:
        return
    c_f, t_f = _float_outputs(c_out), _float_outputs(t_out)
    assert len(c_f) == len(t_f), f"{case.name}: differentiable outputs differ from torch's"
    if not t_f:
        return
    rng = np.random.default_rng(1)
    ws = [rng.standard_normal(t.shape).astype(dtype) for t in t_f]
    c_loss = sum((c * cr.tensor(w)).sum() for c, w in zip(c_f, ws))
    t_loss = sum((t * torch.tensor(w)).sum() for t, w in zip(t_f, ws))
    c_wrt = [x for x in c_in if isinstance(x, cr.Tensor) and x.requires_grad]
    t_wrt = [x for x in t_in if isinstance(x, torch.Tensor) and x.requires_grad]
    c_g = cr.autograd.grad(c_loss, c_wrt, allow_unused=True, create_graph=create_graph)
    t_g = torch.autograd.grad(t_loss, t_wrt, allow_unused=True, create_graph=create_graph)
    for i, (c, t) in enumerate(zip(c_g, t_g)):
        if t is None or c is None:  # no gradient at all counts as a zero gradient
            other = c if t is None else t
            assert other is None or not np.any(_to_np(other)), \
                f"{case.name}: input {i} has a nonzero gradient on one side only"
            continue
        assert_close(c, t, atol, rtol, f"{case.name} gradient of input {i}")
    return c_in, t_in, c_g, t_g


def run_double(case, specs, dtype=np.float64):
    """Differentiate Σ grad·v once more and compare with torch."""
    res = run_oracle(case, specs, dtype, create_graph=True)
    if res is None:
        return
    c_in, t_in, c_g, t_g = res
    atol, rtol = _tols(case, dtype)
    pairs = [(c, t) for c, t in zip(c_g, t_g) if t is not None and t.requires_grad and c is not None]
    if not pairs:
        return
    rng = np.random.default_rng(2)
    vs = [rng.standard_normal(t.shape).astype(dtype) for _, t in pairs]
    c_loss = sum((c * cr.tensor(v)).sum() for (c, _), v in zip(pairs, vs))
    t_loss = sum((t * torch.tensor(v)).sum() for (_, t), v in zip(pairs, vs))
    c_wrt = [x for x in c_in if isinstance(x, cr.Tensor) and x.requires_grad]
    t_wrt = [x for x in t_in if isinstance(x, torch.Tensor) and x.requires_grad]
    c_gg = cr.autograd.grad(c_loss, c_wrt, allow_unused=True) if c_loss.requires_grad else \
        [None] * len(c_wrt)
    t_gg = torch.autograd.grad(t_loss, t_wrt, allow_unused=True) if t_loss.requires_grad else \
        [None] * len(t_wrt)
    for i, (c, t) in enumerate(zip(c_gg, t_gg)):
        c_arr = np.zeros(c_wrt[i].shape) if c is None else c.data
        t_arr = np.zeros(t_wrt[i].shape) if t is None else t.detach().numpy(force=True)
        np.testing.assert_allclose(c_arr, t_arr, atol=max(atol, 1e-8), rtol=max(rtol, 1e-6),
                                   err_msg=f"{case.name} second derivative of input {i}")


def run_gradcheck(case, specs):
    c_in, _ = build_inputs(specs, np.float64)
    wrt = [x for x in c_in if isinstance(x, cr.Tensor) and x.requires_grad]
    if not wrt:
        pytest.skip("no differentiable input")

    def f(*xs):
        outs = _flat_outputs(case.fn(cr, *xs))
        return tuple(o for o in outs if isinstance(o, cr.Tensor) and o.dtype == cr.float64)
    assert gradcheck(f, c_in, eps=1e-6, atol=1e-6, rtol=1e-4)


def _params(cases, *flags):
    out = []
    for case in cases:
        if not all(getattr(case, f) for f in flags):
            continue
        for k, specs in enumerate(case.input_sets()):
            out.append(pytest.param(case, specs, id=f"{case.name}-{k}"))
    return out


def op_tests(cases):
    """The three standard tests for a list of cases (assign them to test_* names in a module)."""

    @pytest.mark.parametrize("case,specs", _params(cases))
    def test_oracle(case, specs):
        run_oracle(case, specs, np.float64)
        if case.float32:
            run_oracle(case, specs, np.float32)

    @pytest.mark.parametrize("case,specs", _params(cases, "grad", "gradcheck"))
    def test_gradcheck(case, specs):
        run_gradcheck(case, specs)

    @pytest.mark.parametrize("case,specs", _params(cases, "grad", "double"))
    def test_double_backward(case, specs):
        run_double(case, specs)

    return test_oracle, test_gradcheck, test_double_backward
