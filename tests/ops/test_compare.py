"""chainrule.ops.compare against torch: comparisons and logic give bool tensors."""
import math

import numpy as np

from oracle import Bool, Case, Fixed, Int, op_tests

SPECIAL = Fixed(np.array([1.0, math.nan, math.inf, -math.inf, 0.0]), grad=False)

CASES = [
    Case("eq", lambda m, a, b: a == b, [Int((3, 4)), Int((4,))], grad=False),
    Case("ne", lambda m, a, b: a != b, [Int((3, 4)), Int((4,))], grad=False),
    Case("lt", lambda m, a, b: a < b, [(3, 4), (4,)], grad=False),
    Case("le", lambda m, a, b: a <= b, [(3, 4), 0.0], grad=False),
    Case("gt", lambda m, a, b: a > b, [(3, 4), (3, 1)], grad=False),
    Case("ge", lambda m, a, b: a >= b, [Int((3,)), 2], grad=False),
    Case("eq_fn", lambda m, a, b: m.eq(a, b), [Int((3, 4)), Int((3, 4))], grad=False),
    Case("logical_and", lambda m, a, b: m.logical_and(a, b), [Bool((3, 4)), Bool((4,))], grad=False),
    Case("logical_or", lambda m, a, b: m.logical_or(a, b), [Bool((3, 4)), Bool((4,))], grad=False),
    Case("logical_xor", lambda m, a, b: m.logical_xor(a, b), [Bool((3,)), Bool((3,))], grad=False),
    Case("logical_not", lambda m, a: m.logical_not(a), [Int((3,))], grad=False),
    Case("isnan", lambda m, a: m.isnan(a), [SPECIAL], grad=False),
    Case("isinf", lambda m, a: m.isinf(a), [SPECIAL], grad=False),
    Case("isfinite", lambda m, a: m.isfinite(a), [SPECIAL], grad=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)
