"""The from-scratch NumPy peers, DeZero and MyGrad, timed on W1 and W2 when they are installed, and
the hand-written NumPy step (``numpy``: no graph, the same GEMMs) that bounds what W1 can reach.

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
    return importlib.import_module("dezero"), importlib.import_module("dezero.functions")


def _dezero_ops():
    dezero, F = _dezero()
    return dict(param=dezero.Parameter, linear=F.linear,
                conv=lambda h, w, b, pad: F.conv2d(h, w, b, stride=1, pad=pad),
                pool=lambda h, k: F.pooling(h, k, k), flatten=lambda h: F.reshape(h, (h.shape[0], -1)),
                relu=F.relu, loss=F.softmax_cross_entropy, grad=lambda p: p.grad.data,
                clear=lambda p: p.cleargrad())


def _mygrad_ops():
    mg, nnet = _mygrad()
    return dict(param=mg.tensor, linear=lambda h, w, b: mg.matmul(h, w) + b,
                conv=lambda h, w, b, pad: nnet.conv_nd(h, w, stride=1, padding=pad) + b.reshape(1, -1, 1, 1),
                pool=lambda h, k: nnet.max_pool(h, (k, k), k), flatten=lambda h: h.reshape(h.shape[0], -1),
                relu=nnet.relu, loss=nnet.softmax_crossentropy, grad=lambda p: p.grad,
                clear=lambda p: None)  # MyGrad replaces .grad on each backward


def _step(ops, layers, x, y):
    """The SGD step of ``layers`` written with one peer's ``ops``; it returns the loss."""
    params, net = [], []
    for kind, *args in layers:
        if kind in ("linear", "conv"):
            # the peers' linear weight is (in, out): the transpose of PyTorch's
            w = ops["param"](args[0].T.copy() if kind == "linear" else args[0])
            b = ops["param"](args[1])
            params += [w, b]
            args = [w, b] + args[2:]
        net.append((ops[kind], args))

    def step():
        for p in params:
            ops["clear"](p)
        h = x
        for fn, args in net:
            h = fn(h, *args)
        loss = ops["loss"](h, y)
        loss.backward()
        for p in params:
            p.data -= LR * ops["grad"](p)
        return float(loss.data)
    return step


def dezero_step(layers, x, y):
    return _step(_dezero_ops(), layers, x, y)


def mygrad_step(layers, x, y):
    return _step(_mygrad_ops(), layers, x, y)


def numpy_step(layers, x, y):
    """The reference the engine is measured against: the same step written by hand in NumPy —
    the same GEMMs (h @ Wᵀ), ReLU masks, a log-softmax cross-entropy and SGD, no graph. Only for
    networks of linear and ReLU layers (W1); None for others."""
    if any(kind not in ("linear", "relu") for kind, *_ in layers):
        return None
    params = [(w.copy(), b.copy()) for kind, w, b in (lay for lay in layers if lay[0] == "linear")]
    kinds = [kind for kind, *_ in layers]
    n = x.shape[0]

    def step():
        hs, masks, h, i = [], [], x, 0
        for kind in kinds:
            if kind == "linear":
                hs.append(h)
                w, b = params[i]
                h = h @ w.T + b
                i += 1
            else:
                m = h > 0
                masks.append(m)
                h = h * m
        z = h - h.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - z[np.arange(n), y]))
        g = e / s
        g[np.arange(n), y] -= 1
        g /= n
        for kind in reversed(kinds):
            if kind == "linear":
                i -= 1
                w, b = params[i]
                a = hs.pop()
                gw, gb = g.T @ a, g.sum(axis=0)
                g = g @ w
                w -= LR * gw
                b -= LR * gb
            else:
                g = g * masks.pop()
        return loss
    return step


PEERS = {"dezero": (_dezero, dezero_step), "mygrad": (_mygrad, mygrad_step),
         "numpy": (lambda: np, numpy_step)}


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
