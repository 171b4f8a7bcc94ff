"""Lecture 11 on data you can look at: a DCGAN drawing Fashion-MNIST (scored by the classifier
Fréchet distance, with a walk through its latent space), a conditional GAN told which class to
draw, and CycleGAN translating between two unpaired domains."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule.models import gan

from ..common import FASHION_CLASSES, fashion_pixels, fashion_scorer, figure, image_rows, pyplot
from ..lang import tr
from ..registry import Result, experiment


def train_image_gan(g, d, x, y, steps, batch, lr, ctx, desc="steps"):
    """Alternate one discriminator and one generator step (non-saturating loss, Adam β₁ = 0.5 as
    DCGAN) on images ``x`` in [−1, 1]; labels ``y`` are passed to both when the models are
    conditional. Returns the (D, G) losses per step."""
    opt_g = cr.optim.Adam(g.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = cr.optim.Adam(d.parameters(), lr=lr, betas=(0.5, 0.999))
    images, labels, losses = cr.tensor(x), cr.tensor(y), []
    conditional = bool(g.num_classes)
    for _ in ctx.progress(range(steps), total=steps, desc=desc):
        idx = cr.tensor(ctx.rng.integers(0, len(x), batch))
        real, c = images[idx], (labels[idx] if conditional else None)
        extra = (c,) if conditional else ()
        fake = g(cr.randn(batch, g.latent_dim), *extra)
        loss_d = gan.d_loss_minimax(d(real, *extra), d(fake.detach(), *extra))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = gan.g_loss_nonsaturating(d(fake, *extra))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        losses.append((loss_d.item(), loss_g.item()))
    return losses


def generate(g, n, labels=None):
    """n images from G in [0, 1] (G draws in [−1, 1])."""
    g.eval()
    with cr.no_grad():
        out = g(cr.randn(n, g.latent_dim), *(() if labels is None else (cr.tensor(labels),))).numpy()
    g.train()
    return (out + 1) / 2


# ------------------------------------------------------------------------------ DCGAN
@dataclasses.dataclass
class DCGANConfig:
    steps: int = 3000
    n_train: int = 20000
    latent_dim: int = 64
    width: int = 32
    lr: float = 2e-4
    RANGES = {"steps": (10, 100000), "n_train": (500, 60000), "latent_dim": (2, 512), "width": (4, 128),
              "lr": (1e-6, 0.1)}


@experiment("gan.dcgan", DCGANConfig,
            "Can a generator of transposed convolutions, trained only against a discriminator, draw clothes "
            "that a classifier finds realistic — and what lies between two of its drawings?",
            "min_G max_D E_x[log D(x)] + E_z[log(1 − D(G(z)))] (G trained with −log D(G(z)));  "
            "d_F = ‖μ_r − μ_g‖² + tr(Σ_r + Σ_g − 2(Σ_rΣ_g)^½) on a classifier's features",
            quick=dict(steps=350, n_train=3000, width=16))
def dcgan(cfg, ctx):
    """Q: Can adversarial training alone teach a network to draw?

    A: yes: after a few thousand steps the DCGAN's samples are recognizable pieces of clothing; their
    classifier Fréchet distance to real test images is a small fraction of that of noise (real
    held-out images mark the floor), and walking in a straight line between two z's morphs one
    garment smoothly into another — G maps the whole latent space, not a list of memorized images.
    """
    (xtr, ytr), _ = fashion_pixels(ctx.seed, cfg.n_train)
    scorer = fashion_scorer()
    cr.manual_seed(ctx.seed)
    g = gan.DCGANGenerator(latent_dim=cfg.latent_dim, ngf=cfg.width)
    d = gan.DCGANDiscriminator(ndf=cfg.width)
    losses = np.array(train_image_gan(g, d, xtr * 2 - 1, ytr, cfg.steps, 64, cfg.lr, ctx))
    samples = generate(g, 2000)
    noise = np.clip(0.5 + 0.5 * ctx.rng.standard_normal(samples.shape), 0, 1).astype(np.float32)
    (held_out, _), _ = fashion_pixels(ctx.seed + 1000, 2000)
    scores = {"noise": scorer.frechet(noise), "DCGAN": scorer.frechet(samples), "real": scorer.frechet(held_out)}
    z0, z1 = cr.randn(1, cfg.latent_dim), cr.randn(1, cfg.latent_dim)
    g.eval()
    with cr.no_grad():
        walk = [(g(z0 + (z1 - z0) * float(a)).numpy()[0] + 1) / 2 for a in np.linspace(0, 1, 10)]
    g.train()
    grid = image_rows({f"{tr('gan.sample', 'samples')} {r + 1}": samples[10 * r:10 * r + 10] for r in range(4)}
                      | {tr("gan.walk", "z₀ → z₁"): walk},
                      tr("gan.dcgan.samples", "DCGAN samples after {s} steps, and a straight walk in z", s=cfg.steps))
    fig, axes = figure(w=11, h=4, ncols=2)
    window = max(1, cfg.steps // 50)
    smooth = lambda v: np.convolve(v, np.ones(window) / window, mode="valid")
    axes[0].plot(smooth(losses[:, 0]), label="D")
    axes[0].plot(smooth(losses[:, 1]), label="G")
    axes[0].set(title=tr("gan.dcgan.losses", "Losses (moving average): a game, not a descent"),
                xlabel=tr("gan.step", "step"))
    axes[0].legend()
    axes[1].bar(list(scores), list(scores.values()), color=["gray", "C0", "C2"])
    axes[1].set(yscale="log", title=tr("gan.dcgan.score", "Classifier Fréchet distance to real test images"))
    fig.tight_layout()
    ratio = scores["DCGAN"] / scores["noise"]
    head = tr("gan.dcgan.headline",
              "Classifier Fréchet distance to real test images: Gaussian noise {n:.0f}, DCGAN samples after {s} steps "
              "{g:.1f} ({r:.1%} of noise's), real held-out images {f:.2f} (the floor).", n=scores["noise"], s=cfg.steps,
              g=scores["DCGAN"], r=ratio, f=scores["real"])
    return Result({"frechet": scores, "ratio_to_noise": ratio, "scorer_accuracy": scorer.accuracy},
                  {"samples": grid, "training": fig}, head)


# ------------------------------------------------------------------------------ conditional GAN
@experiment("gan.conditional", DCGANConfig,
            "If the generator and the discriminator are both told the class, can we ask for a sneaker and get one?",
            "G(z, c), D(x, c): D rejects a real image with the wrong label too, so G must draw class c",
            quick=dict(steps=400, n_train=3000, width=16))
def conditional(cfg, ctx):
    """Q: Can a GAN draw the class we ask for?

    A: yes: with the label fed to G (as a learned vector beside z) and to D (as an extra image
    channel), a classifier trained on real images recognizes most samples as the class they were
    asked to be — far above the 10% of an unconditional generator's luck.
    """
    (xtr, ytr), _ = fashion_pixels(ctx.seed, cfg.n_train)
    scorer = fashion_scorer()
    cr.manual_seed(ctx.seed)
    g = gan.DCGANGenerator(latent_dim=cfg.latent_dim, ngf=cfg.width, num_classes=10)
    d = gan.DCGANDiscriminator(ndf=cfg.width, num_classes=10)
    train_image_gan(g, d, xtr * 2 - 1, ytr, cfg.steps, 64, cfg.lr, ctx)
    asked = np.repeat(np.arange(10), 100)
    samples = generate(g, len(asked), asked)
    got = scorer.classify(samples)
    per_class = {FASHION_CLASSES[c]: float((got[asked == c] == c).mean()) for c in range(10)}
    accuracy = float((got == asked).mean())
    grid = image_rows({FASHION_CLASSES[c]: samples[asked == c][:10] for c in range(10)},
                      tr("gan.conditional.rows", "One row per class asked for"))
    head = tr("gan.conditional.headline",
              "Asked for each class 100 times, the samples are recognized as the class asked for {a:.0%} of the time "
              "by a classifier trained on real images ({s:.0%} accurate on real test images; chance 10%). Best: {b} "
              "({ba:.0%}); worst: {w} ({wa:.0%}).", a=accuracy, s=scorer.accuracy,
              b=max(per_class, key=per_class.get), ba=max(per_class.values()),
              w=min(per_class, key=per_class.get), wa=min(per_class.values()))
    return Result({"accuracy": accuracy, "per_class": per_class, "scorer_accuracy": scorer.accuracy},
                  {"rows": grid}, head)


# ------------------------------------------------------------------------------ CycleGAN
@dataclasses.dataclass
class CycleConfig:
    steps: int = 3000
    cycle_weight: float = 5.0
    lr: float = 1e-3
    RANGES = {"steps": (10, 50000), "cycle_weight": (0.0, 100.0), "lr": (1e-6, 0.1)}


def circle(n, rng):
    """Domain A: the unit circle."""
    t = rng.uniform(0, 2 * np.pi, n)
    return np.stack([np.cos(t), np.sin(t)], 1).astype(np.float32)


def square(n, rng):
    """Domain B: the boundary of the square [−1, 1]², shifted to the right by 3."""
    t, side = rng.uniform(-1, 1, n), rng.integers(0, 4, n)
    x = np.where(side < 2, np.where(side == 0, -1.0, 1.0), t)
    y = np.where(side < 2, t, np.where(side == 2, -1.0, 1.0))
    return np.stack([x + 3.0, y], 1).astype(np.float32)


ON_THE_SQUARE = 0.5   # a translation "lands on the square" within half its half-side of the edge


def off_circle(p):
    return np.abs(np.linalg.norm(p, axis=1) - 1)


def off_square(p):
    """Distance to the square's boundary (shifted by 3)."""
    q = np.abs(p - [3.0, 0.0])
    outside = np.linalg.norm(np.maximum(q - 1, 0), axis=1)
    return np.where(outside > 0, outside, 1 - q.max(1))


def train_cycle_gan(cfg, ctx, cycle_weight):
    cr.manual_seed(ctx.seed)
    make_g = lambda: gan.MLPGenerator(latent_dim=2, out_dim=2, hidden=(64, 64))
    make_d = lambda: gan.MLPDiscriminator(2, hidden=(64, 64))
    model = gan.CycleGAN(make_g(), make_g(), make_d(), make_d())
    gens = list(model.g_ab.parameters()) + list(model.g_ba.parameters())
    discs = list(model.d_a.parameters()) + list(model.d_b.parameters())
    opt_g = cr.optim.Adam(gens, lr=cfg.lr, betas=(0.5, 0.999))
    opt_d = cr.optim.Adam(discs, lr=cfg.lr, betas=(0.5, 0.999))
    for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc=f"cycle weight {cycle_weight}"):
        a, b = cr.tensor(circle(128, ctx.rng)), cr.tensor(square(128, ctx.rng))
        loss_d = model.discriminator_loss(a, b)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = model.generator_loss(a, b, cycle_weight=cycle_weight)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    return model


@experiment("gan.cyclegan", CycleConfig,
            "Two domains with no pairs between them — points on a circle, points on a square. Can we learn to "
            "translate one into the other, and what does the cycle loss add?",
            "L = L_GAN(G_ab, D_b) + L_GAN(G_ba, D_a) + λ·(‖G_ba(G_ab(a)) − a‖₁ + ‖G_ab(G_ba(b)) − b‖₁)",
            quick=dict(steps=1500))
def cyclegan(cfg, ctx):
    """Q: What does CycleGAN's cycle consistency buy?

    A: the adversarial losses alone put each translation on the other domain, but nothing ties a
    point to its image — going there and back lands somewhere else on the circle; with the cycle
    loss, G_ba undoes G_ab: the round trip returns each point close to where it started, while the
    translations still land on the other domain.
    """
    rng = np.random.default_rng(ctx.seed + 7)
    a, b = circle(400, rng), square(400, rng)
    results, drawn = {}, {}
    for name, weight in ((tr("gan.no_cycle", "adversarial only"), 0.0),
                         (tr("gan.with_cycle", "with cycle loss λ = {w}", w=cfg.cycle_weight), cfg.cycle_weight)):
        model = train_cycle_gan(cfg, ctx, weight)
        with cr.no_grad():
            ab = model.g_ab(cr.tensor(a)).numpy()
            aba = model.g_ba(cr.tensor(ab)).numpy()
            ba = model.g_ba(cr.tensor(b)).numpy()
        results[name] = {"cycle_error": float(np.linalg.norm(aba - a, axis=1).mean()),
                         "off_b": float(np.median(off_square(ab))), "off_a": float(np.median(off_circle(ba)))}
        drawn[name] = (ab, aba)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    idx = rng.permutation(len(a))[:14]
    for ax, (name, (ab, aba)) in zip(axes, drawn.items()):
        ax.scatter(a[:, 0], a[:, 1], s=2, c="C0", alpha=0.3, label="A")
        ax.scatter(b[:, 0], b[:, 1], s=2, c="C1", alpha=0.3, label="B")
        ax.scatter(ab[:, 0], ab[:, 1], s=2, c="C3", alpha=0.3, label="G_ab(a)")
        for i in idx:
            ax.annotate("", ab[i], a[i], arrowprops=dict(arrowstyle="->", color="gray", lw=0.7))
            ax.annotate("", aba[i], ab[i], arrowprops=dict(arrowstyle="->", color="k", lw=0.7))
            ax.plot(*a[i], "o", ms=3, c="C0")
            ax.plot(*aba[i], "x", ms=5, c="k")
        ax.set(aspect="equal", xlim=(-1.8, 4.8), ylim=(-1.8, 1.8),
               title=f"{name}: {tr('gan.cyclegan.error', 'round-trip error')} {results[name]['cycle_error']:.2f}")
        ax.legend(loc="lower right", fontsize=7, markerscale=3)
    fig.suptitle(tr("gan.cyclegan.title", "a → G_ab(a) (grey) → G_ba(G_ab(a)) (black ×): does the cycle return?"))
    fig.tight_layout()
    plain, cycle = results.values()
    landed = [r["off_b"] < ON_THE_SQUARE for r in (plain, cycle)]
    where = tr("gan.cyclegan.landed", "The translations land on the square either way") if all(landed) else \
        tr("gan.cyclegan.not_landed", "Not every translation is on the square yet (within {d} of its edge)",
           d=ON_THE_SQUARE)
    head = tr("gan.cyclegan.headline",
              "Round trip a → B → A: mean error {p:.2f} with the adversarial losses alone, {c:.2f} with the cycle loss "
              "(the circle has radius 1). {where} (median distance {pb:.2f} and {cb:.2f}).", p=plain["cycle_error"],
              c=cycle["cycle_error"], pb=plain["off_b"], cb=cycle["off_b"], where=where)
    return Result({"adversarial_only": plain, "with_cycle": cycle, "on_the_square": landed}, {"cycle": fig}, head)
