"""CTC loss against torch: losses for every reduction and target format, and the gradient with
respect to the logits through log_softmax; impossible alignments; double backward."""
import numpy as np
import pytest
import torch

import chainrule as cr

T, N, C = 7, 3, 5


def _run(lib, logits, targets, input_lengths, target_lengths, **kw):
    x = lib.tensor(logits, requires_grad=True)
    tg = lib.tensor(targets) if isinstance(targets, np.ndarray) else targets
    loss = lib.nn.functional.ctc_loss(x.log_softmax(-1), tg, input_lengths, target_lengths, **kw)
    w = np.random.default_rng(7).standard_normal(tuple(loss.shape))
    (loss * lib.tensor(w)).sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


def _compare(logits, targets, input_lengths, target_lengths, **kw):
    c = _run(cr, logits, targets, input_lengths, target_lengths, **kw)
    t = _run(torch, logits, targets, input_lengths, target_lengths, **kw)
    np.testing.assert_allclose(c[0], t[0], rtol=1e-10, atol=1e-10, err_msg="loss")
    np.testing.assert_allclose(c[1], t[1], rtol=1e-9, atol=1e-10, err_msg="gradient of the logits")


LOGITS = np.random.default_rng(0).standard_normal((T, N, C))
PADDED = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_padded_targets_every_reduction(reduction):
    _compare(LOGITS, PADDED, [7, 5, 6], [3, 2, 1], reduction=reduction)


def test_concatenated_targets_and_tensor_lengths():
    flat = np.array([1, 2, 2, 3, 1, 4])
    for lib_lengths in (lambda lib: (lib.tensor([7, 5, 6]), lib.tensor([3, 2, 1])), lambda lib: ((7, 5, 6), (3, 2, 1))):
        c = _run(cr, LOGITS, flat, *lib_lengths(cr))
        t = _run(torch, LOGITS, flat, *lib_lengths(torch))
        np.testing.assert_allclose(c[0], t[0], rtol=1e-10)
        np.testing.assert_allclose(c[1], t[1], rtol=1e-9, atol=1e-10)


def test_other_blank_repeats_and_empty_targets():
    _compare(LOGITS, np.array([[1, 1, 1], [0, 2, 0], [1, 0, 0]]), [7, 7, 4], [3, 3, 0], blank=4, reduction="none")


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_impossible_alignments(zero_infinity):
    targets = np.array([[1, 1, 2], [1, 2, 0]])     # "1 1 2" needs 4 frames (a blank between the 1s)
    logits = LOGITS[:3, :2]
    c = _run(cr, logits, targets, [3, 3], [3, 2], reduction="none", zero_infinity=zero_infinity)
    t = _run(torch, logits, targets, [3, 3], [3, 2], reduction="none", zero_infinity=zero_infinity)
    np.testing.assert_allclose(c[0], t[0], rtol=1e-12)               # inf (or 0) where torch has it
    np.testing.assert_allclose(c[1], t[1], rtol=1e-9, atol=1e-12)   # NaN where torch has NaN


def test_unbatched_and_module():
    lp = LOGITS[:, 0]
    c = cr.nn.CTCLoss(reduction="sum")(cr.tensor(lp).log_softmax(-1), cr.tensor([1, 2]), cr.tensor(7), cr.tensor(2))
    t = torch.nn.CTCLoss(reduction="sum")(torch.tensor(lp).log_softmax(-1), torch.tensor([1, 2]), torch.tensor(7),
                                          torch.tensor(2))
    np.testing.assert_allclose(c.item(), t.item(), rtol=1e-10)


def test_float32():
    c = _run(cr, LOGITS.astype(np.float32), PADDED, [7, 5, 6], [3, 2, 1])
    t = _run(torch, LOGITS.astype(np.float32), PADDED, [7, 5, 6], [3, 2, 1])
    assert c[0].dtype == np.float32
    np.testing.assert_allclose(c[0], t[0], rtol=1e-5)
    np.testing.assert_allclose(c[1], t[1], rtol=1e-4, atol=1e-6)


def test_loss_is_minus_log_of_the_summed_alignments():
    """Brute force: enumerate every alignment of 4 frames over 3 symbols."""
    import itertools
    rng = np.random.default_rng(1)
    lp = np.log(rng.dirichlet(np.ones(3), size=4))                  # (4, 3), blank = 0
    total = 0.0
    for path in itertools.product(range(3), repeat=4):
        merged = [s for i, s in enumerate(path) if s != 0 and (i == 0 or path[i - 1] != s)]
        if merged == [1, 2]:
            total += np.exp(sum(lp[t, s] for t, s in enumerate(path)))
    got = cr.nn.functional.ctc_loss(cr.tensor(lp[:, None]), cr.tensor([[1, 2]]), [4], [2], reduction="sum")
    np.testing.assert_allclose(got.item(), -np.log(total), rtol=1e-12)


def test_double_backward_against_finite_differences():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 2, 4))
    v = rng.standard_normal(logits.shape)

    def first_grad_dot_v(a, create_graph=False):
        x = cr.tensor(a, requires_grad=True)
        loss = cr.nn.functional.ctc_loss(x.log_softmax(-1), cr.tensor([[1, 2], [3, 0]]), [5, 4], [2, 1])
        g, = cr.autograd.grad(loss, x, create_graph=create_graph)
        return x, (g * cr.tensor(v)).sum()
    x, s = first_grad_dot_v(logits, create_graph=True)
    hv, = cr.autograd.grad(s, x)
    u = rng.standard_normal(logits.shape)
    eps = 1e-6
    fd = (first_grad_dot_v(logits + eps * u)[1].item() - first_grad_dot_v(logits - eps * u)[1].item()) / (2 * eps)
    np.testing.assert_allclose((hv.numpy() * u).sum(), fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("call,message", [
    (lambda lp: cr.nn.functional.ctc_loss(lp, cr.tensor([[1, 5]]), [7], [2]), "target labels"),
    (lambda lp: cr.nn.functional.ctc_loss(lp, cr.tensor([[1, 2]]), [9], [2]), "input_lengths"),
    (lambda lp: cr.nn.functional.ctc_loss(lp, cr.tensor([1, 2]), [7], [3]), "concatenated targets"),
    (lambda lp: cr.nn.functional.ctc_loss(lp, cr.tensor([[1, 2]]), [7], [2], reduction="avg"), "reduction"),
    (lambda lp: cr.nn.functional.ctc_loss(lp, cr.tensor([[1, 2]]), [7], [2], blank=5), "blank"),
])
def test_errors(call, message):
    lp = cr.tensor(LOGITS[:, :1]).log_softmax(-1)
    with pytest.raises((RuntimeError, ValueError), match=message):
        call(lp)
