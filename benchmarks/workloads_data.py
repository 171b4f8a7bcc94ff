"""Data-path workloads: what homework code does between the training steps — per-sample indexing,
slice writes into preallocated tensors, collating, a DataLoader epoch — where a framework's per-op
cost shows and microbenchmarks of the maths do not."""
import numpy as np

from .harness import workload


def _utils_data(lib):
    import torch
    return torch.utils.data if lib is torch else lib.utils.data


@workload("getitem_int", target=1.5, rounds=20,
          about="x[i] on a (3000, 117) float32 tensor without grad, 1,000 calls (per-sample indexing)")
def getitem_int(lib):
    x = lib.tensor(np.random.default_rng(0).standard_normal((3000, 117)).astype(np.float32))
    idx = list(range(0, 3000, 3))

    def step():
        for i in idx:
            x[i]
    return step


def _setitem_workload(rows):
    def build(lib):
        X = lib.empty(rows, 117)
        feat = lib.tensor(np.random.default_rng(0).standard_normal((500, 117)).astype(np.float32))
        starts = list(range(0, 100 * 997, 997))

        def step():
            for a in starts:
                X[a:a + 500, :] = feat
        return step
    return build


workload("setitem_slice_100k", target=1.5, rounds=10,
         about="X[a:a+500, :] = feat into a (100_000, 117) tensor, 100 writes")(_setitem_workload(100_000))
workload("setitem_slice_1M", target=1.5, rounds=10,
         about="X[a:a+500, :] = feat into a (1_000_000, 117) tensor, 100 writes (must not grow with X)")(
    _setitem_workload(1_000_000))


class _Rows:
    """A homework-style Dataset: ``__getitem__`` indexes two tensors per sample."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __getitem__(self, i):
        return self.x[i], self.y[i]

    def __len__(self):
        return len(self.x)


def _rows(lib, n, width=117, classes=41):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((n, width)).astype(np.float32))
    y = lib.tensor(rng.integers(0, classes, n))
    return _Rows(x, y)


@workload("collate_128", target=1.5, rounds=20,
          about="default_collate of 128 per-sample (x[i], y[i]) pairs of a (3000, 117) dataset")
def collate_128(lib):
    data = _rows(lib, 3000)
    batch = [data[i] for i in range(0, 3000, 23)][:128]
    collate = _utils_data(lib).default_collate

    def step():
        collate(batch)
    return step


@workload("dataloader_epoch", target=1.5, rounds=3,
          about="one epoch of a per-sample Dataset (30,000 rows of 117) through DataLoader(batch 64, "
                "shuffle) with a 117→64→41 MLP step")
def dataloader_epoch(lib):
    import torch
    data = _rows(lib, 30_000)
    torch.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(117, 64), lib.nn.ReLU(), lib.nn.Linear(64, 41))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()
    loader = _utils_data(lib).DataLoader(data, batch_size=64, shuffle=True)

    def step():
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    return step
