"""chainrule.ops.reduction against torch."""
import math

import numpy as np

from oracle import NC, Bool, Case, Fixed, Pos, op_tests

ZEROS1 = Fixed(np.array([[1.5, 0.0, 2.0], [3.0, -1.0, 0.5]]))
ZEROS2 = Fixed(np.array([[0.0, 2.0, 0.0, 3.0], [1.0, 2.0, 3.0, 4.0]]))
TIES = Fixed(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]]))

CASES = [
    Case("sum", lambda m, a: a.sum(), [[(3, 4)], [()], [NC((3, 4))]]),
    Case("sum_dim", lambda m, a: a.sum(1), [(3, 4, 2)]),
    Case("sum_dims_keep", lambda m, a: m.sum(a, dim=(0, -1), keepdim=True), [(3, 4, 2)]),
    Case("sum_neg", lambda m, a: a.sum(-2), [(3, 4, 2)]),
    Case("mean", lambda m, a: a.mean(), [(3, 4)]),
    Case("mean_dim", lambda m, a: m.mean(a, dim=(1, 2), keepdim=True), [(3, 4, 2)]),
    Case("prod", lambda m, a: a.prod(), [[(2, 3)], [ZEROS1]], gradcheck=False),
    Case("prod_dim", lambda m, a: m.prod(a, 1), [[(3, 4)], [ZEROS2]]),
    Case("prod_keep", lambda m, a: a.prod(0, keepdim=True), [(3, 4)]),
    Case("var", lambda m, a: a.var(), [(3, 4)]),
    Case("var_dim", lambda m, a: m.var(a, dim=1, correction=0), [(3, 4)]),
    Case("var_keep", lambda m, a: a.var(dim=(0, 1), keepdim=True), [(3, 4, 2)]),
    Case("std", lambda m, a: a.std(), [(3, 4)]),
    Case("std_dim", lambda m, a: m.std(a, dim=0, keepdim=True), [(3, 4)]),
    Case("max_all", lambda m, a: a.max(), [[(3, 4)], [TIES]], gradcheck=False),
    Case("min_all", lambda m, a: m.min(a), [[(3, 4)], [TIES]], gradcheck=False),
    Case("max_dim", lambda m, a: tuple(a.max(dim=1)), [[(3, 4)], [TIES]], gradcheck=False),
    Case("max_dim_keep", lambda m, a: tuple(m.max(a, 0, keepdim=True)), [(3, 4)]),
    Case("min_dim", lambda m, a: tuple(m.min(a, -1)), [(3, 4)]),
    Case("max_binary", lambda m, a, b: m.max(a, b), [(3, 4), (4,)]),
    Case("amax", lambda m, a: m.amax(a, dim=(0, 1)), [[(3, 4, 2)], [TIES]], gradcheck=False),
    Case("amin", lambda m, a: a.amin(1, keepdim=True), [[(3, 4)], [TIES]], gradcheck=False),
    Case("argmax", lambda m, a: (a.argmax(), m.argmax(a, dim=1), a.argmax(0, keepdim=True)),
         [(3, 4)], grad=False),
    Case("argmin", lambda m, a: (a.argmin(), m.argmin(a, dim=-1)), [(3, 4)], grad=False),
    Case("logsumexp", lambda m, a: m.logsumexp(a, dim=1), [[(3, 4)], [(2, 3, 4)]]),
    Case("logsumexp_keep", lambda m, a: a.logsumexp(dim=(0, 1), keepdim=True), [(3, 4)]),
    Case("logsumexp_big", lambda m, a: m.logsumexp(a * 1000, dim=0), [(4,)], gradcheck=False),
    Case("norm", lambda m, a: a.norm(), [(3, 4)]),
    Case("norm_p1", lambda m, a: m.norm(a, p=1, dim=1), [(3, 4)]),
    Case("norm_p3", lambda m, a: m.norm(a, p=3, dim=0, keepdim=True), [(3, 4)]),
    Case("norm_inf", lambda m, a: m.norm(a, p=math.inf, dim=1), [(3, 4)]),
    Case("norm_zero_row", lambda m, a: m.norm(a, dim=1), [Fixed(np.array([[0.0, 0.0], [3.0, 4.0]]))],
         gradcheck=False, double=False),
    Case("cumsum", lambda m, a: m.cumsum(a, dim=1), [(3, 4)]),
    Case("cumsum_1d", lambda m, a: m.cumsum(a, dim=0), [(5,)]),
    Case("cumsum_neg", lambda m, a: a.cumsum(-1), [(2, 3)]),
    Case("cumprod", lambda m, a: m.cumprod(a, dim=1), [[(3, 4)], [ZEROS2]]),
    Case("cumprod_0", lambda m, a: a.cumprod(0), [Pos((4, 2))]),
    Case("all_any", lambda m, a: (a.all(), a.any(), m.all(a, dim=1), m.any(a, dim=0)),
         [Bool((3, 4))], grad=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)
