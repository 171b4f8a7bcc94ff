"""chainrule.ops.indexing against torch."""

from oracle import Bool, Case, Int, op_tests


def _assigned(x, key, value):
    x[key] = value
    return x


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
    # PyTorch applies integers before index arrays: x[0, :, [0, 1]] is (3, 2), NumPy's is (2, 3)
    Case("int_slice_list", lambda m, a: a[0, :, [0, 1, 1]], [(2, 3, 4)]),
    Case("none_int_slice_list", lambda m, a: a[None, 1, :, [2, 0]], [(2, 3, 4)]),
    Case("list_slice_int", lambda m, a: a[[1, 0], :, -1], [(2, 3, 4)]),
    Case("bool_int", lambda m, a, mask: a[mask, 2], [(3, 2, 4), Bool((3, 2))]),
    Case("setitem_slice", lambda m, a, v: _assigned(a * 1, (slice(1, 3), slice(None)), v * 2),
         [(4, 3), (2, 3)]),
    Case("setitem_broadcast", lambda m, a, v: _assigned(a.sin(), (slice(None), 1), v), [(4, 3), (1,)]),
    Case("setitem_list", lambda m, a, v: _assigned(a + 0, ([2, 0],), v), [(4, 3), (2, 3)]),
    Case("setitem_int_slice_list", lambda m, a, v: _assigned(a * 3, (1, slice(None), [0, 2]), v),
         [(2, 3, 4), (3, 2)]),
    # detach() hides a from gradcheck's finite differences, so only torch is the oracle here
    Case("setitem_value_only", lambda m, a, v: _assigned(a.detach() * 1, (0,), v), [(2, 3), (3,)],
         gradcheck=False),
    Case("nonzero", lambda m, a: (m.nonzero(a), m.nonzero(a, as_tuple=True)), [Int((3, 4), 0, 2)], grad=False),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_setitem_writes_in_place_without_copy():
    import numpy as np
    import chainrule as cr
    x = cr.zeros(1000, 4)
    mem = x._data
    x[10:12, :] = cr.ones(2, 4)
    x[3] = 7.0
    assert x._data is mem and x._data[10:12].sum() == 8 and x._data[3].tolist() == [7.0] * 4
    row = x[5]                      # a view: writing it writes x
    row[1:3] = 2.0
    assert x._data[5].tolist() == [0.0, 2.0, 2.0, 0.0]
    s = x[5, 2]                     # a 0-d view, as in PyTorch
    s.fill_(9.0)
    assert x._data[5, 2] == 9.0 and np.shares_memory(s._data, mem)


def test_setitem_bumps_version_for_pending_backward():
    import pytest
    import chainrule as cr
    w = cr.randn(3, requires_grad=True)
    x = cr.ones(3)
    y = (w * x).sum()               # mul saved x
    x[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_setitem_on_leaf_requiring_grad_raises():
    import pytest
    import chainrule as cr
    w = cr.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 1.0
    with cr.no_grad():
        w[0] = 1.0
    assert w._data[0] == 1.0


def test_getitem_view_without_grad_has_no_node():
    import chainrule as cr
    x = cr.randn(30, 5)
    y = x[3]
    assert y.grad_fn is None and not y.requires_grad and y._base is x
    z = cr.randn(30, 5, requires_grad=True)[3]
    assert z.grad_fn is not None
    with cr.no_grad():
        assert cr.randn(3, 2, requires_grad=True)[1].grad_fn is None
