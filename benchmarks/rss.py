"""``python -m benchmarks.rss chainrule|torch STEPS``: train W2 in this fresh process, print the
peak resident memory in MiB (the W2_peak_rss workload runs it once per library). Only the library
being measured is imported."""
import importlib
import resource
import sys

import numpy as np


def main(lib_name, steps):
    lib = importlib.import_module(lib_name)
    from .workloads import lenet
    rng = np.random.default_rng(0)
    model = lenet(lib.nn)
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()
    for _ in range(int(steps)):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    print(peak_mib())


def peak_mib():
    """This process's peak resident memory. VmHWM belongs to the address space made at exec;
    getrusage's maxrss would also count the parent's pages the fork copied."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main(*sys.argv[1:])
