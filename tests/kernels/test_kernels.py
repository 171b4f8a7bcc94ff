"""The kernels seam: every compiled kernel equals its NumPy reference; the ops that call kernels
give PyTorch's numbers under both settings (CHAINRULE_KERNELS=numba and =numpy); switching,
the on-disk cache location, and that importing chainrule compiles nothing."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import kernels as K
from chainrule.kernels import _jit

prange = range   # replaced by numba.prange when _doubling_loop compiles (see _jit.jit)

SHAPES = [(3, 5), (700, 64)]          # serial and parallel paths (PARALLEL_MIN = 32768 elements)
DTYPES = [np.float32, np.float64]


def _close(a, b, dtype):
    tol = 2e-5 if dtype == np.float32 else 1e-11
    for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def _arrays(shape, dtype, n, seed=0):
    g = np.random.default_rng(seed)
    return [g.standard_normal(shape).astype(dtype) for _ in range(n)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_norm_kernels_equal_their_references(shape, dtype):
    x, g = _arrays(shape, dtype, 2)
    w, b = _arrays(shape[1:], dtype, 2, seed=1)
    for ww, bb in ((w, b), (None, None)):
        got = K.layer_norm_forward(x, ww, bb, 1e-5)
        _close(got, K.layer_norm_forward.reference(x, ww, bb, 1e-5), dtype)
        _, mean, rstd = got
        _close(K.layer_norm_backward(g, x, mean, rstd, ww), K.layer_norm_backward.reference(g, x, mean, rstd, ww), dtype)


@pytest.mark.parametrize("shape", [(4, 3, 5), (16, 8, 300)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_kernels_equal_their_references(shape, dtype):
    x, g = _arrays(shape, dtype, 2)
    w, b = _arrays(shape[1:2], dtype, 2, seed=1)
    got = K.batch_norm_forward(x, w, b, 1e-5)
    _close(got, K.batch_norm_forward.reference(x, w, b, 1e-5), dtype)
    _, mean, _, rstd = got
    _close(K.batch_norm_backward(g, x, mean, rstd, w), K.batch_norm_backward.reference(g, x, mean, rstd, w), dtype)


@pytest.mark.parametrize("shape", [(5, 3), (70000, 16)])    # serial, and blocks of rows in parallel
@pytest.mark.parametrize("dtype", DTYPES)
def test_channels_last_batch_norm_kernels_equal_their_references(shape, dtype):
    x, g = _arrays(shape, dtype, 2)
    x += 3.0                                                     # a mean to remove
    w, b = _arrays(shape[1:], dtype, 2, seed=1)
    for ww, bb in ((w, b), (None, None)):
        got = K.batch_norm_rows_forward(x, ww, bb, 1e-5)
        _close(got, K.batch_norm_rows_forward.reference(x, ww, bb, 1e-5), dtype)
        _, mean, _, rstd = got
        _close(K.batch_norm_rows_backward(g, x, mean, rstd, ww),
               K.batch_norm_rows_backward.reference(g, x, mean, rstd, ww), dtype)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("log", [False, True])
def test_softmax_kernels_equal_their_references_with_masked_rows(shape, dtype, log):
    x, g = _arrays(shape, dtype, 2)
    x[0, 1:] = -np.inf                     # a masked row (attention): one live entry
    x[-1] *= 60                            # large logits need the shift
    y = K.softmax_rows(x, log)
    _close(y, K.softmax_rows.reference(x, log), dtype)
    _close(K.softmax_rows_backward(g, y, log), K.softmax_rows_backward.reference(g, y, log), dtype)
    with np.errstate(invalid="ignore"):
        dead = np.full((2, 4), -np.inf, dtype)
        assert np.isnan(K.softmax_rows(dead, log)).all() and np.isnan(K.softmax_rows.reference(dead, log)).all()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["small", "large", "far_below"])
def test_exp_rows_kernel_equals_its_reference(shape, dtype, case):
    """Unshifted rows, rows that need their max (large logits), and rows whose unshifted sum
    underflows (every value far below 0) and are redone with their max. Which rows are shifted may
    differ (the compiled loop decides per row), so what is compared is what a caller uses: the
    normalized exponentials e^(x − c)/Σ and log Σ e^x = c + log Σ."""
    x, = _arrays(shape, dtype, 1)
    if case == "large":
        x[-1] *= 60
        x[-1, 0] = 100
    elif case == "far_below":
        x[0] -= 200
        x[0, 1:] = -np.inf
    results = []
    for fn in (K.exp_rows, K.exp_rows.reference):
        out = np.empty_like(x)
        shift, total = fn(x, out)
        c = 0 if shift is None else shift[:, 0]
        results.append((out / total[:, None], c + np.log(total)))
        assert case != "small" or shift is None           # nothing to shift: no shift array
    for got, ref in zip(*results):
        _close(got, ref, dtype)


ACTIVATION_KERNELS = {"exp": (1, ()), "sigmoid_forward": (1, ()), "tanh_forward": (1, ()),
                      "elu_forward": (1, (0.7,)), "elu_backward": (2, (0.7,)), "gelu_backward": (3, ()),
                      "softplus_forward": (1, (2.0, 8.0)), "softplus_backward": (2, (2.0, 8.0)),
                      "log_sigmoid_forward": (1, ()), "log_sigmoid_backward": (2, ()),
                      "silu_forward": (1, ()), "silu_backward": (2, ())}


@pytest.mark.parametrize("name", sorted(ACTIVATION_KERNELS))
@pytest.mark.parametrize("size", [37, 300_000])     # serial, and parallel (PARALLEL_MIN_HEAVY)
def test_activation_kernels_equal_their_references_over_the_float32_range(name, size):
    """Values from 1e-6 to 200 in both signs, and NaN, ±inf: the compiled float32 loop (expf's
    functions) gives what the NumPy reference gives."""
    arrays, numbers = ACTIVATION_KERNELS[name]
    rng = np.random.default_rng(1)
    x = (np.sign(rng.standard_normal(size)) * 10 ** rng.uniform(-6, 2.3, size)).astype(np.float32)
    x[:3] = [np.nan, np.inf, -np.inf]
    args = [rng.standard_normal(size).astype(np.float32), x, rng.uniform(0, 1, size).astype(np.float32)]
    args = ([x] if arrays == 1 else args[:arrays]) + list(numbers)
    with np.errstate(all="ignore"):
        got, ref = K.REGISTRY[name](*args), K.REGISTRY[name].reference(*args)
    assert got.dtype == ref.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=3e-6, atol=1e-7)


def test_small_arrays_take_the_reference(monkeypatch):
    """Under COMPILED_MIN_ELEMENTS the NumPy reference runs (bit-equal to it); at 0 the loop runs."""
    from chainrule import tunables
    x = np.linspace(-3, 3, 50, dtype=np.float32)
    assert np.array_equal(K.tanh_forward(x), np.tanh(x))
    monkeypatch.setattr(tunables, "COMPILED_MIN_ELEMENTS", 0)
    if K.kernels_in_use() == "numba":
        assert not np.array_equal(K.tanh_forward(x), np.tanh(x))   # the loop's own rounding
    np.testing.assert_allclose(K.tanh_forward(x), np.tanh(x), rtol=3e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_backward_kernel_equals_its_reference(dtype):
    g, y = _arrays((300, 200), dtype, 2)
    _close(K.sigmoid_backward(g, y), K.sigmoid_backward.reference(g, y), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,stride,padding,dilation", [
    ((2, 3, 2, 9, 8), (1, 1), ((1, 1), (1, 1)), (1, 1)),
    ((2, 4, 1, 7, 10), (2, 3), ((0, 2), (1, 0)), (2, 1)),
    ((1, 8, 1, 16, 16), (2, 2), ((1, 1), (1, 1)), (1, 1))])
def test_depthwise_conv_kernels_equal_their_references(dtype, shape, stride, padding, dilation):
    n, c, m, h, w = shape
    x, = _arrays((n, c, h, w), dtype, 1)
    wt, = _arrays((c * m, 1, 3, 3), dtype, 1)
    y = K.depthwise_conv2d_forward(x, wt, stride, padding, dilation)
    _close(y, K.depthwise_conv2d_forward.reference(x, wt, stride, padding, dilation), dtype)
    g, = _arrays(y.shape, dtype, 1)
    for got, ref in zip(K.depthwise_conv2d_backward(g, x, wt, stride, padding, dilation),
                        K.depthwise_conv2d_backward.reference(g, x, wt, stride, padding, dilation)):
        _close(got, ref, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("in_shape, o, kernel, padding, dilation", [
    ((2, 6, 9, 8), 3, (3, 3), ((1, 1), (1, 1)), (1, 1)),       # more input channels than filters
    ((2, 32, 9, 8), 32, (3, 3), ((0, 0), (2, 2)), (1, 2)),     # 32 filters, dilation, uneven padding
    ((2, 5, 7, 9), 2, (4, 2), ((1, 2), (0, 1)), (1, 1)),       # an even kernel with 'same' padding
    ((2, 4, 11), 2, (3,), ((2, 2),), (1,)),                    # 1-D
    ((1, 3, 4, 5, 6), 2, (3, 2, 3), ((1, 1), (0, 1), (1, 1)), (1, 1, 1))])   # 3-D
def test_conv_input_gradient_as_a_convolution_equals_the_adds(monkeypatch, dtype, in_shape, o, kernel,
                                                              padding, dilation):
    from chainrule import tunables
    from chainrule.kernels.conv import _gradient_conv_pays, out_size
    c, nsp = in_shape[1], len(kernel)
    stride = (1,) * nsp
    assert _gradient_conv_pays(c, o, kernel, stride, padding, dilation)
    outs = tuple(out_size(in_shape[2 + i], kernel[i], 1, *padding[i], dilation[i]) for i in range(nsp))
    g2, = _arrays((in_shape[0] * math.prod(outs), o), dtype, 1)
    w, = _arrays((o, c) + kernel, dtype, 1, seed=1)
    args = (g2, w, in_shape, outs, kernel, stride, padding, dilation)
    as_conv = K.conv_input_grad(*args)
    monkeypatch.setattr(tunables, "GRADIENT_CONV", False)
    _close(as_conv, K.conv_input_grad(*args), dtype)


@pytest.mark.parametrize("threshold", [-0.1, 0.0, 0.3, 0.5, 0.9])
def test_nms_kernel_equals_its_reference(threshold):
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 40, (300, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(0, 15, (300, 2))], 1)
    boxes[::17, 2:] = boxes[::17, :2]                                   # zero-area boxes
    np.testing.assert_array_equal(K.nms_sorted(boxes, threshold), K.nms_sorted.reference(boxes, threshold))


@pytest.fixture(params=["numba", "numpy"])
def kernels_setting(request):
    previous = K.use_kernels(request.param)
    yield request.param
    K.use_kernels(previous)


CASES = {
    "layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (x.shape[-1],), m.ones(x.shape[-1]) * 1.5,
                                                          m.zeros(x.shape[-1]) + 0.5),
    "batch_norm": lambda m, x: m.nn.functional.batch_norm(x.reshape(8, 4, -1), None, None, m.ones(4) * 2,
                                                          m.ones(4), training=True),
    "batch_norm_channels_last": lambda m, x: m.nn.functional.batch_norm(   # NCHW view of NHWC memory
        x.reshape(2, 2, 4, 6).permute(0, 3, 1, 2) * 2 + 1, None, None, m.ones(6) * 1.5, m.ones(6) * 0.5, training=True),
    "softmax": lambda m, x: m.softmax(x, -1),
    "log_softmax": lambda m, x: m.log_softmax(x * 30, -1),
    "cross_entropy": lambda m, x: m.nn.functional.cross_entropy(x, m.arange(x.shape[0]) % x.shape[1],
                                                                label_smoothing=0.1),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "elu": lambda m, x: m.nn.functional.elu(x * 3, alpha=0.7),
    "gelu": lambda m, x: m.nn.functional.gelu(x * 3),
    "silu": lambda m, x: m.nn.functional.silu(x * 5),
    "softplus": lambda m, x: m.nn.functional.softplus(x * 10, beta=2.0, threshold=8.0),
    "logsigmoid": lambda m, x: m.nn.functional.logsigmoid(x * 30),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ops_through_kernels_give_pytorchs_numbers_in_both_settings(name, kernels_setting):
    data = np.random.default_rng(3).standard_normal((8, 12)).astype(np.float32)
    grad = np.random.default_rng(4).standard_normal((8, 12)).astype(np.float32)
    out = {}
    for m in (torch, cr):
        x = m.tensor(data, requires_grad=True)
        y = CASES[name](m, x)
        (y * m.tensor(grad).reshape(y.shape)).sum().backward() if y.ndim else y.backward()
        out[m.__name__] = (y.detach().numpy(), x.grad.numpy())
    for a, b in zip(out["chainrule"], out["torch"]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_use_kernels_switches_and_rejects_unknown_settings():
    previous = K.use_kernels("numpy")
    try:
        assert K.kernels_in_use() == "numpy"
        calls = []
        k = K.Kernel("probe", lambda: calls.append("ref") or "ref", lambda: lambda: "compiled")
        assert k() == "ref"
        K.use_kernels("numba")
        assert k() == "compiled"
    finally:
        K.use_kernels(previous)
    with pytest.raises(ValueError, match="use_kernels: expected one of numba, numpy, got 'cuda'"):
        K.use_kernels("cuda")


def test_the_cache_lives_in_the_users_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _jit.cache_dir() == os.path.join(str(tmp_path), "chainrule", "numba")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert _jit.cache_dir().startswith(__import__("tempfile").gettempdir())
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert _jit.cache_dir() == str(tmp_path / "mine")


def test_importing_chainrule_compiles_nothing_and_the_environment_picks_the_kernels():
    code = ("import sys, chainrule, chainrule.kernels as K; assert 'numba' not in sys.modules; "
            "print(K.kernels_in_use())")
    env = dict(os.environ, CHAINRULE_KERNELS="numpy")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "numpy"


@pytest.mark.parametrize("switch, off", [("SHIFTED_ADDS", False), ("GRADIENT_CONV", False), ("RESTRIDE_ALIASED_PLANES", False),
                                         ("STEAL_LEAF_GRADIENTS", False), ("PARALLEL_MIN_COMPILED", 0),
                                         ("PARALLEL_MIN_LIGHT", 0),
                                         ("PARALLEL_MIN_ROWS", 0), ("UNSHIFTED_EXP_LIMIT", 0.0),
                                         ("PARALLEL_MIN_HEAVY", 0), ("COMPILED_MIN_ELEMENTS", 0)])
def test_every_tunable_switched_off_gives_the_same_numbers(monkeypatch, switch, off):
    from chainrule import tunables

    def run():
        cr.manual_seed(0)
        x = cr.randn(4, 16, 32, 32, requires_grad=True)       # 32×32 float32 planes: the aliasing case
        conv = cr.nn.Conv2d(16, 8, 3, padding=1)
        y = cr.nn.functional.layer_norm(conv(x).relu().flatten(1), (8 * 32 * 32,))
        loss = y.softmax(-1).pow(2).sum() + cr.nn.functional.cross_entropy(y[:, :10], cr.arange(4)) + \
            cr.nn.functional.gelu(y[:, :300]).tanh().sigmoid().mean()
        loss.backward()
        return y.detach().numpy(), x.grad.numpy(), conv.weight.grad.numpy()
    on = run()
    monkeypatch.setattr(tunables, switch, off)
    for a, b in zip(on, run()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("size", [7, 50_000])
@pytest.mark.parametrize("config", [dict(momentum=0.0, weight_decay=0.0, nesterov=False),
                                    dict(momentum=0.9, weight_decay=1e-2, nesterov=True),
                                    dict(momentum=0.9, weight_decay=0.0, nesterov=False, dampening=0.1)])
def test_sgd_step_kernel_equals_its_reference(size, config):
    p, g = _arrays((size,), np.float64, 2)
    runs = []
    for impl in (K.sgd_step, K.sgd_step.reference):
        q, buf = p.copy(), np.empty_like(p)
        for step in range(3):
            impl(q, g * (step + 1), buf, 0.1, config["momentum"], config.get("dampening", 0.0),
                 config["weight_decay"], config["nesterov"], step == 0)
        runs.append(q)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("size", [7, 50_000])
@pytest.mark.parametrize("amsgrad, decoupled", [(False, False), (True, True)])
def test_adam_step_kernel_equals_its_reference(size, amsgrad, decoupled):
    p, g = _arrays((size,), np.float64, 2)
    runs = []
    for impl in (K.adam_step, K.adam_step.reference):
        q, m, v = p.copy(), np.zeros_like(p), np.zeros_like(p)
        vmax = np.zeros_like(p) if amsgrad else None
        for step in range(1, 4):
            impl(q, g * np.cos(step + p), m, v, vmax, 1e-2, 0.9, 0.999, 1e-8, 1e-2, decoupled, step)
        runs.append((q, m, v))
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)



def test_half_precision_arrays_take_the_reference():
    """Numba compiles no float16 arithmetic: such arrays run the NumPy reference, as PyTorch's
    half-precision normalization and softmax."""
    data = np.random.default_rng(5).standard_normal((2, 4, 3, 5)).astype(np.float16)
    for make in (lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True),
                 lambda m, x: m.nn.functional.batch_norm(x.permute(0, 3, 1, 2), None, None, training=True),
                 lambda m, x: m.nn.functional.layer_norm(x, (5,)), lambda m, x: m.softmax(x, -1)):
        ours = make(cr, cr.tensor(data, requires_grad=True))
        theirs = make(torch, torch.tensor(data, requires_grad=True))
        assert ours.dtype == cr.float16
        np.testing.assert_allclose(ours.detach().numpy().astype(np.float32), theirs.detach().numpy().astype(np.float32),
                                   atol=1e-2)


def _doubling_loop(x, y):
    for i in prange(x.size):
        y[i] = 2 * x[i]


def test_one_thread_never_runs_or_compiles_the_parallel_loop():
    run = _jit.compiled(_doubling_loop)
    x = np.arange(10.0)
    y = np.empty_like(x)
    cr.set_num_threads(1)
    run(True, x, y)                                    # big work, one thread: the serial loop
    assert y.tolist() == (2 * x).tolist()
    assert not run.parallel.signatures and run.serial.signatures
    cr.set_num_threads(2)
    run(True, x, y)
    assert run.parallel.signatures
