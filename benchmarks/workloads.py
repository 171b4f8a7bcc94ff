"""The workloads: each builds the same computation in either library from the same numbers."""
import numpy as np

from .harness import workload


def _tensor(lib, array, requires_grad=False):
    t = lib.tensor(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


@workload("engine_chain", target=1.0, rounds=30,
          about="1,000 elementwise ops on a (16,) tensor, forward + backward (engine overhead)")
def engine_chain(lib):
    x = _tensor(lib, np.random.default_rng(0).standard_normal(16).astype(np.float32), True)

    def step():
        y = x
        for _ in range(250):
            y = y.exp()
            y = y * 0.5
            y = y.tanh()
            y = y + 1.0
        x.grad = None
        y.sum().backward()
    return step


@workload("matmul_1024", target=1.1, rounds=10,
          about="1024×1024 float32 matmul, forward + backward")
def matmul_1024(lib):
    rng = np.random.default_rng(0)
    a = _tensor(lib, rng.standard_normal((1024, 1024)).astype(np.float32), True)
    b = _tensor(lib, rng.standard_normal((1024, 1024)).astype(np.float32), True)
    g = _tensor(lib, rng.standard_normal((1024, 1024)).astype(np.float32))

    def step():
        a.grad = b.grad = None
        (a @ b).backward(g)
    return step
