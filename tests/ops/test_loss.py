"""chainrule.ops.loss against torch.nn.functional: every loss, every reduction."""
import numpy as np

from oracle import Case, F, Fixed, Int, Pos, op_tests

PROBS = Fixed(np.random.default_rng(3).uniform(0.05, 0.95, (4, 3)))
TARGET01 = Fixed(np.random.default_rng(4).integers(0, 2, (4, 3)).astype(np.float64), grad=False)
SIGNS = Fixed(np.array([1.0, -1.0, 1.0, -1.0]), grad=False)
W = Fixed(np.array([0.5, 2.0, 1.0, 1.5]), grad=False)
T_IGN = Fixed(np.array([0, 3, -100, 1, 3]))
SOFT = Fixed(np.random.default_rng(5).dirichlet(np.ones(4), size=5), grad=False)

CASES = [
    Case("cross_entropy", lambda m, x, t: F(m).cross_entropy(x, t), [(5, 4), Int((5,), 0, 4)]),
    Case("cross_entropy_sum", lambda m, x, t: F(m).cross_entropy(x, t, reduction="sum"), [(5, 4), Int((5,), 0, 4)]),
    Case("cross_entropy_none", lambda m, x, t: F(m).cross_entropy(x, t, reduction="none"), [(5, 4), Int((5,), 0, 4)]),
    Case("cross_entropy_weight", lambda m, x, t, w: F(m).cross_entropy(x, t, weight=w), [(5, 4), Int((5,), 0, 4), W]),
    Case("cross_entropy_ignore", lambda m, x, t: F(m).cross_entropy(x, t), [(5, 4), T_IGN]),
    Case("cross_entropy_smooth", lambda m, x, t, w: F(m).cross_entropy(x, t, weight=w, label_smoothing=0.2),
         [(5, 4), Int((5,), 0, 4), W]),
    Case("cross_entropy_smooth_ignore", lambda m, x, t: F(m).cross_entropy(x, t, label_smoothing=0.1),
         [(5, 4), T_IGN]),
    Case("cross_entropy_spatial", lambda m, x, t: F(m).cross_entropy(x, t), [(2, 4, 3, 2), Int((2, 3, 2), 0, 4)]),
    Case("cross_entropy_spatial_none", lambda m, x, t: F(m).cross_entropy(x, t, reduction="none"),
         [(2, 4, 3), Int((2, 3), 0, 4)]),
    Case("cross_entropy_probs", lambda m, x, t: F(m).cross_entropy(x, t), [(5, 4), SOFT]),
    Case("cross_entropy_probs_smooth_w", lambda m, x, t, w: F(m).cross_entropy(x, t, weight=w, label_smoothing=0.3),
         [(5, 4), SOFT, W]),
    Case("cross_entropy_1d", lambda m, x, t: F(m).cross_entropy(x, t), [(4,), Fixed(np.array(2))]),
    Case("cross_entropy_wide_logits", lambda m, x, t: F(m).cross_entropy(x * 5, t), [(6, 5), Int((6,), 0, 5)]),
    Case("cross_entropy_big_logits", lambda m, x, t: F(m).cross_entropy(x * 1000, t), [(3, 4), Int((3,), 0, 4)],
         gradcheck=False),
    Case("nll_loss", lambda m, x, t: F(m).nll_loss(F(m).log_softmax(x, 1), t), [(5, 4), Int((5,), 0, 4)]),
    Case("nll_loss_weight_ignore", lambda m, x, t, w: F(m).nll_loss(x, t, weight=w, reduction="sum"), [(5, 4), T_IGN, W]),
    Case("nll_loss_spatial", lambda m, x, t: F(m).nll_loss(x, t, reduction="none"), [(2, 4, 3), Int((2, 3), 0, 4)]),
    Case("mse", lambda m, x, y: F(m).mse_loss(x, y), [(3, 4), (3, 4)]),
    Case("mse_sum", lambda m, x, y: F(m).mse_loss(x, y, reduction="sum"), [(3, 4), (3, 4)]),
    Case("l1", lambda m, x, y: F(m).l1_loss(x, y, reduction="none"), [(3, 4), (3, 4)]),
    Case("smooth_l1", lambda m, x, y: F(m).smooth_l1_loss(x, y, beta=0.5), [(3, 4), (3, 4)]),
    Case("huber", lambda m, x, y: F(m).huber_loss(x, y, delta=0.7), [(3, 4), (3, 4)]),
    Case("bce", lambda m, p, y: F(m).binary_cross_entropy(p, y), [PROBS, TARGET01]),
    Case("bce_weight", lambda m, p, y, w: F(m).binary_cross_entropy(p, y, weight=w, reduction="sum"),
         [PROBS, TARGET01, Fixed(np.array([1.0, 2.0, 0.5]), grad=False)]),
    Case("bce_soft_target", lambda m, p, y: F(m).binary_cross_entropy(p, y), [PROBS, Fixed(np.full((4, 3), 0.3))]),
    Case("bce_logits", lambda m, x, y: F(m).binary_cross_entropy_with_logits(x, y), [(4, 3), TARGET01]),
    Case("bce_logits_sum_target_grad", lambda m, x, y: F(m).binary_cross_entropy_with_logits(x * 30, y, reduction="sum"),
         [(4, 3), (4, 3)]),
    Case("bce_logits_pos_weight", lambda m, x, y, pw, w: F(m).binary_cross_entropy_with_logits(
        x, y, weight=w, pos_weight=pw, reduction="none"), [(4, 3), TARGET01,
                                                           Fixed(np.array([2.0, 0.5, 1.0]), grad=False),
                                                           Fixed(np.array([0.5, 1.0, 2.0]), grad=False)]),
    Case("kl_div", lambda m, x, y: F(m).kl_div(F(m).log_softmax(x, 1), y, reduction="batchmean"), [(5, 4), SOFT]),
    Case("kl_div_log_target", lambda m, x, y: F(m).kl_div(x, y, reduction="sum", log_target=True), [(3, 4), (3, 4)]),
    Case("kl_div_zero_target", lambda m, x: F(m).kl_div(x, m.tensor([[0.0, 0.5, 0.5]], dtype=x.dtype), reduction="mean"),
         [(1, 3)]),
    Case("gaussian_nll", lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v), [(4, 3), (4, 3), Pos((4, 3))]),
    Case("gaussian_nll_full", lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v, full=True, reduction="sum"),
         [(4, 3), (4, 3), Pos((4, 1))]),
    Case("margin_ranking", lambda m, a, b, y: F(m).margin_ranking_loss(a, b, y, margin=0.3), [(4,), (4,), SIGNS]),
    Case("hinge_embedding", lambda m, x, y: F(m).hinge_embedding_loss(x, y, margin=0.5), [(4,), SIGNS]),
    Case("soft_margin", lambda m, x, y: F(m).soft_margin_loss(x, y), [(4,), SIGNS]),
    Case("multilabel_soft_margin", lambda m, x, y: F(m).multilabel_soft_margin_loss(x, y), [(4, 3), TARGET01]),
    Case("triplet", lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, margin=2.0), [(4, 5), (4, 5), (4, 5)]),
    Case("triplet_swap_p1", lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, p=1, swap=True),
         [(4, 5), (4, 5), (4, 5)]),
    Case("cosine_embedding", lambda m, a, b, y: F(m).cosine_embedding_loss(a, b, y, margin=0.1), [(4, 5), (4, 5), SIGNS]),
    Case("poisson_nll", lambda m, x, y: F(m).poisson_nll_loss(x, y), [(4, 3), Pos((4, 3))]),
    Case("poisson_nll_full", lambda m, x, y: F(m).poisson_nll_loss(x, y, log_input=False, full=True),
         [Pos((4, 3)), Fixed(np.array([[0.0, 1.0, 3.0]] * 4), grad=False)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_cross_entropy_every_target_ignored_is_nan_with_zero_gradient():
    import torch

    import chainrule
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    t = np.array([-100, -100, -100])
    tx = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(tx, torch.tensor(t))
    expected.backward()
    cx = chainrule.tensor(x, requires_grad=True)
    got = chainrule.nn.functional.cross_entropy(cx, chainrule.tensor(t))
    got.backward()
    assert np.isnan(float(got)) and np.isnan(float(expected))
    np.testing.assert_array_equal(cx.grad.numpy(), tx.grad.numpy())


def test_cross_entropy_cases_take_both_softmax_paths():
    """Logits within ±16 skip the max shift; the big-logit case above takes it."""
    from chainrule.kernels.rows import unshifted_limit
    assert unshifted_limit(np.float32) == unshifted_limit(np.float64) == 16.0
    assert unshifted_limit(np.float16) < 6


def test_mse_of_integer_targets_and_of_nothing_like_torch():
    """The fused squared error keeps PyTorch's dtype (float32 − int64 → float32), and the mean
    over an empty input is NaN with an empty gradient."""
    import torch

    import chainrule
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    y = np.arange(12).reshape(4, 3)
    ours, theirs = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    got = chainrule.nn.functional.mse_loss(ours, chainrule.tensor(y))
    want = torch.nn.functional.mse_loss(theirs, torch.tensor(y))
    got.backward()
    want.backward()
    assert got.dtype == chainrule.float32
    np.testing.assert_allclose(float(got), float(want), rtol=1e-6)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)
    empty = chainrule.tensor(np.zeros(0, np.float32), requires_grad=True)
    loss = chainrule.nn.functional.mse_loss(empty, chainrule.tensor(np.zeros(0, np.float32)))
    loss.backward()
    assert np.isnan(float(loss)) and empty.grad.shape == (0,)


def test_bce_with_logits_keeps_tiny_losses_of_confident_answers():
    """z = 40 with target 1: the loss is log(1 + e⁻⁴⁰) ≈ 4.2e-18, not 0 (order of the sum)."""
    import torch

    import chainrule
    z = np.array([40.0, -40.0, 15.0], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    got = chainrule.nn.functional.binary_cross_entropy_with_logits(chainrule.tensor(z), chainrule.tensor(y),
                                                                   reduction="sum")
    want = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(y), reduction="sum")
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5)
    assert float(got) > 0
