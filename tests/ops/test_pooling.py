"""chainrule.ops.pooling against torch.nn.functional."""
import numpy as np

from oracle import Case, F, Fixed, op_tests

TIES = Fixed(np.array([[[[1.0, 1.0, 2.0, 2.0], [1.0, 0.0, 2.0, 0.5], [3.0, 3.0, 0.0, 0.0], [3.0, 1.0, 0.0, 4.0]]]]))

CASES = [
    Case("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), [(2, 3, 6, 6)]),
    Case("max_pool2d_stride_pad", lambda m, x: F(m).max_pool2d(x, 3, stride=2, padding=1), [(2, 2, 7, 6)]),
    Case("max_pool2d_overlap", lambda m, x: F(m).max_pool2d(x, (3, 2), stride=1), [(1, 2, 5, 5)]),
    Case("max_pool2d_dilation", lambda m, x: F(m).max_pool2d(x, 2, stride=1, dilation=2), [(1, 2, 6, 6)]),
    Case("max_pool2d_ceil", lambda m, x: F(m).max_pool2d(x, 2, ceil_mode=True), [(1, 2, 5, 7)]),
    Case("max_pool2d_indices", lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), [(2, 2, 4, 6)]),
    Case("max_pool2d_unbatched", lambda m, x: F(m).max_pool2d(x, 2), [(3, 4, 4)]),
    Case("max_pool2d_ties", lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), [TIES], gradcheck=False),
    Case("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, stride=2, padding=1), [(2, 3, 9)]),
    Case("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), [(2, 3, 6, 6)]),
    Case("avg_pool2d_pad", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1), [(2, 2, 7, 6)]),
    Case("avg_pool2d_exclude_pad", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
         [(2, 2, 7, 6)]),
    Case("avg_pool2d_ceil", lambda m, x: F(m).avg_pool2d(x, 2, ceil_mode=True, padding=1), [(1, 2, 6, 7)]),
    Case("avg_pool2d_ceil_excl", lambda m, x: F(m).avg_pool2d(x, 3, 2, ceil_mode=True, count_include_pad=False),
         [(1, 1, 6, 8)]),
    Case("avg_pool2d_divisor", lambda m, x: F(m).avg_pool2d(x, 2, divisor_override=3), [(1, 2, 4, 4)]),
    Case("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 3, stride=2, padding=1), [(2, 3, 8)]),
    Case("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 2)), [(2, 3, 7, 5)]),
    Case("adaptive_avg_pool2d_global", lambda m, x: F(m).adaptive_avg_pool2d(x, 1), [(2, 3, 4, 4)]),
    Case("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 4), [(2, 3, 10)]),
    Case("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (3, 2), return_indices=True), [(2, 3, 7, 5)]),
    Case("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 3), [(2, 3, 8)]),
    Case("max_unpool2d", lambda m, x: F(m).max_unpool2d(*F(m).max_pool2d(x, 2, return_indices=True), 2),
         [(2, 2, 4, 6)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)
