"""Lecture 10, the auto-encoder: x → encoder → a short code → decoder → x', trained to give x back.
As dimension reduction (against PCA at the same code size), as a denoiser, with a discrete code, and
as an anomaly detector (what it cannot rebuild, it has not seen)."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.methods.sample_quality import roc_auc
from chainrule.methods.unsupervised import PCA, KMeans
from chainrule.models.autoencoder import AutoEncoder, VectorQuantizer, add_noise, binarize

from ..common import (FASHION_CLASSES, bars, digit_pixels, evaluate, fashion_pixels, figure, fit_batches,
                      image_rows, purity)
from ..lang import tr
from ..registry import Result, experiment


def mse(model, x):
    """Mean squared reconstruction error per pixel of ``model`` (x → x') on x."""
    return float(((evaluate(model, x) - x) ** 2).mean())


def reconstruction_loss(model):
    return lambda b: ((model(b) - b) ** 2).mean()


# ------------------------------------------------------------------------------ AE vs PCA
@dataclasses.dataclass
class AEvsPCAConfig:
    codes: tuple[int, ...] = (2, 8)
    epochs: int = 150
    lr: float = 3e-3
    RANGES = {"codes": (1, 63), "epochs": (1, 2000), "lr": (1e-5, 0.1)}


@experiment("unsupervised.ae_vs_pca", AEvsPCAConfig,
            "An auto-encoder squeezes a digit into a few numbers and rebuilds it. With the same code size, "
            "does it keep more than PCA?",
            "minimize ‖x − g(f(x))‖²;  linear f, g: the best code spans PCA's first components",
            quick=dict(codes=(2,), epochs=60))
def ae_vs_pca(cfg, ctx):
    """Q: Is an auto-encoder a better dimension reduction than PCA?

    A: a linear auto-encoder (no hidden layer) learns exactly what PCA computes — its test error
    meets PCA's at every code size; with hidden ReLU layers the same code size keeps more, most of
    all when the code is tiny.
    """
    (xtr, _), (xte, yte) = digit_pixels(ctx.seed)
    errors = {"PCA": {}, "linear AE": {}, "deep AE": {}}
    models = {}
    for code in cfg.codes:
        models["PCA", code] = pca = PCA(code).fit(xtr)
        errors["PCA"][code] = float(((pca.inverse_transform(pca.transform(xte)) - xte) ** 2).mean())
        for name, hidden, lr in (("linear AE", (), cfg.lr * 3), ("deep AE", (128, 64), cfg.lr)):
            cr.manual_seed(ctx.seed)
            ae = AutoEncoder(64, code, hidden=hidden)
            fit_batches(ae.parameters(), (xtr,), reconstruction_loss(ae), cfg.epochs, 100, lr, ctx, desc=f"{name} {code}")
            errors[name][code] = mse(ae, xte)
            models[name, code] = ae
    fig, ax = figure()
    width = 0.8 / 3
    for i, (name, errs) in enumerate(errors.items()):
        ax.bar(np.arange(len(cfg.codes)) + (i - 1) * width, list(errs.values()), width, label=name)
    ax.set_xticks(range(len(cfg.codes)), [f"code = {c}" for c in cfg.codes])
    ax.set(title=tr("unsupervised.ae_vs_pca.title", "Test reconstruction error at equal code size"),
           ylabel=tr("unsupervised.mse", "mean squared error per pixel"))
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    code = cfg.codes[0]
    pca = models["PCA", code]
    rows = {tr("unsupervised.original", "original"): xte[:10],
            f"PCA ({code})": pca.inverse_transform(pca.transform(xte[:10])),
            f"deep AE ({code})": evaluate(models["deep AE", code], xte[:10])}
    pictures = image_rows(rows, tr("unsupervised.ae_vs_pca.rebuilt", "Test digits rebuilt from a code of {c} numbers", c=code),
                          shape=(8, 8))
    gap = max(abs(errors["linear AE"][c] / errors["PCA"][c] - 1) for c in cfg.codes)
    gain = errors["PCA"][code] / errors["deep AE"][code]
    same = (tr("unsupervised.ae_vs_pca.same", "it learns the same subspace") if gap < 0.1 else
            tr("unsupervised.ae_vs_pca.not_same", "not PCA's subspace this time"))
    better = (tr("unsupervised.ae_vs_pca.smaller", "{r:.1f}× smaller than PCA's", r=gain) if gain > 1 else
              tr("unsupervised.ae_vs_pca.larger", "larger than PCA's this time ({r:.2f}×)", r=1 / gain))
    head = tr("unsupervised.ae_vs_pca.headline",
              "With a code of {c} numbers: PCA's test error {p:.4f}, the linear auto-encoder's {l:.4f} (within "
              "{g:.1%} of PCA at every code size: {same}), the deep auto-encoder's {d:.4f} — {better}.", c=code,
              p=errors["PCA"][code], l=errors["linear AE"][code], g=gap, same=same, d=errors["deep AE"][code],
              better=better)
    return Result({"test_mse": {k: {str(c): v for c, v in e.items()} for k, e in errors.items()},
                   "linear_vs_pca_gap": gap, "deep_gain": gain}, {"errors": fig, "reconstructions": pictures}, head)


# ------------------------------------------------------------------------------ denoising
@dataclasses.dataclass
class DenoisingConfig:
    noise: float = 0.5
    code: int = 16
    epochs: int = 100
    lr: float = 2e-3
    RANGES = {"noise": (0.0, 2.0), "code": (1, 64), "epochs": (1, 2000), "lr": (1e-5, 0.1)}


@experiment("unsupervised.denoising", DenoisingConfig,
            "If the encoder only ever sees corrupted digits but must rebuild the clean ones, does it learn to "
            "remove noise?",
            "denoising auto-encoder: x̃ = x + σ·ε,  minimize ‖x − g(f(x̃))‖²",
            quick=dict(epochs=40))
def denoising(cfg, ctx):
    """Q: Does training on corrupted inputs teach an auto-encoder to clean them?

    A: given noisy test digits, the plain auto-encoder (trained on clean ones) passes much of the
    noise through; the denoising auto-encoder, trained to map x + noise back to x, returns digits far
    closer to the clean ones.
    """
    (xtr, _), (xte, _) = digit_pixels(ctx.seed)
    trained = {}
    for name, corrupt in (("plain AE", False), ("denoising AE", True)):
        cr.manual_seed(ctx.seed)
        ae = AutoEncoder(64, cfg.code, hidden=(128,))
        loss = (lambda b, ae=ae: ((ae(add_noise(b, cfg.noise)) - b) ** 2).mean()) if corrupt else reconstruction_loss(ae)
        fit_batches(ae.parameters(), (xtr,), loss, cfg.epochs, 100, cfg.lr, ctx, desc=name)
        trained[name] = ae
    noisy = (xte + cfg.noise * ctx.rng.standard_normal(xte.shape)).astype(np.float32)
    errors = {tr("unsupervised.noisy_input", "noisy input"): float(((noisy - xte) ** 2).mean())}
    for name, ae in trained.items():
        errors[name] = float(((evaluate(ae, noisy) - xte) ** 2).mean())
    fig = bars(errors, tr("unsupervised.denoising.title", "Distance to the clean test digits (noise σ = {s})", s=cfg.noise),
               tr("unsupervised.mse", "mean squared error per pixel"))
    rows = {tr("unsupervised.clean", "clean"): xte[:10], tr("unsupervised.noisy_input", "noisy input"): noisy[:10]}
    rows.update({name: evaluate(ae, noisy[:10]) for name, ae in trained.items()})
    pictures = image_rows(rows, tr("unsupervised.denoising.rows", "The same noisy digits through each auto-encoder"),
                          shape=(8, 8))
    plain, dae = errors["plain AE"], errors["denoising AE"]
    head = tr("unsupervised.denoising.headline",
              "On noisy test digits (σ = {s}) the plain auto-encoder's output is {p:.4f} from the clean digit, "
              "the denoising auto-encoder's {d:.4f} ({r:.1f}× closer); the noisy input itself was {n:.4f} away.",
              s=cfg.noise, p=plain, d=dae, r=plain / max(dae, 1e-12), n=next(iter(errors.values())))
    return Result({"error_to_clean": errors, "ratio": plain / max(dae, 1e-12)}, {"errors": fig, "digits": pictures}, head)


# ------------------------------------------------------------------------------ discrete code
class DiscreteAutoEncoder(nn.Module):
    """An AutoEncoder whose code passes through ``kind``: "continuous", "binary" (straight-through
    bits) or "one-hot" (a VQ codebook of ``codes`` vectors: one of k, i.e. a learned clustering)."""

    def __init__(self, kind, code=8, codes=10):
        super().__init__()
        self.kind = kind
        self.ae = AutoEncoder(64, code, hidden=(128,))
        self.vq = VectorQuantizer(codes, code) if kind == "one-hot" else None

    def quantize(self, h):
        """(the code the decoder sees, the codebook's extra loss) for encoder outputs h."""
        if self.kind == "binary":
            return binarize(h), 0
        if self.kind == "one-hot":
            z, loss, _ = self.vq(h)
            return z, loss
        return h, 0

    def forward(self, x):
        return self.ae.decode(self.quantize(self.ae.encode(x))[0])

    def loss(self, x):
        z, extra = self.quantize(self.ae.encode(x))
        return ((self.ae.decode(z) - x) ** 2).mean() + extra

    def groups(self, x):
        """The discrete code of each sample as one number: the bits read as binary, or k."""
        with cr.no_grad():
            h = self.ae.encode(cr.tensor(x))
            if self.kind == "binary":
                return binarize(h).numpy() @ (2 ** np.arange(h.shape[1]))
            return self.vq(h)[2].numpy()


@dataclasses.dataclass
class DiscreteConfig:
    code: int = 8
    codes: int = 10
    epochs: int = 100
    lr: float = 2e-3
    RANGES = {"code": (1, 16), "codes": (2, 256), "epochs": (1, 2000), "lr": (1e-5, 0.1)}


@experiment("unsupervised.discrete_latent", DiscreteConfig,
            "What if the code must be discrete — a few bits, or one of k choices? What does the auto-encoder "
            "keep, and what do the codes mean?",
            "binary: z = 1[σ(h) > ½];  one of k: z = e_k, k = argmin ‖h − e_k‖ (vector quantization); "
            "both trained straight through: ∂z/∂h := ∂σ(h)/∂h or I",
            quick=dict(epochs=40))
def discrete_latent(cfg, ctx):
    """Q: What does a discrete code keep?

    A: a continuous code of 8 numbers rebuilds best, 8 bits (256 possible codes) next, one choice
    among 10 codebook vectors worst — but that one-of-k code is a clustering: its groups are about as
    pure in digit labels as k-means', learned only from rebuilding.
    """
    (xtr, _), (xte, yte) = digit_pixels(ctx.seed)
    errors, used, pure = {}, {}, {}
    for kind in ("continuous", "binary", "one-hot"):
        cr.manual_seed(ctx.seed)
        model = DiscreteAutoEncoder(kind, cfg.code, cfg.codes)
        fit_batches(model.parameters(), (xtr,), model.loss, cfg.epochs, 100, cfg.lr, ctx, desc=kind)
        errors[kind] = mse(model, xte)
        if kind != "continuous":
            groups = model.groups(xte)
            used[kind], pure[kind] = len(np.unique(groups)), purity(groups, yte)
            if kind == "one-hot":
                centres = evaluate(lambda e: model.ae.decode(e), model.vq.codebook.weight.detach().numpy())
    kmeans_purity = purity(KMeans(cfg.codes, n_init=2, random_state=ctx.seed).fit(xtr).predict(xte), yte)
    fig = bars(errors, tr("unsupervised.discrete_latent.title", "Test reconstruction error by kind of code"),
               tr("unsupervised.mse", "mean squared error per pixel"))
    pictures = image_rows({tr("unsupervised.decoded_codes", "decoded codebook"): centres},
                          tr("unsupervised.discrete_latent.codebook", "What each of the {k} one-of-k codes decodes to", k=cfg.codes),
                          shape=(8, 8))
    head = tr("unsupervised.discrete_latent.headline",
              "Test error: continuous code {c:.4f}, {b} bits {bi:.4f} ({ub} distinct codes used), one of {k} "
              "{o:.4f}. The one-of-{k} code groups the test digits with purity {po:.0%} — k-means with k = {k} "
              "reaches {pk:.0%}: a discrete bottleneck is a clustering.", c=errors["continuous"], b=cfg.code,
              bi=errors["binary"], ub=used["binary"], k=cfg.codes, o=errors["one-hot"], po=pure["one-hot"],
              pk=kmeans_purity)
    return Result({"test_mse": errors, "codes_used": used, "purity": pure, "kmeans_purity": kmeans_purity},
                  {"errors": fig, "codebook": pictures}, head)


# ------------------------------------------------------------------------------ anomaly detection
@dataclasses.dataclass
class AnomalyConfig:
    normal_class: int = 0
    code: int = 16
    n_train: int = 3000
    epochs: int = 15
    lr: float = 2e-3
    RANGES = {"normal_class": (0, 9), "code": (1, 256), "n_train": (100, 6000), "epochs": (1, 200),
              "lr": (1e-5, 0.1)}


@experiment("unsupervised.anomaly", AnomalyConfig,
            "Train an auto-encoder only on one kind of clothing (T-shirts by default). Can its reconstruction "
            "error tell that kind from everything else in the test set?",
            "anomaly score s(x) = ‖x − g(f(x))‖²;  ROC-AUC = P(s(anomaly) > s(normal))",
            quick=dict(n_train=1000, epochs=8))
def anomaly(cfg, ctx):
    """Q: Can reconstruction error detect what the training data never showed?

    A: yes: an auto-encoder trained only on one Fashion-MNIST class rebuilds that class well and the
    others badly, so its error separates normal from anomalous test images with a high ROC-AUC (PCA's
    error at the same code size is a strong baseline); the hardest anomalies are the classes that
    look most like the normal one.
    """
    (xtr, _), (xte, yte) = fashion_pixels(ctx.seed, cfg.n_train, classes=[cfg.normal_class])
    xtr, xte = xtr.reshape(len(xtr), -1), xte.reshape(len(xte), -1)
    is_anomaly = (yte != cfg.normal_class).astype(int)
    cr.manual_seed(ctx.seed)
    ae = AutoEncoder(784, cfg.code, hidden=(128,), output="sigmoid")
    fit_batches(ae.parameters(), (xtr,), reconstruction_loss(ae), cfg.epochs, 64, cfg.lr, ctx)
    score = ((evaluate(ae, xte) - xte) ** 2).mean(1)
    pca = PCA(cfg.code).fit(xtr)
    pca_score = ((pca.inverse_transform(pca.transform(xte)) - xte) ** 2).mean(1)
    auc, pca_auc = roc_auc(score, is_anomaly), roc_auc(pca_score, is_anomaly)
    normal = yte == cfg.normal_class
    per_class = {FASHION_CLASSES[c]: roc_auc(np.r_[score[normal], score[yte == c]],
                                             np.r_[np.zeros(normal.sum()), np.ones((yte == c).sum())])
                 for c in range(10) if c != cfg.normal_class and (yte == c).any()}
    hardest = min(per_class, key=per_class.get)

    fig, axes = figure(w=11, h=4, ncols=2)
    for label, s in ((tr("unsupervised.autoencoder", "auto-encoder"), score), ("PCA", pca_score)):
        order = np.argsort(-s)
        tpr = np.r_[0, np.cumsum(is_anomaly[order]) / is_anomaly.sum()]
        fpr = np.r_[0, np.cumsum(1 - is_anomaly[order]) / (1 - is_anomaly).sum()]
        axes[0].plot(fpr, tpr, label=f"{label} (AUC {roc_auc(s, is_anomaly):.3f})")
    axes[0].plot([0, 1], [0, 1], "k:", lw=1)
    axes[0].set(title=tr("unsupervised.anomaly.roc", "ROC: normal = {c}", c=FASHION_CLASSES[cfg.normal_class]),
                xlabel=tr("unsupervised.fpr", "false positive rate"), ylabel=tr("unsupervised.tpr", "true positive rate"))
    axes[0].legend()
    names = list(per_class)
    axes[1].barh(names, [per_class[n] for n in names])
    axes[1].set(xlim=(0.5, 1.0), title=tr("unsupervised.anomaly.by_class", "AUC against each other class"), xlabel="ROC-AUC")
    fig.tight_layout()
    worst_normal = np.argsort(-np.where(normal, score, -1))[:5]
    best_anomaly = np.argsort(np.where(normal, np.inf, score))[:5]
    rows = {tr("unsupervised.anomaly.typical", "most typical"): xte[np.argsort(score)[:5]],
            tr("unsupervised.anomaly.odd_normal", "oddest normal"): xte[worst_normal],
            tr("unsupervised.anomaly.sneaky", "sneakiest anomalies"): xte[best_anomaly],
            tr("unsupervised.anomaly.obvious", "most obvious"): xte[np.argsort(-score)[:5]]}
    pictures = image_rows(rows, tr("unsupervised.anomaly.examples", "Test images ranked by reconstruction error"), shape=(28, 28))
    head = tr("unsupervised.anomaly.headline",
              "Trained only on {n} images of '{c}', the auto-encoder's reconstruction error separates that class "
              "from the other nine with ROC-AUC {a:.3f} (PCA with the same {k} numbers: {p:.3f}). Hardest anomaly: "
              "'{h}' (AUC {ha:.3f}).", n=len(xtr), c=FASHION_CLASSES[cfg.normal_class], a=auc, k=cfg.code, p=pca_auc,
              h=hardest, ha=per_class[hardest])
    return Result({"auc": auc, "pca_auc": pca_auc, "auc_by_class": per_class, "hardest": hardest},
                  {"roc": fig, "examples": pictures}, head)
