"""Variational auto-encoders (the course's Lecture 8; Kingma & Welling 2014, "Auto-encoding
variational Bayes"; Sohn et al. 2015 for the conditional VAE; Higgins et al. 2017 for β-VAE;
Floto et al. 2023, "The tilted variational autoencoder").

The encoder no longer outputs a point but a distribution q_φ(z|x) = N(μ_φ(x), σ²_φ(x)); the decoder
p_θ(x|z) rebuilds x from a sample of it. Training maximizes the evidence lower bound

    log p(x) ≥ ELBO = E_q[log p_θ(x|z)] − KL(q_φ(z|x) ‖ p(z)),   p(z) = N(0, I)

and for two Gaussians the KL term has the closed form ½Σ(μ² + σ² − 1 − log σ²). The sample is
drawn as z = μ + σ·ε, ε ~ N(0, I) (the reparameterization trick), so the randomness sits outside the
network and the gradient flows into μ and σ. β-VAE multiplies the KL term by β (> 1 pushes each
latent unit to carry one independent factor); the conditional VAE feeds a label c to both halves.
"""
import math

import numpy as np

from .. import nn
from ..ops.combine import cat
from ..nn.functional import one_hot
from ..ops.creation import rand, randn, randn_like, tensor


def gaussian_kl(mu, logvar):
    """KL(N(μ, σ²) ‖ N(0, I)) = ½Σ(μ² + σ² − 1 − log σ²), summed over the last dim (per sample)."""
    return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(dim=-1)


def reparameterize(mu, logvar):
    """z = μ + σ·ε with ε ~ N(0, I): a sample whose gradient reaches μ and log σ²."""
    return mu + (0.5 * logvar).exp() * randn_like(mu)


def bernoulli_log_likelihood(logits, x):
    """log p(x|z) for pixels in [0, 1] under independent Bernoullis with the decoder's logits,
    summed over the pixels: Σ x·log σ(l) + (1 − x)·log(1 − σ(l)) = −Σ BCE-with-logits."""
    # x·l − softplus(l), written stably
    return (x * logits - logits.softplus()).reshape(x.shape[0], -1).sum(dim=1)


def gaussian_log_likelihood(mean, x, std=1.0):
    """log N(x; mean, std²·I), summed over the features."""
    d = int(np.prod(x.shape[1:]))
    sq = ((x - mean) ** 2).reshape(x.shape[0], -1).sum(dim=1)
    return -0.5 * sq / std ** 2 - d * (math.log(std) + 0.5 * math.log(2 * math.pi))


class TiltedPrior:
    """The tilted VAE's prior (Floto et al. 2023): p_τ(z) ∝ N(z; 0, I)·exp(τ‖z‖). For τ > 0 its
    mass sits on a thin shell (the radius density peaks at (τ + √(τ² + 4(d − 1)))/2) and leaves
    the centre empty. Its log normalizer is a one-dimensional integral over the radius (‖z‖ follows
    a χ distribution under N(0, I)), computed once by quadrature; the KL to it has no closed form and is estimated by one sample."""

    def __init__(self, dim, tau):
        if tau < 0:
            raise ValueError(f"TiltedPrior: tau must be ≥ 0, got {tau}")
        self.dim, self.tau = dim, float(tau)
        # the radius r = ‖z‖ on a grid: its χ_dim log density tilted by τr (unnormalized)
        self.radii = np.linspace(1e-6, tau + 12.0 + 2 * math.sqrt(dim), 20001)
        log_f = ((dim - 1) * np.log(self.radii) - self.radii ** 2 / 2 - (dim / 2 - 1) * math.log(2)
                 - math.lgamma(dim / 2) + tau * self.radii)
        density = np.exp(log_f - log_f.max())
        self.log_z = float(log_f.max() + np.log(np.trapezoid(density, self.radii)))   # log E_N[exp(τ‖z‖)]
        self.radius_cdf = np.cumsum(density) / density.sum()

    def log_prob(self, z):
        sq = (z ** 2).sum(dim=-1)
        norm = sq.add(1e-12).sqrt()
        return -0.5 * sq - 0.5 * self.dim * math.log(2 * math.pi) + self.tau * norm - self.log_z

    def kl(self, z, mu, logvar):
        """One-sample estimate of KL(q ‖ p_τ) = E_q[log q(z) − log p_τ(z)] at the drawn z."""
        log_q = (-0.5 * ((z - mu) ** 2 / logvar.exp() + logvar + math.log(2 * math.pi))).sum(dim=-1)
        return log_q - self.log_prob(z)

    def sample(self, n):
        """A direction drawn uniformly on the sphere times a radius drawn from the tilted χ density
        by its inverse CDF on the quadrature grid."""
        direction = randn(n, self.dim)
        direction = direction / (direction ** 2).sum(dim=1, keepdim=True).sqrt()
        radius = np.interp(rand(n).numpy(), self.radius_cdf, self.radii).astype(np.float32)
        return direction * tensor(radius).reshape(n, 1)


class VAE(nn.Module):
    """MLP encoder x → hidden → (μ, log σ²) and decoder z → hidden → logits (``likelihood=
    "bernoulli"``, for pixels in [0, 1]) or means (``"gaussian"``, unit variance).
    ``num_classes`` > 0 makes it a conditional VAE: the one-hot label joins x in the encoder and z in
    the decoder. ``beta`` weights the KL term (β-VAE); ``prior_tau`` > 0 swaps N(0, I) for the tilted
    prior (a one-sample KL)."""

    def __init__(self, d_in, latent_dim=2, hidden=(256,), num_classes=0, beta=1.0,
                 likelihood="bernoulli", prior_tau=0.0):
        super().__init__()
        if likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"VAE: likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
        if beta < 0:
            raise ValueError(f"VAE: beta must be ≥ 0, got {beta}")
        self.d_in, self.latent_dim, self.num_classes = d_in, latent_dim, num_classes
        self.beta, self.likelihood = beta, likelihood
        self.prior = TiltedPrior(latent_dim, prior_tau) if prior_tau > 0 else None
        enc, d = [], d_in + num_classes
        for h in hidden:
            enc += [nn.Linear(d, h), nn.ReLU()]
            d = h
        self.encoder = nn.Sequential(*enc)
        self.to_mu, self.to_logvar = nn.Linear(d, latent_dim), nn.Linear(d, latent_dim)
        dec, d = [], latent_dim + num_classes
        for h in reversed(hidden):
            dec += [nn.Linear(d, h), nn.ReLU()]
            d = h
        dec.append(nn.Linear(d, d_in))
        self.decoder = nn.Sequential(*dec)

    def _cond(self, x, labels):
        if not self.num_classes:
            return x
        if labels is None:
            raise ValueError("VAE: this conditional VAE needs labels")
        return cat([x, one_hot(labels, self.num_classes).to(x.dtype)], dim=1)

    def encode(self, x, labels=None):
        """(μ, log σ²) of q(z|x[, c])."""
        h = self.encoder(self._cond(x.reshape(x.shape[0], -1), labels))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z, labels=None):
        """The decoder's raw output: logits (Bernoulli) or means (Gaussian)."""
        return self.decoder(self._cond(z, labels))

    def forward(self, x, labels=None):
        """Returns (decoder output, μ, log σ², z)."""
        mu, logvar = self.encode(x, labels)
        z = reparameterize(mu, logvar)
        return self.decode(z, labels), mu, logvar, z

    def log_likelihood(self, out, x):
        x = x.reshape(x.shape[0], -1)
        if self.likelihood == "bernoulli":
            return bernoulli_log_likelihood(out, x)
        return gaussian_log_likelihood(out, x)

    def kl(self, mu, logvar, z):
        return gaussian_kl(mu, logvar) if self.prior is None else self.prior.kl(z, mu, logvar)

    def loss(self, x, labels=None):
        """Per-batch mean of −log p(x|z) + β·KL, plus its two parts (as floats) for logging."""
        out, mu, logvar, z = self(x, labels)
        rec = -self.log_likelihood(out, x)
        kl = self.kl(mu, logvar, z)
        return (rec + self.beta * kl).mean(), {"reconstruction": float(rec.mean()), "kl": float(kl.mean())}

    def elbo(self, x, labels=None):
        """The evidence lower bound per sample (nats; one z per sample)."""
        out, mu, logvar, z = self(x, labels)
        return self.log_likelihood(out, x) - self.kl(mu, logvar, z)

    def sample(self, n, labels=None):
        """Decode draws from the prior; Bernoulli decoders return the pixel probabilities."""
        z = randn(n, self.latent_dim) if self.prior is None else self.prior.sample(n)
        out = self.decode(z, labels)
        return out.sigmoid() if self.likelihood == "bernoulli" else out
