"""Three worked training steps for the Trainer's step protocol: supervised (the default step),
a GAN's alternating discriminator/generator step, and a VAE's reconstruction + KL step. Each
``build_<kind>()`` returns ``(trainer_kwargs, loader)``."""
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.data.datasets import load_digits
from chainrule.utils.data import DataLoader, TensorDataset


def _digits(n=300):
    x, y = load_digits()
    return (x[:n] / 16.0).astype(np.float32), y[:n]


def build_supervised():
    x, y = _digits()
    loader = DataLoader(TensorDataset(cr.tensor(x), cr.tensor(y)), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10))
    opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = cr.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)
    return dict(model=model, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, scheduler=sched,
                scheduler_interval="step"), loader


def build_gan():
    """A GAN on a ring of 8 Gaussians: D and G alternate, each with its own Adam; the step does
    its own updates and returns floats to log."""
    rng = np.random.default_rng(0)
    angles = rng.integers(0, 8, 320) * (np.pi / 4)
    points = np.stack([np.cos(angles), np.sin(angles)], 1) * 2 + 0.05 * rng.standard_normal((320, 2))
    loader = DataLoader(TensorDataset(cr.tensor(points.astype(np.float32))), batch_size=32, shuffle=True)
    G = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    D = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
    opt_g = cr.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = cr.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()

    def training_step(batch, step):
        (real,) = batch
        n = real.shape[0]
        fake = G(cr.randn(n, 8))
        opt_d.zero_grad()
        d_loss = bce(D(real), cr.ones(n, 1)) + bce(D(fake.detach()), cr.zeros(n, 1))
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = bce(D(fake), cr.ones(n, 1))
        g_loss.backward()
        opt_g.step()
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item()}
    return dict(models={"G": G, "D": D}, optimizers={"g": opt_g, "d": opt_d},
                training_step=training_step), loader


def build_vae():
    """A VAE on the digits: reconstruction + KL, the trainer does backward and the step."""
    x, _ = _digits()
    loader = DataLoader(TensorDataset(cr.tensor(x)), batch_size=32, shuffle=True)

    class VAE(nn.Module):
        def __init__(self, z=4):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 2 * z))
            self.dec = nn.Sequential(nn.Linear(z, 32), nn.ReLU(), nn.Linear(32, 64))

        def forward(self, x):
            mu, log_var = self.enc(x).chunk(2, dim=1)
            z = mu + (0.5 * log_var).exp() * cr.randn_like(mu)   # reparameterization
            return self.dec(z), mu, log_var

    vae = VAE()
    opt = cr.optim.Adam(vae.parameters(), lr=3e-3)

    def training_step(batch, step):
        (x,) = batch
        recon, mu, log_var = vae(x)
        rec = ((recon - x) ** 2).sum(dim=1).mean()
        kl = (-0.5 * (1 + log_var - mu ** 2 - log_var.exp()).sum(dim=1)).mean()
        return {"loss": rec + kl, "recon": rec, "kl": kl}

    def validation_step(batch, step):
        return {"recon": ((vae(batch[0])[0] - batch[0]) ** 2).sum(dim=1).mean()}
    return dict(model=vae, optimizer=opt, training_step=training_step,
                validation_step=validation_step), loader


BUILDERS = {"supervised": build_supervised, "gan": build_gan, "vae": build_vae}
