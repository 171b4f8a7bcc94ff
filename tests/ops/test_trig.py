"""chainrule.ops.trig against torch."""
import numpy as np

from oracle import Case, Fixed, Pos, Unit, op_tests

CASES = [
    Case("asin", lambda m, a: m.asin(a), [Unit((3, 4))]),
    Case("acos", lambda m, a: a.acos(), [Unit((3, 4))]),
    Case("atan", lambda m, a: m.atan(a), [(3, 4)]),
    Case("sinh", lambda m, a: a.sinh(), [(3, 4)]),
    Case("cosh", lambda m, a: m.cosh(a), [(3, 4)]),
    Case("asinh", lambda m, a: m.asinh(a), [(3, 4)]),
    Case("acosh", lambda m, a: m.acosh(a + 1.5), [Pos((3, 4))]),
    Case("atanh", lambda m, a: a.atanh(), [Unit((3, 4))]),
    Case("arctan2_alias", lambda m, a, b: m.arctan2(a, b), [(3, 4), (4,)]),
    Case("atan2", lambda m, a, b: m.atan2(a, b), [(3, 4), (3, 1)]),
    Case("hypot", lambda m, a, b: m.hypot(a, b), [Pos((3, 4)), (4,)]),
    Case("logaddexp", lambda m, a, b: m.logaddexp(a, b), [(3, 4), (3, 4)]),
    Case("logaddexp_large", lambda m, a, b: m.logaddexp(a * 500, b), [(3,), (3,)]),
    Case("copysign", lambda m, a, b: m.copysign(a, b), [(3, 4), (3, 4)]),
    Case("fmod", lambda m, a, b: m.fmod(a * 5, b), [(3, 4), Pos((3, 4))]),
    Case("fmod_scalar", lambda m, a: a.fmod(0.7), [(3, 4)]),
    Case("fmod_int", lambda m, a: m.fmod(a, m.tensor([3, -3, 2])),
         [Fixed(np.array([7, -7, 5]), grad=False)], grad=False),
    Case("deg2rad", lambda m, a: m.deg2rad(a) + m.rad2deg(a), [(3,)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_shifts_and_bitwise_on_integers():
    import chainrule as cr
    import torch
    a = [5, -3, 12]
    for op in (lambda m, x: x << 2, lambda m, x: x >> 1, lambda m, x: x & 6, lambda m, x: x | 1,
               lambda m, x: x ^ 3, lambda m, x: ~x, lambda m, x: m.bitwise_left_shift(x, m.tensor([1, 2, 3]))):
        assert op(cr, cr.tensor(a)).tolist() == op(torch, torch.tensor(a)).tolist()
