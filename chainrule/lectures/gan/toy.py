"""Lecture 11 on problems small enough to know the answer: the generator's gradient under the JS
divergence and under the Wasserstein distance, what weight clipping and the gradient penalty do to
a critic, and mode collapse on a ring of eight Gaussians."""
import dataclasses
import math

import numpy as np

import chainrule as cr
from chainrule.methods.sample_quality import mode_coverage, ring_centres, ring_of_gaussians
from chainrule.models import gan

from ..common import figure, pyplot
from ..lang import tr
from ..registry import Result, experiment


def train_critic(critic, real, fake, steps, kind, lr):
    """Train ``critic`` on fixed samples: ``kind`` "js" (the discriminator's cross-entropy), "gp"
    (Wasserstein + 10·gradient penalty, Adam) or "clip" (Wasserstein, RMSProp, weights in ±0.01 as
    in the WGAN paper). Returns the last loss."""
    opt = (cr.optim.RMSprop(critic.parameters(), lr=lr) if kind == "clip"
           else cr.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.9)))
    for _ in range(steps):
        real_b, fake_b = real(), fake()
        if kind == "js":
            loss = gan.d_loss_minimax(critic(real_b), critic(fake_b))
        else:
            loss = gan.d_loss_wasserstein(critic(real_b), critic(fake_b))
            if kind == "gp":
                loss = loss + 10 * gan.gradient_penalty(critic, real_b, fake_b)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if kind == "clip":
            gan.clip_weights_(critic, 0.01)
    return loss.item()


# ------------------------------------------------------------------------------ JS saturates
@dataclasses.dataclass
class SaturationConfig:
    distances: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    critic_steps: int = 400
    RANGES = {"distances": (0.05, 50.0), "critic_steps": (10, 5000)}


@experiment("gan.js_saturation", SaturationConfig,
            "When the generated data and the real data do not overlap, what gradient does the generator get — "
            "from the JS divergence of the original GAN, and from the Wasserstein distance?",
            "max_D V = 2·JS(P_data‖P_G) − log 4, JS = log 2 for any two disjoint distributions;  "
            "W(P, Q) = max_{f 1-Lipschitz} E_P[f] − E_Q[f] = |θ| for two points θ apart",
            quick=dict(distances=(0.5, 2.0, 8.0), critic_steps=250))
def js_saturation(cfg, ctx):
    """Q: Why does the original GAN stall when the two distributions do not overlap?

    A: real data at 0 and generated data at θ (both nearly points): for every θ a trained
    discriminator finds JS = log 2 — the same value near or far, so the minimax generator loss gives θ
    almost no gradient, and less the better D is trained. The non-saturating loss still pushes, and a
    gradient-penalty critic measures W ≈ θ, whose gradient in θ stays about 1 at every distance
    (a little above: the soft penalty −θ·s + λ(s − 1)² settles at slope s = 1 + θ/2λ).
    """
    noise = lambda: cr.tensor((0.02 * ctx.rng.standard_normal((256, 1))).astype(np.float32))
    rows = []
    for theta in ctx.progress(cfg.distances, total=len(cfg.distances), desc="distances"):
        real, z = noise(), noise()
        shift = cr.tensor([float(theta)], requires_grad=True)
        fake = lambda: z + shift.detach()
        d = gan.MLPDiscriminator(1, hidden=(32, 32))
        d_loss = train_critic(d, lambda: real, fake, cfg.critic_steps, "js", 1e-2)
        (g_minimax,) = cr.autograd.grad(gan.g_loss_minimax(d(z + shift)), shift)
        (g_nonsat,) = cr.autograd.grad(gan.g_loss_nonsaturating(d(z + shift)), shift)
        critic = gan.MLPDiscriminator(1, hidden=(32, 32))
        # start flat (f ≡ 0): the penalty (‖∇f‖ − 1)² is symmetric in the slope's sign, so from a random
        # start it can lock in a slope of the wrong sign before the Wasserstein term turns it
        cr.nn.init.zeros_(critic.net[-1].weight)
        train_critic(critic, lambda: real, fake, cfg.critic_steps, "gp", 1e-3)
        w = critic(real).mean() - critic(z + shift).mean()
        (g_w,) = cr.autograd.grad(w, shift)
        rows.append({"distance": float(theta), "js": (math.log(4) - d_loss) / 2, "w": w.item(),
                     "grad_minimax": abs(g_minimax.item()), "grad_nonsaturating": abs(g_nonsat.item()),
                     "grad_wasserstein": abs(g_w.item())})
    th = [r["distance"] for r in rows]
    fig, axes = figure(w=11, h=4, ncols=2)
    axes[0].plot(th, [r["js"] for r in rows], "o-", label=tr("gan.js_estimate", "JS estimated by the trained D"))
    axes[0].plot(th, [r["w"] for r in rows], "s-", label=tr("gan.w_estimate", "W estimated by the GP critic"))
    axes[0].axhline(math.log(2), color="gray", ls=":", label="log 2")
    axes[0].plot(th, th, "k:", lw=1, label="θ")
    axes[0].set(xscale="log", yscale="log", title=tr("gan.js_saturation.divergence", "The distance each one measures"),
                xlabel=tr("gan.js_saturation.theta", "distance θ between the distributions"))
    axes[0].legend(fontsize=8)
    for key, label in (("grad_minimax", tr("gan.minimax", "minimax: log(1 − D(G(z)))")),
                       ("grad_nonsaturating", tr("gan.nonsaturating", "non-saturating: −log D(G(z))")),
                       ("grad_wasserstein", tr("gan.wasserstein", "Wasserstein: −f(G(z))"))):
        axes[1].plot(th, [max(r[key], 1e-12) for r in rows], "o-", label=label)
    axes[1].set(xscale="log", yscale="log", title=tr("gan.js_saturation.gradient", "|∂ generator loss / ∂θ|"),
                xlabel=tr("gan.js_saturation.theta", "distance θ between the distributions"))
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xticks(th, [f"{t:g}" for t in th])
        ax.xaxis.set_minor_formatter(pyplot().NullFormatter())
    fig.tight_layout()
    far = rows[-1]
    head = tr("gan.js_saturation.headline",
              "The trained discriminator finds JS = {j0:.3f} … {j1:.3f} (log 2 = 0.693) at every distance from {a} to {b}: "
              "the minimax generator loss gives θ a gradient of at most {gm:.1e}. At θ = {b} the non-saturating "
              "loss still gives {gn:.2f}, and the gradient-penalty critic measures W = {w:.2f} with gradient {gw:.2f}.",
              j0=min(r["js"] for r in rows), j1=max(r["js"] for r in rows), a=th[0], b=th[-1],
              gm=max(r["grad_minimax"] for r in rows), gn=far["grad_nonsaturating"], w=far["w"], gw=far["grad_wasserstein"])
    return Result({"rows": rows}, {"saturation": fig}, head)


# ------------------------------------------------------------------------------ clip vs GP
@dataclasses.dataclass
class CriticConfig:
    steps: int = 1500
    samples: int = 512
    RANGES = {"steps": (10, 20000), "samples": (16, 2000)}


def earth_movers_distance(a, b):
    """Exact W₁ between two equal-size point sets: the cheapest one-to-one matching."""
    from scipy.optimize import linear_sum_assignment
    d = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    rows, cols = linear_sum_assignment(d)
    return float(d[rows, cols].mean())


@experiment("gan.wgan_critics", CriticConfig,
            "WGAN's critic must be 1-Lipschitz. What does keeping it so by clipping the weights do, and what does "
            "the gradient penalty do instead?",
            "W(P, Q) = max_{‖f‖_L ≤ 1} E_P[f(x)] − E_Q[f(x)];  clip: w ← clamp(w, −c, c);  "
            "GP: + λ·E[(‖∇_x̂ f(x̂)‖ − 1)²]",
            quick=dict(steps=600, samples=256))
def wgan_critics(cfg, ctx):
    """Q: Weight clipping or gradient penalty for the WGAN critic?

    A: between the ring of eight Gaussians and a blob at its centre, the clipped critic pushes most
    weights onto ±c and ends with gradients far below 1 — it measures the distance only up to an
    unknown small factor; the gradient-penalty critic keeps ‖∇f‖ ≈ 1 and its estimate lands near the
    exact earth mover's distance (computed by an optimal matching).
    """
    ring = lambda n: ring_of_gaussians(n, std=0.05, rng=ctx.rng)
    blob = lambda n: (0.3 * ctx.rng.standard_normal((n, 2))).astype(np.float32)
    a, b = ring(cfg.samples), blob(cfg.samples)
    emd = earth_movers_distance(a, b)
    out, critics = {}, {}
    for kind, lr in (("clip", 5e-5), ("gp", 1e-3)):
        cr.manual_seed(ctx.seed)
        critic = gan.MLPDiscriminator(2, hidden=(128, 128))
        train_critic(critic, lambda: cr.tensor(ring(256)), lambda: cr.tensor(blob(256)), cfg.steps, kind, lr)
        with cr.no_grad():
            w = (critic(cr.tensor(a)).mean() - critic(cr.tensor(b)).mean()).item()
        weights = np.concatenate([p.detach().numpy().ravel() for n, p in critic.named_parameters() if "weight" in n])
        x = cr.tensor(np.r_[a, b], requires_grad=True)
        (g,) = cr.autograd.grad(critic(x).sum(), x)
        norms = np.linalg.norm(g.numpy(), axis=1)
        out[kind] = {"w": w, "w_over_emd": w / emd, "grad_norm": float(norms.mean()),
                     "at_bound": float((np.abs(weights) >= 0.99 * np.abs(weights).max()).mean())}
        critics[kind] = (critic, weights)
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    names = {"clip": tr("gan.clip", "weight clipping"), "gp": tr("gan.gp", "gradient penalty")}
    for i, kind in enumerate(("clip", "gp")):
        critic, weights = critics[kind]
        axes[0].hist(weights / np.abs(weights).max(), bins=50, alpha=0.6, label=names[kind])
        g = np.linspace(-3, 3, 121)
        grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2).astype(np.float32)
        with cr.no_grad():
            f = critic(cr.tensor(grid)).numpy().reshape(121, 121)
        ax = axes[1 + i]
        im = ax.contourf(g, g, f, levels=20, cmap="coolwarm")
        ax.scatter(a[:200, 0], a[:200, 1], s=3, c="k", label=tr("gan.real", "real"))
        ax.scatter(b[:200, 0], b[:200, 1], s=3, c="w", edgecolors="gray", linewidths=0.3, label=tr("gan.fake", "generated"))
        ax.set(title=f"{names[kind]}: f(x), E_real f − E_fake f = {out[kind]['w']:.3g}", aspect="equal")
        fig.colorbar(im, ax=ax)
    axes[0].set(title=tr("gan.wgan_critics.weights", "Critic weights / their largest |w|"), xlabel="w / max|w|")
    axes[0].legend()
    fig.tight_layout()
    head = tr("gan.wgan_critics.headline",
              "Exact earth mover's distance between the ring and the blob: {e:.2f}. The clipped critic puts {cb:.0%} of "
              "its weights at ±c, its mean ‖∇f‖ is {cg:.3f} and it measures {cw:.4f}; the gradient-penalty critic "
              "keeps ‖∇f‖ = {gg:.2f} and measures {gw:.2f} ({gr:.0%} of the exact distance).",
              e=emd, cb=out["clip"]["at_bound"], cg=out["clip"]["grad_norm"], cw=out["clip"]["w"],
              gg=out["gp"]["grad_norm"], gw=out["gp"]["w"], gr=out["gp"]["w_over_emd"])
    return Result({"emd": emd, **out}, {"critics": fig}, head)


# ------------------------------------------------------------------------------ mode collapse
@dataclasses.dataclass
class CollapseConfig:
    steps: int = 3000
    lr: float = 5e-4
    latent_dim: int = 256
    pack: int = 4
    RANGES = {"steps": (10, 50000), "lr": (1e-6, 0.1), "latent_dim": (1, 1024), "pack": (2, 16)}


def train_ring_gan(cfg, ctx, pack, snapshots=4):
    """A non-saturating GAN on the ring of 8 Gaussians; the discriminator judges ``pack`` samples
    at once (PacGAN; 1 is the plain GAN). Returns samples of G at ``snapshots`` moments."""
    cr.manual_seed(ctx.seed)
    g = gan.MLPGenerator(latent_dim=cfg.latent_dim, out_dim=2, hidden=(128, 128))
    d = gan.MLPDiscriminator(2 * pack, hidden=(128, 128))
    opt_g = cr.optim.Adam(g.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
    opt_d = cr.optim.Adam(d.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
    packed = lambda x: x.reshape(-1, 2 * pack)
    batch, kept = 64 * pack, {}
    every = max(1, cfg.steps // snapshots)
    for step in ctx.progress(range(1, cfg.steps + 1), total=cfg.steps, desc=f"pack {pack}"):
        real = cr.tensor(ring_of_gaussians(batch, std=0.05, rng=ctx.rng))
        fake = g(cr.randn(batch, cfg.latent_dim))
        loss_d = gan.d_loss_minimax(d(packed(real)), d(packed(fake.detach())))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = gan.g_loss_nonsaturating(d(packed(g(cr.randn(batch, cfg.latent_dim)))))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if step % every == 0 or step == cfg.steps:
            with cr.no_grad():
                kept[step] = g(cr.randn(1000, cfg.latent_dim)).numpy()
    return kept


def ring_coverage(samples):
    """(modes covered, share near a mode): a mode counts when ≥ 2% of the samples lie within 0.4 of it
    (8 σ; neighbouring modes are 1.53 apart)."""
    return mode_coverage(samples, ring_centres(), std=0.05, within=8, min_share=0.02)


@experiment("gan.mode_collapse", CollapseConfig,
            "Real data: eight Gaussians on a ring. Does the GAN's generator learn all eight — or collapse onto one "
            "and hop between them? And does letting the discriminator see several samples at once fix it?",
            "G: z → x;  D judges x (plain) or m samples (x₁ … x_m) together (PacGAN): a collapsed G's packs "
            "look alike, so D can tell",
            quick=dict(steps=2000))
def mode_collapse(cfg, ctx):
    """Q: Does a GAN learn every mode of the data?

    A: not necessarily: the plain GAN's generator sends almost every z to one place the discriminator
    accepts, then hops to another mode when D catches up (mode collapse) — at most moments it covers
    one or two of the eight; the same GAN whose discriminator judges packs of samples sees the missing
    diversity, and its generator spreads over all eight.
    """
    runs = {tr("gan.plain", "plain GAN"): train_ring_gan(cfg, ctx, 1),
            tr("gan.packed", "PacGAN (D sees {m} samples)", m=cfg.pack): train_ring_gan(cfg, ctx, cfg.pack)}
    plt = pyplot()
    steps = sorted(next(iter(runs.values())))
    fig, axes = plt.subplots(len(runs), len(steps), figsize=(3 * len(steps), 3 * len(runs)), squeeze=False)
    centres, metrics = ring_centres(), {}
    for r, (name, kept) in enumerate(runs.items()):
        for c, step in enumerate(steps):
            ax = axes[r, c]
            ax.scatter(kept[step][:, 0], kept[step][:, 1], s=2, alpha=0.4)
            ax.scatter(centres[:, 0], centres[:, 1], marker="x", c="r", s=30)
            ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xticks=[], yticks=[])
            modes, _ = ring_coverage(kept[step])
            ax.set_title(tr("gan.mode_collapse.panel", "step {s}: {m}/8 modes", s=step, m=modes), fontsize=9)
        axes[r, 0].set_ylabel(name)
        by_step = {step: ring_coverage(kept[step]) for step in steps}
        metrics[name] = {"modes_by_step": {str(s): m for s, (m, _) in by_step.items()},
                         "near_by_step": {str(s): q for s, (_, q) in by_step.items()},
                         "modes": by_step[steps[-1]][0], "near_a_mode": by_step[steps[-1]][1]}
    fig.suptitle(tr("gan.mode_collapse.title", "Generated samples (red ×: the eight real modes)"))
    fig.tight_layout()
    plain, packed = metrics.values()
    seq = lambda m: ", ".join(str(v) for v in m["modes_by_step"].values())
    head = tr("gan.mode_collapse.headline",
              "Modes of 8 covered at steps {steps}: plain GAN {a} (at the end {ash:.0%} of its samples lie near a "
              "mode); with the discriminator judging {m} samples at once, {b} ({bsh:.0%} near a mode).",
              steps=", ".join(str(s) for s in steps), a=seq(plain), ash=plain["near_a_mode"], m=cfg.pack,
              b=seq(packed), bsh=packed["near_a_mode"])
    return Result({"plain": plain, "packed": packed}, {"samples": fig}, head)
