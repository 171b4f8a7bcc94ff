"""Lecture 4, the family tree: LeNet-5, the model zoo's costs, residual connections, MobileNet's
depthwise separable and GoogLeNet's 1×1 convolutions, and the spatial transformer."""
import dataclasses
import time

import numpy as np

import chainrule as cr
from chainrule import models, nn
from chainrule.utils.flops import count_macs, count_parameters

from ..common import bars, fashion, figure, lines
from ..lang import tr
from ..registry import Result, experiment
from .basics import accuracy_on, fit_and_test


# ------------------------------------------------------------------------------------- LeNet-5
@dataclasses.dataclass
class LeNetConfig:
    n_train: int = 60000
    epochs: int = 5
    batch: int = 64
    lr: float = 1e-3
    RANGES = {"n_train": (500, 60000), "epochs": (1, 100), "batch": (1, 4096), "lr": (1e-5, 1.0)}


@experiment("cnn.lenet5", LeNetConfig,
            "LeNet-5, the first CNN: how well does its 1998 design classify Fashion-MNIST, and what do "
            "its first filters look like?",
            "32×32 → conv 6@5×5 → tanh → pool → conv 16@5×5 → tanh → pool → 120 → 84 → 10  (61,706 parameters)",
            quick=dict(n_train=3000, epochs=2))
def lenet5(cfg, ctx):
    """Q: How well does LeNet-5 classify Fashion-MNIST?

    A: with 61,706 parameters it passes 89% test accuracy in a few epochs on two CPU cores; its
    first-layer filters become edge and blob detectors.
    """
    data = fashion(ctx.seed, cfg.n_train, n_test=10000)
    cr.manual_seed(ctx.seed)
    model = models.LeNet5(input_size=28)
    curve, seconds = fit_and_test(model, data, cfg.epochs, cfg.batch, cfg.lr, ctx)
    fig = lines({"LeNet-5": (np.arange(1, cfg.epochs + 1), curve)},
                tr("cnn.lenet5.title", "Fashion-MNIST test accuracy per epoch"), "epoch", "accuracy")
    fig.axes[0].set_xticks(range(1, cfg.epochs + 1))
    filters = model.features[0].weight.detach().numpy()[:, 0]
    fig_f, axes = figure(w=7, h=1.6)[0], None
    fig_f.clf()
    axes = fig_f.subplots(1, len(filters))
    for ax, f in zip(axes, filters):
        ax.imshow(f, cmap="gray")
        ax.axis("off")
    fig_f.suptitle(tr("cnn.lenet5.filters", "The six 5×5 filters of the first layer"))
    reached = next((i + 1 for i, a in enumerate(curve) if a >= 0.89), None)
    head = tr("cnn.lenet5.headline",
              "LeNet-5 ({p:,} parameters) reaches test accuracy {a:.3f} after {e} epochs on {n:,} images in "
              "{s:.0f} s; {when}.", p=count_parameters(model), a=curve[-1], e=cfg.epochs, n=cfg.n_train, s=seconds,
              when=tr("cnn.lenet5.reached", "it passed 89% after epoch {r}", r=reached) if reached else
              tr("cnn.lenet5.not_reached", "it did not reach 89% in this run"))
    return Result({"test_accuracy": curve, "seconds": seconds, "parameters": count_parameters(model),
                   "epoch_reaching_89": reached}, {"accuracy": fig, "filters": fig_f}, head)

# ------------------------------------------------------------------------------------ the zoo
ZOO = ("alexnet", "vgg11", "vgg16", "vgg19", "googlenet", "resnet18", "resnet34", "resnet50", "mobilenet_v2")
LIGHT = ("alexnet", "vgg11", "googlenet", "resnet18", "mobilenet_v2")


@dataclasses.dataclass
class ZooConfig:
    sizes: tuple[int, ...] = (64, 224)
    all_models: bool = True
    RANGES = {"sizes": (64, 512), "all_models": (False, True)}   # AlexNet needs at least 63×63


@experiment("cnn.model_zoo", ZooConfig,
            "The CNN family tree: how many parameters, how much arithmetic and how much time per image "
            "from AlexNet to MobileNet?",
            "MACs of a convolution = C_out·H_out·W_out · (C_in/groups)·k_h·k_w;  of a linear layer = in·out",
            quick=dict(sizes=(64,), all_models=False))
def model_zoo(cfg, ctx):
    """Q: What does each model of the family tree cost?

    A: VGG's depth of 3×3 convolutions costs the most arithmetic and, with its fully connected head,
    the most parameters; GoogLeNet's 1×1 reductions and global pooling cut the parameters by an
    order of magnitude; ResNet goes deeper at a moderate cost; MobileNetV2's depthwise separable
    blocks need the least arithmetic of all.
    """
    names = ZOO if cfg.all_models else LIGHT
    table = {}
    for name in ctx.progress(names, total=len(names), desc="models"):
        cr.manual_seed(ctx.seed)
        model = models.get_model(name, **({"init_weights": True} if name == "googlenet" else {}))
        model.eval()
        row = {"parameters": count_parameters(model)}
        for size in cfg.sizes:
            row[f"macs_{size}"] = count_macs(model, (1, 3, size, size))[0]
            x = cr.randn(1, 3, size, size)
            with cr.no_grad():
                model(x)
                t = time.perf_counter()
                model(x)
                row[f"seconds_{size}"] = time.perf_counter() - t
        table[name] = row
    big = max(cfg.sizes)
    fig_p = bars({n: r["parameters"] / 1e6 for n, r in table.items()},
                 tr("cnn.model_zoo.params_title", "Parameters (millions)"), tr("cnn.model_zoo.millions", "millions"))
    fig_m, ax = figure()
    for n, r in table.items():
        ax.scatter(r[f"macs_{big}"] / 1e9, r[f"seconds_{big}"] * 1e3)
        ax.annotate(n, (r[f"macs_{big}"] / 1e9, r[f"seconds_{big}"] * 1e3), fontsize=8, xytext=(4, -8 if
                    n.startswith("google") else 4), textcoords="offset points")
    ax.set(title=tr("cnn.model_zoo.macs_title", "Arithmetic and time for one {s}×{s} image", s=big),
           xlabel="GMACs", ylabel=tr("cnn.model_zoo.ms", "milliseconds (chainrule, this CPU)"))
    ax.grid(alpha=0.3)
    most_p = max(table, key=lambda n: table[n]["parameters"])
    least_m = min(table, key=lambda n: table[n][f"macs_{big}"])
    most_m = max(table, key=lambda n: table[n][f"macs_{big}"])
    head = tr("cnn.model_zoo.headline",
              "At {s}×{s}: {most_m} needs the most arithmetic ({mm:.2f} GMACs, {mt:.0f} ms per image here), "
              "{least_m} the least ({lm:.3f} GMACs, {lt:.0f} ms); {most_p} has the most parameters ({mp:.1f} M).",
              s=big, most_m=most_m, mm=table[most_m][f"macs_{big}"] / 1e9, mt=table[most_m][f"seconds_{big}"] * 1e3,
              least_m=least_m, lm=table[least_m][f"macs_{big}"] / 1e9, lt=table[least_m][f"seconds_{big}"] * 1e3,
              most_p=most_p, mp=table[most_p]["parameters"] / 1e6)
    return Result({"models": table}, {"parameters": fig_p, "macs_and_time": fig_m}, head)

# ----------------------------------------------------------------------------- plain vs residual
@dataclasses.dataclass
class ResidualConfig:
    shallow: int = 2
    deep: int = 10
    width: int = 16
    n_train: int = 4000
    epochs: int = 4
    lr: float = 2e-3
    RANGES = {"shallow": (1, 20), "deep": (2, 40), "width": (4, 64), "n_train": (500, 60000),
              "epochs": (1, 100), "lr": (1e-5, 1.0)}


class _Block(nn.Module):
    """Two 3×3 convolutions; ``residual`` adds the input back (ResNet's block, without batch norm so
    that depth alone is compared)."""

    def __init__(self, width, residual):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, width, 3, padding=1))

    def forward(self, x):
        out = self.body(x)
        return nn.functional.relu(out + x if self.residual else out)


def block_net(blocks, width, residual):
    """Stem (3×3, stride 2: 14×14) → ``blocks`` blocks → global average pool → 10 classes."""
    return nn.Sequential(nn.Conv2d(1, width, 3, stride=2, padding=1), nn.ReLU(),
                         *[_Block(width, residual) for _ in range(blocks)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))


@experiment("cnn.residual", ResidualConfig,
            "The degradation problem: why can a deeper plain network have a *higher training* loss than a "
            "shallower one, and how does the residual connection fix it?",
            "plain block: H(x) = F(x);  residual block: H(x) = F(x) + x, so ∂H/∂x = ∂F/∂x + I",
            quick=dict(n_train=2000, epochs=3, deep=8, width=8))
def residual(cfg, ctx):
    """Q: Why can a deeper plain network train worse, and what does the residual connection change?

    A: with the same data and steps, the deep plain network ends with a higher training loss than
    the shallow one — not overfitting (that would lower it) but optimization: the signal and the
    gradient must pass every layer. With skip connections each block only learns a correction to the
    identity, and the deep residual network trains at least as well as the shallow one.
    """
    if cfg.deep <= cfg.shallow:
        raise ValueError(f"cnn.residual: deep ({cfg.deep}) must be larger than shallow ({cfg.shallow})")
    data = fashion(ctx.seed, cfg.n_train)
    (xtr, ytr), _ = data
    loader = cr.utils.data.DataLoader(cr.utils.data.TensorDataset(cr.tensor(xtr), cr.tensor(ytr)),
                                      batch_size=64, shuffle=True)
    runs = {}
    for kind, residual_ in (("plain", False), ("residual", True)):
        for depth in (cfg.shallow, cfg.deep):
            cr.manual_seed(ctx.seed)
            model = block_net(depth, cfg.width, residual_)
            hist = cr.train.fit(model, nn.CrossEntropyLoss(), cr.optim.Adam(model.parameters(), lr=cfg.lr), loader,
                                epochs=cfg.epochs, progress=False)
            runs[f"{kind} {2 * depth + 2} layers"] = hist["loss"]
    names = list(runs)
    ps, pd, rs, rd = (runs[n][-1] for n in names)
    fig = lines({n: (np.arange(1, cfg.epochs + 1), v) for n, v in runs.items()},
                tr("cnn.residual.title", "Training loss per epoch (lower is better fitted)"), "epoch", "training loss")
    for line in fig.axes[0].lines[2:]:
        line.set_linestyle("--")
    fig.axes[0].set_xticks(range(1, cfg.epochs + 1))
    degraded = pd > ps
    head = tr("cnn.residual.headline",
              "Training loss after {e} epochs: plain {a} layers {ps:.3f}, plain {b} layers {pd:.3f} ({deg}); residual "
              "{a} layers {rs:.3f}, residual {b} layers {rd:.3f}.", e=cfg.epochs, a=2 * cfg.shallow + 2,
              b=2 * cfg.deep + 2, ps=ps, pd=pd, rs=rs, rd=rd,
              deg=tr("cnn.residual.degraded", "the deeper plain net fits its own training data worse") if degraded
              else tr("cnn.residual.not_degraded", "no degradation this time"))
    return Result({"final_training_loss": {n: v[-1] for n, v in runs.items()}, "curves": runs,
                   "degraded": degraded}, {"training_loss": fig}, head)

# ---------------------------------------------------------------------- depthwise separable
@dataclasses.dataclass
class SeparableConfig:
    width: int = 32
    n_train: int = 4000
    epochs: int = 4
    lr: float = 2e-3
    RANGES = {"width": (4, 256), "n_train": (500, 60000), "epochs": (1, 100), "lr": (1e-5, 1.0)}


def conv_block(c_in, c_out, separable):
    """A 3×3 convolution C_in → C_out, or its depthwise separable version (3×3 per channel, then 1×1)."""
    if separable:
        return [nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False), nn.Conv2d(c_in, c_out, 1), nn.ReLU()]
    return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]


@experiment("cnn.depthwise_separable", SeparableConfig,
            "MobileNet's depthwise separable convolution: how many weights and multiplications does it save, "
            "and what does it cost in accuracy?",
            "standard: 9·C_in·C_out weights;  depthwise + pointwise: 9·C_in + C_in·C_out  (ratio 1/C_out + 1/9)",
            quick=dict(n_train=2000, epochs=3, width=16))
def depthwise_separable(cfg, ctx):
    """Q: How much does a depthwise separable convolution save, and at what cost?

    A: replacing the C → C 3×3 convolutions by a per-channel 3×3 and a 1×1 mix cuts their weights
    and multiply-adds to about 1/C + 1/9 of the original; on Fashion-MNIST the separable network
    gives up only a little accuracy.
    """
    c = cfg.width
    data = fashion(ctx.seed, cfg.n_train)
    out = {}
    for name, separable in (("standard", False), ("depthwise separable", True)):
        cr.manual_seed(ctx.seed)
        model = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              *conv_block(c, c, separable), nn.MaxPool2d(2), *conv_block(c, c, separable),
                              nn.Flatten(), nn.Linear(c * 49, 10))
        body = [m for m in model if isinstance(m, nn.Conv2d)][1:]   # the C → C convolutions
        macs = count_macs(model, (1, 1, 28, 28))[1]
        body_macs = sum(v for k, v in macs.items() if isinstance(model[int(k)], nn.Conv2d) and int(k) >= 3)
        curve, _ = fit_and_test(model, data, cfg.epochs, 64, cfg.lr, ctx)
        out[name] = {"weights": sum(m.weight.numel() for m in body), "macs": body_macs, "accuracy": curve[-1]}
    s, d = out["standard"], out["depthwise separable"]
    fig = bars({f"{n}\n{v['weights']:,} weights, {v['macs'] / 1e6:.2f} M MACs": v["accuracy"] for n, v in out.items()},
               tr("cnn.depthwise_separable.title", "Test accuracy"), "accuracy")
    fig.axes[0].set_ylim(min(v["accuracy"] for v in out.values()) - 0.05, 1.0)
    head = tr("cnn.depthwise_separable.headline",
              "The C → C convolutions (C = {c}) need {ws:,} weights and {ms:.2f} M multiply-adds per image as standard "
              "3×3 convolutions and {wd:,} and {md:.2f} M when depthwise separable ({r:.0%}; 1/C + 1/9 = {f:.0%}); test "
              "accuracy {a:.3f} vs {b:.3f}.", c=c, ws=s["weights"], ms=s["macs"] / 1e6, wd=d["weights"],
              md=d["macs"] / 1e6, r=d["weights"] / s["weights"], f=1 / c + 1 / 9, a=s["accuracy"], b=d["accuracy"])
    return Result(out, {"accuracy": fig}, head)

# ------------------------------------------------------------------------ spatial transformer
@dataclasses.dataclass
class STNConfig:
    n_train: int = 10000
    epochs: int = 8
    rotation: float = 60.0
    lr: float = 1e-3
    RANGES = {"n_train": (500, 60000), "epochs": (1, 100), "rotation": (0.0, 180.0), "lr": (1e-5, 1.0)}


def distort(x, rotation, rng, size=40):
    """Each 28×28 image placed in a size×size canvas, rotated by up to ±``rotation`` degrees, scaled by
    0.9–1.3 and shifted — through affine_grid and grid_sample, the spatial transformer's own sampler."""
    n = len(x)
    pad = (size - x.shape[-1]) // 2
    canvas = np.pad(x, ((0, 0), (0, 0), (pad, size - x.shape[-1] - pad), (pad, size - x.shape[-1] - pad)),
                    constant_values=float(x.min()))
    a = np.deg2rad(rng.uniform(-rotation, rotation, n))
    s = rng.uniform(0.9, 1.3, n)
    t = rng.uniform(-0.25, 0.25, (n, 2))
    theta = np.stack([np.stack([s * np.cos(a), -s * np.sin(a), t[:, 0]], 1),
                      np.stack([s * np.sin(a), s * np.cos(a), t[:, 1]], 1)], 1).astype(np.float32)
    grid = nn.functional.affine_grid(cr.tensor(theta), (n, 1, size, size), align_corners=False)
    shifted = cr.tensor(canvas - canvas.min())
    return (nn.functional.grid_sample(shifted, grid, align_corners=False).numpy() + canvas.min()).astype(np.float32)


def _stn_classifier(size=40):
    side = ((size - 4) // 2 - 4) // 2
    return nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * side * side, 10))


@experiment("cnn.spatial_transformer", STNConfig,
            "Rotated, scaled and shifted garments: can a spatial transformer learn to straighten them before the "
            "CNN classifies — without ever being told how they were distorted?",
            "θ = f_loc(x) (2×3);  (x_s, y_s)ᵀ = θ·(x_t, y_t, 1)ᵀ for every output pixel;  output = bilinear sample of x "
            "at (x_s, y_s)",
            quick=dict(n_train=3000, epochs=4))
def spatial_transformer(cfg, ctx):
    """Q: Can a spatial transformer learn to undo distortions on its own?

    A: trained only on the class labels, the localization network learns an affine map per image —
    mostly zooming in on the garment and re-centring it (drawn: what it passes on) — and the same
    classifier behind it is more accurate on the distorted test set than the classifier alone.
    """
    (xtr, ytr), (xte, yte) = fashion(ctx.seed, cfg.n_train)
    rng = np.random.default_rng(ctx.seed)
    dtr, dte = distort(xtr, cfg.rotation, rng), distort(xte, cfg.rotation, np.random.default_rng(10_000 + ctx.seed))
    data = ((dtr, ytr), (dte, yte))
    out, models_ = {}, {}
    for name, with_stn in (("CNN", False), ("STN + CNN", True)):
        cr.manual_seed(ctx.seed)
        classifier = _stn_classifier()
        if with_stn:
            loc = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(1, 8, 5), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(8, 10, 3),
                                nn.ReLU(), nn.Flatten())
            model = nn.Sequential(nn.SpatialTransformer(loc, 10 * 6 * 6), classifier)
        else:
            model = classifier
        curve, _ = fit_and_test(model, data, cfg.epochs, 64, cfg.lr, ctx)
        out[name] = {"test_accuracy": curve[-1], "curve": curve}
        models_[name] = model
    stn = models_["STN + CNN"][0]
    model = models_["STN + CNN"]
    model.eval()
    with cr.no_grad():
        straightened = stn(cr.tensor(dte[:6])).numpy()
    fig, _ = figure(w=7, h=2.6)
    fig.clf()
    axes = fig.subplots(2, 6)
    for k in range(6):
        axes[0, k].imshow(dte[k, 0], cmap="gray")
        axes[1, k].imshow(straightened[k, 0], cmap="gray")
        axes[0, k].axis("off")
        axes[1, k].axis("off")
    fig.suptitle(tr("cnn.spatial_transformer.shown", "Distorted test images (top) and what the STN passes on (bottom)"),
                 fontsize=9)
    fig_c = lines({n: (np.arange(1, cfg.epochs + 1), v["curve"]) for n, v in out.items()},
                  tr("cnn.spatial_transformer.title", "Test accuracy on distorted images"), "epoch", "accuracy")
    fig_c.axes[0].set_xticks(range(1, cfg.epochs + 1))
    a, b = out["CNN"]["test_accuracy"], out["STN + CNN"]["test_accuracy"]
    head = tr("cnn.spatial_transformer.headline",
              "On garments rotated by up to ±{r:.0f}°, scaled and shifted: the CNN alone reaches test accuracy {a:.3f}, "
              "the same CNN behind a spatial transformer {b:.3f} ({d:+.1f} points).", r=cfg.rotation, a=a, b=b,
              d=100 * (b - a))
    return Result(out, {"straightened": fig, "test_accuracy": fig_c}, head)

# ------------------------------------------------------------------------- 1×1 reduction
@dataclasses.dataclass
class ReductionConfig:
    channels: int = 32
    reduced: int = 8
    n_train: int = 4000
    epochs: int = 4
    lr: float = 2e-3
    RANGES = {"channels": (4, 256), "reduced": (1, 256), "n_train": (500, 60000), "epochs": (1, 100),
              "lr": (1e-5, 1.0)}


@experiment("cnn.bottleneck_1x1", ReductionConfig,
            "GoogLeNet's 1×1 convolution: how much does reducing the channels before a 3×3 convolution save, "
            "and what does it cost?",
            "3×3 on C channels: 9·C·C′ weights;  1×1 to r channels first: C·r + 9·r·C′",
            quick=dict(n_train=1500, epochs=3, channels=16, reduced=4))
def bottleneck_1x1(cfg, ctx):
    """Q: What does a 1×1 reduction before a 3×3 convolution save, and at what cost?

    A: squeezing C channels to r with a 1×1 convolution first makes the 3×3 read r channels instead
    of C: the stage's weights and multiply-adds fall to (C·r + 9·r·C)/(9·C·C) — a fraction that the
    page computes and measures — for a few points of Fashion-MNIST accuracy at a 4× squeeze.
    """
    if cfg.reduced >= cfg.channels:
        raise ValueError(f"cnn.bottleneck_1x1: reduced ({cfg.reduced}) must be smaller than channels ({cfg.channels})")
    c, r = cfg.channels, cfg.reduced
    data = fashion(ctx.seed, cfg.n_train)
    out = {}
    for name, stage in (("3×3 directly", [nn.Conv2d(c, c, 3, padding=1)]),
                        (f"1×1 to {r}, then 3×3", [nn.Conv2d(c, r, 1), nn.ReLU(), nn.Conv2d(r, c, 3, padding=1)])):
        cr.manual_seed(ctx.seed)
        model = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), *stage, nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c * 49, 10))
        stage_convs = [m for m in model[3:3 + len(stage)] if isinstance(m, nn.Conv2d)]
        macs = count_macs(model, (1, 1, 28, 28))[1]
        curve, _ = fit_and_test(model, data, cfg.epochs, 64, cfg.lr, ctx)
        out[name] = {"weights": sum(m.weight.numel() for m in stage_convs),
                     "macs": sum(macs[str(3 + i)] for i, m in enumerate(stage) if isinstance(m, nn.Conv2d)),
                     "accuracy": curve[-1]}
    a, b = out.values()
    fig = bars({f"{n}\n{v['weights']:,} weights, {v['macs'] / 1e6:.2f} M MACs": v["accuracy"] for n, v in out.items()},
               tr("cnn.bottleneck_1x1.title", "Test accuracy"), "accuracy")
    fig.axes[0].set_ylim(min(v["accuracy"] for v in out.values()) - 0.05, 1.0)
    head = tr("cnn.bottleneck_1x1.headline",
              "The middle stage on {c} channels: {wa:,} weights and {ma:.2f} M multiply-adds per image as one 3×3, "
              "{wb:,} and {mb:.2f} M with a 1×1 to {r} channels first ({ratio:.0%}); test accuracy {x:.3f} vs {y:.3f}.",
              c=c, wa=a["weights"], ma=a["macs"] / 1e6, wb=b["weights"], mb=b["macs"] / 1e6, r=r,
              ratio=b["weights"] / a["weights"], x=a["accuracy"], y=b["accuracy"])
    return Result({"direct": a, "reduced": b}, {"accuracy": fig}, head)

# ------------------------------------------------------------------------------- a small ResNet
@dataclasses.dataclass
class SmallResNetConfig:
    n_train: int = 60000
    epochs: int = 5
    width: int = 16
    blocks: int = 1
    batch: int = 64
    lr: float = 2e-3
    n_test: int = 10000
    RANGES = {"n_train": (500, 60000), "epochs": (1, 100), "width": (4, 64), "blocks": (1, 9), "batch": (8, 1024),
              "lr": (1e-5, 1.0), "n_test": (100, 10000)}


def small_resnet(width=16, blocks=1, in_channels=1, num_classes=10):
    """He et al.'s ResNet for small images (their CIFAR design, 6n + 2 layers): a 3×3 stem, three
    stages of ``blocks`` BasicBlocks on width, 2·width and 4·width channels (the last two halving the
    resolution; a 1×1 convolution matches the skip's shape), global average pooling, one linear layer."""
    def stage(c_in, c_out, stride):
        down = None if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
        return [models.BasicBlock(c_in, c_out, stride, down)] + [models.BasicBlock(c_out, c_out) for _ in range(blocks - 1)]
    w = width
    return nn.Sequential(nn.Conv2d(in_channels, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                         *stage(w, w, 1), *stage(w, 2 * w, 2), *stage(2 * w, 4 * w, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, num_classes))


@experiment("cnn.small_resnet", SmallResNetConfig,
            "How far does a small ResNet — batch norm and skip connections, 6n + 2 layers — get on Fashion-MNIST "
            "in a few minutes on a laptop CPU?",
            "block: y = ReLU(BN(W₂·ReLU(BN(W₁·x))) + x);  learning rate η_t = η·½(1 + cos(π·t/T))",
            quick=dict(n_train=2000, epochs=3, width=8, batch=32, n_test=500))
def small_resnet_fashion(cfg, ctx):
    """Q: What does a small ResNet reach on Fashion-MNIST in minutes on a CPU?

    A: ResNet-8 (width 16: 77,754 parameters, 1.3× LeNet-5's) reaches about 92% test accuracy on
    the 10,000 test images in five epochs (about 7 minutes on two cores), with Adam whose step size
    decays along a cosine to zero — three points past LeNet-5.
    """
    (xtr, ytr), (xte, yte) = fashion(ctx.seed, cfg.n_train, n_test=cfg.n_test)
    cr.manual_seed(ctx.seed)
    model = small_resnet(cfg.width, cfg.blocks)
    loader = cr.utils.data.DataLoader(cr.utils.data.TensorDataset(cr.tensor(xtr), cr.tensor(ytr)),
                                      batch_size=cfg.batch, shuffle=True)
    opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs * len(loader))
    curve, started = [], time.perf_counter()
    for _ in ctx.progress(range(cfg.epochs), total=cfg.epochs, desc="epochs"):
        cr.train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, scheduler=sched, scheduler_interval="step",
                     progress=False)
        curve.append(accuracy_on(model, xte, yte))
    seconds = time.perf_counter() - started
    layers = 6 * cfg.blocks + 2
    fig = lines({f"ResNet-{layers}": (np.arange(1, cfg.epochs + 1), curve)},
                tr("cnn.small_resnet.title", "Fashion-MNIST test accuracy per epoch ({n:,} test images)", n=len(yte)),
                "epoch", "accuracy")
    fig.axes[0].axhline(0.92, color="gray", ls=":", lw=1)
    fig.axes[0].set_xticks(range(1, cfg.epochs + 1))
    reached = next((i + 1 for i, a in enumerate(curve) if a >= 0.92), None)
    head = tr("cnn.small_resnet.headline",
              "ResNet-{l} ({p:,} parameters, width {w}) reaches test accuracy {a:.4f} after {e} epochs on {n:,} images "
              "in {s:.0f} s on this CPU; {when}.", l=layers, p=count_parameters(model), w=cfg.width, a=curve[-1],
              e=cfg.epochs, n=cfg.n_train, s=seconds,
              when=tr("cnn.small_resnet.reached", "it passed 92% after epoch {r}", r=reached) if reached else
              tr("cnn.small_resnet.not_reached", "it did not reach 92% in this run"))
    return Result({"test_accuracy": curve, "seconds": seconds, "parameters": count_parameters(model), "layers": layers,
                   "epoch_reaching_92": reached}, {"accuracy": fig}, head)
