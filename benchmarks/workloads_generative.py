"""Generative models: a DCGAN step (the discriminator's step, then the generator's) and a DDPM
U-Net training step (Algorithm 1) on 28×28 batches of 64 — chainrule.models against the same
architecture written in torch, with torch's initial weights copied in and the same batch."""
import math

import numpy as np

from .harness import workload


def _torch_dcgan(latent, ngf):
    """chainrule.models.gan.DCGANGenerator/Discriminator in torch (same module names)."""
    import torch.nn as nn

    class G(nn.Module):
        def __init__(self):
            super().__init__()
            self.project = nn.Sequential(nn.Linear(latent, ngf * 2 * 49, bias=False), nn.BatchNorm1d(ngf * 2 * 49),
                                         nn.ReLU(), nn.Unflatten(1, (ngf * 2, 7, 7)))
            self.net = nn.Sequential(nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf),
                                     nn.ReLU(), nn.ConvTranspose2d(ngf, 1, 4, 2, 1), nn.Tanh())

        def forward(self, z):
            return self.net(self.project(z))

    class D(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Conv2d(1, ngf, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(ngf, ngf * 2, 4, 2, 1),
                                     nn.BatchNorm2d(ngf * 2), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(ngf * 2 * 49, 1))

        def forward(self, x):
            return self.net(x).reshape(-1)
    return G(), D()


def _copied(torch_model, ours):
    ours.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})
    return ours


@workload("dcgan_step", target=2.0, rounds=8,
          about="DCGAN (width 32, z 64) on 64 images of 1×28×28: a discriminator step, then a generator step (Adam)")
def dcgan_step(lib):
    import torch
    torch.manual_seed(0)
    g, d = _torch_dcgan(64, 32)
    if lib is not torch:
        from chainrule.models import gan
        g, d = _copied(g, gan.DCGANGenerator(64, 32)), _copied(d, gan.DCGANDiscriminator(32))
    rng = np.random.default_rng(0)
    real = lib.tensor(rng.uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32))
    z = lib.tensor(rng.standard_normal((64, 64)).astype(np.float32))
    ones, zeros = lib.ones(64), lib.zeros(64)
    bce = (torch.nn.functional if lib is torch else lib.nn.functional).binary_cross_entropy_with_logits
    opt_g = lib.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = lib.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step():
        fake = g(z)
        loss_d = bce(d(real), ones) + bce(d(fake.detach()), zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = bce(d(fake), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    return step


def _torch_unet(base, timesteps):
    """chainrule.models.diffusion.UNet in torch (same module names and buffers)."""
    import torch
    import torch.nn as nn
    from chainrule.nn.layers.positional import sinusoidal_table

    class Block(nn.Module):
        def __init__(self, c_in, c_out, tdim):
            super().__init__()
            groups = math.gcd(8, c_out)
            self.conv1, self.norm1 = nn.Conv2d(c_in, c_out, 3, padding=1), nn.GroupNorm(groups, c_out)
            self.time = nn.Linear(tdim, c_out)
            self.conv2, self.norm2 = nn.Conv2d(c_out, c_out, 3, padding=1), nn.GroupNorm(groups, c_out)
            self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
            self.act = nn.SiLU()

        def forward(self, x, emb):
            h = self.act(self.norm1(self.conv1(x))) + self.time(emb)[:, :, None, None]
            return self.act(self.norm2(self.conv2(h))) + self.skip(x)

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            c1, c2, tdim = base, base * 2, base * 4
            self.register_buffer("time_table", torch.tensor(sinusoidal_table(timesteps, base)), persistent=False)
            self.time_mlp = nn.Sequential(nn.Linear(base, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
            self.stem = nn.Conv2d(1, c1, 3, padding=1)
            self.down1, self.pool, self.down2 = Block(c1, c1, tdim), nn.AvgPool2d(2), Block(c1, c2, tdim)
            self.mid, self.upsample = Block(c2, c2, tdim), nn.Upsample(scale_factor=2)
            self.up2, self.up1 = Block(c2 + c2, c1, tdim), Block(c1 + c1, c1, tdim)
            self.head = nn.Conv2d(c1, 1, 1)

        def forward(self, x, t):
            emb = self.time_mlp(self.time_table[t])
            h1 = self.down1(self.stem(x), emb)
            h2 = self.down2(self.pool(h1), emb)
            h = self.mid(self.pool(h2), emb)
            h = self.up2(torch.cat([self.upsample(h), h2], 1), emb)
            return self.head(self.up1(torch.cat([self.upsample(h), h1], 1), emb))
    return UNet()


@workload("ddpm_unet_step", target=2.0, rounds=8,
          about="DDPM U-Net (width 16, T = 200) on 64 noised 1×28×28 images: ε-prediction MSE (Algorithm 1), backward, Adam")
def ddpm_unet_step(lib):
    import torch
    torch.manual_seed(0)
    net = _torch_unet(16, 200)
    if lib is not torch:
        from chainrule.models.diffusion import UNet
        net = _copied(net, UNet(base=16, timesteps=200))
    rng = np.random.default_rng(0)
    alpha_bar = np.cumprod(1 - np.linspace(1e-4 * 5, 0.02 * 5, 200))
    x0 = rng.uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32)
    eps = rng.standard_normal(x0.shape).astype(np.float32)
    t = rng.integers(0, 200, 64)
    xt = (np.sqrt(alpha_bar[t])[:, None, None, None] * x0 + np.sqrt(1 - alpha_bar[t])[:, None, None, None] * eps)
    xt, eps, t = lib.tensor(xt.astype(np.float32)), lib.tensor(eps), lib.tensor(t)
    opt = lib.optim.Adam(net.parameters(), lr=2e-3)

    def step():
        loss = ((eps - net(xt, t)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step
