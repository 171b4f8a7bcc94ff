"""fit on 2 ranks: DistributedDataParallel + DistributedSampler, metrics over all ranks' examples,
checkpoints from rank 0 only that resume exactly (mid-epoch too) on the same number of ranks."""
import os

import numpy as np
import pytest

import chainrule as cr

from mpi_ranks import run_ranks

FIT = """
import os, sys
import numpy as np
import chainrule as cr
from chainrule import nn
import chainrule.distributed as dist
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group("mpi")
r = dist.get_rank()
if r == 1:  # only rank 0 may write checkpoints
    def refuse(*args, **kwargs):
        raise AssertionError("rank 1 wrote a checkpoint")
    cr.train.loop.write_checkpoint = refuse
folder = sys.argv[1]
rng = np.random.default_rng(1)
X = rng.normal(size=(80, 4)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
train = TensorDataset(cr.tensor(X[:64]), cr.tensor(Y[:64]))
val = TensorDataset(cr.tensor(X[64:]), cr.tensor(Y[64:]))

def run(epochs, ckpt, resume=False, every=None):
    cr.manual_seed(100 + r)                # each rank its own dropout stream
    model = nn.parallel.DistributedDataParallel(
        nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2)))
    opt = cr.optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(train, batch_size=8, sampler=DistributedSampler(train, seed=3))
    val_loader = DataLoader(val, batch_size=8, sampler=DistributedSampler(val, shuffle=False))
    history = cr.train.fit(model, nn.CrossEntropyLoss(), opt, loader, val_loader, epochs=epochs,
                           metrics=["accuracy"], checkpoint_dir=ckpt, checkpoint_every=every,
                           resume=resume, progress=False)
    return model, history

full, history = run(3, os.path.join(folder, "full"))
# every rank logs the same numbers: losses and accuracy over both ranks' examples
mine = cr.tensor(np.array(history["val_accuracy"] + history["loss"]))
rank0 = mine.clone(); dist.broadcast(rank0, src=0)
assert cr.equal(mine, rank0), (mine, rank0)
with cr.no_grad():
    full.eval()
    pred = full(cr.tensor(X[64:])).argmax(1).numpy()
assert abs(history["val_accuracy"][-1] - float(np.mean(pred == Y[64:]))) < 1e-9

run(1, os.path.join(folder, "cut"), every=3)   # 4 steps per epoch: the one checkpoint is mid-epoch
assert os.listdir(os.path.join(folder, "cut")) == ["ckpt-000000003.safetensors"]
resumed, _ = run(3, os.path.join(folder, "cut"), resume=True, every=3)
for p, q in zip(full.parameters(), resumed.parameters()):
    np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
print("ok", r)
"""


def test_fit_on_two_ranks_logs_all_examples_and_resumes_exactly(tmp_path):
    done = run_ranks(tmp_path, FIT, args=[str(tmp_path)])
    assert sorted(done.stdout.split()) == ["0", "1", "ok", "ok"], done.stdout
    assert len(os.listdir(tmp_path / "full")) == 3           # one per epoch
    # the checkpoint knows it came from 2 ranks: one process cannot resume it
    model = cr.nn.Sequential(cr.nn.Linear(4, 16), cr.nn.ReLU(), cr.nn.Dropout(0.2), cr.nn.Linear(16, 2))
    trainer = cr.train.Trainer(model, cr.nn.CrossEntropyLoss(), cr.optim.Adam(model.parameters()),
                               checkpoint_dir=str(tmp_path / "full"), progress=False)
    state = cr.train.checkpoint.read_latest_checkpoint(str(tmp_path / "full"))[1]
    assert np.asarray(state["rng"]).shape == (2, 45)
    with pytest.raises(RuntimeError, match=r"written by a run on 2 rank\(s\); resume it on 2 \(this run has 1\)"):
        trainer.restore(state)
