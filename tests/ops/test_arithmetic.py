"""chainrule.ops.arithmetic against torch: forward, gradients, gradcheck, double backward."""
import numpy as np

from oracle import NC, Bool, Case, Fixed, Int, Pos, op_tests

TIES = Fixed(np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]))
TIES_B = Fixed(np.array([[1.0, 0.0, 3.0], [0.5, 2.0, -2.0]]))

CASES = [
    Case("add", lambda m, a, b: a + b, [[(3, 4), (4,)], [(), (2, 3)], [(1, 3), (2, 1)],
                                        [NC((3, 4)), (3, 4)], [(3, 4), 2.5], [1.5, (3,)]]),
    Case("add_alpha", lambda m, a, b: m.add(a, b, alpha=2.0), [(2, 3), (3,)]),
    Case("sub", lambda m, a, b: a - b, [[(3, 4), (4,)], [(2, 1, 3), (4, 1)], [2.0, (3,)]]),
    Case("sub_alpha", lambda m, a, b: m.sub(a, b, alpha=0.5), [(2, 3), (2, 3)]),
    Case("mul", lambda m, a, b: a * b, [[(3, 4), (4,)], [(), (2, 3)], [(5,), 3.0], [NC((2, 3)), (3,)]]),
    Case("div", lambda m, a, b: a / b, [[(3, 4), Pos((4,))], [Pos((2, 3)), Pos(())], [(3,), 4.0],
                                        [2.0, Pos((3,))]]),
    Case("neg", lambda m, a: -a, [[(3, 4)], [()]]),
    Case("reciprocal", lambda m, a: m.reciprocal(a), [Pos((3, 4))]),
    Case("abs", lambda m, a: m.abs(a), [[(3, 4)], [Fixed(np.array([-1.0, 0.0, 2.0]))]], gradcheck=False),
    Case("abs_smooth", lambda m, a: a.abs(), [Pos((3,))]),
    Case("maximum", lambda m, a, b: m.maximum(a, b), [[(3, 4), (4,)], [TIES, TIES_B]], gradcheck=False),
    Case("minimum", lambda m, a, b: m.minimum(a, b), [[(3, 4), (3, 1)], [TIES, TIES_B]], gradcheck=False),
    Case("maximum_smooth", lambda m, a, b: m.maximum(a, b), [(3, 4), (4,)]),
    Case("clamp", lambda m, a: m.clamp(a, -0.5, 0.5), [(4, 5)]),
    Case("clamp_min", lambda m, a: a.clamp(min=0.1), [(4, 5)]),
    Case("clamp_max", lambda m, a: m.clamp(a, max=0.2), [(4, 5)]),
    Case("clamp_tensor", lambda m, a, lo, hi: m.clamp(a, lo, hi + 1.0), [(3, 4), (4,), Pos((3, 1))]),
    Case("clip", lambda m, a: m.clip(a, -1.0, 1.0), [(6,)]),
    Case("where", lambda m, c, a, b: m.where(c, a, b), [[Bool((3, 4)), (3, 4), (4,)],
                                                        [Bool((3, 1)), (1, 4), 0.5]]),
    Case("lerp", lambda m, a, b: m.lerp(a, b, 0.3), [(3, 4), (3, 4)]),
    Case("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w), [(3, 4), (4,), (3, 1)]),
    Case("remainder", lambda m, a: m.remainder(a, 0.7), [(3, 4)], gradcheck=False),
    Case("floor_divide", lambda m, a, b: m.floor_divide(a, b), [Int((4,), 1, 9), Int((4,), 1, 4)], grad=False),
    Case("sign", lambda m, a: m.sign(a), [(3, 4)], grad=False),
    Case("int_true_div", lambda m, a, b: a / b, [Int((4,), 1, 9), Int((4,), 1, 4)], grad=False),
    Case("int_times_float", lambda m, a: a * 2.5, [Int((4,))], grad=False),
    Case("int_plus_int", lambda m, a: a + 3, [Int((2, 3))], grad=False),
    Case("bool_and", lambda m, a, b: a & b, [Bool((3,)), Bool((3,))], grad=False),
    Case("bool_or_not", lambda m, a, b: (a | b) ^ ~a, [Bool((3,)), Bool((3,))], grad=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)
