"""Auto-encoders (the course's Lecture 8; Hinton & Salakhutdinov 2006, "Reducing the dimensionality
of data with neural networks"; Vincent et al. 2008 for denoising; van den Oord et al. 2017, "Neural
discrete representation learning", for the vector-quantized bottleneck).

An encoder squeezes x into a short code z, a decoder rebuilds x' from z, and the only teacher is
x itself: minimize ‖x − x'‖². If x' is good, z kept what matters about x — dimension reduction
(a linear auto-encoder finds PCA's subspace), features for a downstream task, and a decoder that
turns codes into data (the generator the VAE and GAN lectures build on). Variants:

- denoising: encode a corrupted x̃ = x + noise, still rebuild the clean x (``add_noise``);
- sparse: a penalty λ·Σ|z| makes most code units silent for each input (``sparse_penalty``);
- discrete codes: binary units or one nearest codebook vector (``binarize``, ``VectorQuantizer``),
  trained through the non-differentiable choice by the straight-through estimator.
"""
from .. import nn
from ..autograd.grad_mode import no_grad
from ..ops.creation import randn_like


def straight_through(hard, soft):
    """Forward ``hard``, backward as if it were ``soft``: soft + (hard − soft) with the difference
    detached, so ∂hard/∂soft is taken to be the identity (Bengio et al. 2013)."""
    return soft + (hard - soft).detach()


def binarize(logits):
    """A binary code: each unit is 1 where σ(logit) > ½ (forward), trained straight through σ."""
    soft = logits.sigmoid()
    return straight_through((soft > 0.5).to(soft.dtype), soft)


def add_noise(x, std=0.5):
    """The denoising auto-encoder's corruption x̃ = x + std·ε, ε ~ N(0, I)."""
    return x + std * randn_like(x)


def sparse_penalty(code, weight=1e-3):
    """λ·mean over the batch of Σ|z|: an L1 push towards codes with few active units."""
    return weight * code.abs().sum(dim=-1).mean()


def _mlp(sizes, last_activation=False):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or last_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class EncoderDecoder(nn.Module):
    """x → ``self.encoder`` → code z → ``self.decoder`` → x'."""

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class AutoEncoder(EncoderDecoder):
    """Fully connected: d_in → hidden… → code → …hidden → d_in. ``hidden=()`` and ``code`` < d_in
    is the linear auto-encoder. ``output`` is ``"linear"`` (real-valued data, MSE) or ``"sigmoid"``
    (pixels in [0, 1])."""

    def __init__(self, d_in, code, hidden=(128,), output="linear"):
        super().__init__()
        if output not in ("linear", "sigmoid"):
            raise ValueError(f"AutoEncoder: output must be 'linear' or 'sigmoid', got {output!r}")
        if code < 1 or d_in < 1:
            raise ValueError(f"AutoEncoder: d_in and code must be positive, got d_in={d_in}, code={code}")
        self.encoder = _mlp([d_in, *hidden, code])
        self.decoder = _mlp([code, *reversed(hidden), d_in])
        if output == "sigmoid":
            self.decoder.append(nn.Sigmoid())


class ConvAutoEncoder(EncoderDecoder):
    """For 1×28×28 images: two stride-2 convolutions (28 → 14 → 7) and a linear code; the decoder
    mirrors them with transposed convolutions (7 → 14 → 28)."""

    def __init__(self, code=32, channels=(16, 32), in_channels=1, output="linear"):
        super().__init__()
        c1, c2 = channels
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, stride=2, padding=1), nn.ReLU(),     # N×c1×14×14
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.ReLU(),              # N×c2×7×7
            nn.Flatten(), nn.Linear(c2 * 49, code))                            # N×code
        self.decoder = nn.Sequential(
            nn.Linear(code, c2 * 49), nn.ReLU(), nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(c1, in_channels, 3, stride=2, padding=1, output_padding=1))     # 28×28
        if output == "sigmoid":
            self.decoder.append(nn.Sigmoid())


class VectorQuantizer(nn.Module):
    """VQ-VAE's bottleneck: each code vector z (last dim = ``dim``) is replaced by its nearest of
    ``num_codes`` learned vectors e_k. Returns (z_q, loss, indices) where, with sg = stop-gradient,

        loss = ‖sg[z] − e‖² + β‖z − sg[e]‖²     (codebook term + commitment term)

    and z_q = z + sg[e − z] passes the decoder's gradient straight through to the encoder."""

    def __init__(self, num_codes, dim, beta=0.25):
        super().__init__()
        self.num_codes, self.dim, self.beta = num_codes, dim, beta
        self.codebook = nn.Embedding(num_codes, dim)
        with no_grad():
            self.codebook.weight.uniform_(-1.0 / num_codes, 1.0 / num_codes)

    def forward(self, z):
        if z.shape[-1] != self.dim:
            raise ValueError(f"VectorQuantizer: the last dimension of z must be {self.dim}, got shape {tuple(z.shape)}")
        flat = z.reshape(-1, self.dim)
        e = self.codebook.weight
        dist = (flat * flat).sum(1, keepdim=True) - 2 * flat @ e.t() + (e * e).sum(1)   # ‖z − e_k‖²
        indices = dist.argmin(dim=1)
        q = self.codebook(indices).reshape(z.shape)
        loss = ((z.detach() - q) ** 2).mean() + self.beta * ((z - q.detach()) ** 2).mean()
        return straight_through(q, z), loss, indices.reshape(z.shape[:-1])
