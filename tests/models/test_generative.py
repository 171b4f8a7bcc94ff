"""The generative families' formulas: the VAE's KL against Monte Carlo, the flow's log-determinant
against a numerical Jacobian, DDPM's forward process and sampler, the WGAN-GP penalty's double
backward against PyTorch, the straight-through estimators."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.models import diffusion, gan
from chainrule.models.autoencoder import AutoEncoder, ConvAutoEncoder, VectorQuantizer, binarize
from chainrule.models.flow import RealNVP
from chainrule.models.vae import VAE, TiltedPrior, gaussian_kl


# --------------------------------------------------------------------------------- VAE
def test_gaussian_kl_closed_form_equals_monte_carlo():
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(size=3), rng.normal(size=3) * 0.5
    sigma = np.exp(0.5 * logvar)
    z = mu + sigma * rng.standard_normal((400_000, 3))
    log_q = (-0.5 * ((z - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)).sum(1)
    log_p = (-0.5 * z ** 2 - 0.5 * np.log(2 * np.pi)).sum(1)
    got = float(gaussian_kl(cr.tensor(mu), cr.tensor(logvar)))
    assert got == pytest.approx((log_q - log_p).mean(), abs=0.01)
    assert float(gaussian_kl(cr.zeros(4), cr.zeros(4))) == 0.0


def test_reparameterized_gradient_reaches_mu_and_sigma():
    cr.manual_seed(0)
    mu = cr.tensor([0.5, -1.0], requires_grad=True)
    logvar = cr.tensor([0.2, -0.4], requires_grad=True)
    z = mu + (0.5 * logvar).exp() * cr.randn(20000, 2)
    (z ** 2).sum(1).mean().backward()          # E[z²] = μ² + σ²: ∂/∂μ = 2μ, ∂/∂logσ² = σ²
    np.testing.assert_allclose(mu.grad.numpy(), 2 * mu.detach().numpy(), atol=0.05)
    np.testing.assert_allclose(logvar.grad.numpy(), np.exp(logvar.detach().numpy()), rtol=0.05)


def test_vae_loss_is_reconstruction_plus_beta_kl():
    cr.manual_seed(1)
    vae = VAE(16, latent_dim=3, hidden=(8,), beta=4.0)
    x = cr.rand(5, 16)
    cr.manual_seed(7)
    loss, parts = vae.loss(x)
    cr.manual_seed(7)
    elbo = vae.elbo(x)
    assert float(loss) == pytest.approx(parts["reconstruction"] + 4.0 * parts["kl"], rel=1e-5)
    assert float(elbo.mean()) == pytest.approx(-parts["reconstruction"] - parts["kl"], rel=1e-5)
    want = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(vae.decoder(vae.to_mu(vae.encoder(x))).detach().numpy()), torch.tensor(x.numpy()),
        reduction="none").sum(1)
    got = -vae.log_likelihood(vae.decoder(vae.to_mu(vae.encoder(x))), x)
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-5)
    loss.backward()
    assert all(p.grad is not None for p in vae.parameters())


def test_conditional_vae_needs_labels_and_uses_them():
    cr.manual_seed(0)
    cvae = VAE(8, latent_dim=2, hidden=(8,), num_classes=3)
    with pytest.raises(ValueError, match="needs labels"):
        cvae.loss(cr.rand(2, 8))
    z = cr.zeros(2, 2)
    with cr.no_grad():
        a, b = cvae.decode(z, cr.tensor([0, 0])), cvae.decode(z, cr.tensor([0, 2]))
    assert np.allclose(a.numpy()[0], b.numpy()[0]) and not np.allclose(a.numpy()[1], b.numpy()[1])
    assert cvae.sample(4, cr.tensor([0, 1, 2, 0])).shape == (4, 8)


def test_tilted_prior_normalizer_and_shell():
    from scipy.integrate import quad
    from scipy.stats import chi
    for dim, tau in ((2, 2.0), (8, 4.0)):
        prior = TiltedPrior(dim, tau)   # log E_{z~N(0,I)}[exp(τ‖z‖)], ‖z‖ ~ χ_dim
        want = np.log(quad(lambda r: chi.pdf(r, dim) * np.exp(tau * r), 0, 60)[0])
        assert prior.log_z == pytest.approx(want, abs=1e-6)
        cr.manual_seed(0)
        radius = np.linalg.norm(prior.sample(20_000).numpy(), axis=1)
        norm = quad(lambda r: chi.pdf(r, dim) * np.exp(tau * r), 0, 60)[0]
        mean_radius = quad(lambda r: r * chi.pdf(r, dim) * np.exp(tau * r), 0, 60)[0] / norm
        assert radius.mean() == pytest.approx(mean_radius, abs=0.02) and radius.std() < 1.0
    # the tilted density integrates to one (2-D grid)
    g = np.linspace(-8, 8, 801)
    zz = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2).astype(np.float32)
    mass = np.exp(TiltedPrior(2, 2.0).log_prob(cr.tensor(zz)).numpy()).sum() * (g[1] - g[0]) ** 2
    assert mass == pytest.approx(1.0, abs=1e-3)


# --------------------------------------------------------------------------------- flow
def _numerical_log_det(flow, x, h=1e-6):
    jac = np.zeros((2, 2))
    for j in range(2):
        e = np.zeros((1, 2))
        e[0, j] = h
        with cr.no_grad():
            up, _ = flow(cr.tensor(x + e))
            down, _ = flow(cr.tensor(x - e))
        jac[:, j] = (up.numpy() - down.numpy())[0] / (2 * h)
    return np.log(abs(np.linalg.det(jac)))


def test_realnvp_log_det_is_the_jacobian_and_inverse_undoes_forward():
    cr.manual_seed(0)
    flow = RealNVP(2, n_couplings=4, hidden=16).double()
    with cr.no_grad():
        for p in flow.parameters():
            p.add_(0.4 * cr.randn(*p.shape, dtype=cr.float64))
    x = np.random.default_rng(0).normal(size=(6, 2))
    z, log_det = flow(cr.tensor(x))
    for i in range(6):
        assert float(log_det[i]) == pytest.approx(_numerical_log_det(flow, x[i:i + 1]), abs=1e-6)
    np.testing.assert_allclose(flow.inverse(z).detach().numpy(), x, atol=1e-10)
    # log p integrates to one over the plane
    g = np.linspace(-7, 7, 401)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    with cr.no_grad():
        mass = np.exp(flow.log_prob(cr.tensor(grid)).numpy()).sum() * (g[1] - g[0]) ** 2
    assert mass == pytest.approx(1.0, abs=0.02)


def test_new_realnvp_is_the_identity():
    flow = RealNVP(3)
    x = cr.randn(4, 3)
    with cr.no_grad():
        z, log_det = flow(x)
    np.testing.assert_array_equal(z.numpy(), x.numpy())
    assert np.all(log_det.numpy() == 0)
    with pytest.raises(ValueError, match="dim must be ≥ 2"):
        RealNVP(1)


# --------------------------------------------------------------------------------- diffusion
def test_schedules_match_their_formulas():
    b = diffusion.linear_beta_schedule(1000)
    assert b[0] == pytest.approx(1e-4) and b[-1] == pytest.approx(0.02) and np.all(np.diff(b) > 0)
    ab = np.cumprod(1 - diffusion.cosine_beta_schedule(1000))
    f = lambda t: np.cos((t / 1000 + 0.008) / 1.008 * np.pi / 2) ** 2
    np.testing.assert_allclose(ab[:900], f(np.arange(1, 901)) / f(0), rtol=1e-9)
    for name in ("linear", "cosine"):
        ddpm = diffusion.DDPM(lambda x, t: x, timesteps=200, schedule=name)
        assert ddpm.alpha_bars[-1] < 1e-3 < 0.99 < ddpm.alpha_bars[0]   # ends in noise, starts at the data


def test_q_sample_has_the_stated_marginal():
    cr.manual_seed(0)
    ddpm = diffusion.DDPM(lambda x, t: x, timesteps=100)
    x0 = cr.full((50_000, 1), 2.0)
    for step in (0, 30, 99):
        xt = ddpm.q_sample(x0, cr.full((50_000,), step, dtype=cr.int64)).numpy()
        ab = ddpm.alpha_bars[step]
        assert xt.mean() == pytest.approx(2 * math.sqrt(ab), abs=0.02)
        assert xt.var() == pytest.approx(1 - ab, rel=0.03, abs=2e-4)


class _ExactNoise:
    """The optimal ε_θ when every training image is the same x₀: (x_t − √ᾱ_t x₀)/√(1 − ᾱ_t)."""

    def __init__(self, ddpm, x0):
        self.ddpm, self.x0 = ddpm, x0

    def __call__(self, x, t):
        ab = self.ddpm._per_sample(self.ddpm.alpha_bars, t, x)
        return (x - ab.sqrt() * self.x0) / (1 - ab).sqrt()


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_algorithm_2_and_ddim_return_the_data_under_the_exact_noise_predictor(schedule):
    cr.manual_seed(0)
    x0 = cr.tensor(np.linspace(-1, 1, 8, dtype=np.float32)).reshape(1, 1, 2, 4)
    ddpm = diffusion.DDPM(None, timesteps=200, schedule=schedule)
    ddpm.model = _ExactNoise(ddpm, x0)
    sample, kept = ddpm.sample((3, 1, 2, 4), return_steps=(199, 100))
    np.testing.assert_allclose(sample.numpy(), np.broadcast_to(x0.numpy(), (3, 1, 2, 4)), atol=0.05)
    assert set(kept) == {199, 100} and abs(kept[199].std() - 1) < 0.5
    fast = ddpm.ddim_sample((3, 1, 2, 4), steps=20)
    np.testing.assert_allclose(fast.numpy(), np.broadcast_to(x0.numpy(), (3, 1, 2, 4)), atol=1e-3)


def test_clipped_posterior_mean_equals_algorithm_2_where_nothing_is_clipped():
    x0 = cr.tensor(np.linspace(-0.9, 0.9, 8, dtype=np.float32)).reshape(1, 1, 2, 4)
    ddpm = diffusion.DDPM(None, timesteps=50)
    ddpm.model = _ExactNoise(ddpm, x0)     # x̂₀ = x₀ exactly, inside [−1, 1]: the clip never binds
    cr.manual_seed(3)
    plain, _ = ddpm.sample((2, 1, 2, 4))
    cr.manual_seed(3)
    rewritten, _ = ddpm.sample((2, 1, 2, 4), clip_denoised=True)
    np.testing.assert_allclose(rewritten.numpy(), plain.numpy(), rtol=1e-4, atol=1e-4)
    ddpm.model = lambda x, t: -5 * x       # x̂₀ far outside: clipping keeps the samples in range
    cr.manual_seed(3)
    clipped, _ = ddpm.sample((2, 1, 2, 4), clip_denoised=True)
    assert np.abs(clipped.numpy()).max() <= 1.0 + 1e-5


def test_unet_predicts_noise_of_the_image_shape_and_depends_on_t():
    cr.manual_seed(0)
    net = diffusion.UNet(base=8, timesteps=50)
    x = cr.randn(2, 1, 28, 28)
    with cr.no_grad():
        a, b = net(x, cr.tensor([0, 0])), net(x, cr.tensor([0, 49]))
    assert a.shape == (2, 1, 28, 28)
    assert np.allclose(a.numpy()[0], b.numpy()[0]) and not np.allclose(a.numpy()[1], b.numpy()[1])
    ddpm = diffusion.DDPM(net, timesteps=50)
    loss = ddpm.loss(x)
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())
    with pytest.raises(ValueError, match="divisible by 4"):
        net(cr.randn(1, 1, 30, 30), cr.tensor([0]))
    with pytest.raises(ValueError, match="schedule"):
        diffusion.DDPM(net, schedule="quadratic")


# --------------------------------------------------------------------------------- GAN
def _torch_critic(ours):
    layers = []
    for m in ours.net:
        if isinstance(m, cr.nn.Linear):
            lin = torch.nn.Linear(m.in_features, m.out_features).double()
            lin.weight.data = torch.tensor(m.weight.detach().numpy())
            lin.bias.data = torch.tensor(m.bias.detach().numpy())
            layers.append(lin)
        else:
            layers.append(torch.nn.LeakyReLU(0.2))
    return torch.nn.Sequential(*layers)


def test_gradient_penalty_and_its_double_backward_equal_pytorch():
    cr.manual_seed(0)
    critic = gan.MLPDiscriminator(3, hidden=(16, 16)).double()
    real, fake = cr.randn(6, 3, dtype=cr.float64), cr.randn(6, 3, dtype=cr.float64)
    cr.manual_seed(5)
    gp = gan.gradient_penalty(critic, real, fake)
    gp.backward()
    cr.manual_seed(5)
    u = torch.tensor(cr.rand(6, 1, dtype=cr.float64).numpy())
    tc = _torch_critic(critic)
    mixed = (u * torch.tensor(real.numpy()) + (1 - u) * torch.tensor(fake.numpy())).requires_grad_(True)
    (g,) = torch.autograd.grad(tc(mixed).sum(), mixed, create_graph=True)
    want = ((g.norm(dim=1) - 1) ** 2).mean()
    want.backward()
    assert float(gp) == pytest.approx(want.item(), rel=1e-10)
    grad = lambda p: 0 if p.grad is None else p.grad.numpy()   # the last bias does not move ∇ₓf
    ours, theirs = [grad(p) for p in critic.parameters()], [grad(p) for p in tc.parameters()]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)


def test_gan_losses_and_why_the_minimax_generator_saturates():
    logits = cr.tensor([-8.0, -1.0, 0.0, 3.0], requires_grad=True)
    tl = torch.tensor(logits.detach().numpy())
    assert float(gan.d_loss_minimax(logits, logits)) == pytest.approx(
        -(torch.nn.functional.logsigmoid(tl).mean() + torch.nn.functional.logsigmoid(-tl).mean()).item(), rel=1e-6)
    assert float(gan.g_loss_minimax(logits)) == pytest.approx(torch.log1p(-torch.sigmoid(tl)).mean().item(), rel=1e-5)
    gan.g_loss_minimax(logits).backward()
    minimax = logits.grad.numpy().copy()
    logits.grad = None
    gan.g_loss_nonsaturating(logits).backward()
    nonsat = logits.grad.numpy()
    # at a fake the discriminator rejects (logit −8): minimax's gradient ~σ(−8)/4, non-saturating's ~−1/4
    assert abs(minimax[0]) < 1e-3 < 0.2 < abs(nonsat[0])
    assert float(gan.d_loss_hinge(cr.tensor([2.0]), cr.tensor([-2.0]))) == 0.0
    assert float(gan.d_loss_wasserstein(cr.tensor([1.0, 3.0]), cr.tensor([0.0]))) == -2.0


def test_weight_clipping_and_conditional_models():
    cr.manual_seed(0)
    d = gan.MLPDiscriminator(2, num_classes=4)
    gan.clip_weights_(d, 0.01)
    assert max(float(p.abs().max()) for p in d.parameters()) <= 0.01
    g = gan.MLPGenerator(latent_dim=3, out_dim=2, num_classes=4)
    x = g(cr.randn(5, 3), cr.tensor([0, 1, 2, 3, 0]))
    assert x.shape == (5, 2) and d(x, cr.tensor([0, 1, 2, 3, 0])).shape == (5,)
    with pytest.raises(ValueError, match="needs labels"):
        g(cr.randn(5, 3))
    with pytest.raises(ValueError, match="unconditional"):
        gan.MLPGenerator()(cr.randn(2, 2), cr.tensor([0, 1]))


def test_dcgan_shapes_and_cyclegan_losses():
    cr.manual_seed(0)
    g, d = gan.DCGANGenerator(latent_dim=16, ngf=8), gan.DCGANDiscriminator(ndf=8)
    x = g(cr.randn(4, 16))
    assert x.shape == (4, 1, 28, 28) and float(x.abs().max()) <= 1 and d(x).shape == (4,)
    cyc = gan.CycleGAN(cr.nn.Identity(), cr.nn.Identity(), gan.MLPDiscriminator(2), gan.MLPDiscriminator(2))
    a, b = cr.randn(8, 2), cr.randn(8, 2)
    assert float(cyc.cycle_loss(a, b)) == 0.0 and float(cyc.identity_loss(a, a)) == 0.0
    loss = cyc.generator_loss(a, b) + cyc.discriminator_loss(a, b)
    loss.backward()


# --------------------------------------------------------------------------------- auto-encoders
def test_vector_quantizer_picks_the_nearest_code_and_passes_gradients_straight_through():
    cr.manual_seed(0)
    vq = VectorQuantizer(4, 2, beta=0.25)
    with cr.no_grad():
        vq.codebook.weight.copy_(cr.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    z = cr.tensor([[0.9, 0.2], [0.1, 0.8], [0.6, 0.7]], requires_grad=True)
    q, loss, idx = vq(z)
    assert idx.numpy().tolist() == [1, 2, 3]
    np.testing.assert_allclose(q.detach().numpy(), [[1, 0], [0, 1], [1, 1]])
    w = cr.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    (q * w).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), w.numpy())     # straight through: ∂q/∂z = I
    z.grad = None
    _, loss, _ = vq(z)
    loss.backward()
    e = np.array([[1, 0], [0, 1], [1, 1.0]])
    np.testing.assert_allclose(z.grad.numpy(), 0.25 * 2 * (z.detach().numpy() - e) / 6, rtol=1e-5)  # commitment
    assert vq.codebook.weight.grad is not None


def test_binary_code_is_zero_one_forward_and_sigmoid_backward():
    logits = cr.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    code = binarize(logits)
    assert code.detach().numpy().tolist() == [0.0, 1.0, 1.0]
    code.sum().backward()
    s = 1 / (1 + np.exp(-logits.detach().numpy()))
    np.testing.assert_allclose(logits.grad.numpy(), s * (1 - s), rtol=1e-6)


def test_auto_encoders_rebuild_the_input_shape():
    ae = AutoEncoder(64, 2, hidden=(32,), output="sigmoid")
    y = ae(cr.rand(3, 64))
    assert y.shape == (3, 64) and 0 <= float(y.min()) and ae.encode(cr.rand(3, 64)).shape == (3, 2)
    conv = ConvAutoEncoder(code=5)
    assert conv(cr.rand(2, 1, 28, 28)).shape == (2, 1, 28, 28) and conv.encode(cr.rand(2, 1, 28, 28)).shape == (2, 5)
    with pytest.raises(ValueError, match="output"):
        AutoEncoder(4, 2, output="relu")


# --------------------------------------------------------------------------------- the training-step protocol
def test_a_gan_and_a_vae_train_through_the_trainer():
    from chainrule.methods.sample_quality import ring_of_gaussians
    cr.manual_seed(0)
    data = ring_of_gaussians(2048, std=0.05, rng=np.random.default_rng(0))
    loader = cr.utils.data.DataLoader(cr.tensor(data), batch_size=128, shuffle=True)
    G, D = gan.MLPGenerator(latent_dim=2), gan.MLPDiscriminator(2)
    opt_g, opt_d = cr.optim.Adam(G.parameters(), 1e-3), cr.optim.Adam(D.parameters(), 1e-3)

    def training_step(real, step):
        fake = G(cr.randn(len(real), 2))
        loss_d = gan.d_loss_minimax(D(real), D(fake.detach()))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = gan.g_loss_nonsaturating(D(fake))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return {"d": loss_d.item(), "g": loss_g.item()}

    with cr.no_grad():
        before = np.linalg.norm(G(cr.randn(500, 2)).numpy(), axis=1).mean()
    history = cr.train.Trainer(training_step=training_step, models={"G": G, "D": D},
                               optimizers={"G": opt_g, "D": opt_d}, progress=False).fit(loader, epochs=25)
    with cr.no_grad():
        after = np.linalg.norm(G(cr.randn(500, 2)).numpy(), axis=1).mean()
    assert len(history["d"]) == 25 and abs(after - 2) < 0.4 < abs(before - 2)

    vae = VAE(2, latent_dim=2, hidden=(32,), likelihood="gaussian")
    opt = cr.optim.Adam(vae.parameters(), 1e-2)

    def vae_step(x, step):
        loss, parts = vae.loss(x)
        return {"loss": loss, **parts}      # the trainer runs backward and steps the optimizer

    history = cr.train.Trainer(training_step=vae_step, model=vae, optimizer=opt, progress=False).fit(loader, epochs=5)
    assert history["loss"][-1] < history["loss"][0] and set(history) >= {"loss", "kl", "reconstruction"}


def test_sparse_penalty_and_noise_are_their_formulas():
    from chainrule.models.autoencoder import add_noise, sparse_penalty
    code = cr.tensor([[1.0, -2.0, 0.0], [0.5, 0.0, 0.5]])
    assert float(sparse_penalty(code, weight=0.1)) == pytest.approx(0.1 * (3.0 + 1.0) / 2)
    cr.manual_seed(0)
    noisy = add_noise(cr.zeros(100_000), std=0.3).numpy()
    assert abs(noisy.mean()) < 0.01 and noisy.std() == pytest.approx(0.3, rel=0.02)
