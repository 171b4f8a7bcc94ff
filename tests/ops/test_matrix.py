"""chainrule.ops.matrix and ops.scatter against torch."""
import numpy as np
import pytest
import torch

import chainrule as cr
from oracle import Case, Fixed, op_tests


def _i(m, v):
    return m.tensor(v)


IDX = [[0, 1, 0, 2], [2, 2, 1, 0]]
SRC_Z = Fixed(np.array([[2., 0., 3., -1.], [0.5, 0., 4., 2.]]))   # zeros for the product's gradient

CASES = [
    Case("diag_vec", lambda m, a: m.diag(a), [(4,)]),
    Case("diag_vec_offset", lambda m, a: m.diag(a, 2) + 0, [(3,)]),
    Case("diag_vec_neg_offset", lambda m, a: a.diag(-1), [(3,)]),
    Case("diag_mat", lambda m, a: m.diag(a, 1), [(3, 4)]),
    Case("diag_embed", lambda m, a: m.diag_embed(a), [(2, 3)]),
    Case("diag_embed_dims", lambda m, a: m.diag_embed(a, 1, 0, 2), [(2, 3)]),
    Case("trace", lambda m, a: m.trace(a), [(3, 4)]),
    Case("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [(3,), (2,)]),
    Case("meshgrid_xy", lambda m, a, b, c: m.meshgrid(a, b, c, indexing="xy"), [(3,), (2,), (4,)]),
    Case("repeat_interleave", lambda m, a: a.repeat_interleave(2), [(2, 3)]),
    Case("repeat_interleave_dim", lambda m, a: m.repeat_interleave(a, _i(m, [1, 0, 3]), dim=1), [(2, 3)]),
    Case("unfold_1d", lambda m, a: a.unfold(0, 3, 2), [(8,)]),
    Case("unfold_2d", lambda m, a: a.unfold(1, 2, 1), [(2, 5)]),
    Case("scatter_reduce_sum", lambda m, a, s: m.scatter_reduce(a, 1, _i(m, IDX), s, "sum"), [(2, 3), (2, 4)]),
    Case("scatter_reduce_sum_noself", lambda m, a, s: a.scatter_reduce(1, _i(m, IDX), s, "sum", include_self=False),
         [(2, 3), (2, 4)]),
    Case("scatter_reduce_mean", lambda m, a, s: a.scatter_reduce(1, _i(m, IDX), s, "mean"), [(2, 3), (2, 4)]),
    Case("scatter_reduce_mean_noself", lambda m, a, s: a.scatter_reduce(1, _i(m, IDX), s, "mean", include_self=False),
         [(2, 3), (2, 4)]),
    Case("scatter_reduce_prod", lambda m, a, s: a.scatter_reduce(1, _i(m, IDX), s, "prod"), [(2, 3), SRC_Z],
         double=False),
    Case("scatter_reduce_prod_noself", lambda m, a, s: a.scatter_reduce(1, _i(m, IDX), s, "prod", include_self=False),
         [(2, 3), (2, 4)], double=False),
    Case("scatter_reduce_amax", lambda m, a, s: a.scatter_reduce(0, _i(m, [[1, 0, 1]]), s, "amax"), [(2, 3), (1, 3)],
         double=False),
    Case("scatter_reduce_amin_noself", lambda m, a, s: a.scatter_reduce(1, _i(m, IDX), s, "amin", include_self=False),
         [(2, 3), (2, 4)], double=False),
    Case("scatter_reduce_amax_ties", lambda m, a, s: a.scatter_reduce(1, _i(m, [[0, 0, 1]]), s, "amax"),
         [Fixed(np.array([[1., 2., 3.]])), Fixed(np.array([[1., 0.5, 2.]]))], gradcheck=False, double=False),
    Case("scatter_multiply", lambda m, a: a.scatter(1, _i(m, [[0, 0], [1, 2]]), 2.0, reduce="multiply"),
         [(2, 3)], grad=False),
    Case("scatter_add_reduce", lambda m, a, s: a.scatter(1, _i(m, [[0, 0], [1, 2]]), s, reduce="add"),
         [(2, 3), (2, 2)], grad=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_repeat_interleave_of_counts_and_errors():
    assert cr.arange(3).repeat_interleave(2).tolist() == torch.arange(3).repeat_interleave(2).tolist()
    assert cr.repeat_interleave(cr.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    with pytest.raises(RuntimeError, match="repeat_interleave: repeats can not be negative"):
        cr.ones(2).repeat_interleave(cr.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="scatter_reduce: reduce argument"):
        cr.zeros(3).scatter_reduce(0, cr.tensor([0]), cr.ones(1), "max")
