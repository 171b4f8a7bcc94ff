"""chainrule.ops.normalization against torch.nn.functional (train and eval batch norm)."""
import numpy as np
import pytest

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


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_layer_norm_row_blocks_on_threads_match_torch(monkeypatch, threads):
    """The row kernel split over threads (forced on for a small input) gives torch's numbers."""
    import torch

    import chainrule as cr
    from chainrule import tunables
    monkeypatch.setattr(tunables, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(tunables, "PARALLEL_MIN_COMPILED", 0)
    before = cr.get_num_threads()
    cr.set_num_threads(threads)
    try:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((7, 5, 6)) * 3 + 1
        w, b = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
        g = rng.standard_normal(x.shape)
        ours = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = cr.nn.functional.layer_norm(ours[0], (5, 6), ours[1], ours[2])
        yt = torch.nn.functional.layer_norm(theirs[0], (5, 6), theirs[1], theirs[2])
        y.backward(cr.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        for a, at in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-9, atol=1e-11)
    finally:
        cr.set_num_threads(before)


def test_set_num_threads_rejects_nonsense():
    import chainrule as cr
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="set_num_threads: expected a positive int"):
            cr.set_num_threads(bad)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_row_kernels_run_in_a_forked_child():
    """A child forked after the thread pool started gets its own pool instead of waiting forever."""
    import subprocess
    import sys
    import textwrap
    script = textwrap.dedent("""
        import os
        import chainrule as cr
        from chainrule import tunables
        tunables.PARALLEL_MIN_ROWS = tunables.PARALLEL_MIN_COMPILED = 0
        cr.set_num_threads(2)
        x = cr.randn(8, 16)
        cr.nn.functional.layer_norm(x, (16,))
        pid = os.fork()
        if pid == 0:
            y = cr.nn.functional.layer_norm(x, (16,))
            os._exit(0 if abs(float(y.mean())) < 1e-5 else 1)
        _, status = os.waitpid(pid, 0)
        raise SystemExit(os.waitstatus_to_exitcode(status))
    """)
    assert subprocess.run([sys.executable, "-c", script], timeout=120).returncode == 0
