"""The memory contract: after ``loss.backward()`` a graph the user still references holds no
arrays — only the outputs the user holds, the gradients and a few KB of bookkeeping — and every
array a node keeps for its backward is covered by the in-place version check."""
import gc
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd.function import Op

SLACK = 64 * 1024


class Cell(nn.Module):
    """An LSTM-sized recurrent cell, unrolled: four gates from one Linear, sigmoid/tanh."""

    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.gates = nn.Linear(n_in + n_hidden, 4 * n_hidden)
        self.n = n_hidden

    def forward(self, xs):
        h = c = cr.zeros(xs.shape[1], self.n)
        for x in xs:
            i, f, g, o = self.gates(cr.cat([x, h], dim=1)).chunk(4, dim=1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
        return h


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 16 * 16, 64)
        self.emb = nn.Embedding(100, 32)
        self.cell = Cell(32, 64)
        self.out = nn.Linear(128, 10)

    def forward(self, images, tokens):
        a = self.fc(self.pool(self.bn(self.conv(images)).relu()).flatten(1)).relu()
        b = self.cell(self.emb(tokens).transpose(0, 1))
        return self.out(cr.cat([a, b], dim=1))


def _batch(seed):
    g = np.random.default_rng(seed)
    return (cr.tensor(g.standard_normal((16, 3, 32, 32)).astype(np.float32)),
            cr.tensor(g.integers(0, 100, (16, 12))), cr.tensor(g.integers(0, 10, 16)))


def _traced():
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_after_backward_the_graph_holds_only_outputs_grads_and_bookkeeping():
    cr.manual_seed(0)
    model = Net()
    images, tokens, labels = _batch(0)
    nn.functional.cross_entropy(model(images, tokens), labels).backward()   # grads exist now
    tracemalloc.start()
    try:
        before = _traced()
        out = model(images, tokens)
        loss = nn.functional.cross_entropy(out, labels)
        during = _traced() - before
        loss.backward()
        held = _traced() - before
    finally:
        tracemalloc.stop()
    assert out.grad_fn is not None                       # the graph is still referenced
    assert during > 1_000_000                            # the forward did keep buffers for backward
    assert held <= out._data.nbytes + loss._data.nbytes + SLACK, (held, during)


def test_training_memory_is_flat_over_steps():
    cr.manual_seed(0)
    model = Net()
    opt = cr.optim.Adam(model.parameters(), lr=1e-3)
    readings = []

    class Measure:
        def on_step_end(self, trainer, step, loss):
            readings.append(_traced())

    batches = [_batch(s) for s in range(6)]
    loader = [((i, t), y) for i, t, y in batches]

    def step(batch, step):
        (images, tokens), labels = batch
        return {"loss": nn.functional.cross_entropy(model(images, tokens), labels)}
    tracemalloc.start()
    try:
        cr.train.Trainer(model, optimizer=opt, training_step=step, callbacks=[Measure()],
                         progress=False).fit(loader, epochs=1)
    finally:
        tracemalloc.stop()
    growth = np.diff(readings[1:])
    assert np.all(growth <= SLACK), readings


class _Stash(Op):
    """A test op keeping its input array as an attribute instead of save_for_backward."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        return 2 * self.x * g


def test_arrays_kept_as_attributes_are_version_checked_and_released():
    x = cr.ones(3, requires_grad=True)
    y = x * 1.0
    z = _Stash.apply(y)
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    w = _Stash.apply(x * 1.0)
    w.sum().backward()
    assert not w.grad_fn.__dict__ and x.grad.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        w.sum().backward()
