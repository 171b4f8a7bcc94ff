"""Flow-based generative models: RealNVP (the course's generative lecture; Dinh et al. 2017,
"Density estimation using Real NVP").

A flow is an invertible map f from data x to a latent z ~ N(0, I). Because f is invertible, the
change of variables gives the exact likelihood

    log p(x) = log N(f(x); 0, I) + log |det ∂f/∂x|

and sampling is x = f⁻¹(z). The trick is a layer whose inverse and Jacobian determinant are cheap:
the affine coupling keeps the masked part x_m and transforms the rest by a scale and shift computed
from x_m only,

    y = x_m + (1 − m) ⊙ (x ⊙ exp(s(x_m)) + t(x_m)),   log |det| = Σ (1 − m) ⊙ s(x_m)

(the Jacobian is triangular), and the inverse undoes it with the same s and t. Alternating masks
let every coordinate be transformed.
"""
import math

from .. import nn
from ..ops.creation import randn, tensor


class AffineCoupling(nn.Module):
    """One coupling with a fixed binary ``mask`` (1 = passed through and conditioned on)."""

    def __init__(self, mask, hidden=64):
        super().__init__()
        dim = len(mask)
        self.register_buffer("mask", tensor([float(m) for m in mask]))
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2 * dim))
        with_zero = self.net[-1]
        nn.init.zeros_(with_zero.weight)   # starts as the identity map
        nn.init.zeros_(with_zero.bias)

    def _scale_shift(self, x_masked):
        s, t = self.net(x_masked).chunk(2, dim=-1)
        keep = 1 - self.mask
        return s.tanh() * keep, t * keep   # tanh bounds the log-scale, a common stabilizer

    def forward(self, x):
        """x → (y, log |det ∂y/∂x|) per sample."""
        s, t = self._scale_shift(x * self.mask)
        return x * s.exp() + t, s.sum(dim=-1)

    def inverse(self, y):
        s, t = self._scale_shift(y * self.mask)   # y's masked part equals x's
        return (y - t) * (-s).exp()


class RealNVP(nn.Module):
    """``n_couplings`` affine couplings with alternating masks over ``dim`` coordinates; the base
    distribution is N(0, I). ``forward(x)`` maps data to latent with the log-determinant."""

    def __init__(self, dim=2, n_couplings=6, hidden=64):
        super().__init__()
        if dim < 2:
            raise ValueError(f"RealNVP: dim must be ≥ 2 (a coupling conditions one part on another), got {dim}")
        self.dim = dim
        masks = [[(i + k) % 2 for i in range(dim)] for k in range(n_couplings)]
        self.couplings = nn.ModuleList([AffineCoupling(m, hidden) for m in masks])

    def forward(self, x):
        log_det = 0
        for c in self.couplings:
            x, ld = c(x)
            log_det = log_det + ld
        return x, log_det

    def inverse(self, z):
        for c in reversed(self.couplings):
            z = c.inverse(z)
        return z

    def log_prob(self, x):
        """Exact log p(x) in nats, per sample."""
        z, log_det = self(x)
        return -0.5 * (z ** 2).sum(dim=-1) - 0.5 * self.dim * math.log(2 * math.pi) + log_det

    def sample(self, n):
        return self.inverse(randn(n, self.dim))
