"""chainrule.ops.math_ops against torch."""
import numpy as np

from oracle import Case, Fixed, Pos, Unit, op_tests

CASES = [
    Case("exp", lambda m, a: m.exp(a), [[(3, 4)], [()]]),
    Case("exp2", lambda m, a: m.exp2(a), [(3, 4)]),
    Case("expm1", lambda m, a: m.expm1(a), [(3, 4)]),
    Case("log", lambda m, a: m.log(a), [Pos((3, 4))]),
    Case("log2", lambda m, a: m.log2(a), [Pos((3, 4))]),
    Case("log10", lambda m, a: m.log10(a), [Pos((3, 4))]),
    Case("log1p", lambda m, a: m.log1p(a), [Pos((3, 4))]),
    Case("sqrt", lambda m, a: m.sqrt(a), [Pos((3, 4))]),
    Case("rsqrt", lambda m, a: m.rsqrt(a), [Pos((3, 4))]),
    Case("square", lambda m, a: m.square(a), [(3, 4)]),
    Case("sin", lambda m, a: m.sin(a), [(3, 4)]),
    Case("cos", lambda m, a: m.cos(a), [(3, 4)]),
    Case("tan", lambda m, a: m.tan(a), [Unit((3, 4))]),
    Case("tanh", lambda m, a: m.tanh(a), [(3, 4)]),
    Case("sigmoid", lambda m, a: m.sigmoid(a), [[(3, 4)], [Fixed(np.array([-100.0, -5.0, 0.0, 5.0, 100.0]))]]),
    Case("erf", lambda m, a: m.erf(a), [[(3, 4)], [Fixed(np.array([-4.0, -3.0, -0.5, 0.0, 2.9, 3.5]))]]),
    Case("pow_scalar", lambda m, a: a ** 3, [(3, 4)]),
    Case("pow_square", lambda m, a: a ** 2, [(3, 4)]),
    Case("pow_square_float", lambda m, a: m.pow(a, 2.0), [(3,)]),
    Case("pow_half", lambda m, a: a ** 0.5, [Pos((3, 4))]),
    Case("pow_neg", lambda m, a: m.pow(a, -2.0), [Pos((3,))]),
    Case("pow_zero", lambda m, a: a ** 0, [(3,)]),
    Case("pow_tensor", lambda m, a, b: a ** b, [[Pos((3, 4)), (4,)], [Pos((2, 1)), (3,)]]),
    Case("rpow", lambda m, b: 2.0 ** b, [(3, 4)]),
    Case("pow_zero_base", lambda m, a, b: a ** b,
         [Fixed(np.array([0.0, 0.0, 1.5])), Fixed(np.array([2.0, 0.5, 1.0]))], gradcheck=False,
         double=False),
    Case("xlogy", lambda m, a, b: m.xlogy(a, b), [Pos((3, 4)), Pos((3, 4))]),
    Case("floor", lambda m, a: m.floor(a), [(3, 4)], grad=False),
    Case("ceil", lambda m, a: m.ceil(a), [(3, 4)], grad=False),
    Case("round", lambda m, a: m.round(a * 3), [(3, 4)], grad=False),
    Case("trunc", lambda m, a: m.trunc(a * 3), [(3, 4)], grad=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_float32_erf_is_accurate_to_float32_everywhere():
    """erf in float32 (series near 0, A&S 7.1.26 beyond): within 5e-7 absolute and 1e-6
    relative of the exact value over [−6, 6], tiny arguments included."""
    import torch

    import chainrule as cr
    x = np.concatenate([np.linspace(-6, 6, 100001), [1e-30, -1e-10, 1e-5, 0.4999, 0.5, 0.5001]])
    x = x.astype(np.float32)
    got = cr.erf(cr.tensor(x)).numpy()
    exact = torch.erf(torch.tensor(x, dtype=torch.float64)).numpy()
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() <= 5e-7
    nonzero = exact != 0
    assert (np.abs(got - exact)[nonzero] / np.abs(exact[nonzero])).max() <= 1e-6
