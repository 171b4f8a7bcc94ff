"""Lecture 4, inside a CNN: what its filters become, and the feature maps they make — each filter an
inner product with every receptive field, so it detects one pattern wherever it is — and the units'
nonlinearity (AlexNet's ReLU against tanh)."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule import nn

from ..common import fashion, fashion_pixels, figure, image_rows
from ..lang import tr
from ..registry import Result, experiment
from .basics import fit_and_test


@dataclasses.dataclass
class FiltersConfig:
    n_train: int = 12000
    epochs: int = 4
    filters: int = 8
    lr: float = 2e-3
    shift: int = 3
    top: int = 6
    RANGES = {"n_train": (500, 60000), "epochs": (1, 100), "filters": (2, 16), "lr": (1e-5, 1.0), "shift": (1, 8),
              "top": (2, 12)}


def neighbour_correlation(f):
    """How alike neighbouring taps of a k×k filter are: the correlation of each tap with the one to
    its right and the one below (≈ 0 for the random weights a filter starts from; towards 1 for a
    smooth pattern such as an edge or a blob)."""
    f = f - f.mean()
    a = np.concatenate([f[:, :-1].ravel(), f[:-1].ravel()])
    b = np.concatenate([f[:, 1:].ravel(), f[1:].ravel()])
    return float(np.corrcoef(a, b)[0, 1])


def _cosine(w, p):
    return float((w * p).sum() / (np.linalg.norm(w) * np.linalg.norm(p) + 1e-12))


def top_patches(images, conv, top, rng):
    """For each filter of ``conv`` (padding k//2), the ``top`` receptive fields of ``images`` that it
    answers most strongly (one per image), the cosine between the filter and each of them, and —
    the baseline — its mean cosine with 200 fields picked at random."""
    k = conv.weight.shape[-1]
    with cr.no_grad():
        maps = (conv(cr.tensor(images)) - conv.bias.reshape(1, -1, 1, 1)).numpy()   # w·patch, no bias
    pad = np.pad(images[:, 0], ((0, 0), (k // 2, k // 2), (k // 2, k // 2)))
    weights = conv.weight.detach().numpy()[:, 0]
    patches, cosines, baseline = [], [], []
    for j, w in enumerate(weights):
        picks = zip(rng.integers(0, len(images), 200), rng.integers(0, maps.shape[2], 200),
                    rng.integers(0, maps.shape[3], 200))
        baseline.append(np.mean([_cosine(w, pad[i, y:y + k, x:x + k]) for i, y, x in picks]))
        best = maps[:, j].reshape(len(images), -1)
        where = best.argmax(1)
        chosen = np.argsort(best.max(1))[::-1][:top]
        rows = [pad[i, where[i] // maps.shape[3]:][:k, where[i] % maps.shape[3]:][:, :k] for i in chosen]
        patches.append(rows)
        cosines.append([_cosine(w, p) for p in rows])
    return patches, np.array(cosines), float(np.mean(baseline))


@experiment("cnn.filters", FiltersConfig,
            "What do the filters of a trained CNN become, and what does each of them detect in an image?",
            "feature map of filter f:  a[i, j] = Σ_(u,v) f[u, v] · x[i + u, j + v] + b  (an inner product of f "
            "with every receptive field: largest where the field looks like f)",
            quick=dict(n_train=3000, epochs=3))
def filters(cfg, ctx):
    """Q: What do a CNN's first filters become, and what does each detect?

    A: they start as random noise and become smooth patterns — edges and blobs (neighbouring taps
    grow alike). Each filter is an inner product with every receptive field, so its feature map is
    largest where the image looks like the filter: the fields that excite it most point the same
    way as the filter itself. The same filter runs at every position, so moving the garment moves
    its feature maps and changes nothing else: the pattern is found wherever it is.
    """
    data = fashion(ctx.seed, cfg.n_train)
    (_, _), (xte, _) = data
    cr.manual_seed(ctx.seed)
    model = nn.Sequential(nn.Conv2d(1, cfg.filters, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(cfg.filters, 2 * cfg.filters, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(2 * cfg.filters * 49, 10))
    conv = model[0]
    start = conv.weight.detach().numpy()[:, 0].copy()
    curve, seconds = fit_and_test(model, data, cfg.epochs, 64, cfg.lr, ctx)
    trained = conv.weight.detach().numpy()[:, 0]
    smooth = {"init": [neighbour_correlation(f) for f in start], "trained": [neighbour_correlation(f) for f in trained]}

    patches, cosines, baseline = top_patches(xte[:1000], conv, cfg.top, np.random.default_rng(ctx.seed))
    # parameter sharing: the maps of a shifted garment are the shifted maps (away from the border)
    s = cfg.shift
    image = xte[:1]
    moved = np.full_like(image, image.min())
    moved[..., s:, s:] = image[..., :-s, :-s]
    with cr.no_grad():
        maps, maps_moved = (conv(cr.tensor(v)).numpy()[0] for v in (image, moved))
    inner = (slice(None), slice(s + 2, -2), slice(s + 2, -2))
    shift_error = float(np.abs(maps_moved[inner] - maps[:, 2:-2 - s, 2:-2 - s]).max())

    span = max(np.abs(start).max(), np.abs(trained).max())
    fig_f = image_rows({tr("cnn.filters.at_init", "at the start"): list(start),
                        tr("cnn.filters.trained", "trained"): list(trained)},
                       tr("cnn.filters.filters_title", "The {n} 5×5 filters of the first layer", n=cfg.filters),
                       cmap="RdBu_r", vmin=-span, vmax=span)
    fig_p = image_rows({f"{tr('cnn.filters.filter', 'filter')} {j + 1}": [trained[j]] + list(patches[j])
                        for j in range(cfg.filters)},
                       tr("cnn.filters.patches_title", "Each filter (left) and the {t} fields that excite it most",
                          t=cfg.top), cmap="gray", vmin=None, vmax=None)
    hi = max(maps.max(), maps_moved.max())
    fig_m = image_rows({tr("cnn.filters.garment", "garment"): [image[0, 0]] + list(maps),
                        tr("cnn.filters.moved", "moved {s} px", s=s): [moved[0, 0]] + list(maps_moved)},
                       tr("cnn.filters.maps_title", "An image and its {n} feature maps", n=cfg.filters),
                       cmap="magma", vmin=None, vmax=hi)
    metrics = {"test_accuracy": curve[-1], "seconds": seconds,
               "neighbour_correlation": {k: float(np.mean(v)) for k, v in smooth.items()},
               "per_filter_correlation": smooth, "top_patch_cosine": float(cosines.mean()),
               "top_patch_cosine_min": float(cosines.min()), "random_patch_cosine": baseline,
               "shift_error": shift_error}
    rise = metrics["neighbour_correlation"]["trained"] - metrics["neighbour_correlation"]["init"]
    head = tr("cnn.filters.headline",
              "After {e} epochs (test accuracy {a:.3f}) neighbouring taps of the first-layer filters correlate "
              "{t:+.2f} on average (at the start {i:+.2f}): {verdict}. The {k} fields that excite each filter most "
              "point its way (cosine {c:.2f} on average; a field picked at random {r:+.2f}): the feature map is an "
              "inner product, largest where the image looks like the filter. Moving the garment {s} pixels moved "
              "its feature maps with it (largest difference {d:.1e}).", e=cfg.epochs, a=curve[-1],
              t=metrics["neighbour_correlation"]["trained"], i=metrics["neighbour_correlation"]["init"],
              verdict=tr("cnn.filters.smoother", "the random noise became smoother patterns") if rise > 0.1 else
              tr("cnn.filters.not_smoother", "the filters are hardly smoother than the noise they started from"),
              k=cfg.top, c=cosines.mean(), r=baseline, s=s, d=shift_error)
    return Result(metrics, {"filters": fig_f, "patches": fig_p, "feature_maps": fig_m}, head)


# ------------------------------------------------------------------------------- ReLU vs tanh
@dataclasses.dataclass
class ActivationConfig:
    n_train: int = 3000
    max_epochs: int = 5
    target_error: float = 0.25
    raw_lrs: tuple[float, ...] = (3e-5, 1e-4, 3e-4, 1e-3, 3e-3)
    standardized_lrs: tuple[float, ...] = (3e-3, 1e-2, 3e-2, 1e-1)
    eval_every: int = 8
    probe: int = 1000
    RANGES = {"n_train": (200, 60000), "max_epochs": (1, 100), "target_error": (0.01, 0.9),
              "raw_lrs": (1e-7, 1.0), "standardized_lrs": (1e-7, 1.0), "eval_every": (1, 1000), "probe": (100, 60000)}


def four_layer_cnn(act):
    """AlexNet's four-layer test network, shrunk for 28×28 images: three convolutions and a linear
    layer, the nonlinearity ``act`` ('relu' or 'tanh') everywhere."""
    unit = nn.ReLU if act == "relu" else nn.Tanh
    return nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), unit(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 5, padding=2), unit(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 32, 3, padding=1), unit(), nn.Flatten(), nn.Linear(32 * 49, 10))


def steps_to_error(model, x, y, lr, target, max_epochs, every, seed, probe=1000):
    """SGD (momentum 0.9, batch 64) until the training error (on the first ``probe`` training
    images, every ``every`` steps) reaches ``target``: (steps or None, [(step, error), …]). A run
    whose loss stops being finite ends there."""
    rng = np.random.default_rng(seed)
    opt = cr.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    probe_x, probe_y = cr.tensor(x[:probe]), y[:probe]
    curve, step = [], 0
    for _ in range(max_epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(cr.tensor(x[idx])), cr.tensor(y[idx]))
            if not np.isfinite(loss.item()):
                return None, curve
            loss.backward()
            opt.step()
            step += 1
            if step % every == 0:
                with cr.no_grad():
                    err = float((model(probe_x).numpy().argmax(1) != probe_y).mean())
                curve.append((step, err))
                if err <= target:
                    return step, curve
    return None, curve


def saturated_fraction(model, x):
    """The share of the first layer's tanh units with |tanh(a)| > 0.99 (slope below 0.02) on x."""
    with cr.no_grad():
        a = model[1](model[0](cr.tensor(x))).numpy()
    return float((np.abs(a) > 0.99).mean())


@experiment("cnn.relu_vs_tanh", ActivationConfig,
            "AlexNet trained its units with ReLU instead of tanh: how much faster does that learn, and why?",
            "tanh′(a) = 1 − tanh²(a) → 0 for |a| large (saturation);  ReLU′(a) = 1 for every a > 0",
            quick=dict(n_train=1500, max_epochs=3, raw_lrs=(1e-3,), standardized_lrs=(3e-2,), eval_every=4, probe=300))
def relu_vs_tanh(cfg, ctx):
    """Q: How much faster does a CNN with ReLUs reach a training error than the same CNN with tanh,
    and why?

    A: it depends on how large the units' inputs are. AlexNet fed pixels with only the mean image
    subtracted; at that scale most first-layer tanh units start saturated (slope ≈ 0) and the tanh
    network needs several times the steps of the ReLU one to reach 25% training error, each at its
    own best learning rate — ReLU does not saturate. With standardized inputs few tanh units
    saturate and the lead shrinks or goes away.
    """
    (x, y), _ = fashion_pixels(ctx.seed, cfg.n_train, 10)
    scaled = {"pixel scale": (x * 255 - (x * 255).mean(0)).astype(np.float32),
              "standardized": ((x - x.mean()) / x.std()).astype(np.float32)}
    grids = {"pixel scale": cfg.raw_lrs, "standardized": cfg.standardized_lrs}
    budget = cfg.max_epochs * -(-cfg.n_train // 64)
    steps, best_lr, curves, saturation = {}, {}, {}, {}
    for scale, data in scaled.items():
        cr.manual_seed(ctx.seed)
        saturation[scale] = saturated_fraction(four_layer_cnn("tanh"), data[:256])
        steps[scale], best_lr[scale] = {}, {}
        for act in ("relu", "tanh"):
            runs = {}
            for lr in ctx.progress(grids[scale], desc=f"{scale} {act}"):
                cr.manual_seed(ctx.seed)                  # the same initial weights for both units
                runs[lr] = steps_to_error(four_layer_cnn(act), data, y, lr, cfg.target_error, cfg.max_epochs,
                                          cfg.eval_every, ctx.seed, cfg.probe)
            lr = min(runs, key=lambda r: (runs[r][0] or budget + 1, runs[r][1][-1][1] if runs[r][1] else 1.0))
            steps[scale][act], best_lr[scale][act], curves[(scale, act)] = runs[lr][0], lr, runs[lr][1]
    ratio = {scale: (s["tanh"] or budget) / (s["relu"] or budget) for scale, s in steps.items()}
    fig, ax = figure(6.5, 4.0)
    colors = {"pixel scale": "C3", "standardized": "C0"}
    for (scale, act), curve in curves.items():
        if curve:
            ax.plot(*zip(*curve), color=colors[scale], ls="-" if act == "relu" else "--",
                    label=f"{act}, {tr('cnn.relu_vs_tanh.' + scale.replace(' ', '_'), scale)} (η = {best_lr[scale][act]:g})")
    ax.axhline(cfg.target_error, color="gray", ls=":", lw=1)
    ax.set(title=tr("cnn.relu_vs_tanh.title", "Training error while training (each at its best η)"),
           xlabel=tr("cnn.relu_vs_tanh.steps", "steps"), ylabel=tr("cnn.relu_vs_tanh.error", "training error"))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)

    def shown(n):
        return str(n) if n is not None else tr("cnn.relu_vs_tanh.not_reached", "> {b}", b=budget)
    p, q = steps["pixel scale"], steps["standardized"]
    head = tr("cnn.relu_vs_tanh.headline",
              "With pixels at AlexNet's scale (only the mean image subtracted) {s1:.0%} of the first tanh layer's units "
              "start saturated; ReLU reaches {t:.0%} training error in {r1} steps, tanh in {h1} (×{x1:.1f}), each at "
              "its best η. With standardized pixels ({s2:.0%} saturated): ReLU {r2}, tanh {h2} (×{x2:.1f}). {verdict}.",
              s1=saturation["pixel scale"], t=cfg.target_error, r1=shown(p["relu"]), h1=shown(p["tanh"]),
              x1=ratio["pixel scale"], s2=saturation["standardized"], r2=shown(q["relu"]), h2=shown(q["tanh"]),
              x2=ratio["standardized"],
              verdict=tr("cnn.relu_vs_tanh.saturation", "ReLU's lead is non-saturation: it is large where tanh "
                         "saturates and shrinks where it does not") if ratio["pixel scale"] > max(1.0, ratio["standardized"])
              else tr("cnn.relu_vs_tanh.no_lead", "ReLU did not learn faster at pixel scale this time"))
    return Result({"steps": steps, "best_lr": best_lr, "speedup": ratio, "saturated_tanh_units": saturation,
                   "budget_steps": budget}, {"training_error": fig}, head)
