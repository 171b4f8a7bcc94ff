"""The rest of PyTorch's API that course code and tinygrad's operator suite use: 3-D convolution
and pooling, 5-D and nearest-exact interpolation, grouped-query attention, shrink activations."""
import numpy as np

import pytest

from oracle import Case, F, Fixed, op_tests

CASES = [
    Case("conv3d", lambda m, x, w, b: F(m).conv3d(x, w, b, stride=(1, 2, 1), padding=1),
         [(2, 2, 4, 5, 4), (3, 2, 2, 3, 2), (3,)], atol32=1e-4),
    Case("conv_transpose3d", lambda m, x, w: F(m).conv_transpose3d(x, w, stride=2, output_padding=1),
         [(1, 2, 3, 2, 3), (2, 3, 2, 2, 2)], atol32=1e-4),
    Case("max_pool3d", lambda m, x: F(m).max_pool3d(x, 2, ceil_mode=True), [(2, 2, 5, 4, 3)]),
    Case("avg_pool3d", lambda m, x: F(m).avg_pool3d(x, (2, 1, 2), padding=(1, 0, 1),
                                                     count_include_pad=False), [(1, 2, 4, 3, 4)]),
    Case("interp_trilinear", lambda m, x: F(m).interpolate(x, size=(3, 5, 4), mode="trilinear"),
         [(1, 2, 2, 3, 4)]),
    Case("interp_trilinear_ac", lambda m, x: F(m).interpolate(x, scale_factor=2, mode="trilinear",
                                                              align_corners=True), [(1, 1, 2, 2, 3)]),
    Case("interp_nearest_5d", lambda m, x: F(m).interpolate(x, size=(4, 2, 5)), [(1, 2, 3, 3, 2)]),
    Case("interp_nearest_exact", lambda m, x: F(m).interpolate(x, size=(5, 7), mode="nearest-exact"),
         [(1, 2, 4, 3)]),
    Case("interp_nearest_exact_1d", lambda m, x: F(m).interpolate(x, scale_factor=1.5, mode="nearest-exact"),
         [(1, 2, 6)]),
    Case("interp_bilinear_antialias", lambda m, x: F(m).interpolate(x, size=(4, 5), mode="bilinear", antialias=True),
         [(1, 2, 9, 13)]),
    Case("interp_bilinear_antialias_up", lambda m, x: F(m).interpolate(x, scale_factor=1.7, mode="bilinear",
                                                                       antialias=True), [(1, 1, 4, 5)]),
    Case("interp_bicubic", lambda m, x: F(m).interpolate(x, size=(7, 3), mode="bicubic"), [(2, 1, 5, 6)]),
    Case("interp_bicubic_ac", lambda m, x: F(m).interpolate(x, size=(7, 9), mode="bicubic", align_corners=True),
         [(1, 2, 5, 6)]),
    Case("interp_bicubic_antialias", lambda m, x: F(m).interpolate(x, size=(3, 4), mode="bicubic", antialias=True),
         [(1, 2, 9, 11)]),
    Case("sdpa_gqa", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v, enable_gqa=True),
         [(2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 6)]),
    Case("softsign", lambda m, x: F(m).softsign(x), [(3, 4)]),
    Case("tanhshrink", lambda m, x: F(m).tanhshrink(x), [(3, 4)]),
    Case("softshrink", lambda m, x: F(m).softshrink(x * 2, 0.7), [(3, 4)], double=False),
    Case("hardshrink", lambda m, x: F(m).hardshrink(x * 2), [(3, 4)], double=False),
    # edge cases from tinygrad's operator suite
    Case("var_std_single", lambda m, x: (x.var(1), x.std(1), x.var(0)), [(3, 1)], grad=False),
    Case("zero_d_dim0", lambda m, x: (m.sum(x, 0), m.logsumexp(x, 0), m.cumsum(x, 0), m.cumprod(x, 0),
                                      m.prod(x, 0), x.mean(-1)), [()]),
    Case("int_division_dtypes", lambda m, a, b: (a // b, m.div(a, b, rounding_mode="trunc"),
                                                 m.div(a, b, rounding_mode="floor"), m.div(a, b)),
         [Fixed(np.array([7, -7, 5, -9])), Fixed(np.array([2, 2, -3, -4]))], grad=False),
    Case("nonzero_edges", lambda m, a, b: (m.nonzero(a), m.nonzero(b), m.nonzero(m.tensor(3.0)),
                                           m.nonzero(m.tensor(0.0))),
         [Fixed(np.zeros((0, 3))), Fixed(np.zeros((2, 0, 3)))], grad=False),
    Case("where_int32", lambda m, a: m.where(a > 0, m.tensor(1, dtype=m.int32), m.tensor(-1, dtype=m.int32)),
         [(3, 2)], grad=False),
    Case("roll_int", lambda m, a: (m.roll(a, 2), a.roll(-1, 0), m.roll(a, (1, 2), (0, 1))), [(3, 4)]),
    Case("cross_entropy_prob_target_grad", lambda m, x, t: F(m).cross_entropy(x, t.softmax(1), label_smoothing=0.1),
         [(4, 5), (4, 5)]),
    Case("cross_entropy_prob_target_grad_none", lambda m, x, t: F(m).cross_entropy(x, t.softmax(1), reduction="none"),
         [(2, 3, 4), (2, 3, 4)]),
    Case("layers", lambda m, x: m.nn.Softsign()(x) + m.nn.Threshold(0.1, 2.0)(x) + m.nn.Tanhshrink()(x),
         [(3, 4)], double=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_layer_reprs_match_torch():
    import torch
    import chainrule as cr
    for make in (lambda nn: nn.Conv3d(2, 4, 3, padding=1), lambda nn: nn.ConvTranspose3d(2, 4, 2, stride=2),
                 lambda nn: nn.MaxPool3d(2), lambda nn: nn.AvgPool3d(3, stride=1), lambda nn: nn.Softsign(),
                 lambda nn: nn.Softshrink(0.3), lambda nn: nn.Hardshrink(), lambda nn: nn.Tanhshrink(),
                 lambda nn: nn.Threshold(0.1, 20.0), lambda nn: nn.BatchNorm3d(4)):
        assert repr(make(cr.nn)) == repr(make(torch.nn))
    keys = lambda mod: [(k, tuple(v.shape)) for k, v in mod.state_dict().items()]  # noqa: E731
    assert keys(cr.nn.Conv3d(2, 4, 3)) == keys(torch.nn.Conv3d(2, 4, 3))
    assert np.allclose(cr.nn.BatchNorm3d(4).running_var.data, 1.0)
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(cr.nn.BatchNorm3d(4)(cr.tensor(x)).data,
                               torch.nn.BatchNorm3d(4)(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_edge_errors_match_torch():
    import chainrule as cr
    with pytest.raises(RuntimeError, match="flip: dim 0 appears multiple times"):
        cr.ones(2, 3).flip((0, 0))
    with pytest.raises(RuntimeError, match="div: ZeroDivisionError"):
        cr.tensor([3]) // cr.tensor([0])
