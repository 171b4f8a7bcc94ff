"""chainrule.ops.activation against torch.nn.functional."""
import numpy as np
import pytest
import torch

from oracle import Case, Fixed, op_tests


def F(m):
    """torch.nn.functional on the torch side; the op namespace on chainrule's."""
    return torch.nn.functional if m is torch else m


KINKS = Fixed(np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0]))

CASES = [
    Case("relu", lambda m, a: F(m).relu(a), [(3, 4)]),
    Case("relu_kinks", lambda m, a: F(m).relu(a), [KINKS], gradcheck=False),
    Case("relu_method", lambda m, a: a.relu(), [(5,)]),
    Case("relu6", lambda m, a: F(m).relu6(a * 4), [(4, 5)]),
    Case("leaky_relu", lambda m, a: F(m).leaky_relu(a, 0.1), [(3, 4)]),
    Case("leaky_relu_kinks", lambda m, a: F(m).leaky_relu(a, 0.1), [KINKS], gradcheck=False),
    Case("elu", lambda m, a: F(m).elu(a, alpha=1.5), [(3, 4)]),
    Case("selu", lambda m, a: F(m).selu(a), [(3, 4)]),
    # torch rounds these constants to float32 even in float64, hence rtol64
    Case("celu", lambda m, a: F(m).celu(a, alpha=0.7), [(3, 4)], rtol64=1e-7),
    Case("gelu", lambda m, a: F(m).gelu(a), [(3, 4)]),
    Case("gelu_tanh", lambda m, a: F(m).gelu(a, approximate="tanh"), [(3, 4)]),
    Case("silu", lambda m, a: F(m).silu(a), [(3, 4)]),
    Case("mish", lambda m, a: F(m).mish(a), [(3, 4)]),
    Case("softplus", lambda m, a: F(m).softplus(a), [(3, 4)]),
    Case("softplus_beta", lambda m, a: F(m).softplus(a * 3, beta=2.0, threshold=1.0), [(3, 4)],
         gradcheck=False),
    Case("hardtanh", lambda m, a: F(m).hardtanh(a * 2, -0.5, 1.5), [(4, 5)]),
    Case("hardsigmoid", lambda m, a: F(m).hardsigmoid(a * 4), [(4, 5)], rtol64=1e-7,
         double=False),  # torch has no double backward for it
    Case("hardswish", lambda m, a: F(m).hardswish(a * 4), [(4, 5)]),
    Case("logsigmoid", lambda m, a: F(m).logsigmoid(a * 10), [(3, 4)]),
    Case("sigmoid", lambda m, a: F(m).sigmoid(a), [(3, 4)]),
    Case("tanh", lambda m, a: F(m).tanh(a), [(3, 4)]),
    Case("softmax", lambda m, a: F(m).softmax(a, dim=1), [[(3, 4)], [(2, 3, 4)]]),
    Case("softmax_neg", lambda m, a: F(m).softmax(a, dim=-1), [(2, 3, 4)]),
    Case("softmax_big", lambda m, a: F(m).softmax(a * 1000, dim=0), [(5,)], gradcheck=False),
    Case("log_softmax", lambda m, a: F(m).log_softmax(a, dim=1), [[(3, 4)], [(2, 3, 4)]]),
    Case("log_softmax_0", lambda m, a: a.log_softmax(0), [(4, 3)]),
    Case("log_softmax_big", lambda m, a: F(m).log_softmax(a * 1000, dim=-1), [(2, 5)], gradcheck=False),
    Case("softmin", lambda m, a: F(m).softmin(a, dim=1), [(3, 4)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_relu_blocks_nonfinite_gradients_like_torch():
    import warnings

    import chainrule as cr
    x = np.array([-1.0, 2.0, 3.0, -4.0, 0.0], dtype=np.float32)
    g = np.array([np.nan, 1.0, np.inf, np.inf, np.nan], dtype=np.float32)
    for name in ("relu", "relu6", "hardtanh"):
        ours = cr.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            getattr(cr.nn.functional, name)(ours).backward(cr.tensor(g))
        getattr(torch.nn.functional, name)(theirs).backward(torch.tensor(g))
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy(), err_msg=name)
        assert ours.grad.dtype == cr.float32


def test_relu_of_infinite_and_nan_inputs_like_torch():
    import warnings

    import chainrule as cr
    x = np.array([-np.inf, np.inf, np.nan, -1.0, 0.0, 2.0], dtype=np.float32)
    g = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=np.float32)
    ours = cr.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = cr.nn.functional.relu(ours)
        y.backward(cr.tensor(g))
    ty = torch.relu(theirs)
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_row_blocks_on_threads_match_torch(monkeypatch, threads, name):
    """The last-dim row kernels split over threads (forced on for a small input) give torch's
    numbers, forward and backward, also for a non-contiguous input and gradient."""
    import chainrule as cr
    from chainrule import tunables
    monkeypatch.setattr(tunables, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(tunables, "PARALLEL_MIN_COMPILED", 0)
    before = cr.get_num_threads()
    cr.set_num_threads(threads)
    try:
        rng = np.random.default_rng(0)
        x = (rng.standard_normal((6, 5, 7)) * 4).transpose(1, 0, 2)
        g = rng.standard_normal((5, 7, 6)).transpose(0, 2, 1)
        ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y = getattr(cr.nn.functional, name)(ours, -1)
        yt = getattr(torch.nn.functional, name)(theirs, -1)
        y.backward(cr.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-11)
    finally:
        cr.set_num_threads(before)


def test_softmax_with_masked_entries_like_torch():
    """Attention masks with −inf: rows with a finite max skip the shift and still give zeros
    there; a fully masked row is NaN in both libraries."""
    import chainrule as cr
    x = np.array([[0.5, -np.inf, 2.0, -1.0], [-np.inf, -np.inf, -np.inf, -np.inf],
                  [30.0, -np.inf, 1.0, 29.0]], dtype=np.float32)
    g = np.arange(12, dtype=np.float32).reshape(3, 4)
    for name, x, g in [(n, a, b) for n in ("softmax", "log_softmax")
                       for a, b in ((x, g), (x[:1], g[:1]))]:  # the second: no shift at all
        ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y = getattr(cr.nn.functional, name)(ours, -1)
        yt = getattr(torch.nn.functional, name)(theirs, -1)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6, err_msg=name)
        y.backward(cr.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


@pytest.mark.parametrize("slope", [0.01, 0.2, 1 / 3, 0.0, 1.0, 3.0, -0.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaky_relu_bit_identical_to_torch(slope, dtype):
    """The derivative array mask·(1 − s) + s is exactly 1 or s, so values and gradients match
    PyTorch bit for bit — infinities and NaN included."""
    import chainrule as cr
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(200), [np.inf, -np.inf, np.nan, 0.0, -0.0]]).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = cr.nn.functional.leaky_relu(ours, slope)
    yt = torch.nn.functional.leaky_relu(theirs, slope)
    y.backward(cr.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("alpha", [1.0, 1.5, 0.3, 3.0])
def test_elu_at_infinities_and_nan_like_torch(alpha):
    """ELU without np.where: infinities and NaN give PyTorch's values and gradients (a NaN input
    passes its gradient, as PyTorch's test x ≤ 0 is false for it)."""
    import warnings

    import chainrule as cr
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -2.0, 3.0], dtype=np.float32)
    g = np.arange(1, 7, dtype=np.float32)
    ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = cr.nn.functional.elu(ours, alpha)
        y.backward(cr.tensor(g))
    yt = torch.nn.functional.elu(theirs, alpha)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_softmax_rows_below_the_unshifted_limit_are_shifted_alone():
    """A block whose largest value is small skips the row maxima; a row whose values are all far
    below zero (its sum would underflow) is redone with its own max — as torch, in both dtypes."""
    import chainrule as cr
    for dtype, tol in ((np.float32, 1e-6), (np.float64, 1e-13)):
        x = np.array([[-150.0, -160.0, -155.0], [1.0, 2.0, 3.0], [-np.inf, -np.inf, -np.inf],
                      [-90.0, 0.5, -np.inf]], dtype=dtype)
        for name in ("softmax", "log_softmax"):
            y = getattr(cr.nn.functional, name)(cr.tensor(x), -1).numpy()
            yt = getattr(torch.nn.functional, name)(torch.tensor(x), -1).numpy()
            np.testing.assert_allclose(y, yt, rtol=tol, atol=tol, err_msg=f"{name} {dtype}")
        loss = cr.nn.functional.cross_entropy(cr.tensor(x[[0, 1, 3]]), cr.tensor([2, 0, 1])).item()
        want = torch.nn.functional.cross_entropy(torch.tensor(x[[0, 1, 3]]), torch.tensor([2, 0, 1])).item()
        assert abs(loss - want) < 10 * tol
