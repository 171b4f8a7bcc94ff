"""The from-scratch NumPy peers, DeZero and MyGrad, timed on W1 and W2 when they are installed.

Each peer gets the same network as chainrule and PyTorch, with the PyTorch model's initial weights
copied in, the same batch, and a plain SGD step written the way each library's own examples do
(DeZero: ``param.data -= lr * param.grad.data``; MyGrad: update ``.data`` from ``.grad``).
``pip install ".[peers]"`` installs both.

A network is a list of layers, each ``("conv", W, b, padding)``, ``("pool", k)``, ``("flatten",)``,
``("linear", W, b)`` or ``("relu",)``, read off the PyTorch model, so every library runs exactly the
layers W1 and W2 name.
"""
import importlib

import numpy as np

LR = 0.01


def layers_of(torch_model):
    """The PyTorch Sequential as the list of layers above, weights as float32 NumPy arrays."""
    out = []
    for m in torch_model:
        kind = type(m).__name__
        if kind == "Linear":
            out.append(("linear", m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()))
        elif kind == "Conv2d":
            out.append(("conv", m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy(),
                        m.padding[0]))
        elif kind == "MaxPool2d":
            out.append(("pool", m.kernel_size))
        elif kind == "Flatten":
            out.append(("flatten",))
        elif kind == "ReLU":
            out.append(("relu",))
        else:
            raise ValueError(f"peers: no peer translation for layer {kind}")
    return out


def _mygrad():
    return importlib.import_module("mygrad"), importlib.import_module("mygrad.nnet")


def _dezero():
    # DeZero 0.0.13 (its last release) still names np.int, which NumPy 1.24 removed; the alias
    # is restored for it alone so that it imports at all.
    if not hasattr(np, "int"):
        np.int = int
    dezero = importlib.import_module("dezero")
    return dezero, importlib.import_module("dezero.functions")


def dezero_step(layers, x, y):
    dezero, F = _dezero()
    params, net = [], []
    for layer in layers:
        if layer[0] in ("linear", "conv"):
            # DeZero's linear weight is (in, out): the transpose of PyTorch's
            w = dezero.Parameter(layer[1].T.copy() if layer[0] == "linear" else layer[1])
            b = dezero.Parameter(layer[2])
            params += [w, b]
            net.append((layer[0], w, b) + layer[3:])
        else:
            net.append(layer)

    def forward(h):
        for layer in net:
            kind = layer[0]
            if kind == "linear":
                h = F.linear(h, layer[1], layer[2])
            elif kind == "conv":
                h = F.conv2d(h, layer[1], layer[2], stride=1, pad=layer[3])
            elif kind == "pool":
                h = F.pooling(h, layer[1], layer[1])
            elif kind == "flatten":
                h = F.reshape(h, (h.shape[0], -1))
            else:
                h = F.relu(h)
        return h

    def step():
        for p in params:
            p.cleargrad()
        loss = F.softmax_cross_entropy(forward(x), y)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data
        return float(loss.data)
    return step


def mygrad_step(layers, x, y):
    mg, nnet = _mygrad()
    params, net = [], []
    for layer in layers:
        if layer[0] in ("linear", "conv"):
            w = mg.tensor(layer[1].T.copy() if layer[0] == "linear" else layer[1])
            b = mg.tensor(layer[2] if layer[0] == "linear" else layer[2].reshape(1, -1, 1, 1))
            params += [w, b]
            net.append((layer[0], w, b) + layer[3:])
        else:
            net.append(layer)

    def forward(h):
        for layer in net:
            kind = layer[0]
            if kind == "linear":
                h = mg.matmul(h, layer[1]) + layer[2]
            elif kind == "conv":
                h = nnet.conv_nd(h, layer[1], stride=1, padding=layer[3]) + layer[2]
            elif kind == "pool":
                h = nnet.max_pool(h, (layer[1], layer[1]), layer[1])
            elif kind == "flatten":
                h = h.reshape(h.shape[0], -1)
            else:
                h = nnet.relu(h)
        return h

    def step():
        loss = nnet.softmax_crossentropy(forward(x), y)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return float(loss.data)
    return step


PEERS = {"dezero": (_dezero, dezero_step), "mygrad": (_mygrad, mygrad_step)}


def installed():
    """The peers that import here: name → ``build(layers, x, y)`` returning a step (→ its loss)."""
    found = {}
    for name, (load, build) in PEERS.items():
        try:
            load()
        except Exception:  # not installed, or broken beyond the np.int alias
            continue
        found[name] = build
    return found
