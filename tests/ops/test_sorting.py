"""chainrule.ops.sorting and ops.scan against torch."""
import numpy as np
import pytest
import torch

import chainrule as cr
from oracle import Case, Fixed, Int, op_tests

# distinct values so that the order (and the index of a tie) is unambiguous
D = Fixed(np.random.default_rng(3).permutation(24).reshape(4, 6) / 7.0)
# ties: finite differences are meaningless there, torch is the oracle for where the gradient goes
TIES = Fixed(np.array([[1., 3., 3., 0., 3., 1.], [2., 2., 2., 2., 5., -1.]]))

CASES = [
    Case("sort", lambda m, a: m.sort(a), [D]),
    Case("sort_desc_dim0", lambda m, a: a.sort(dim=0, descending=True), [D]),
    Case("sort_stable_ties", lambda m, a: m.sort(a, stable=True), [TIES], gradcheck=False),
    Case("sort_desc_stable_ties", lambda m, a: m.sort(a, descending=True, stable=True), [TIES], gradcheck=False),
    Case("argsort", lambda m, a: m.argsort(a, dim=1), [D], grad=False),
    Case("topk", lambda m, a: m.topk(a, 3), [D]),
    Case("topk_smallest_dim0", lambda m, a: a.topk(2, dim=0, largest=False), [D]),
    Case("kthvalue", lambda m, a: m.kthvalue(a, 2), [D]),
    Case("kthvalue_keepdim", lambda m, a: a.kthvalue(3, 0, True), [D]),
    Case("median_all", lambda m, a: m.median(a), [D]),
    Case("median_dim", lambda m, a: a.median(1), [D]),
    Case("median_keepdim", lambda m, a: a.median(0, keepdim=True), [D]),
    Case("mode", lambda m, a: m.mode(a, 1), [TIES], gradcheck=False),
    Case("cummax", lambda m, a: m.cummax(a, 1), [TIES], gradcheck=False),
    Case("cummin", lambda m, a: a.cummin(0), [TIES], gradcheck=False),
    Case("cummax_random", lambda m, a: m.cummax(a, 1), [D]),
    Case("logcumsumexp", lambda m, a: m.logcumsumexp(a, 1), [(3, 5)], double=False),
    Case("logcumsumexp_dim0", lambda m, a: a.logcumsumexp(0), [(4, 2)], double=False),
    Case("logcumsumexp_wide", lambda m, a: m.logcumsumexp(a * 100, 0), [(6,)], double=False),
    Case("msort", lambda m, a: m.msort(a), [D]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_nan_handling_matches_torch():
    x = np.array([[1.0, np.nan, 3.0, 0.5], [2.0, 1.0, np.nan, np.nan]])
    for fn in (lambda m, t: m.sort(t, 1), lambda m, t: m.sort(t, 1, descending=True),
               lambda m, t: m.cummax(t, 1), lambda m, t: m.cummin(t, 1), lambda m, t: t.median(1),
               lambda m, t: t.nanmedian(1), lambda m, t: (t.median(), t.nanmedian())):
        got, want = fn(cr, cr.tensor(x)), fn(torch, torch.tensor(x))
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g.data), w.numpy())


def test_unique_bincount_histc_searchsorted_bucketize():
    x = [3, 1, 2, 3, 3, 0, 1]
    for fn in (lambda m, t: m.unique(t), lambda m, t: m.unique(t, return_inverse=True, return_counts=True),
               lambda m, t: m.bincount(t), lambda m, t: m.bincount(t, minlength=9),
               lambda m, t: m.bincount(t, weights=m.linspace(0, 1, 7)),
               lambda m, t: m.histc(t.float(), bins=4), lambda m, t: m.histc(t.float(), 3, min=1, max=2),
               lambda m, t: m.searchsorted(m.tensor([0, 1, 3, 5]), t),
               lambda m, t: m.searchsorted(m.tensor([0, 1, 3, 5]), t, right=True),
               lambda m, t: m.searchsorted(m.tensor([[0, 1, 3], [1, 2, 9]]), m.tensor([[2, 3], [0, 9]]), side="right"),
               lambda m, t: m.bucketize(t, m.tensor([1, 3])), lambda m, t: m.bucketize(t, m.tensor([1, 3]), right=True),
               lambda m, t: m.unique(m.tensor([[1, 2], [1, 2], [0, 5]]), dim=0)):
        got, want = fn(cr, cr.tensor(x)), fn(torch, torch.tensor(x))
        got = got if isinstance(got, tuple) else (got,)
        want = want if isinstance(want, tuple) else (want,)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.data, w.numpy(), rtol=1e-6)
            assert g.dtype.name == str(w.dtype).replace("torch.", "")


def test_errors_name_the_op():
    with pytest.raises(RuntimeError, match="topk: k \\(5\\) is out of range"):
        cr.topk(cr.ones(3), 5)
    with pytest.raises(RuntimeError, match="kthvalue"):
        cr.kthvalue(cr.ones(3), 0)
    with pytest.raises(RuntimeError, match="bincount: input must contain only non-negative"):
        cr.bincount(cr.tensor([1, -1]))
