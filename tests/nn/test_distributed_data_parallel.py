"""DistributedDataParallel on 2 ranks: the same weights as one process training on the global
batches, rank 0's initial weights everywhere, no_sync accumulation, unused parameters, buffers."""
import pytest

import chainrule as cr
from chainrule import nn

from mpi_ranks import run_ranks

TRAIN = """
import numpy as np
import chainrule as cr
from chainrule import nn
import chainrule.distributed as dist
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group("mpi")
r, w = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(0)
X = rng.normal(size=(96, 5)).astype(np.float32)
Y = rng.integers(0, 3, 96)
data = TensorDataset(cr.tensor(X), cr.tensor(Y))

def mlp(seed):
    cr.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))

local = mlp(seed=r)                         # rank 1 starts from other weights ...
theirs = [p.detach().numpy().copy() for p in local.parameters()]
model = nn.parallel.DistributedDataParallel(local, bucket_cap_mb=0.0005)   # several buckets
for p, q in zip(mlp(seed=0).parameters(), model.parameters()):   # ... replaced by rank 0's
    np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
assert r == 0 or not np.array_equal(theirs[0], model.module[0].weight.detach().numpy())
assert len(model._buckets) > 1 and list(model.state_dict())[0] == "module.0.weight"

sampler = DistributedSampler(data, shuffle=True, seed=5)
loader = DataLoader(data, batch_size=8, sampler=sampler)
opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
ref = mlp(seed=0)
ref_opt = cr.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
for epoch in range(2):
    sampler.set_epoch(epoch)
    shards = []
    for k in range(w):
        s = DistributedSampler(data, w, k, shuffle=True, seed=5)
        s.set_epoch(epoch)
        shards.append(list(s))
    for step, (x, y) in enumerate(loader):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        batch = [i for k in range(w) for i in shards[k][step * 8:(step + 1) * 8]]   # the global batch
        ref_opt.zero_grad()
        nn.functional.cross_entropy(ref(cr.tensor(X[batch])), cr.tensor(Y[batch])).backward()
        ref_opt.step()
for p, q in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
assert model.communication_seconds > 0

# no_sync: local gradients add up; the next synchronized backward averages the sums
plain = mlp(seed=0)
plain.load_state_dict(model.module.state_dict())
model.zero_grad(); plain.zero_grad()
parts = [cr.tensor(X[r * 48 + 8 * j: r * 48 + 8 * j + 8]) for j in range(3)]
with model.no_sync():
    for x in parts[:2]:
        model(x).pow(2).mean().backward()
model(parts[2]).pow(2).mean().backward()
for x in parts:
    plain(x).pow(2).mean().backward()
for p, q in zip(model.parameters(), plain.parameters()):
    total = cr.tensor(q.grad.numpy().copy()); dist.all_reduce(total, op=dist.ReduceOp.AVG)
    np.testing.assert_allclose(p.grad.numpy(), total.numpy(), rtol=1e-5, atol=1e-7)

# buffers follow rank 0 at every forward (BatchNorm statistics)
bn = nn.BatchNorm1d(5)
bn_model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(5, 5), bn))
bn.running_mean.fill_(float(r))
bn_model.eval()
with cr.no_grad():
    bn_model(cr.tensor(X[:4]))
assert bn.running_mean.tolist() == [0.0] * 5

# parameters a forward leaves out
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.never = nn.Linear(5, 2), nn.Linear(5, 2), nn.Linear(5, 2)
    def forward(self, x, use_b):
        return self.a(x) + (self.b(x) if use_b else 0)
cr.manual_seed(0)
branchy = nn.parallel.DistributedDataParallel(Branchy(), find_unused_parameters=True)
out = branchy(cr.tensor(X[:4]), use_b=(r == 0))
out.sum().backward()
assert branchy.module.never.weight.grad is None
gb = branchy.module.b.weight.grad.numpy()
mine = cr.tensor(X[:4]).sum(0).numpy()
expect = np.tile(mine, (2, 1)) / w if r == 0 else None
got = cr.tensor(gb.copy()); dist.broadcast(got, src=0)
np.testing.assert_allclose(gb, got.numpy())            # rank 1 (b unused) got the average too
if r == 0:
    np.testing.assert_allclose(gb, expect, rtol=1e-6)

strict = nn.parallel.DistributedDataParallel(Branchy())
try:
    strict(cr.tensor(X[:4]), use_b=False).sum().backward()
except RuntimeError as e:
    assert "['b.weight', 'b.bias', 'never.weight', 'never.bias']" in str(e) and \\
        "find_unused_parameters=True" in str(e), str(e)
else:
    raise AssertionError("unused parameters went unnoticed")
print("ok", r)
"""


def test_two_ranks_train_as_one_process_on_the_global_batch(tmp_path):
    done = run_ranks(tmp_path, TRAIN)
    assert sorted(done.stdout.split()) == ["0", "1", "ok", "ok"], done.stdout


def test_different_models_on_two_ranks_are_refused(tmp_path):
    done = run_ranks(tmp_path, """
        import chainrule as cr, chainrule.distributed as dist
        dist.init_process_group("mpi")
        model = cr.nn.Linear(3, 2 + dist.get_rank())
        try:
            cr.nn.parallel.DistributedDataParallel(model)
        except RuntimeError as e:
            assert "the ranks wrap different models" in str(e), e
            print("refused")
        """)
    assert done.stdout.split() == ["refused", "refused"]


def test_needs_a_process_group_and_keeps_torch_keys():
    with pytest.raises(RuntimeError, match="init_process_group"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    import chainrule.distributed as dist
    dist.init_process_group("mpi")
    try:
        with pytest.raises(ValueError, match="bucket_cap_mb"):
            nn.parallel.DistributedDataParallel(nn.Linear(2, 2), bucket_cap_mb=0)
        model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)))
        assert list(model.state_dict()) == ["module.0.weight", "module.0.bias", "module.1.weight",
                                            "module.1.bias", "module.1.running_mean",
                                            "module.1.running_var", "module.1.num_batches_tracked"]
        x = cr.randn(4, 2)
        model(x).sum().backward()   # a world of one: the gradient is the local one
        ref = cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.BatchNorm1d(3))
        ref.load_state_dict(model.module.state_dict())
        ref(x).sum().backward()
        for p, q in zip(model.parameters(), ref.parameters()):
            assert cr.allclose(p.grad, q.grad)
    finally:
        dist.destroy_process_group()
