"""Denoising diffusion (the course's generative lecture; Ho et al. 2020, "Denoising diffusion
probabilistic models"; Nichol & Dhariwal 2021 for the cosine schedule; Song et al. 2021, "Denoising
diffusion implicit models", for faster sampling).

The forward process adds Gaussian noise in T small steps, q(x_t|x_{t−1}) = N(√(1−β_t)·x_{t−1}, β_t·I),
so that with α_t = 1 − β_t and ᾱ_t = Π_{s≤t} α_s any step is reached in one jump:

    x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε,   ε ~ N(0, I)                               (``q_sample``)

A network ε_θ(x_t, t) learns to name the noise (Algorithm 1: x_0 from the data, t ~ U{1..T},
minimize ‖ε − ε_θ(√ᾱ_t x_0 + √(1−ᾱ_t) ε, t)‖²), and sampling walks back from x_T ~ N(0, I)
(Algorithm 2):

    x_{t−1} = (1/√α_t)·(x_t − (1−α_t)/√(1−ᾱ_t)·ε_θ(x_t, t)) + σ_t·z,   σ_t² = β_t,  z ~ N(0, I) (t > 1)

DDIM reuses the same trained ε_θ but steps deterministically over a subsequence of the T steps.
Time steps are numbered 0 … T−1 in code (the paper's t = 1 … T).
"""
import math

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..nn.layers.positional import sinusoidal_table
from ..ops.combine import cat
from ..ops.creation import randint, randn, randn_like, tensor


# ------------------------------------------------------------------------------- schedules
def linear_beta_schedule(timesteps, beta_start=1e-4, beta_end=0.02):
    """Ho et al.'s β_t, linear from 1e-4 to 0.02 over T = 1000 (the ends scale by 1000/T, so a
    shorter chain destroys the image just as completely)."""
    scale = 1000 / timesteps
    return np.linspace(beta_start * scale, min(beta_end * scale, 0.999), timesteps)


def cosine_beta_schedule(timesteps, s=0.008):
    """Nichol & Dhariwal: ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s)·π/2); β_t = 1 − ᾱ_t/ᾱ_{t−1}
    clipped at 0.999."""
    t = np.arange(timesteps + 1) / timesteps
    f = np.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    return np.clip(1 - f[1:] / f[:-1], 0, 0.999)


SCHEDULES = {"linear": linear_beta_schedule, "cosine": cosine_beta_schedule}


# ------------------------------------------------------------------------------- the U-Net
class ResidualBlock(nn.Module):
    """conv → GroupNorm → SiLU, the time embedding added per channel, conv → GroupNorm → SiLU, plus a
    skip (1×1 conv when the channel count changes)."""

    def __init__(self, c_in, c_out, time_dim, groups=8):
        super().__init__()
        groups = math.gcd(groups, c_out)   # GroupNorm needs groups dividing the channels
        self.conv1, self.norm1 = nn.Conv2d(c_in, c_out, 3, padding=1), nn.GroupNorm(groups, c_out)
        self.time = nn.Linear(time_dim, c_out)
        self.conv2, self.norm2 = nn.Conv2d(c_out, c_out, 3, padding=1), nn.GroupNorm(groups, c_out)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        self.act = nn.SiLU()

    def forward(self, x, t_emb):
        h = self.act(self.norm1(self.conv1(x)))
        h = h + self.time(t_emb).reshape(h.shape[0], -1, 1, 1)
        h = self.act(self.norm2(self.conv2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """A small U-Net for 28×28 (any size divisible by 4): 28 → 14 → 7 and back, the encoder's
    features concatenated into the decoder at each size, every block told t by a sinusoidal
    embedding passed through an MLP."""

    def __init__(self, in_channels=1, base=32, timesteps=1000, time_dim=None):
        super().__init__()
        c1, c2, tdim = base, base * 2, time_dim or base * 4
        self.register_buffer("time_table", tensor(sinusoidal_table(timesteps, base)), persistent=False)
        self.time_mlp = nn.Sequential(nn.Linear(base, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.stem = nn.Conv2d(in_channels, c1, 3, padding=1)
        self.down1 = ResidualBlock(c1, c1, tdim)                                     # 28×28
        self.pool = nn.AvgPool2d(2)
        self.down2 = ResidualBlock(c1, c2, tdim)                                     # 14×14
        self.mid = ResidualBlock(c2, c2, tdim)                                       # 7×7
        self.upsample = nn.Upsample(scale_factor=2)
        self.up2 = ResidualBlock(c2 + c2, c1, tdim)                                  # 14×14
        self.up1 = ResidualBlock(c1 + c1, c1, tdim)                                  # 28×28
        self.head = nn.Conv2d(c1, in_channels, 1)

    def forward(self, x, t):
        """x: N×C×H×W noisy images; t: N integer steps (0 … T−1). Returns the predicted noise."""
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f"UNet: height and width must be divisible by 4, got {tuple(x.shape[-2:])}")
        emb = self.time_mlp(self.time_table[t])
        h1 = self.down1(self.stem(x), emb)                    # N×c1×28×28
        h2 = self.down2(self.pool(h1), emb)                   # N×c2×14×14
        h = self.mid(self.pool(h2), emb)                      # N×c2×7×7
        h = self.up2(cat([self.upsample(h), h2], dim=1), emb)  # N×c1×14×14
        h = self.up1(cat([self.upsample(h), h1], dim=1), emb)  # N×c1×28×28
        return self.head(h)


# ------------------------------------------------------------------------------- DDPM
class DDPM(nn.Module):
    """Wraps a noise predictor ``model(x_t, t)`` with a schedule of ``timesteps`` β's."""

    def __init__(self, model, timesteps=1000, schedule="linear"):
        super().__init__()
        if schedule not in SCHEDULES:
            raise ValueError(f"DDPM: schedule must be one of {sorted(SCHEDULES)}, got {schedule!r}")
        if timesteps < 2:
            raise ValueError(f"DDPM: timesteps must be ≥ 2, got {timesteps}")
        self.model, self.timesteps, self.schedule = model, timesteps, schedule
        self.betas = SCHEDULES[schedule](timesteps)                 # float64 arrays: the schedule is data,
        self.alphas = 1 - self.betas                                # not a parameter
        self.alpha_bars = np.cumprod(self.alphas)

    def _per_sample(self, values, t, like):
        """values[t] shaped N×1×…×1 to broadcast against ``like``."""
        idx = t.numpy() if hasattr(t, "numpy") else np.asarray(t)
        return tensor(values[idx].astype(np.float32)).reshape(-1, *([1] * (like.dim() - 1)))

    def q_sample(self, x0, t, noise=None):
        """x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε — the forward process in one jump."""
        noise = randn_like(x0) if noise is None else noise
        return (self._per_sample(np.sqrt(self.alpha_bars), t, x0) * x0
                + self._per_sample(np.sqrt(1 - self.alpha_bars), t, x0) * noise)

    def loss(self, x0):
        """Algorithm 1: t ~ U{0..T−1}, ε ~ N(0, I), mean of (ε − ε_θ(x_t, t))²."""
        t = randint(0, self.timesteps, (x0.shape[0],))
        noise = randn_like(x0)
        return ((noise - self.model(self.q_sample(x0, t, noise), t)) ** 2).mean()

    def forward(self, x0):
        return self.loss(x0)

    def _eps(self, x, step):
        return self.model(x, tensor(np.full(x.shape[0], step, dtype=np.int64)))

    def sample(self, shape, progress=lambda it, **k: it, return_steps=(), clip_denoised=False):
        """Algorithm 2 from x_T ~ N(0, I). ``return_steps``: the steps t whose x_t to keep (for
        drawing the reverse process); returns (x_0, {t: x_t}). ``clip_denoised`` (Ho et al.'s
        released code does it): write the mean through the predicted x̂₀ = (x_t − √(1−ᾱ_t)·ε_θ)/√ᾱ_t
        clipped to the data range [−1, 1] — μ = (√ᾱ_{t−1}β_t·x̂₀ + √α_t(1 − ᾱ_{t−1})·x_t)/(1 − ᾱ_t),
        which without the clip is exactly Algorithm 2's mean."""
        kept = {}
        with no_grad():
            x = randn(*shape)
            for step in progress(range(self.timesteps - 1, -1, -1), total=self.timesteps, desc="sampling"):
                if step in return_steps:
                    kept[step] = x.numpy().copy()
                a, ab, b = self.alphas[step], self.alpha_bars[step], self.betas[step]
                eps = self._eps(x, step)
                if clip_denoised:
                    ab_prev = self.alpha_bars[step - 1] if step > 0 else 1.0
                    x0 = ((x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)).clamp(-1, 1)
                    x = (math.sqrt(ab_prev) * b * x0 + math.sqrt(a) * (1 - ab_prev) * x) / (1 - ab)
                else:
                    x = (x - (b / math.sqrt(1 - ab)) * eps) / math.sqrt(a)
                if step > 0:
                    x = x + math.sqrt(b) * randn_like(x)
        return x, kept

    def ddim_sample(self, shape, steps=50, eta=0.0, progress=lambda it, **k: it):
        """DDIM over ``steps`` evenly spaced steps: predict x_0 from ε_θ, then jump to the earlier
        step (η = 0: deterministic; η = 1: DDPM-like noise)."""
        if not 1 <= steps <= self.timesteps:
            raise ValueError(f"DDPM.ddim_sample: steps must be in [1, {self.timesteps}], got {steps}")
        seq = np.linspace(0, self.timesteps - 1, steps).round().astype(int)[::-1]
        with no_grad():
            x = randn(*shape)
            for i in progress(range(len(seq)), total=len(seq), desc="DDIM"):
                step, ab = int(seq[i]), self.alpha_bars[seq[i]]
                ab_prev = self.alpha_bars[seq[i + 1]] if i + 1 < len(seq) else 1.0
                eps = self._eps(x, step)
                x0 = (x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)
                sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
                x = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma ** 2, 0.0)) * eps
                if sigma > 0:
                    x = x + sigma * randn_like(x)
        return x
