"""chainrule.ops.linalg against torch."""
from oracle import NC, Case, op_tests

CASES = [
    Case("matmul", lambda m, a, b: a @ b, [[(3, 4), (4, 5)], [NC((4, 3)), (3, 2)]]),
    Case("matmul_batched", lambda m, a, b: m.matmul(a, b), [[(2, 3, 4), (4, 5)], [(2, 3, 4), (1, 4, 5)],
                                                           [(3, 4), (2, 4, 5)], [(2, 1, 3, 4), (5, 4, 2)]]),
    Case("matmul_1d_2d", lambda m, a, b: a @ b, [(4,), (4, 3)]),
    Case("matmul_2d_1d", lambda m, a, b: a @ b, [(3, 4), (4,)]),
    Case("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), [(4,), (4,)]),
    Case("matmul_1d_3d", lambda m, a, b: a @ b, [(4,), (2, 4, 3)]),
    Case("mm", lambda m, a, b: m.mm(a, b), [(3, 4), (4, 2)]),
    Case("bmm", lambda m, a, b: m.bmm(a, b), [(2, 3, 4), (2, 4, 2)]),
    Case("dot", lambda m, a, b: m.dot(a, b), [(5,), (5,)]),
    Case("outer", lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    Case("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(3, 4), (4, 2)]),
    Case("einsum_batch", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)]),
    Case("einsum_sum", lambda m, a: m.einsum("ij->", a), [(3, 4)]),
    Case("einsum_rowsum", lambda m, a: m.einsum("ij->i", a), [(3, 4)]),
    Case("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [(3,), (4,)]),
    Case("einsum_diag", lambda m, a: m.einsum("ii->i", a), [(3, 3)]),
    Case("einsum_trace", lambda m, a: m.einsum("ii", a), [(3, 3)]),
    Case("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [(3, 4), (4, 2)]),
    Case("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), [(2, 3, 4), (2, 4, 5)]),
    Case("einsum_three", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 2)]),
    Case("einsum_attention", lambda m, q, k: m.einsum("bhqd,bhkd->bhqk", q, k), [(2, 2, 3, 4), (2, 2, 5, 4)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)
