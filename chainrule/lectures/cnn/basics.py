"""Lecture 4, the convolution itself: how far a unit sees, why images need shared filters, VGG's
small kernels, pooling (and AlphaGo's reasons to skip it), and data augmentation."""
import dataclasses
import time

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.utils.flops import count_macs, count_parameters

from ..common import bars, fashion, figure, lines
from ..lang import tr
from ..registry import Result, experiment


def fit_and_test(model, data, epochs, batch, lr, ctx):
    """Adam on the training set; the test accuracy after each epoch and the seconds it took."""
    (xtr, ytr), (xte, yte) = data
    loader = cr.utils.data.DataLoader(cr.utils.data.TensorDataset(cr.tensor(xtr), cr.tensor(ytr)),
                                      batch_size=batch, shuffle=True)
    opt = cr.optim.Adam(model.parameters(), lr=lr)
    curve, started = [], time.perf_counter()
    for _ in ctx.progress(range(epochs), total=epochs, desc="epochs"):
        cr.train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, progress=False)
        curve.append(accuracy_on(model, xte, yte))
    return curve, time.perf_counter() - started


def accuracy_on(model, x, y, batch=1000):
    model.eval()
    with cr.no_grad():
        pred = np.concatenate([model(cr.tensor(x[i:i + batch])).numpy().argmax(1) for i in range(0, len(y), batch)])
    model.train()
    return float((pred == y).mean())

# ------------------------------------------------------------------------------ receptive field
@dataclasses.dataclass
class ReceptiveConfig:
    depth: int = 6
    kernel: int = 3
    RANGES = {"depth": (1, 6), "kernel": (2, 7)}


def measured_receptive_field(layers, size=200):
    """How many input pixels (along one axis) can change the centre output: the span where the
    gradient of that output is non-zero (all-ones filters, so nothing cancels)."""
    net = nn.Sequential(*layers).double()
    for m in net:
        nn.init.ones_(m.weight)
    x = cr.zeros(1, 1, size, size, dtype=cr.float64, requires_grad=True)
    out = net(x)
    h, w = out.shape[2:]
    out[0, 0, h // 2, w // 2].backward()
    cols = np.flatnonzero(np.abs(x.grad.numpy()[0, 0]).sum(0) > 0)
    return int(cols[-1] - cols[0] + 1)


def receptive_field_formula(kernels, strides, dilations):
    """r_l = r_{l−1} + (k_l − 1)·d_l·j_{l−1}, j_l = j_{l−1}·s_l (j: input pixels between neighbouring
    units of layer l), r_0 = j_0 = 1."""
    r, j, out = 1, 1, []
    for k, s, d in zip(kernels, strides, dilations):
        r += (k - 1) * d * j
        j *= s
        out.append(r)
    return out


@experiment("cnn.receptive_field", ReceptiveConfig,
            "How much of the image does a neuron deep in a CNN see — and how do stride and dilation "
            "make that grow faster than depth alone?",
            "r_l = r_{l−1} + (k − 1)·d_l·∏_{i<l} s_i  (k kernel, s stride, d dilation; r_0 = 1)",
            quick=dict(depth=4))
def receptive_field(cfg, ctx):
    """Q: How much of the image does a deep neuron see, and what makes that grow?

    A: measured by backpropagating one output to the input: stacked k×k convolutions add k − 1
    pixels per layer (linear in depth); a stride multiplies every later layer's step, and dilations
    doubling per layer double the field per layer (exponential) — always exactly the formula.
    """
    k, depth = cfg.kernel, cfg.depth
    stacks = {"stride 1": ([1] * depth, [1] * depth), "stride 2": ([2] * depth, [1] * depth),
              "dilation 2^l": ([1] * depth, [2 ** i for i in range(depth)])}
    measured, formula = {}, {}
    for name, (strides, dilations) in stacks.items():
        measured[name], formula[name] = [], receptive_field_formula([k] * depth, strides, dilations)
        for layer in range(1, depth + 1):
            convs = [nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False)
                     for s, d in zip(strides[:layer], dilations[:layer])]
            measured[name].append(measured_receptive_field(convs, size=8 + 2 * formula[name][-1]))
    fig, ax = figure()
    for name in stacks:
        ax.plot(range(1, depth + 1), measured[name], "o-", label=f"{name} (measured)")
        ax.plot(range(1, depth + 1), formula[name], "k:", lw=1)
    ax.set(title=tr("cnn.receptive_field.title", "Receptive field of the centre unit ({k}×{k} filters; dotted: formula)", k=k),
           xlabel=tr("cnn.layers", "layers"), ylabel=tr("cnn.receptive_field.pixels", "input pixels seen (one axis)"))
    ax.set_xticks(range(1, depth + 1))
    ax.legend()
    ax.grid(alpha=0.3)
    agree = all(measured[n] == formula[n] for n in stacks)
    head = tr("cnn.receptive_field.headline",
              "After {L} layers of {k}×{k} filters the centre unit sees {a} pixels with stride 1, {b} with "
              "stride 2 and {c} with dilations 1, 2, 4, …; the gradient measurement {verdict} the formula "
              "at every layer.", L=depth, k=k, a=measured["stride 1"][-1], b=measured["stride 2"][-1],
              c=measured["dilation 2^l"][-1],
              verdict=tr("cnn.receptive_field.agrees", "agrees with") if agree else
              tr("cnn.receptive_field.disagrees", "DISAGREES with"))
    return Result({"measured": measured, "formula": formula, "agree": agree}, {"receptive_field": fig}, head)

# ------------------------------------------------------------------------------ FC vs CNN
@dataclasses.dataclass
class BudgetConfig:
    n_train: int = 6000
    epochs: int = 6
    lr: float = 2e-3
    RANGES = {"n_train": (500, 60000), "epochs": (1, 100), "lr": (1e-5, 1.0)}


def small_cnn(c1=8, c2=16):
    """Two 3×3 convolution + pooling stages on 28×28, then one linear layer."""
    return nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(c2 * 7 * 7, 10))


@experiment("cnn.fc_vs_cnn", BudgetConfig,
            "Why not a fully connected network for images? With the same number of parameters, does a "
            "CNN see more?",
            "fully connected: every pixel × every neuron (784·h weights for h neurons);  convolution: "
            "one k×k filter shared by every position (k²·C_in·C_out weights)",
            quick=dict(n_train=2000, epochs=5))
def fc_vs_cnn(cfg, ctx):
    """Q: With the same number of parameters, does a CNN beat a fully connected network on images?

    A: yes: at an equal budget the fully connected network can afford only a dozen hidden neurons
    (each needs a weight for every pixel), while the CNN spends its weights on small filters reused
    at every position, and classifies Fashion-MNIST clearly better.
    """
    data = fashion(ctx.seed, cfg.n_train)
    cr.manual_seed(ctx.seed)
    cnn = small_cnn(4, 8)
    budget = count_parameters(cnn)
    hidden = max(1, (budget - 10) // (784 + 1 + 10))   # as many neurons as the CNN's budget pays for
    cr.manual_seed(ctx.seed)
    fc = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    curves, params = {}, {}
    for name, model in ((tr("cnn.fc", "fully connected"), fc), ("CNN", cnn)):
        curves[name], _ = fit_and_test(model, data, cfg.epochs, 64, cfg.lr, ctx)
        params[name] = count_parameters(model)
    fc_name = tr("cnn.fc", "fully connected")
    fig = lines({f"{n} ({params[n]:,} parameters)": (np.arange(1, cfg.epochs + 1), c) for n, c in curves.items()},
                tr("cnn.fc_vs_cnn.title", "Test accuracy at an equal parameter budget"), "epoch", "accuracy")
    fig.axes[0].set_xticks(range(1, cfg.epochs + 1))
    gain = curves["CNN"][-1] - curves[fc_name][-1]
    head = tr("cnn.fc_vs_cnn.headline",
              "With {p:,} parameters the fully connected network affords {h} hidden neurons and reaches test "
              "accuracy {a:.3f}; the CNN ({q:,} parameters) reaches {b:.3f} ({d:+.3f}). A fully connected "
              "first layer of 1,000 neurons on a 100×100 RGB image alone would need 30,000,000 weights.",
              p=params[fc_name], h=hidden, a=curves[fc_name][-1], q=params["CNN"], b=curves["CNN"][-1], d=gain)
    return Result({"parameters": {"fc": params[fc_name], "cnn": params["CNN"]}, "hidden": hidden,
                   "accuracy": {"fc": curves[fc_name][-1], "cnn": curves["CNN"][-1]}},
                  {"accuracy": fig}, head)

# ------------------------------------------------------------------------ two 3×3 vs one 5×5
@dataclasses.dataclass
class StackConfig:
    channels: int = 16
    n_train: int = 6000
    epochs: int = 5
    lr: float = 2e-3
    RANGES = {"channels": (2, 128), "n_train": (500, 60000), "epochs": (1, 100), "lr": (1e-5, 1.0)}


def _stage(c_in, c_out, small):
    if small:   # two 3×3 with a ReLU between: the same 5×5 window
        return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU()]
    return [nn.Conv2d(c_in, c_out, 5, padding=2), nn.ReLU()]


@experiment("cnn.two_3x3_vs_5x5", StackConfig,
            "VGG's rule: is a stack of two 3×3 convolutions as good as one 5×5 — the same view for "
            "fewer weights?",
            "two 3×3: 2·9·C² weights, receptive field 3 + 2 = 5;  one 5×5: 25·C² weights, receptive field 5",
            quick=dict(n_train=3000, epochs=4, channels=8))
def two_3x3_vs_5x5(cfg, ctx):
    """Q: Two 3×3 convolutions or one 5×5?

    A: the stack sees exactly the same 5×5 window (measured by gradients) with 18/25 of the weights
    per stage and one more nonlinearity; on Fashion-MNIST the two networks classify about equally
    well, so the saving is free.
    """
    c = cfg.channels
    rf = {"two 3×3": measured_receptive_field([nn.Conv2d(1, 1, 3, bias=False), nn.Conv2d(1, 1, 3, bias=False)], 16),
          "one 5×5": measured_receptive_field([nn.Conv2d(1, 1, 5, bias=False)], 16)}
    data = fashion(ctx.seed, cfg.n_train)
    acc, params, curves = {}, {}, {}
    for name, small in (("two 3×3", True), ("one 5×5", False)):
        cr.manual_seed(ctx.seed)
        model = nn.Sequential(*_stage(1, c, small), nn.MaxPool2d(2), *_stage(c, c, small), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(c * 49, 10))
        convs = [m for m in model if isinstance(m, nn.Conv2d)]
        conv_weights = sum(m.weight.numel() for m in convs[len(convs) // 2:])   # the C → C stage
        curves[name], _ = fit_and_test(model, data, cfg.epochs, 64, cfg.lr, ctx)
        acc[name], params[name] = curves[name][-1], conv_weights
    fig = bars({f"{n}\n{params[n]:,} weights (C → C stage)": acc[n] for n in acc},
               tr("cnn.two_3x3_vs_5x5.title", "Test accuracy (receptive field 5 in both)"), "accuracy")
    fig.axes[0].set_ylim(min(acc.values()) - 0.05, 1.0)
    diff = acc["two 3×3"] - acc["one 5×5"]
    verdict = (tr("cnn.two_3x3_vs_5x5.same", "about as well as") if abs(diff) <= 0.01 else
               tr("cnn.two_3x3_vs_5x5.better", "better than") if diff > 0 else
               tr("cnn.two_3x3_vs_5x5.worse", "worse than"))
    head = tr("cnn.two_3x3_vs_5x5.headline",
              "Both see a {r}×{r} window (measured); a C → C stage of two 3×3 convolutions has {a:,} weights "
              "against {b:,} for one 5×5 ({ratio:.0%}), and the 3×3 network classifies {verdict} the 5×5 one (test "
              "accuracy {x:.3f} vs {y:.3f}).",
              r=rf["two 3×3"], a=params["two 3×3"], b=params["one 5×5"], ratio=params["two 3×3"] / params["one 5×5"],
              verdict=verdict, x=acc["two 3×3"], y=acc["one 5×5"])
    return Result({"receptive_field": rf, "conv_weights": params, "accuracy": acc}, {"accuracy": fig}, head)

# ------------------------------------------------------------------------------------- pooling
@dataclasses.dataclass
class PoolingConfig:
    width: int = 16
    n_train: int = 4000
    epochs: int = 4
    lr: float = 2e-3
    shift: int = 2
    RANGES = {"width": (4, 128), "n_train": (500, 60000), "epochs": (1, 100), "lr": (1e-5, 1.0), "shift": (1, 6)}


def _shifted(x, d):
    """Images moved right and down by d pixels (zero-filled)."""
    out = np.full_like(x, x.min())
    out[..., d:, d:] = x[..., :-d, :-d]
    return out


@experiment("cnn.pooling", PoolingConfig,
            "What does max pooling buy a CNN: how much arithmetic does it save, what does it cost in accuracy, "
            "and does it make the network tolerate small shifts?",
            "max pooling 2×2: each output = the largest of 4 neighbours; the next layer sees ¼ of the positions",
            quick=dict(n_train=1500, epochs=3, width=8))
def pooling(cfg, ctx):
    """Q: What does max pooling save, what does it cost, and does it help with shifted inputs?

    A: with two 2×2 poolings the later convolutions run on 1/4 and 1/16 of the positions: about a
    fifth of the multiply-adds remain. Shifting the test images by a couple of pixels costs the
    pooled network less accuracy than the one without pooling, whose classifier reads every exact
    position (which, with 16× more inputs, also makes it the more accurate on unshifted images here).
    """
    c = cfg.width
    data = fashion(ctx.seed, cfg.n_train)
    (_, _), (xte, yte) = data
    out = {}
    for name, pool in (("max pooling", True), ("no pooling", False)):
        cr.manual_seed(ctx.seed)
        stage = (lambda: [nn.MaxPool2d(2)]) if pool else (lambda: [])
        side = 7 if pool else 28
        model = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), *stage(),
                              nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), *stage(),
                              nn.Conv2d(c, c, 3, padding=1), nn.ReLU(),
                              nn.Flatten(), nn.Linear(c * side * side, 10))
        curve, seconds = fit_and_test(model, data, cfg.epochs, 64, cfg.lr, ctx)
        out[name] = {"accuracy": curve[-1], "shifted_accuracy": accuracy_on(model, _shifted(xte, cfg.shift), yte),
                     "macs": count_macs(model, (1, 1, 28, 28))[0], "seconds": seconds}
    p, q = out["max pooling"], out["no pooling"]
    fig, ax = figure()
    names = list(out)
    xs = np.arange(len(names))
    ax.bar(xs - 0.2, [out[n]["accuracy"] for n in names], 0.4, label=tr("cnn.pooling.plain", "test images"))
    ax.bar(xs + 0.2, [out[n]["shifted_accuracy"] for n in names], 0.4,
           label=tr("cnn.pooling.shifted", "shifted by {d} pixels", d=cfg.shift))
    ax.set_xticks(xs, [f"{n}\n{out[n]['macs'] / 1e6:.2f} M MACs" for n in names])
    ax.set(title=tr("cnn.pooling.title", "Test accuracy"), ylabel="accuracy")
    ax.legend()
    drop_p, drop_q = p["accuracy"] - p["shifted_accuracy"], q["accuracy"] - q["shifted_accuracy"]
    head = tr("cnn.pooling.headline",
              "With max pooling the network needs {pm:.2f} M multiply-adds per image, without {qm:.2f} M ({r:.0%}); test "
              "accuracy {pa:.3f} vs {qa:.3f}. Shifting the test images by {d} pixels costs the pooled network {dp:.3f} "
              "and the other {dq:.3f} ({verdict}).",
              pm=p["macs"] / 1e6, qm=q["macs"] / 1e6, r=p["macs"] / q["macs"], pa=p["accuracy"], qa=q["accuracy"],
              d=cfg.shift, dp=drop_p, dq=drop_q,
              verdict=tr("cnn.pooling.tolerant", "pooling tolerates the shift better") if drop_p < drop_q else
              tr("cnn.pooling.not_tolerant", "pooling did not tolerate it better this time"))
    out["shift_drop"] = {"max pooling": drop_p, "no pooling": drop_q}
    return Result(out, {"accuracy": fig}, head)

# ---------------------------------------------------------------------------------- board game
@dataclasses.dataclass
class BoardConfig:
    size: int = 9
    n_train: int = 4000
    epochs: int = 6
    width: int = 16
    lr: float = 3e-3
    RANGES = {"size": (5, 19), "n_train": (200, 100_000), "epochs": (1, 100), "width": (4, 128), "lr": (1e-5, 1.0)}


def _eyes(black, empty):
    """Interior empty points whose four neighbours are all black."""
    e = empty[1:-1, 1:-1] & black[:-2, 1:-1] & black[2:, 1:-1] & black[1:-1, :-2] & black[1:-1, 2:]
    return np.argwhere(e) + 1


def eye_boards(n, size, rng):
    """Go-like boards (planes: black, white) with exactly one 'eye' — an empty point closed in by
    black on all four sides; the label is its position (row·size + column)."""
    boards, labels = np.zeros((n, 2, size, size), np.float32), np.zeros(n, np.int64)
    k = 0
    while k < n:
        u = rng.uniform(size=(size, size))
        black, white = u < 0.35, (u >= 0.35) & (u < 0.55)
        for r, c in _eyes(black, ~black & ~white):          # break the accidental eyes
            white[r, c - 1], black[r, c - 1] = True, False
        r, c = rng.integers(1, size - 1, 2)
        black[r, c], white[r, c] = False, False
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            black[r + dr, c + dc], white[r + dr, c + dc] = True, False
        found = _eyes(black, ~black & ~white)
        if len(found) == 1:
            boards[k, 0], boards[k, 1], labels[k] = black, white, found[0][0] * size + found[0][1]
            k += 1
    return boards, labels


@experiment("cnn.board_game", BoardConfig,
            "AlphaGo's network has no pooling: on a board, does throwing away exact positions hurt?",
            "a Go board as 19×19 (here size×size) planes of stones; the output is a score per point",
            quick=dict(n_train=1500, epochs=4))
def board_game(cfg, ctx):
    """Q: On a board game, what happens when a CNN pools away exact positions?

    A: the task is to point at the one empty point enclosed by black stones; a fully convolutional
    network that keeps the board's resolution (as AlphaGo's) points at it almost always, while the
    same filters followed by 2×2 pooling must rebuild the exact position from coarse features and
    point right far less often.
    """
    s = cfg.size
    xtr, ytr = eye_boards(cfg.n_train, s, ctx.rng)
    xte, yte = eye_boards(1000, s, np.random.default_rng(10_000 + ctx.seed))
    c = cfg.width
    half = (s + 1) // 2
    makers = {
        "no pooling (AlphaGo)": lambda: nn.Sequential(nn.Conv2d(2, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1),
                                                     nn.ReLU(), nn.Conv2d(c, 1, 1), nn.Flatten()),
        "2×2 max pooling": lambda: nn.Sequential(nn.Conv2d(2, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                                                 nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.Flatten(),
                                                 nn.Linear(c * half * half, s * s))}
    acc, params = {}, {}
    for name, make in makers.items():
        cr.manual_seed(ctx.seed)
        model = make()
        curve, _ = fit_and_test(model, ((xtr, ytr), (xte, yte)), cfg.epochs, 64, cfg.lr, ctx)
        acc[name], params[name] = curve[-1], count_parameters(model)
    fig = bars({f"{n}\n{params[n]:,} parameters": v for n, v in acc.items()},
               tr("cnn.board_game.title", "Finding the enclosed point on {s}×{s} boards (test accuracy)", s=s), "accuracy")
    fig.axes[0].set_ylim(0, 1.05)
    a, b = acc["no pooling (AlphaGo)"], acc["2×2 max pooling"]
    head = tr("cnn.board_game.headline",
              "Pointing at the enclosed empty point of {s}×{s} boards: the fully convolutional network without pooling "
              "is right on {a:.1%} of test boards ({pa:,} parameters), the one with 2×2 pooling on {b:.1%} ({pb:,} "
              "parameters).", s=s, a=a, b=b, pa=params["no pooling (AlphaGo)"], pb=params["2×2 max pooling"])
    return Result({"accuracy": acc, "parameters": params}, {"accuracy": fig}, head)

# ------------------------------------------------------------------------------ augmentation
@dataclasses.dataclass
class AugmentConfig:
    n_train: int = 500
    epochs: int = 20
    shift: int = 3
    width: int = 16
    lr: float = 2e-3
    RANGES = {"n_train": (50, 60000), "epochs": (1, 200), "shift": (1, 8), "width": (4, 128), "lr": (1e-5, 1.0)}


def augment_batch(x, shift, rng):
    """Each image moved by up to ±``shift`` pixels (zero-filled) and mirrored left–right half of the
    time: the same garment, a new example."""
    out = np.full_like(x, x.min())
    size = x.shape[-1]
    for k in range(len(x)):
        dy, dx = rng.integers(-shift, shift + 1, 2)
        img = x[k, :, :, ::-1] if rng.uniform() < 0.5 else x[k]
        ys, yd = (slice(0, size - dy), slice(dy, size)) if dy >= 0 else (slice(-dy, size), slice(0, size + dy))
        xs, xd = (slice(0, size - dx), slice(dx, size)) if dx >= 0 else (slice(-dx, size), slice(0, size + dx))
        out[k, :, yd, xd] = img[:, ys, xs]
    return out


@experiment("cnn.augmentation", AugmentConfig,
            "Only a few hundred training images: does data augmentation (shifted and mirrored copies) make a "
            "CNN cope with test images that vary the same way?",
            "augmented example: x′ = T(x) with T a random shift (±s pixels) and a left–right mirror; label unchanged",
            quick=dict(n_train=300, epochs=10))
def augmentation(cfg, ctx):
    """Q: With a few hundred training images, does augmentation help a CNN on varied test images?

    A: Fashion-MNIST's garments are centred and upright in training and test alike, so on the
    plain test set augmentation does not help here (in a short training it costs accuracy). On test
    images that are shifted and mirrored — the variation it taught — the augmented network is
    clearly more accurate: augmentation teaches the invariances the test data will need.
    """
    (xtr, ytr), (xte, yte) = fashion(ctx.seed, cfg.n_train)
    out = {}
    for name, aug in (("no augmentation", False), ("shift + mirror", True)):
        cr.manual_seed(ctx.seed)
        model = small_cnn(cfg.width // 2, cfg.width)
        opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
        rng = np.random.default_rng(ctx.seed)
        curve = []
        for _ in ctx.progress(range(cfg.epochs), total=cfg.epochs, desc=name):
            order = rng.permutation(cfg.n_train)
            for i in range(0, cfg.n_train, 32):
                idx = order[i:i + 32]
                x = augment_batch(xtr[idx], cfg.shift, rng) if aug else xtr[idx]
                opt.zero_grad()
                nn.functional.cross_entropy(model(cr.tensor(x)), cr.tensor(ytr[idx])).backward()
                opt.step()
            curve.append(accuracy_on(model, xte, yte))
        varied = augment_batch(xte, cfg.shift, np.random.default_rng(10_000 + ctx.seed))
        out[name] = {"test_accuracy": curve[-1], "train_accuracy": accuracy_on(model, xtr, ytr), "curve": curve,
                     "varied_test_accuracy": accuracy_on(model, varied, yte)}
    fig = lines({n: (np.arange(1, cfg.epochs + 1), v["curve"]) for n, v in out.items()},
                tr("cnn.augmentation.title", "Test accuracy per epoch, {n} training images", n=cfg.n_train), "epoch",
                "accuracy")
    a, b = out["no augmentation"], out["shift + mirror"]
    head = tr("cnn.augmentation.headline",
              "With {n} training images: without augmentation train/test accuracy {at:.3f}/{ae:.3f}; with random shifts "
              "(±{s} px) and mirrors {bt:.3f}/{be:.3f}. On shifted and mirrored test images: {av:.3f} without, {bv:.3f} "
              "with augmentation.", n=cfg.n_train, at=a["train_accuracy"], ae=a["test_accuracy"], s=cfg.shift,
              bt=b["train_accuracy"], be=b["test_accuracy"], av=a["varied_test_accuracy"], bv=b["varied_test_accuracy"])
    return Result(out, {"test_accuracy": fig}, head)
