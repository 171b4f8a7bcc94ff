"""One rank of ``training.data_parallel``: started by the experiment with ``mpirun -np N python -m
chainrule.lectures.training.data_parallel_worker SETTINGS_JSON OUT_JSON``.

Every rank trains the same MLP on its shard of each global batch (DistributedDataParallel,
DistributedSampler); rank 0 writes the timings, the accuracy and the final weights to OUT_JSON.
"""
import json
import sys
import time

import numpy as np

import chainrule as cr
import chainrule.distributed as dist
from chainrule import nn
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset

from ..common import digits, mlp


def _allreduce_seconds(numbers, repeats=20):
    """The mean time of one all-reduce of ``numbers`` float32 values across the ranks."""
    buf = cr.zeros(numbers)
    dist.all_reduce(buf)
    dist.barrier()
    t = time.perf_counter()
    for _ in range(repeats):
        dist.all_reduce(buf)
    return (time.perf_counter() - t) / repeats


def _flat_weights(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()]).tolist()


def main(settings, out):
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    s = settings
    data = digits(s["seed"])
    (xtr, ytr), _, (xte, yte) = data
    train = TensorDataset(cr.tensor(xtr), cr.tensor(ytr))
    cr.manual_seed(s["seed"] + 1000 * rank)    # each rank its own initial weights: DDP copies rank 0's
    model = nn.parallel.DistributedDataParallel(mlp(width=s["width"], depth=s["depth"]))
    sampler = DistributedSampler(train, seed=s["seed"])
    loader = DataLoader(train, batch_size=s["global_batch"] // world, sampler=sampler)
    opt = cr.optim.SGD(model.parameters(), lr=s["lr"], momentum=0.9)
    first = {}

    class FirstStep:
        def on_step_end(self, trainer, step, loss):
            if step == 1:
                first["weights"] = _flat_weights(model)
    dist.barrier()
    started = time.perf_counter()
    history = cr.train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=s["epochs"], progress=False,
                           callbacks=[FirstStep()])
    seconds = time.perf_counter() - started
    comm = model.communication_seconds
    numbers = sum(p.numel() for p in model.parameters())
    one_allreduce = _allreduce_seconds(numbers) if world > 1 else 0.0
    model.eval()
    with cr.no_grad():
        accuracy = cr.train.accuracy(model(cr.tensor(xte)), yte)
    if rank == 0:
        result = {"ranks": world, "seconds_per_epoch": seconds / s["epochs"],
                  "communication_per_epoch": comm / s["epochs"], "steps_per_epoch": len(loader),
                  "allreduce_seconds": one_allreduce, "parameters": numbers,
                  "train_loss": history["loss"], "test_accuracy": accuracy,
                  "threads_per_rank": cr.get_num_threads(),
                  "first_step_weights": first["weights"], "weights": _flat_weights(model)}
        with open(out, "w") as f:
            json.dump(result, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), sys.argv[2])
