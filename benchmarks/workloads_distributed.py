"""Beyond one machine: all-reduce time between 2 local ranks (1–64 MB), and what data parallelism
costs on a W2 step (2 ranks × batch 32 under DistributedDataParallel against 1 rank × batch 64).

Each library runs in its own ``mpirun -np 2`` job of this module: chainrule on MPI (its
``distributed`` package), PyTorch on its gloo backend over loopback (rank and size read from
mpirun's environment). One job per library measures everything; the workloads read its numbers.
Cores are shared fairly: a rank computes with cores / ranks threads, the single-rank W2 step with
all of them (the other rank waits without spinning).
"""
import json
import os
import socket
import statistics
import sys
import time

from .harness import workload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES_MB = (1, 4, 16, 64)
_RESULTS = {}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _job(lib):
    """Run this module on 2 ranks for ``lib`` once; its numbers (cached)."""
    name = lib.__name__
    if name not in _RESULTS:
        from chainrule.distributed import launch
        threads = max(1, int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
        env = dict(os.environ, PYTHONPATH=ROOT, BENCH_THREADS=str(threads))
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
            env.pop(var, None)  # each rank sets its own
        done = launch.run(2, ["-m", "benchmarks.workloads_distributed", name, str(_free_port())],
                          timeout=1200, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"{name} on 2 ranks failed:\n{done.stderr[-3000:]}")
        result = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
        print(f"    {name}: " + ", ".join(f"{k} {v:.4g}" for k, v in result.items()), file=sys.stderr)
        _RESULTS[name] = result
    return _RESULTS[name]


def _reader(key, scale=1.0):
    def build(lib):
        return lambda: _job(lib)[key] * scale
    return build


for _mb in SIZES_MB:
    _b = workload(f"allreduce_{_mb}MB", once=True,
                  about=f"all-reduce of {_mb} MB of float32 between 2 local ranks (ms; chainrule: MPI, "
                        f"PyTorch: gloo)")(_reader(f"allreduce_{_mb}MB", 1e3))
    _b.unit = "ms"
_b = workload("DDP_W2_2x32_step", once=True,
              about="W2 training step on 2 ranks × batch 32 under DistributedDataParallel (ms)")(_reader("ddp", 1e3))
_b.unit = "ms"
_b = workload("DDP_W2_overhead", once=True,
              about="W2 step time, 2 ranks × 32 under DDP over 1 rank × 64 (same cores; 1.0 = free)")(
    _reader("overhead"))
_b.unit = "x"


# ------------------------------------------------------------------------------ one rank's work
class _Ranks:
    """The few collectives the job needs, for either library."""

    def __init__(self, lib_name, port):
        self.torch = lib_name == "torch"
        if self.torch:
            import torch
            import torch.distributed as tdist
            self.lib, self.dist = torch, tdist
            tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}",
                                     rank=int(os.environ["OMPI_COMM_WORLD_RANK"]),
                                     world_size=int(os.environ["OMPI_COMM_WORLD_SIZE"]))
        else:
            import chainrule
            import chainrule.distributed as cdist
            self.lib, self.dist = chainrule, cdist
            cdist.init_process_group("mpi")
        self.rank, self.world = self.dist.get_rank(), self.dist.get_world_size()

    def threads(self, n):
        self.lib.set_num_threads(n)

    def idle_barrier(self):
        """A barrier that sleeps while it waits (MPI's blocking one spins on a core)."""
        work = self.dist.barrier(async_op=True)
        while not work.is_completed():
            time.sleep(0.005)

    def ddp(self, model):
        return self.lib.nn.parallel.DistributedDataParallel(model)


def _median_time(step, repeats, before=None):
    times = []
    for _ in range(repeats):
        if before:
            before()
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _allreduce(r, mb):
    t = r.lib.ones(mb * 1024 * 1024 // 4)
    for _ in range(3):
        r.dist.all_reduce(t)
    return _median_time(lambda: r.dist.all_reduce(t), 15, before=r.dist.barrier)


def _w2_step(r, model, batch):
    lib = r.lib
    lib.manual_seed(1)
    x, y = lib.randn(batch, 1, 28, 28), lib.randint(0, 10, (batch,))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    for _ in range(5):
        step()
    return _median_time(step, 40)


def main(lib_name, port):
    from .workloads import lenet
    r = _Ranks(lib_name, port)
    cores = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
    r.threads(max(1, cores // r.world))
    out = {f"allreduce_{mb}MB": _allreduce(r, mb) for mb in SIZES_MB}
    # one rank alone with every core, the other asleep
    if r.rank == 0:
        r.threads(cores)
        r.lib.manual_seed(0)
        solo = _w2_step(r, lenet(r.lib.nn), 64)
        r.threads(max(1, cores // r.world))
    r.idle_barrier()
    r.lib.manual_seed(0)
    ddp = _w2_step(r, r.ddp(lenet(r.lib.nn)), 64 // r.world)
    if r.rank == 0:
        out.update(solo=solo, ddp=ddp, overhead=ddp / solo)
        out.update({f"GBps_{mb}MB": mb * 2 ** 20 / out[f"allreduce_{mb}MB"] / 1e9 for mb in SIZES_MB})
        print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
