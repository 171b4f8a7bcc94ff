"""Lecture 12, the variational auto-encoder: the ELBO's two terms and what the KL term is for, why
z = μ + σ·ε lets the gradient through (against the score-function estimator), the conditional
VAE, and β-VAE's trade between rebuilding and disentangling."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule.models.vae import VAE

from ..common import digit_pixels, figure, fit_batches, image_rows, pyplot
from ..lang import tr
from ..registry import Result, experiment


def binary_digits(seed):
    """The 8×8 digits with every pixel set to 1 where it is at least half on: the binarized data on
    which a Bernoulli VAE's ELBO is stated in nats."""
    (xtr, ytr), (xte, yte) = digit_pixels(seed)
    return ((xtr >= 0.5).astype(np.float32), ytr), ((xte >= 0.5).astype(np.float32), yte)


def train_vae(vae, x, y, epochs, lr, ctx, desc="epochs"):
    arrays = (x,) if not vae.num_classes else (x, y)
    return fit_batches(vae.parameters(), arrays, lambda *b: vae.loss(*b)[0], epochs, 100, lr, ctx, desc=desc)


def test_elbo(vae, x, y=None, draws=10):
    """The test ELBO in nats per image, averaged over ``draws`` samples of z."""
    labels = None if y is None else cr.tensor(y)
    with cr.no_grad():
        return float(np.mean([vae.elbo(cr.tensor(x), labels).numpy().mean() for _ in range(draws)]))


def digit_classifier(seed):
    """Logistic regression on the real binarized training digits: the judge of generated digits."""
    from sklearn.linear_model import LogisticRegression
    (xtr, ytr), (xte, yte) = binary_digits(seed)
    clf = LogisticRegression(max_iter=2000).fit(xtr, ytr)
    return clf, float(clf.score(xte, yte))


# ------------------------------------------------------------------------------ the VAE and its KL term
@dataclasses.dataclass
class VAEConfig:
    latent_dim: int = 2
    epochs: int = 300
    lr: float = 2e-3
    RANGES = {"latent_dim": (1, 32), "epochs": (1, 5000), "lr": (1e-5, 0.1)}


@experiment("generative.vae", VAEConfig,
            "A VAE's encoder gives a distribution, not a point. What do the ELBO's two terms do — and without "
            "the KL term, can the decoder still draw digits from random z?",
            "ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I)),  KL = ½Σ(μ² + σ² − 1 − log σ²),  z = μ + σ·ε",
            quick=dict(epochs=80))
def vae(cfg, ctx):
    """Q: What is the VAE's KL term for?

    A: it pulls every q(z|x) towards N(0, I): the codes of the training digits fill the region
    where random z's fall, so decoding z ~ N(0, I) gives every kind of digit. Drop it (β = 0) and
    the reconstruction improves, but the codes spread wherever they like, random z's see only the
    few digits whose codes happen to sit near the origin — the decoder is no longer a generator of
    the data.
    """
    (xtr, ytr), (xte, yte) = binary_digits(ctx.seed)
    judge, judge_accuracy = digit_classifier(ctx.seed)
    out, models = {}, {}
    for name, beta in (("VAE (β = 1)", 1.0), (tr("generative.no_kl", "no KL term (β = 0)"), 0.0)):
        cr.manual_seed(ctx.seed)
        model = VAE(64, cfg.latent_dim, hidden=(128,), beta=beta)
        train_vae(model, xtr, ytr, cfg.epochs, cfg.lr, ctx, desc=name)
        with cr.no_grad():
            _, parts = model.loss(cr.tensor(xte))
            mu = model.encode(cr.tensor(xtr))[0].numpy()
            samples = model.sample(500).numpy()
        drawn = np.bincount(judge.predict(samples), minlength=10) / len(samples)
        out[name] = {"elbo": test_elbo(model, xte), "reconstruction": parts["reconstruction"], "kl": parts["kl"],
                     "code_spread": float(mu.std(0).mean()),
                     "codes_inside_prior": float((np.linalg.norm(mu, axis=1) < 2).mean()),
                     "digits_drawn": int((drawn >= 0.03).sum()),
                     "label_entropy_bits": float(-(drawn[drawn > 0] * np.log2(drawn[drawn > 0])).sum())}
        models[name] = (model, mu, samples)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, (name, (model, mu, _)) in zip(axes, models.items()):
        sc = ax.scatter(mu[:, 0], mu[:, 1], c=ytr, cmap="tab10", s=6)
        circle = plt.Circle((0, 0), 2, fill=False, ls="--", color="k")
        ax.add_patch(circle)
        ax.set(title=f"{name}: μ(x) of the training digits", aspect="equal")
    fig.colorbar(sc, ax=list(axes), ticks=range(10))
    rows = {tr("unsupervised.original", "original"): xte[:10]}
    for name, (model, _, samples) in models.items():
        with cr.no_grad():
            rows[f"{name}: " + tr("generative.rebuilt", "rebuilt")] = model(cr.tensor(xte[:10]))[0].sigmoid().numpy()
        rows[f"{name}: " + tr("generative.from_prior", "z ~ N(0, I)")] = samples[:10]
    pictures = image_rows(rows, tr("generative.vae.rows", "Reconstructions and samples from random z"), shape=(8, 8))
    v, a = out["VAE (β = 1)"], next(o for n, o in out.items() if n != "VAE (β = 1)")
    head = tr("generative.vae.headline",
              "VAE: test ELBO {e:.1f} nats per 64-pixel binary digit (reconstruction {r:.1f} + KL {k:.1f}); {i:.0%} of "
              "the training codes lie where z ~ N(0, I) falls (‖z‖ < 2), and decoded random z's are {d} different digits "
              "(≥ 3% each, by a classifier {j:.0%} accurate on real digits). Without the KL term: reconstruction {r0:.1f}, "
              "but only {i0:.0%} of the codes lie there and random z's give {d0} digits.", e=v["elbo"], r=v["reconstruction"],
              k=v["kl"], i=v["codes_inside_prior"], d=v["digits_drawn"], j=judge_accuracy, r0=a["reconstruction"],
              i0=a["codes_inside_prior"], d0=a["digits_drawn"])
    return Result({"vae": v, "no_kl": a, "judge_accuracy": judge_accuracy}, {"codes": fig, "digits": pictures}, head)


# ------------------------------------------------------------------------------ reparameterization
@dataclasses.dataclass
class ReparamConfig:
    mu: float = 1.0
    sigma: float = 1.0
    target: float = 3.0
    draws: int = 2000
    RANGES = {"mu": (-10.0, 10.0), "sigma": (0.01, 10.0), "target": (-10.0, 10.0), "draws": (10, 1000000)}


@experiment("generative.reparameterization", ReparamConfig,
            "Sampling z is not differentiable. How does z = μ + σ·ε let the gradient through — and how much "
            "better is it than the score-function (REINFORCE) estimate of the same gradient?",
            "∇_μ E_{z~N(μ,σ²)}[f(z)]:  reparameterized  E_ε[f′(μ + σε)];  score function  E_z[f(z)·(z − μ)/σ²]",
            quick=dict(draws=500))
def reparameterization(cfg, ctx):
    """Q: Why the reparameterization trick?

    A: both estimators of ∇_μ E[(z − a)²] are unbiased and agree with the exact 2(μ − a) on
    average, but one draw of the reparameterized gradient — backpropagated through z = μ + σ·ε by
    autograd — varies far less than one draw of the score-function estimate, which only sees f(z)
    and not how f changes with z; the gap is what makes VAE training practical.
    """
    mu = cr.full((cfg.draws,), cfg.mu, requires_grad=True)   # one copy of μ per draw: one backward gives
    eps = cr.randn(cfg.draws)                                # every draw's own gradient
    z = mu + cfg.sigma * eps                                 # the sample, differentiable in μ
    (grad,) = cr.autograd.grad(((z - cfg.target) ** 2).sum(), mu)
    reparam = grad.numpy().astype(np.float64)
    zs = z.detach().numpy()
    score = (zs - cfg.target) ** 2 * (zs - cfg.mu) / cfg.sigma ** 2
    exact = 2 * (cfg.mu - cfg.target)
    sizes = np.unique(np.geomspace(1, cfg.draws // 10, 12).astype(int))
    spread = {name: [float(np.std([g[i * n:(i + 1) * n].mean() for i in range(cfg.draws // n)])) for n in sizes]
              for name, g in (("reparameterized", reparam), ("score function", score))}
    fig, axes = figure(w=11, h=4, ncols=2)
    bins = np.linspace(min(score.min(), reparam.min()), max(score.max(), reparam.max()), 80)
    axes[0].hist(score, bins=bins, alpha=0.6, label=tr("generative.score", "score function"))
    axes[0].hist(reparam, bins=bins, alpha=0.6, label=tr("generative.reparam", "reparameterized"))
    axes[0].axvline(exact, color="k", ls="--", label=tr("generative.exact", "exact {g:.1f}", g=exact))
    axes[0].set(title=tr("generative.reparameterization.one", "One-draw estimates of ∂E[f]/∂μ"), yscale="log")
    axes[0].legend()
    for name, values in spread.items():
        axes[1].loglog(sizes, values, "o-", label=name)
    axes[1].set(title=tr("generative.reparameterization.spread", "Spread of the estimate averaged over n draws"),
                xlabel="n")
    axes[1].legend()
    fig.tight_layout()
    ratio = float(score.var() / max(reparam.var(), 1e-30))
    head = tr("generative.reparameterization.headline",
              "∂/∂μ E[(z − {a})²] at μ = {m}, σ = {s}: exact {g:.2f}; reparameterized mean {r:.2f} (std of one draw "
              "{rs:.2f}), score-function mean {sf:.2f} (std {ss:.2f}) — {v:.0f}× the variance, so it needs {v:.0f}× the "
              "samples for the same precision.", a=cfg.target, m=cfg.mu, s=cfg.sigma, g=exact, r=reparam.mean(),
              rs=reparam.std(), sf=score.mean(), ss=score.std(), v=ratio)
    return Result({"exact": exact, "reparameterized": {"mean": float(reparam.mean()), "std": float(reparam.std())},
                   "score_function": {"mean": float(score.mean()), "std": float(score.std())},
                   "variance_ratio": ratio, "autograd_matches_formula": bool(np.allclose(
                       reparam, 2 * (zs - cfg.target), rtol=1e-5))},
                  {"estimators": fig}, head)


# ------------------------------------------------------------------------------ CVAE
@experiment("generative.cvae", VAEConfig,
            "If the encoder and the decoder are told which digit it is, can we ask the decoder for a 7?",
            "q(z|x, c), p(x|z, c):  ELBO = E_q[log p(x|z, c)] − KL(q(z|x, c) ‖ N(0, I))",
            quick=dict(epochs=80))
def cvae(cfg, ctx):
    """Q: Can a VAE generate the class we ask for?

    A: yes: with the one-hot label beside x in the encoder and beside z in the decoder, z no longer
    needs to say which digit it is; decoding random z's with a chosen label gives that digit, as a
    classifier of real digits confirms, and moving z changes the style, not the class.
    """
    (xtr, ytr), (xte, yte) = binary_digits(ctx.seed)
    judge, judge_accuracy = digit_classifier(ctx.seed)
    cr.manual_seed(ctx.seed)
    model = VAE(64, cfg.latent_dim, hidden=(128,), num_classes=10)
    train_vae(model, xtr, ytr, cfg.epochs, cfg.lr, ctx)
    asked = np.repeat(np.arange(10), 50)
    with cr.no_grad():
        samples = model.sample(len(asked), cr.tensor(asked)).numpy()
    got = judge.predict(samples)
    accuracy = float((got == asked).mean())
    z = np.repeat(np.linspace(-1.5, 1.5, 8)[None], 10, 0).reshape(-1, 1) * np.ones((1, cfg.latent_dim))
    with cr.no_grad():
        sweep = model.decode(cr.tensor(z.astype(np.float32)), cr.tensor(np.repeat(np.arange(10), 8))).sigmoid().numpy()
    pictures = image_rows({str(c): sweep[8 * c:8 * c + 8] for c in range(10)},
                          tr("generative.cvae.rows", "Label c (rows) × z from −1.5 to 1.5 along the diagonal (columns)"),
                          shape=(8, 8))
    elbo = test_elbo(model, xte, yte)
    head = tr("generative.cvae.headline",
              "Asked for each digit 50 times, the CVAE's samples are recognized as the digit asked for {a:.0%} of the "
              "time (the classifier is {j:.0%} accurate on real digits; chance 10%). Test ELBO {e:.1f} nats.",
              a=accuracy, j=judge_accuracy, e=elbo)
    return Result({"accuracy": accuracy, "judge_accuracy": judge_accuracy, "elbo": elbo}, {"sweep": pictures}, head)


# ------------------------------------------------------------------------------ β-VAE
def moving_blob(n, rng, size=8, width=1.0):
    """n size×size images of one soft blob whose centre (x, y) is drawn uniformly: two known,
    independent factors of variation. Returns (images, factors)."""
    factors = rng.uniform(1.5, size - 2.5, (n, 2))
    grid = np.arange(size)
    dx = (grid[None, None, :] - factors[:, 0, None, None]) ** 2
    dy = (grid[None, :, None] - factors[:, 1, None, None]) ** 2
    images = np.exp(-(dx + dy) / (2 * width ** 2))
    return images.reshape(n, -1).astype(np.float32), factors


def disentanglement(codes, factors, active):
    """For each factor, how much better the latent unit most correlated with it explains it than the
    runner-up: mean over factors of |corr|₁ − |corr|₂ over the active units (1: each factor in a
    unit of its own; 0: factors smeared over several units)."""
    if active.sum() == 0:
        return 0.0
    corr = np.abs(np.corrcoef(codes[:, active].T, factors.T)[:active.sum(), active.sum():])   # units × factors
    top = np.sort(corr, axis=0)[::-1]
    second = top[1] if len(top) > 1 else np.zeros(top.shape[1])
    return float((top[0] - second).mean())


@dataclasses.dataclass
class BetaConfig:
    betas: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 4.0)
    latent_dim: int = 4
    n_train: int = 3000
    epochs: int = 60
    lr: float = 2e-3
    RANGES = {"betas": (0.0, 1000.0), "latent_dim": (2, 32), "n_train": (100, 100000), "epochs": (1, 5000),
              "lr": (1e-5, 0.1)}


@experiment("generative.beta_vae", BetaConfig,
            "β-VAE weighs the KL term by β. On images made by two known factors (a blob's x and y), what does a "
            "larger β cost in reconstruction, and does it make each latent unit carry one factor?",
            "L = −E_q[log p(x|z)] + β·KL(q(z|x) ‖ N(0, I))",
            quick=dict(betas=(0.1, 1.0, 4.0), n_train=1500, epochs=40))
def beta_vae(cfg, ctx):
    """Q: What does β do?

    A: the larger β, the more each latent unit must pay for the information it carries: the KL
    falls, the reconstruction gets worse and the units the data does not need switch off, leaving
    about one unit per factor — the pressure towards disentangled codes, bought with reconstruction
    quality. The score of how separately the two factors (x and y of the blob) sit in the units is
    drawn per β; it is noisy from seed to seed on this small problem, and a β too large switches
    every unit off (posterior collapse), leaving nothing to disentangle.
    """
    x, factors = moving_blob(cfg.n_train, ctx.rng)
    xte, fte = moving_blob(1000, ctx.rng)
    rows = []
    for beta in cfg.betas:
        cr.manual_seed(ctx.seed)
        model = VAE(64, cfg.latent_dim, hidden=(128,), beta=beta)
        train_vae(model, x, None, cfg.epochs, cfg.lr, ctx, desc=f"β = {beta}")
        with cr.no_grad():
            mu, logvar = (t.numpy() for t in model.encode(cr.tensor(xte)))
            _, parts = model.loss(cr.tensor(xte))
        kl_per_unit = 0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar).mean(0)
        active = kl_per_unit > 0.05
        rows.append({"beta": beta, "reconstruction": parts["reconstruction"], "kl": parts["kl"],
                     "active_units": int(active.sum()), "disentanglement": disentanglement(mu, fte, active)})
    fig, axes = figure(w=11, h=4, ncols=2)
    b = [r["beta"] for r in rows]
    axes[0].plot(b, [r["reconstruction"] for r in rows], "o-", label=tr("generative.reconstruction", "−E log p(x|z)"))
    axes[0].plot(b, [r["kl"] for r in rows], "s-", label="KL")
    axes[0].set(xscale="symlog", xlabel="β", title=tr("generative.beta_vae.terms", "The two terms on test images (nats)"))
    axes[0].legend()
    axes[1].plot(b, [r["disentanglement"] for r in rows], "o-", label=tr("generative.disentanglement", "disentanglement"))
    axes[1].plot(b, [r["active_units"] / cfg.latent_dim for r in rows], "s--",
                 label=tr("generative.active", "share of units in use"))
    axes[1].set(xscale="symlog", xlabel="β", ylim=(0, 1.05), title=tr("generative.beta_vae.factors", "Does each factor get its own unit?"))
    axes[1].legend()
    fig.tight_layout()
    lo, hi = rows[0], rows[-1]
    best = max(rows, key=lambda r: r["disentanglement"])
    head = tr("generative.beta_vae.headline",
              "β from {b0} to {b1}: reconstruction {r0:.1f} → {r1:.1f} nats, KL {k0:.1f} → {k1:.1f}, units in use {a0} → {a1} "
              "of {n}. The factors sit most separately at β = {bb} (score {db:.2f}; {d0:.2f} at β = {b0}, {d1:.2f} at "
              "β = {b1}).", b0=lo["beta"], b1=hi["beta"], r0=lo["reconstruction"], r1=hi["reconstruction"], k0=lo["kl"],
              k1=hi["kl"], a0=lo["active_units"], a1=hi["active_units"], n=cfg.latent_dim, bb=best["beta"],
              db=best["disentanglement"], d0=lo["disentanglement"], d1=hi["disentanglement"])
    return Result({"rows": rows}, {"beta": fig}, head)
