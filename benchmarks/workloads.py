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


def _functional(lib):
    import torch
    return torch.nn.functional if lib is torch else lib.nn.functional


def _conv_workload(n, c, hw, o):
    def build(lib):
        rng = np.random.default_rng(0)
        x = _tensor(lib, rng.standard_normal((n, c, hw, hw)).astype(np.float32), True)
        w = _tensor(lib, (rng.standard_normal((o, c, 3, 3)) * 0.1).astype(np.float32), True)
        b = _tensor(lib, np.zeros(o, dtype=np.float32), True)
        g = _tensor(lib, rng.standard_normal((n, o, hw - 2, hw - 2)).astype(np.float32))
        F = _functional(lib)

        def step():
            x.grad = w.grad = b.grad = None
            F.conv2d(x, w, b).backward(g)
        return step
    return build


workload("conv2d_16x28", target=2.0, rounds=10,
         about="conv2d (32,16,28,28) * 32 3×3 filters, forward + backward")(_conv_workload(32, 16, 28, 32))
workload("conv2d_64x32", target=2.0, rounds=6,
         about="conv2d (32,64,32,32) * 64 3×3 filters, forward + backward")(_conv_workload(32, 64, 32, 64))


def _pool_workload(name):
    def build(lib):
        rng = np.random.default_rng(0)
        x = _tensor(lib, rng.standard_normal((32, 32, 28, 28)).astype(np.float32), True)
        g = _tensor(lib, rng.standard_normal((32, 32, 14, 14)).astype(np.float32))
        pool = getattr(_functional(lib), name)

        def step():
            x.grad = None
            pool(x, 2).backward(g)
        return step
    return build


workload("max_pool2d", target=1.5, rounds=20, about="max_pool2d 2×2 on (32,32,28,28), forward + backward")(
    _pool_workload("max_pool2d"))
workload("avg_pool2d", target=1.3, rounds=20, about="avg_pool2d 2×2 on (32,32,28,28), forward + backward")(
    _pool_workload("avg_pool2d"))


def _activation_workload(name):
    def build(lib):
        rng = np.random.default_rng(0)
        x = _tensor(lib, (rng.standard_normal((256, 4096)) * 3).astype(np.float32), True)
        g = _tensor(lib, rng.standard_normal((256, 4096)).astype(np.float32))
        fn = getattr(_functional(lib), name)

        def step():
            x.grad = None
            fn(x).backward(g)
        return step
    return build


for _name in ("gelu", "elu", "silu", "softplus", "logsigmoid"):
    workload(f"act_{_name}", target=1.3, rounds=20,
             about=f"F.{_name} on (256, 4096) float32 (1M elements), forward + backward")(_activation_workload(_name))


@workload("cross_entropy", target=1.5, rounds=30, about="cross_entropy on (128, 1000) logits, forward + backward")
def cross_entropy(lib):
    rng = np.random.default_rng(0)
    x = _tensor(lib, rng.standard_normal((128, 1000)).astype(np.float32), True)
    y = lib.tensor(rng.integers(0, 1000, 128))
    F = _functional(lib)

    def step():
        x.grad = None
        F.cross_entropy(x, y).backward()
    return step


@workload("layer_norm", target=1.5, rounds=20, about="layer_norm over 256 on (64,128,256), forward + backward")
def layer_norm(lib):
    rng = np.random.default_rng(0)
    x = _tensor(lib, rng.standard_normal((64, 128, 256)).astype(np.float32), True)
    w = _tensor(lib, np.ones(256, dtype=np.float32), True)
    b = _tensor(lib, np.zeros(256, dtype=np.float32), True)
    g = _tensor(lib, rng.standard_normal((64, 128, 256)).astype(np.float32))
    F = _functional(lib)

    def step():
        x.grad = w.grad = b.grad = None
        F.layer_norm(x, (256,), w, b).backward(g)
    return step


@workload("batch_norm", rounds=20, about="batch_norm (training) on (64,32,28,28) with affine, forward + backward")
def batch_norm(lib):
    rng = np.random.default_rng(0)
    x = _tensor(lib, rng.standard_normal((64, 32, 28, 28)).astype(np.float32), True)
    g = _tensor(lib, rng.standard_normal((64, 32, 28, 28)).astype(np.float32))
    w = _tensor(lib, np.ones(32, dtype=np.float32), True)
    b = _tensor(lib, np.zeros(32, dtype=np.float32), True)
    F = _functional(lib)

    def step():
        x.grad = w.grad = b.grad = None
        F.batch_norm(x, None, None, w, b, training=True).backward(g)
    return step


@workload("softmax", rounds=20, about="softmax over the last dim of (256,128,128) (attention's shape), forward + backward")
def softmax(lib):
    rng = np.random.default_rng(0)
    x = _tensor(lib, rng.standard_normal((256, 128, 128)).astype(np.float32), True)
    g = _tensor(lib, rng.standard_normal((256, 128, 128)).astype(np.float32))
    F = _functional(lib)

    def step():
        x.grad = None
        F.softmax(x, -1).backward(g)
    return step


def _copy_weights(src_torch, dst):
    """Give the chainrule model the torch model's initial weights (same numbers in both runs)."""
    dst.load_state_dict({k: v.detach().numpy() for k, v in src_torch.state_dict().items()})


def sgd_step(lib, make_model, make_x, classes, batch):
    """One training step (forward, cross-entropy, backward, SGD) of ``make_model(lib.nn)`` on the
    same data and — copied from torch's freshly seeded model — the same initial weights in both
    libraries. ``make_x(rng)`` draws the inputs as an array."""
    import torch
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    model = make_model(lib.nn)
    if lib is not torch:
        _copy_weights(make_model(torch.nn), model)
    x = lib.tensor(make_x(rng))
    y = lib.tensor(rng.integers(0, classes, batch))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def _train_step_workload(make_model, x_shape, classes, batch):
    def build(lib):
        return sgd_step(lib, make_model, lambda rng: rng.standard_normal((batch,) + x_shape).astype(np.float32),
                        classes, batch)

    def peer(build_peer):
        """The same step in a from-scratch peer (benchmarks/peers.py), checked on its first loss."""
        import torch
        from .peers import layers_of
        rng = np.random.default_rng(0)
        torch.manual_seed(0)
        model = make_model(torch.nn)
        x = rng.standard_normal((batch,) + x_shape).astype(np.float32)
        y = rng.integers(0, classes, batch)
        step = build_peer(layers_of(model), x, y)
        if step is None:          # this peer has no translation of these layers
            return None
        with torch.no_grad():
            expected = float(torch.nn.functional.cross_entropy(model(torch.tensor(x)), torch.tensor(y)))
        got = step()
        if not np.isclose(got, expected, rtol=1e-4):
            raise RuntimeError(f"peer {build_peer.__name__}: first loss {got} != PyTorch's {expected}")
        return step

    build.peer = peer
    return build


def mlp(nn):
    """W1: 784→256→256→10 with ReLU."""
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet(nn):
    """W2: LeNet-5 style, 1×28×28 → conv 6@5×5 pad 2 → ReLU → pool → conv 16@5×5 → ReLU → pool → 120 → 84 → 10."""
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


workload("W1_mlp_step", target=0.9, rounds=40,
         about="MLP 784→256→256→10, batch 128: forward, cross-entropy, backward, SGD step")(
    _train_step_workload(mlp, (784,), 10, 128))
workload("W2_lenet_step", target=3.0, rounds=20,
         about="LeNet-5 style CNN, batch 64: forward, cross-entropy, backward, SGD step")(
    _train_step_workload(lenet, (1, 28, 28), 10, 64))


# ------------------------------------------------------------------------------- scaling
for _batch in (32, 128, 512, 1024):
    workload(f"W1_batch_{_batch}", rounds=15,
             about=f"W1 MLP training step at batch {_batch} (scaling with batch size)")(
        _train_step_workload(mlp, (784,), 10, _batch))

for _hw in (16, 32, 64):
    workload(f"conv_image_{_hw}", rounds=8,
             about=f"conv2d (16,16,{_hw},{_hw}) * 16 3×3 filters, forward + backward (scaling with image size)")(
        _conv_workload(16, 16, _hw, 16))


# ------------------------------------------------------------------- time to accuracy, memory
def _fashion_arrays():
    from chainrule.data.datasets import FashionMNIST
    train, test = FashionMNIST(train=True), FashionMNIST(train=False)
    (xtr, ytr), (xte, yte) = train.arrays(), test.arrays()
    return (xtr - 0.2860) / 0.3530, ytr, (xte - 0.2860) / 0.3530, yte


def _time_to_accuracy(lib, goal=0.89, batch=64, check_every=200, max_epochs=15, seed=0):
    """Train W2 on Fashion-MNIST until the test accuracy reaches ``goal``; return the seconds."""
    import time
    import torch
    xtr, ytr, xte, yte = _fashion_arrays()
    torch.manual_seed(seed)
    model = lenet(lib.nn)
    if lib is not torch:
        _copy_weights(lenet(torch.nn), model)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()
    order_rng = np.random.default_rng(seed)  # the same batches in both libraries
    x_test = lib.tensor(xte.astype(np.float32))
    start, step = time.perf_counter(), 0
    for _ in range(max_epochs):
        order = order_rng.permutation(len(ytr))
        for i in range(0, len(order) - batch + 1, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(lib.tensor(xtr[idx])), lib.tensor(ytr[idx])).backward()
            opt.step()
            step += 1
            if step % check_every == 0:
                model.eval()
                with lib.no_grad():
                    pred = np.concatenate([np.asarray(model(x_test[j:j + 1000]).argmax(1)) for j in range(0, len(yte), 1000)])
                model.train()
                if (pred == yte).mean() >= goal:
                    return time.perf_counter() - start
    raise RuntimeError(f"time to accuracy: {lib.__name__} did not reach {goal} in {max_epochs} epochs")


@workload("fmnist_time_to_89", target=3.0, once=True, slow=True,
          about="W2 on Fashion-MNIST to 89% test accuracy, batch 64, Adam 1e-3, same init and batches (seconds)")
def fmnist_time_to_89(lib):
    def measure():
        return _time_to_accuracy(lib)
    return measure


fmnist_time_to_89.unit = "s"


@workload("W2_peak_rss", target=1.5, once=True, slow=True,
          about="peak resident memory of a fresh process training W2 for 200 steps (MiB)")
def w2_peak_rss(lib):
    def measure():
        import os
        import subprocess
        import sys
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run([sys.executable, "-m", "benchmarks.rss", lib.__name__, "200"], cwd=root,
                             capture_output=True, text=True, check=True, env=dict(os.environ))
        return float(out.stdout.strip().splitlines()[-1])
    return measure


w2_peak_rss.unit = "MiB"
