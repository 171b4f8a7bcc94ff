"""The vectorizable exp, σ, tanh, expm1 and log1p of ``kernels.expf`` (accuracy over the whole float32 range,
special values as NumPy gives them) and the LSTM cell kernels that use them (equal to their NumPy
references, and an LSTM through both kernel settings gives PyTorch's numbers)."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import kernels as K
from chainrule.kernels import _jit


@pytest.fixture(scope="module")
def vector_functions():
    """exp, σ and tanh applied elementwise by compiled loops (float32 and float64)."""
    nb = _jit.numba()
    from chainrule.kernels import expf

    def make(fn):
        @nb.njit(fastmath=expf.FLAGS, error_model="numpy")
        def loop(x, out):
            for i in range(x.size):
                out[i] = fn(x[i])
        return lambda x: (lambda out: (loop(x, out), out)[1])(np.empty_like(x))
    return {name: make(getattr(expf, name)) for name in ("exp", "sigmoid", "tanh", "expm1", "log1p")}


def _exact(name, x):
    x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        return {"exp": np.exp, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "expm1": np.expm1,
                "log1p": np.log1p}[name](x)


def _samples():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.standard_normal(200_000) * 30, rng.uniform(-1e-3, 1e-3, 20_000),
                           np.linspace(-110, 95, 20_001)]).astype(np.float32)


@pytest.mark.parametrize("name, bound", [("exp", 1.5e-7), ("sigmoid", 2.5e-7), ("tanh", 3e-7), ("expm1", 2e-7),
                                         ("log1p", 2.5e-7)])
def test_float32_functions_are_accurate_to_a_few_units_in_the_last_place(vector_functions, name, bound):
    x = _samples()
    if name == "log1p":                                   # its domain: x > −1, up to float32's largest
        x = np.concatenate([np.abs(x), x[(x > -1) & (x < 0)], np.float32(10) ** np.linspace(-30, 38, 5000,
                                                                                             dtype=np.float32)])
    got, exact = vector_functions[name](x).astype(np.float64), _exact(name, x)
    normal = np.abs(exact) > np.finfo(np.float32).tiny
    finite = np.isfinite(exact) & (np.abs(exact) < np.finfo(np.float32).max)
    keep = normal & finite
    assert np.max(np.abs(got[keep] - exact[keep]) / np.abs(exact[keep])) < bound
    # exp's results in the subnormal range are right to the subnormal spacing; σ(x) for x < −88.7,
    # where e⁻ˣ overflows, is 0 (as in PyTorch) instead of a subnormal
    sub = finite & ~normal
    spacing = np.finfo(np.float32).tiny if name == "sigmoid" else 2 ** -149
    assert np.max(np.abs(got[sub] - exact[sub]), initial=0.0) <= spacing


@pytest.mark.parametrize("name", ["exp", "sigmoid", "tanh", "expm1", "log1p"])
def test_special_values_come_out_as_numpy_gives_them(vector_functions, name):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.7, 88.8, -103.9, -104.0, 1e-30, -1e-30, 500, -500,
                  -1.0, -0.999999, -1.5], np.float32)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        want = {"exp": np.exp(x), "sigmoid": (1 / (1 + np.exp(-x.astype(np.float64)))).astype(np.float32),
                "tanh": np.tanh(x), "expm1": np.expm1(x), "log1p": np.log1p(x)}[name]
    got = vector_functions[name](x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(want)], want[~np.isnan(want)], rtol=2e-7,
                               atol=np.finfo(np.float32).tiny if name == "sigmoid" else 0)


@pytest.mark.parametrize("name", ["exp", "sigmoid", "tanh", "expm1", "log1p"])
def test_float64_uses_the_library_functions(vector_functions, name):
    x = np.random.default_rng(1).standard_normal(1000) * 20
    x = np.abs(x) if name == "log1p" else x
    np.testing.assert_allclose(vector_functions[name](x), _exact(name, x), rtol=1e-15, atol=0)


def _lstm_arrays(dtype, n=5, h=7, seed=0):
    g = np.random.default_rng(seed)
    gates = (g.standard_normal((n, 4 * h)) * 3).astype(dtype)
    xpt, = [(g.standard_normal((n, 4 * h))).astype(dtype)]
    c = g.standard_normal((n, 2 * h)).astype(dtype)[:, ::2]        # a non-contiguous previous cell
    return gates, xpt, c


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, h", [(5, 7), (32, 128)])
def test_lstm_cell_kernels_equal_their_references(dtype, n, h):
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
    gates, xpt, c = _lstm_arrays(dtype, n, h)
    results = []
    for fn in (K.lstm_cell_forward, K.lstm_cell_forward.reference):
        z, outs = gates.copy(), [np.empty((n, h), dtype) for _ in range(3)]
        fn(z, xpt, c, *outs)
        results.append((z, *outs))
    for got, ref in zip(*results):
        np.testing.assert_allclose(got, ref, **tol)
    z, ct, tct, _ = results[1]
    d, dc = np.random.default_rng(5).standard_normal((2, n, h)).astype(dtype)
    back = []
    for fn in (K.lstm_cell_backward, K.lstm_cell_backward.reference):
        gz, dcp = np.empty_like(z), np.empty((n, h), dtype)
        fn(d, dc, z, c, tct, gz, dcp)
        back.append((gz, dcp))
    for got, ref in zip(*back):
        np.testing.assert_allclose(got, ref, **tol)


@pytest.mark.parametrize("setting", ["numba", "numpy"])
def test_an_lstm_gives_pytorchs_numbers_in_both_kernel_settings(setting):
    previous = K.use_kernels(setting)
    try:
        torch.manual_seed(0)
        ref = torch.nn.LSTM(6, 9, num_layers=2, bidirectional=True)
        ours = cr.nn.LSTM(6, 9, num_layers=2, bidirectional=True)
        ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
        data = np.random.default_rng(2).standard_normal((11, 4, 6)).astype(np.float32) * 2
        out = {}
        for m, net in ((torch, ref), (cr, ours)):
            x = m.tensor(data, requires_grad=True)
            y, (h, c) = net(x)
            (y.sum() + (h * h).sum() + (c * 3).sum()).backward()
            out[m.__name__] = [y.detach().numpy(), h.detach().numpy(), c.detach().numpy(), x.grad.numpy()] + \
                [p.grad.numpy() for p in net.parameters()]
        for a, b in zip(out["chainrule"], out["torch"]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6)
    finally:
        K.use_kernels(previous)
