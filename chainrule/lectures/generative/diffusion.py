"""Lecture 12, diffusion: destroy images with Gaussian noise in T small steps (the forward process,
in closed form), train a U-Net to name the noise (Algorithm 1), then start from pure noise and
remove it step by step (Algorithm 2) — scored by the classifier Fréchet distance."""
import dataclasses
import time

import numpy as np

import chainrule as cr
from chainrule.models.diffusion import DDPM, UNet, cosine_beta_schedule, linear_beta_schedule

from ..common import fashion_pixels, fashion_scorer, figure, image_rows
from ..lang import tr
from ..registry import Result, experiment


@dataclasses.dataclass
class DDPMConfig:
    steps: int = 1500
    timesteps: int = 200
    width: int = 16
    lr: float = 2e-3
    n_train: int = 20000
    samples: int = 300
    schedule: str = "linear"
    RANGES = {"steps": (10, 100000), "timesteps": (10, 4000), "width": (4, 128), "lr": (1e-6, 0.1),
              "n_train": (100, 60000), "samples": (20, 5000), "schedule": ("linear", "cosine")}


@experiment("generative.ddpm", DDPMConfig,
            "Noise an image a little at a time until nothing is left; can a network that learned only to name the "
            "added noise turn pure noise back into clothes?",
            "Alg. 1: minimize ‖ε − ε_θ(√ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, t)‖²;  Alg. 2: x_{t−1} = (x_t − (1 − α_t)/√(1 − ᾱ_t)·"
            "ε_θ(x_t, t))/√α_t + σ_t·z",
            quick=dict(steps=100, timesteps=60, width=8, n_train=3000, samples=100))
def ddpm(cfg, ctx):
    """Q: Can denoising, learned one noise level at a time, generate images?

    A: yes: the forward process needs no learning (x_t in one jump from x₀); a small U-Net trained
    only to predict the noise in x_t, run backwards from x_T ~ N(0, I) by Algorithm 2, gives samples
    far closer to real images than noise is, by the classifier Fréchet distance (the longer it
    trains, the closer: a quick run only starts the way); DDIM reuses the same network with a
    fraction of the steps.
    """
    (xtr, _), _ = fashion_pixels(ctx.seed, cfg.n_train)
    scorer = fashion_scorer()
    cr.manual_seed(ctx.seed)
    model = DDPM(UNet(base=cfg.width, timesteps=cfg.timesteps), cfg.timesteps, cfg.schedule)
    opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
    images, losses = cr.tensor(xtr * 2 - 1), []
    started = time.perf_counter()
    for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc="Algorithm 1"):
        loss = model.loss(images[cr.tensor(ctx.rng.integers(0, len(xtr), 64))])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    train_seconds = time.perf_counter() - started
    shown = sorted({cfg.timesteps - 1, (3 * cfg.timesteps) // 4, cfg.timesteps // 2, cfg.timesteps // 4, cfg.timesteps // 10})
    started = time.perf_counter()
    samples, kept = model.sample((cfg.samples, 1, 28, 28), progress=ctx.progress, return_steps=set(shown))
    sample_seconds = time.perf_counter() - started
    to_pixels = lambda t: np.clip((np.asarray(t) + 1) / 2, 0, 1)
    samples = to_pixels(samples.numpy())
    ddim_steps = max(2, cfg.timesteps // 4)
    started = time.perf_counter()
    fast = to_pixels(model.ddim_sample((cfg.samples, 1, 28, 28), steps=ddim_steps).numpy())
    ddim_seconds = time.perf_counter() - started
    noise = np.clip(0.5 + 0.5 * ctx.rng.standard_normal(samples.shape), 0, 1).astype(np.float32)
    (held_out, _), _ = fashion_pixels(ctx.seed + 1000, cfg.samples)
    scores = {"noise": scorer.frechet(noise), "DDPM": scorer.frechet(samples),
              f"DDIM ({ddim_steps})": scorer.frechet(fast), "real": scorer.frechet(held_out)}

    x0 = cr.tensor(xtr[:6] * 2 - 1)
    forward = {f"t = {t}": to_pixels(model.q_sample(x0, cr.full((6,), t, dtype=cr.int64)).numpy())
               for t in [0] + shown}
    forward_fig = image_rows(forward,
                             tr("generative.ddpm.forward", "Forward process q(x_t|x₀): six training images (columns) noised to step t"))
    reverse = {f"t = {t}": to_pixels(kept[t][:8]) for t in sorted(kept, reverse=True)}
    reverse[tr("generative.ddpm.final", "x₀ (Alg. 2)")] = samples[:8]
    reverse[f"DDIM, {ddim_steps} " + tr("generative.steps", "steps")] = fast[:8]
    reverse_fig = image_rows(reverse, tr("generative.ddpm.reverse", "Reverse process: from x_T ~ N(0, I) to samples"))
    fig, axes = figure(w=11, h=4, ncols=2)
    t = np.arange(1, cfg.timesteps + 1)
    for name, fn in (("linear", linear_beta_schedule), ("cosine", cosine_beta_schedule)):
        axes[0].plot(t, np.cumprod(1 - fn(cfg.timesteps)), label=f"ᾱ_t, {name}" + (" ←" if name == cfg.schedule else ""))
    axes[0].set(title=tr("generative.ddpm.schedule", "How much of x₀ is left: ᾱ_t, in x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε"), xlabel="t")
    axes[0].legend()
    axes[1].bar(list(scores), list(scores.values()), color=["gray", "C0", "C1", "C2"])
    axes[1].set(yscale="log", title=tr("gan.dcgan.score", "Classifier Fréchet distance to real test images"))
    fig.tight_layout()
    ratio = scores["DDPM"] / scores["noise"]
    head = tr("generative.ddpm.headline",
              "After {s} training steps ({ts:.0f} s), Algorithm 2 ({T} steps, {ss:.0f} s for {n} images) gives samples at "
              "classifier Fréchet distance {d:.1f} from real test images — {r:.1%} of Gaussian noise's {z:.0f}; DDIM with "
              "{k} steps {dd:.1f} ({ds:.0f} s); real held-out images {f:.2f}.", s=cfg.steps, ts=train_seconds,
              T=cfg.timesteps, ss=sample_seconds, n=cfg.samples, d=scores["DDPM"], r=ratio, z=scores["noise"],
              k=ddim_steps, dd=scores[f"DDIM ({ddim_steps})"], ds=ddim_seconds, f=scores["real"])
    return Result({"frechet": scores, "ratio_to_noise": ratio, "first_loss": float(np.mean(losses[:10])),
                   "final_loss": float(np.mean(losses[-50:])),
                   "seconds": {"train": train_seconds, "sample": sample_seconds, "ddim": ddim_seconds}},
                  {"forward": forward_fig, "reverse": reverse_fig, "schedule_and_score": fig}, head)
