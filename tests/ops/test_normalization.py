"""chainrule.ops.normalization against torch.nn.functional (train and eval batch norm)."""
import numpy as np

from oracle import Case, F, Fixed, op_tests

RM, RV = Fixed(np.array([0.1, -0.2, 0.3]), grad=False), Fixed(np.array([1.5, 0.5, 2.0]), grad=False)

CASES = [
    Case("batch_norm_train", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
         [[(4, 3), (3,), (3,)], [(2, 3, 4, 5), (3,), (3,)], [(3, 3, 5), (3,), (3,)]]),
    Case("batch_norm_eval", lambda m, x, rm, rv, w, b: F(m).batch_norm(x, rm, rv, w, b, training=False),
         [(2, 3, 4, 4), RM, RV, (3,), (3,)]),
    Case("batch_norm_noaffine", lambda m, x: F(m).batch_norm(x, None, None, training=True, eps=1e-3), [(5, 3)]),
    Case("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)]),
    Case("layer_norm_2d", lambda m, x, w, b: F(m).layer_norm(x, (3, 4), w, b, eps=1e-3), [(2, 3, 4), (3, 4), (3, 4)]),
    Case("layer_norm_plain", lambda m, x: F(m).layer_norm(x, [5]), [(3, 5)]),
    Case("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [(2, 4, 3, 3), (4,), (4,)]),
    Case("group_norm_1d", lambda m, x: F(m).group_norm(x, 3), [(2, 6, 5)]),
    Case("instance_norm", lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), [(2, 3, 4, 5), (3,), (3,)]),
    Case("local_response_norm", lambda m, x: F(m).local_response_norm(x, 3, alpha=0.1, k=2.0), [(2, 5, 3, 3)]),
    Case("local_response_norm_even", lambda m, x: F(m).local_response_norm(x, 4), [(2, 6, 3)]),
    Case("normalize", lambda m, x: F(m).normalize(x), [(3, 4)]),
    Case("normalize_p1", lambda m, x: F(m).normalize(x, p=1.0, dim=-1), [(2, 3, 4)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_batch_norm_running_statistics_match_torch():
    import torch
    import chainrule as cr
    rng = np.random.default_rng(0)
    rm, rv = cr.zeros(3), cr.ones(3)
    trm, trv = torch.zeros(3), torch.ones(3)
    for _ in range(4):
        x = rng.standard_normal((6, 3, 2, 2)).astype(np.float32) * 2 + 1
        cr.nn.functional.batch_norm(cr.tensor(x), rm, rv, training=True, momentum=0.2)
        torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.2)
    np.testing.assert_allclose(rm.data, trm.numpy(), rtol=1e-5)
    np.testing.assert_allclose(rv.data, trv.numpy(), rtol=1e-5)
