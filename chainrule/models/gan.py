"""Generative adversarial networks (the course's Lecture 9; Goodfellow et al. 2014, "Generative
adversarial nets"; Radford et al. 2016, DCGAN; Arjovsky et al. 2017, WGAN; Gulrajani et al. 2017,
WGAN-GP; Mirza & Osindero 2014, conditional GAN; Zhu et al. 2017, CycleGAN).

A generator G maps noise z ~ N(0, I) to data; a discriminator D scores how real a sample looks.
They take turns:

    step 1 (D):  max_D  E_x[log D(x)] + E_z[log(1 − D(G(z)))]
    step 2 (G):  min_G  E_z[log(1 − D(G(z)))]          (the minimax loss: saturates early)
             or  max_G  E_z[log D(G(z))]                (the non-saturating loss the notes recommend)

With an optimal D the minimax objective is 2·JS(p_data‖p_G) − log 4, and JS is stuck at log 2
while the two distributions do not overlap — no gradient for G. WGAN replaces it by the
Wasserstein (earth mover's) distance, max over 1-Lipschitz critics f of E_x[f(x)] − E_z[f(G(z))],
keeping f Lipschitz by clipping its weights or by penalizing ‖∇f‖ ≠ 1 (the gradient penalty,
a gradient of a gradient). The losses below take D's raw scores (logits), as PyTorch's
``binary_cross_entropy_with_logits`` does, so log σ never underflows.
"""
from .. import nn
from ..autograd.engine import grad as autograd_grad
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..ops.combine import cat
from ..ops.creation import ones_like, rand, zeros_like


# ----------------------------------------------------------------------------------- losses
def d_loss_minimax(real_logits, fake_logits):
    """−E[log D(x)] − E[log(1 − D(G(z)))], D = σ(logit): the discriminator's cross-entropy."""
    return (F.binary_cross_entropy_with_logits(real_logits, ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, zeros_like(fake_logits)))


def g_loss_minimax(fake_logits):
    """E[log(1 − D(G(z)))] — the original min-max generator loss (its gradient vanishes when D
    confidently rejects the fakes, i.e. early in training)."""
    return -F.binary_cross_entropy_with_logits(fake_logits, zeros_like(fake_logits))


def g_loss_nonsaturating(fake_logits):
    """−E[log D(G(z))] — the same fixed point, strong gradients when D rejects the fakes."""
    return F.binary_cross_entropy_with_logits(fake_logits, ones_like(fake_logits))


def d_loss_wasserstein(real_scores, fake_scores):
    """The critic maximizes E[f(x)] − E[f(G(z))]; this is its negation, to minimize."""
    return fake_scores.mean() - real_scores.mean()


def g_loss_wasserstein(fake_scores):
    """The generator minimizes −E[f(G(z))]."""
    return -fake_scores.mean()


def d_loss_hinge(real_scores, fake_scores):
    """E[max(0, 1 − f(x))] + E[max(0, 1 + f(G(z)))] (Lim & Ye 2017; SAGAN, BigGAN)."""
    return (1 - real_scores).relu().mean() + (1 + fake_scores).relu().mean()


def g_loss_hinge(fake_scores):
    return -fake_scores.mean()


def gradient_penalty(critic, real, fake, *extra):
    """WGAN-GP: E[(‖∇_x̂ f(x̂)‖₂ − 1)²] at x̂ = u·x + (1 − u)·G(z), u ~ U[0, 1] per sample. The
    gradient is built with ``create_graph=True`` so the penalty itself is differentiated (double
    backward) when the critic trains. ``extra`` goes to the critic unchanged (a class label)."""
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real and fake must have one shape, got {tuple(real.shape)} "
                         f"and {tuple(fake.shape)}")
    u = rand(real.shape[0], *([1] * (real.dim() - 1)), dtype=real.dtype)
    mixed = (u * real.detach() + (1 - u) * fake.detach()).requires_grad_(True)
    scores = critic(mixed, *extra)
    (g,) = autograd_grad(scores.sum(), mixed, create_graph=True)
    norm = (g.reshape(g.shape[0], -1) ** 2).sum(1).add(1e-12).sqrt()
    return ((norm - 1) ** 2).mean()


def clip_weights_(module, c=0.01):
    """The original WGAN's crude Lipschitz constraint: every parameter clamped to [−c, c]."""
    with no_grad():
        for p in module.parameters():
            p.clamp_(-c, c)


# ----------------------------------------------------------------------------------- models
class MLPGenerator(nn.Module):
    """z (latent_dim) → hidden ReLU layers → x (out_dim), linear output (or tanh)."""

    def __init__(self, latent_dim=2, out_dim=2, hidden=(128, 128), num_classes=0, tanh=False):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.label = nn.Embedding(num_classes, num_classes) if num_classes else None
        sizes, layers = [latent_dim + num_classes, *hidden], []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], out_dim))
        if tanh:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z, labels=None):
        return self.net(_with_label(self, z, labels))


class MLPDiscriminator(nn.Module):
    """x → hidden LeakyReLU(0.2) layers → one score (a logit, or a critic value for WGAN)."""

    def __init__(self, in_dim=2, hidden=(128, 128), num_classes=0):
        super().__init__()
        self.num_classes = num_classes
        self.label = nn.Embedding(num_classes, num_classes) if num_classes else None
        sizes, layers = [in_dim + num_classes, *hidden], []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
        layers.append(nn.Linear(sizes[-1], 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        return self.net(_with_label(self, x.reshape(x.shape[0], -1), labels)).reshape(-1)


def _with_label(module, x, labels):
    """Conditional GAN: the class enters as a learned vector concatenated to the input."""
    if not module.num_classes:
        if labels is not None:
            raise ValueError(f"{type(module).__name__}: labels given to an unconditional model "
                             "(construct it with num_classes)")
        return x
    if labels is None:
        raise ValueError(f"{type(module).__name__}: this conditional model needs labels")
    return cat([x, module.label(labels)], dim=1)


class DCGANGenerator(nn.Module):
    """DCGAN for 1×28×28: z → linear to ``ngf·2``×7×7 → BN-ReLU → transposed conv to 14×14 →
    BN-ReLU → transposed conv to 28×28 → tanh (images scaled to [−1, 1])."""

    def __init__(self, latent_dim=64, ngf=32, channels=1, num_classes=0):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.label = nn.Embedding(num_classes, num_classes) if num_classes else None
        self.project = nn.Sequential(nn.Linear(latent_dim + num_classes, ngf * 2 * 49, bias=False),
                                     nn.BatchNorm1d(ngf * 2 * 49), nn.ReLU(), nn.Unflatten(1, (ngf * 2, 7, 7)))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(ngf * 2, ngf, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
            nn.ConvTranspose2d(ngf, channels, 4, stride=2, padding=1), nn.Tanh())

    def forward(self, z, labels=None):
        return self.net(self.project(_with_label(self, z, labels)))


class DCGANDiscriminator(nn.Module):
    """1×28×28 → stride-2 conv (14×14) → LeakyReLU → stride-2 conv (7×7) → BN → LeakyReLU → one
    logit. ``batch_norm=False`` for WGAN-GP critics (the penalty is per sample). Conditional
    (``num_classes``): the label, embedded as one more 28×28 channel, joins the image."""

    def __init__(self, ndf=32, channels=1, batch_norm=True, num_classes=0, size=28):
        super().__init__()
        self.num_classes, self.size = num_classes, size
        self.label = nn.Embedding(num_classes, size * size) if num_classes else None
        self.net = nn.Sequential(
            nn.Conv2d(channels + (1 if num_classes else 0), ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, stride=2, padding=1),
            nn.BatchNorm2d(ndf * 2) if batch_norm else nn.Identity(), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(ndf * 2 * 49, 1))

    def forward(self, x, labels=None):
        return self.net(self._with_label(x, labels)).reshape(-1)

    def _with_label(self, x, labels):
        if not self.num_classes:
            return _with_label(self, x, labels)   # raises if labels were given
        if labels is None:
            raise ValueError("DCGANDiscriminator: this conditional model needs labels")
        return cat([x, self.label(labels).reshape(-1, 1, self.size, self.size)], dim=1)


# ----------------------------------------------------------------------------------- CycleGAN
class CycleGAN(nn.Module):
    """Two domains A and B without paired examples: G_ab: A → B, G_ba: B → A, a discriminator per
    domain. Besides the adversarial losses, the cycle loss ‖G_ba(G_ab(a)) − a‖₁ + ‖G_ab(G_ba(b)) − b‖₁
    makes each translation keep what the way back needs, and the identity loss ‖G_ab(b) − b‖₁ +
    ‖G_ba(a) − a‖₁ keeps a generator from changing what already belongs to its target domain."""

    def __init__(self, g_ab, g_ba, d_a, d_b):
        super().__init__()
        self.g_ab, self.g_ba, self.d_a, self.d_b = g_ab, g_ba, d_a, d_b

    def cycle_loss(self, a, b):
        return (self.g_ba(self.g_ab(a)) - a).abs().mean() + (self.g_ab(self.g_ba(b)) - b).abs().mean()

    def identity_loss(self, a, b):
        return (self.g_ab(b) - b).abs().mean() + (self.g_ba(a) - a).abs().mean()

    def generator_loss(self, a, b, cycle_weight=10.0, identity_weight=0.0):
        """Non-saturating adversarial losses of both generators + λ_cyc·cycle (+ λ_id·identity)."""
        loss = g_loss_nonsaturating(self.d_b(self.g_ab(a))) + g_loss_nonsaturating(self.d_a(self.g_ba(b)))
        loss = loss + cycle_weight * self.cycle_loss(a, b)
        if identity_weight:
            loss = loss + identity_weight * self.identity_loss(a, b)
        return loss

    def discriminator_loss(self, a, b):
        with no_grad():
            fake_b, fake_a = self.g_ab(a), self.g_ba(b)
        return d_loss_minimax(self.d_a(a), self.d_a(fake_a)) + d_loss_minimax(self.d_b(b), self.d_b(fake_b))
