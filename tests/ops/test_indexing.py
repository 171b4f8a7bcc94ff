"""chainrule.ops.indexing against torch."""

from oracle import Bool, Case, Int, op_tests


def idx(m, values):
    return m.tensor(values)


CASES = [
    Case("int", lambda m, a: a[1], [(3, 4)]),
    Case("neg_int", lambda m, a: a[-1, -2], [(3, 4)]),
    Case("slice", lambda m, a: a[1:, ::2], [(4, 5)]),
    Case("slice_neg_step", lambda m, a: a[:, 1:-1], [(4, 5)]),
    Case("none_ellipsis", lambda m, a: a[None, ..., 1], [(2, 3, 4)]),
    Case("list", lambda m, a: a[[0, 2, 2]], [(3, 4)]),
    Case("list_repeat_grad", lambda m, a: a[[0, 0, 1, 0]], [(2, 3)]),
    Case("int_tensor", lambda m, a, i: a[i], [(5, 2), Int((3, 2), 0, 5)]),
    Case("rows_repeat_negative", lambda m, a: a[m.tensor([[1, -1, 1], [0, 4, -4]])], [(5, 2, 3)]),
    Case("rows_then_slice", lambda m, a: a[m.tensor([2, 2, 0]), :], [(3, 4)]),
    Case("two_tensors", lambda m, a, i, j: a[i, j], [(5, 4), Int((6,), 0, 5), Int((6,), 0, 4)]),
    Case("mixed", lambda m, a: a[[0, 2], 1:3], [(3, 4)]),
    Case("bool_mask", lambda m, a, mask: a[mask], [(3, 4), Bool((3, 4))]),
    Case("bool_rows", lambda m, a, mask: a[mask], [(3, 4), Bool((3,))]),
    Case("gather", lambda m, a, i: m.gather(a, 1, i), [(3, 4), Int((3, 2), 0, 4)]),
    Case("gather_0", lambda m, a, i: a.gather(0, i), [(3, 4), Int((5, 4), 0, 3)]),
    Case("scatter", lambda m, a, src: m.scatter(a, 1, idx(m, [[0, 2], [1, 3]]), src), [(2, 4), (2, 2)]),
    Case("scatter_value", lambda m, a: a.scatter(0, idx(m, [[1, 0, 1]]), 5.0), [(2, 3)]),
    # torch's own backward rejects a src larger than index, so only the forward is compared
    Case("scatter_big_src", lambda m, a, src: a.scatter(1, idx(m, [[0], [2]]), src), [(2, 3), (2, 4)],
         grad=False),
    Case("scatter_add", lambda m, a, src: m.scatter_add(a, 1, idx(m, [[0, 0, 1], [2, 2, 2]]), src),
         [(2, 3), (2, 3)]),
    Case("index_select", lambda m, a: m.index_select(a, 1, idx(m, [3, 0, 3])), [(2, 4)]),
    Case("index_select_0", lambda m, a: a.index_select(0, idx(m, [1])), [(2, 4)]),
    Case("take_along_dim", lambda m, a, i: m.take_along_dim(a, i, dim=1), [(3, 4), Int((3, 2), 0, 4)]),
    Case("take_along_dim_bcast", lambda m, a, i: m.take_along_dim(a, i, dim=1), [(3, 4), Int((1, 2), 0, 4)]),
    Case("take_along_dim_flat", lambda m, a: m.take_along_dim(a, idx(m, [0, 5, 5])), [(3, 4)]),
    Case("take", lambda m, a: m.take(a, idx(m, [[0, 11], [3, 3]])), [(3, 4)]),
    Case("masked_select", lambda m, a, mask: m.masked_select(a, mask), [(3, 4), Bool((4,))]),
    Case("nonzero", lambda m, a: (m.nonzero(a), m.nonzero(a, as_tuple=True)), [Int((3, 4), 0, 2)], grad=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)
