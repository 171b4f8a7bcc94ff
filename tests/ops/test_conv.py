"""chainrule.ops.conv against torch.nn.functional: conv, transposed conv, unfold/fold."""
from oracle import NC, Case, F, op_tests

from chainrule.kernels.conv import _shifted_adds_pay

CASES = [
    Case("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), [(2, 3, 7, 6), (4, 3, 3, 3), (4,)]),
    Case("conv2d_stride_pad", lambda m, x, w: F(m).conv2d(x, w, stride=2, padding=1), [(2, 3, 7, 6), (4, 3, 3, 2)]),
    Case("conv2d_dilation", lambda m, x, w: F(m).conv2d(x, w, dilation=(2, 1), padding=(2, 0)), [(1, 2, 8, 7), (3, 2, 3, 3)]),
    Case("conv2d_groups", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=2), [(2, 4, 6, 6), (6, 2, 3, 3), (6,)]),
    Case("conv2d_depthwise", lambda m, x, w: F(m).conv2d(x, w, groups=3, padding=1), [(2, 3, 5, 5), (3, 1, 3, 3)]),
    Case("conv2d_depthwise_multiplier", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=3, stride=(2, 1), padding=(2, 0),
                                                                       dilation=(1, 2)), [(2, 3, 9, 8), (6, 1, 3, 2), (6,)]),
    Case("conv2d_depthwise_unbatched", lambda m, x, w: F(m).conv2d(x, w, groups=2, stride=2, padding=1),
         [(2, 6, 7), (2, 1, 3, 3)]),
    Case("conv2d_same", lambda m, x, w: F(m).conv2d(x, w, padding="same"), [(1, 2, 6, 5), (3, 2, 4, 3)]),
    Case("conv2d_valid", lambda m, x, w: F(m).conv2d(x, w, padding="valid"), [(1, 2, 6, 5), (3, 2, 2, 2)]),
    Case("conv2d_unbatched", lambda m, x, w: F(m).conv2d(x, w), [(2, 5, 5), (3, 2, 3, 3)]),
    Case("conv2d_noncontig", lambda m, x, w: F(m).conv2d(x, w), [NC((2, 2, 5, 5)), (3, 2, 3, 3)]),
    Case("conv2d_wide_pad", lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1), [(1, 32, 6, 6), (4, 32, 3, 3), (4,)]),
    Case("conv2d_wide_same_dil", lambda m, x, w: F(m).conv2d(x, w, padding="same", dilation=(1, 2)),
         [(1, 32, 6, 7), (3, 32, 4, 3)]),
    Case("conv1d_wide", lambda m, x, w: F(m).conv1d(x, w), [(2, 40, 9), (3, 40, 3)]),
    Case("conv3d_wide", lambda m, x, w, b: F(m).conv3d(x, w, b), [(2, 8, 5, 6, 7), (3, 8, 2, 2, 2), (3,)]),
    Case("conv2d_1x1", lambda m, x, w: F(m).conv2d(x, w), [(2, 8, 3, 4), (5, 8, 1, 1)]),
    Case("conv2d_plane_512_bytes", lambda m, x, w: F(m).conv2d(x, w), [(1, 9, 16, 8), (2, 9, 2, 2)]),
    Case("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b, stride=2, padding=1), [(2, 3, 9), (4, 3, 3), (4,)]),
    Case("conv1d_groups_dil", lambda m, x, w: F(m).conv1d(x, w, groups=2, dilation=2), [(2, 4, 9), (2, 2, 3)]),
    Case("conv_transpose2d", lambda m, x, w, b: F(m).conv_transpose2d(x, w, b), [(2, 3, 4, 5), (3, 2, 3, 3), (2,)]),
    Case("conv_transpose2d_stride", lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
         [(2, 3, 4, 4), (3, 2, 3, 3)]),
    Case("conv_transpose2d_groups", lambda m, x, w: F(m).conv_transpose2d(x, w, groups=2, dilation=2),
         [(1, 4, 3, 3), (4, 3, 2, 2)]),
    Case("conv_transpose1d", lambda m, x, w, b: F(m).conv_transpose1d(x, w, b, stride=3, padding=1),
         [(2, 3, 5), (3, 4, 3), (4,)]),
    Case("unfold", lambda m, x: F(m).unfold(x, (2, 3), padding=1, stride=(1, 2)), [(2, 3, 5, 6)]),
    Case("unfold_dilation", lambda m, x: F(m).unfold(x, 2, dilation=2), [(1, 2, 5, 5)]),
    Case("fold", lambda m, x: F(m).fold(x, (4, 5), (2, 2)), [(2, 12, 12)]),
    Case("fold_stride", lambda m, x: F(m).fold(x, (5, 5), 3, padding=1, stride=2), [(1, 18, 9)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_cases_cover_both_input_gradient_paths():
    """Stride-1 cases on grids not much larger than their output take the shifted adds; strided
    or small-output cases the window adds — the oracle cases above run through both."""
    assert _shifted_adds_pay((2, 3, 7, 6), 4, (5, 4), (3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1))
    assert _shifted_adds_pay((1, 32, 6, 7), 3, (6, 7), (4, 3), (1, 1), ((1, 2), (2, 2)), (1, 2))
    assert _shifted_adds_pay((1, 2, 8, 7), 3, (8, 5), (3, 3), (1, 1), ((2, 2), (0, 0)), (2, 1))
    assert _shifted_adds_pay((2, 40, 9), 3, (7,), (3,), (1,), ((0, 0),), (1,))
    assert not _shifted_adds_pay((2, 3, 7, 6), 4, (4, 3), (3, 2), (2, 2), ((1, 1), (1, 1)), (1, 1))
    assert not _shifted_adds_pay((2, 2, 5, 5), 3, (3, 3), (3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1))
