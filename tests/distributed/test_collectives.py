"""Every collective against its definition, on 2 ranks (each rank's values depend on its rank,
the expected result is computed in the program from all ranks' values)."""
import pytest

import chainrule as cr
import chainrule.distributed as dist

from mpi_ranks import run_ranks

COLLECTIVES = """
import numpy as np
import chainrule as cr
import chainrule.distributed as dist

dist.init_process_group(backend="mpi")
r, w = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == "mpi" and w == 2
def value(rank, shape=(3, 4)):
    return (np.arange(np.prod(shape), dtype=np.float32).reshape(shape) + 1) * (rank + 2)
ranks = [value(k) for k in range(w)]

for op, expect in [(dist.ReduceOp.SUM, sum(ranks)), (dist.ReduceOp.PRODUCT, ranks[0] * ranks[1]),
                   (dist.ReduceOp.MIN, np.minimum(*ranks)), (dist.ReduceOp.MAX, np.maximum(*ranks)),
                   (dist.ReduceOp.AVG, sum(ranks) / w)]:
    t = cr.tensor(value(r))
    assert dist.all_reduce(t, op=op) is None
    np.testing.assert_allclose(t.numpy(), expect, rtol=1e-6)
    t = cr.tensor(value(r))
    work = dist.all_reduce(t, op=op, async_op=True)
    assert work.wait() and work.is_completed() and work.result()[0] is t
    np.testing.assert_allclose(t.numpy(), expect, rtol=1e-6)

bits = cr.tensor(np.array([1 + r, 6, 3 * r], np.int64))
dist.all_reduce(bits, op=dist.ReduceOp.BOR)
assert bits.tolist() == [1 | 2, 6, 0 | 3]

# a non-contiguous view is reduced through a copy and written back in place
base = cr.tensor(value(r))
view = base[:, ::2]
dist.all_reduce(view)
np.testing.assert_allclose(base.numpy()[:, ::2], sum(ranks)[:, ::2])
np.testing.assert_allclose(base.numpy()[:, 1::2], value(r)[:, 1::2])

# a parameter that requires grad is changed in place (as torch's c10d, outside autograd)
p = cr.nn.Parameter(cr.tensor(value(r)))
dist.broadcast(p, src=1)
np.testing.assert_allclose(p.detach().numpy(), ranks[1])
t = cr.tensor(value(r)); work = dist.broadcast(t, src=0, async_op=True); work.wait()
np.testing.assert_allclose(t.numpy(), ranks[0])

t = cr.tensor(value(r)); dist.reduce(t, dst=1)
np.testing.assert_allclose(t.numpy(), sum(ranks) if r == 1 else value(r))

out = [cr.zeros(3, 4) for _ in range(w)]
dist.all_gather(out, cr.tensor(value(r)))
for k in range(w):
    np.testing.assert_allclose(out[k].numpy(), ranks[k])
out = [cr.zeros(3, 4) for _ in range(w)]
dist.all_gather(out, cr.tensor(value(r)), async_op=True).wait()
np.testing.assert_allclose(out[1].numpy(), ranks[1])
big = cr.zeros(w * 3, 4)
dist.all_gather_into_tensor(big, cr.tensor(value(r)))
np.testing.assert_allclose(big.numpy(), np.concatenate(ranks))

chunks = [cr.tensor(value(r) + 10 * k) for k in range(w)]
got = cr.zeros(3, 4)
dist.reduce_scatter(got, chunks)
np.testing.assert_allclose(got.numpy(), sum(value(k) + 10 * r for k in range(w)))
got = cr.zeros(3, 4)
dist.reduce_scatter_tensor(got, cr.tensor(np.concatenate([value(r) + 10 * k for k in range(w)])),
                           op=dist.ReduceOp.AVG)
np.testing.assert_allclose(got.numpy(), sum(value(k) + 10 * r for k in range(w)) / w, rtol=1e-6)

if r == 0:
    got = [cr.zeros(3, 4) for _ in range(w)]
    dist.gather(cr.tensor(value(r)), got, dst=0)
    for k in range(w):
        np.testing.assert_allclose(got[k].numpy(), ranks[k])
else:
    dist.gather(cr.tensor(value(r)), dst=0)
mine = cr.zeros(3, 4)
dist.scatter(mine, [cr.tensor(value(k) * 7) for k in range(w)] if r == 1 else None, src=1)
np.testing.assert_allclose(mine.numpy(), value(r) * 7)

dist.barrier(); dist.barrier(async_op=True).wait()
if r == 0:
    dist.send(cr.tensor(value(5)), dst=1)
    dist.isend(cr.tensor(value(6)), dst=1, tag=3).wait()
else:
    t = cr.zeros(3, 4)
    assert dist.recv(t) == 0
    np.testing.assert_allclose(t.numpy(), value(5))
    work = dist.irecv(t, src=0, tag=3); work.wait()
    np.testing.assert_allclose(t.numpy(), value(6))

sub = dist.new_group([1])
if r == 1:
    assert dist.get_rank(sub) == 0 and dist.get_world_size(sub) == 1
    t = cr.tensor(value(r)); dist.all_reduce(t, group=sub)
    np.testing.assert_allclose(t.numpy(), value(r))
else:
    assert sub is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(sub) == -1

# mistakes get errors that name the collective
for call, kind, words in [
        (lambda: dist.all_gather([cr.zeros(3, 4)], cr.zeros(3, 4)), ValueError, "list of 2 tensors"),
        (lambda: dist.all_reduce(cr.tensor([1, 2]), op=dist.ReduceOp.AVG), TypeError, "AVG"),
        (lambda: dist.broadcast(cr.zeros(2), src=5), ValueError, "src=5"),
        (lambda: dist.all_reduce(np.zeros(2)), TypeError, "must be a Tensor"),
        (lambda: dist.gather(cr.zeros(2), [cr.zeros(2)] * 2, dst=1 - r), ValueError,
         "gather_list must NOT be given on ranks other than dst"),
        (lambda: dist.scatter(cr.zeros(2), [cr.zeros(2)] * 2, src=1 - r), ValueError,
         "scatter_list must NOT be given on ranks other than src"),
        (lambda: dist.init_process_group("mpi"), RuntimeError, "twice")]:
    try:
        call()
    except kind as e:
        assert words in str(e), (words, str(e))
    else:
        raise AssertionError(f"no error for {words}")
dist.destroy_process_group()
assert not dist.is_initialized()
print("ok", r)
"""


def test_every_collective_on_two_ranks(tmp_path):
    done = run_ranks(tmp_path, COLLECTIVES)
    assert sorted(done.stdout.split("\n")[:2]) == ["ok 0", "ok 1"], done.stdout


def test_a_single_process_is_a_world_of_one():
    dist.init_process_group(backend="mpi")
    try:
        assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
        t = cr.tensor([1.0, 2.0])
        dist.all_reduce(t, op=dist.ReduceOp.AVG)
        assert t.tolist() == [1.0, 2.0]
    finally:
        dist.destroy_process_group()


def test_misuse_before_init_and_wrong_backend():
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="all_reduce: Default process group"):
        dist.all_reduce(cr.zeros(2))
    with pytest.raises(ValueError, match="chainrule runs on MPI; got backend='nccl'"):
        dist.init_process_group(backend="nccl")
    with pytest.raises(ValueError, match="world_size=4, but MPI started this process as world_size 1"):
        dist.init_process_group(backend="mpi", world_size=4)
    assert not dist.is_initialized()


def test_an_uncaught_error_on_one_rank_ends_every_rank(tmp_path):
    done = run_ranks(tmp_path, """
        import chainrule as cr, chainrule.distributed as dist
        dist.init_process_group("mpi")
        if dist.get_rank() == 1:
            raise KeyError("rank 1 lost its data")
        dist.all_reduce(cr.zeros(4))   # rank 0 would wait here forever
        print("rank 0 passed the collective")
        """, timeout=60, check=False)
    assert done.returncode != 0
    assert "rank 1 lost its data" in done.stderr and "aborting all ranks" in done.stderr
    assert "passed the collective" not in done.stdout
